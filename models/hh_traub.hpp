// SPDX-License-Identifier: BSD-3-Clause
// hh_traub - Traub & Miles (1991) Hodgkin-Huxley type point neuron as used in the COBAHH
// benchmark (Brette et al. 2007, J. Comput. Neurosci. 23:349, doi:10.1007/s10827-007-0038-6;
// Brian 2's examples/COBAHH.py, NEST's hh_cond_exp_traub): membrane area 20,000 um^2, so
// C_m 200 pF, g_L 10 nS, g_Na 20 uS, g_K 6 uS; E_L -60, E_K -90, E_Na 50 mV, V_T -63 mV;
// default synapses exp_cond with tau_syn 5/10 ms and E_ex 0 / E_in -80 mV. With u = V - V_T:
//   alpha_m = 0.32 (13-u)/(e^((13-u)/4) - 1)   beta_m = 0.28 (u-40)/(e^((u-40)/5) - 1)
//   alpha_h = 0.128 e^((17-u)/18)              beta_h = 4/(1 + e^((40-u)/5))
//   alpha_n = 0.032 (15-u)/(e^((15-u)/5) - 1)  beta_n = 0.5 e^((10-u)/40)
// (the x/(e^x - 1) forms through a helper exact at x = 0). Spike: upward crossing of V_spike
// = -20 mV (Brian's threshold). Equations and integration: models/hh_kernel.hpp. V_m starts at
// -60 mV unless `init` gives it, as in NEST's hh_cond_exp_traub (V_m = the default E_L, which a
// later E_L does not move), m, h, n at their steady states there under these rates (NEST
// evaluates them without V_T, a quirk not copied); Brian2's COBAHH draws its own initial V
// (scenarios/benchmarks/cobahh.toml states it in `init`).
#pragma once

#include "sim/model_api.hpp"

namespace neurotwin {

extern const model_info hh_traub_info;

}  // namespace neurotwin
