// SPDX-License-Identifier: BSD-3-Clause
// gif_psc_exp - the generalized integrate-and-fire neuron of Mensi et al. (2012,
// doi:10.1152/jn.00408.2011) and Pozzorini et al. (2015, doi:10.1371/journal.pcbi.1004275),
// after NEST's gif_psc_exp: a leaky membrane with spike-triggered currents, a moving
// threshold, escape noise and exponential current synapses.
//
//   C_m dV_m/dt = -g_L (V_m - E_L) - sum_j eta_j + I_syn_ex + I_syn_in + I_e + I_stim
//   tau_stc[j] deta_j/dt = -eta_j         eta_j += q_stc[j] at each spike      [pA]
//   V_T = V_T_star + sum_k gamma_k                                              [mV]
//   tau_sfa[k] dgamma_k/dt = -gamma_k     gamma_k += q_sfa[k] at each spike    [mV]
//   lambda = lambda_0 exp((V_m - V_T) / Delta_V)                               [Hz]
//
// The kernels (tau_stc, q_stc, tau_sfa, q_sfa) are list parameters: any number of each, the
// same for every neuron. In a step of length h a neuron that is not refractory fires with
// probability 1 - exp(-lambda h), lambda taken at the end of the step, drawn from the
// population's counter-based stream (sim/random.hpp) at block (neuron, step): the same
// spikes for any thread count. At a spike V_m is set to V_reset and held there for t_ref
// (rounded to steps; no spike is drawn meanwhile), while synapses and kernels go on.
//
// Integration: the linear system (membrane, synaptic currents, spike-triggered currents) is
// propagated exactly over each step, as lif does: an exponentially decaying current enters
// V_m through the propagator of detail::psc_propagator (models/lif.hpp), and a current held
// over the step through (1 - e^{-h/tau_m}) / g_L, tau_m = C_m / g_L. Synaptic jumps arriving
// in a step are added at its end, as in NEST.
//
// Differences from NEST: NEST holds the spike-triggered currents constant over a step, takes
// the synaptic currents after this step's jumps and the threshold from before the step's
// decay; here all three are exact in continuous time over the step. NEST leaves V_m as it
// is in the step of a spike (and does not reset it at all when t_ref = 0); here V_m is
// V_reset from the step of the spike on. Spikes are stamped at the end of their step.
#pragma once

#include "sim/model_api.hpp"

namespace neurotwin {

extern const model_info gif_psc_exp_info;

}  // namespace neurotwin
