// SPDX-License-Identifier: BSD-3-Clause
// lif - leaky integrate-and-fire neuron with exponential current synapses (as NEST's
// iaf_psc_exp; Rotter & Diesmann 1999, doi:10.1007/s004220050570).
//
//   C_m dV_m/dt = -C_m (V_m - E_L)/tau_m + I_syn_ex + I_syn_in + I_e + I_stim
//   dI_syn_ex/dt = -I_syn_ex/tau_syn_ex        dI_syn_in/dt = -I_syn_in/tau_syn_in
//   V_m >= V_th  ->  spike, V_m = V_reset, clamped for t_ref.
//
// With `synapse = "delta"` (as NEST's iaf_psc_delta) a spike of weight J (mV) moves V_m by J
// in the step it arrives, after the membrane update and before the threshold test; spikes that
// arrive while the neuron is refractory are lost.
//
// Integration: exact exponential propagators over one step h (the linear system is solved in
// closed form; the only error is that a threshold crossing is detected at the end of the step
// in which it happens, so spike times lie on the grid, late by less than h). Synaptic jumps
// arriving in a step are added to I_syn after the membrane update, as in NEST. The
// tau_m == tau_syn limit is handled without cancellation (expm1).
#pragma once

#include "sim/model_api.hpp"

namespace neurotwin {

extern const model_info lif_info;

namespace detail {
// Propagator from a synaptic current (decaying with tau_s) to V over h:
//   P = 1/C * tau_m tau_s/(tau_s - tau_m) * (exp(-h/tau_s) - exp(-h/tau_m)),
// computed stably, with the limit h/C * exp(-h/tau_m) for tau_s == tau_m.   [mV/pA]
double psc_propagator(double h, double tau_m, double tau_s, double C_m);
}  // namespace detail

}  // namespace neurotwin
