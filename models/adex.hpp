// SPDX-License-Identifier: BSD-3-Clause
// adex - adaptive exponential integrate-and-fire neuron, Brette & Gerstner (2005),
// J. Neurophysiol. 94:3637, doi:10.1152/jn.00686.2005; names and units as NEST's aeif models.
//
//   C_m dV_m/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_T)/Delta_T) - w + I_syn + I_e + I_stim
//   tau_w dw/dt = a (V - E_L) - w
//   V_m >= V_peak  ->  spike, V_m = V_reset, w += b, V_m clamped at V_reset for t_ref
//
// with V = min(V_m, V_peak) on the right-hand side (as NEST): the exponential is evaluated at
// most at (V_peak - V_T)/Delta_T, which the parameter check bounds, so spike onset cannot
// overflow to infinity or NaN even inside an RK4 stage that overshoots. Delta_T = 0 is the
// leaky integrate-and-fire limit (no exponential term, threshold V_peak).
//
// Presets: the firing patterns of Naud, Marcille, Clopath & Gerstner (2008), Biol. Cybern.
// 99:335, doi:10.1007/s00422-008-0264-7 (Table 1, values as in Brian 2's example of the
// paper): tonic, adapting, initial_burst, regular_bursting, delayed (delayed accelerating),
// delayed_bursting, transient, irregular. A preset sets the cell parameters; the pattern
// appears under the step current of the paper, given in the preset's description.
//
// Integration: classical RK4 on equal substeps of at most h_max (default 0.025 ms), shortened
// on the upstroke to 0.2 of the local time scale C_m / (g_L e^((V - V_T)/Delta_T)) (the
// exponential is a finite-time blow-up that fixed steps would step over); the crossing of
// V_peak is located by refining its substep and bisecting the RK4 step length, and the reset
// applied at that time (as izhikevich; precise_spike_times). Subthreshold, halving h_max
// divides the error by ~16 (order 4); spike times are within 1e-6 ms of a 250x finer
// reference at the default h_max (tests/models/test_adex.cpp). Refractoriness ends at the
// exact time spike + t_ref. Synaptic jumps of a step are added at its end, as in NEST.
#pragma once

#include "sim/model_api.hpp"

namespace neurotwin {

extern const model_info adex_info;

}  // namespace neurotwin
