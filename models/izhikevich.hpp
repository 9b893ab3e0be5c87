// SPDX-License-Identifier: BSD-3-Clause
// izhikevich - simple model of Izhikevich (2003), IEEE Trans. Neural Netw. 14:1569,
// doi:10.1109/TNN.2003.820440, with NEST's units (izhikevich): V_m in mV, U_m and currents in
// pA, time in ms; the equation implies a capacitance of 1 pF (1 pA moves V_m by 1 mV/ms).
//
//   dV_m/dt = 0.04 V_m^2 + 5 V_m + 140 - U_m + I_syn + I_e + I_stim
//   dU_m/dt = a (b V_m - U_m)
//   V_m >= V_peak  ->  spike, V_m = c, U_m += d
//
// Presets (`preset = "RS"`, ...) are the parameter sets of the paper's Fig. 2: RS, IB, CH,
// FS, LTS, TC, RZ. Synapses: exp_current (default), alpha_current, exp_cond, alpha_cond.
//
// Integration: classical RK4 on equal substeps of at most h_max (default 0.025 ms) per step,
// synaptic variables included in the state. A crossing of V_peak is located within its
// substep by bisection on the RK4 step length (the RK4 step is a 4th-order approximation of
// the trajectory for any length), the reset is applied at that time and integration resumes
// from it, so spike times are not tied to the grid (precise_spike_times) and the scheme
// keeps order 4 through resets: an RS cell under 10 pA for 200 ms has spike-time errors of
// 1.2e-4, 5.6e-6 and 2.3e-7 ms at h_max = 0.1, 0.05, 0.025 ms (ratios 22 and 24 >= 2^4;
// tests/models/test_izhikevich.cpp). The paper's 2 x 0.5 ms forward-Euler half steps are
// first-order and off by milliseconds within a few spikes. At most one spike per step is
// reported
// (the first); at dt = 0.1 ms that limits rates to 10 kHz. Synaptic jumps of a step are added
// at its end, as in NEST.
#pragma once

#include "sim/model_api.hpp"

namespace neurotwin {

extern const model_info izhikevich_info;

}  // namespace neurotwin
