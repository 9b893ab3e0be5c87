// SPDX-License-Identifier: BSD-3-Clause
// hh - Hodgkin & Huxley (1952) squid giant axon as a point neuron, J. Physiol. 117:500,
// doi:10.1113/jphysiol.1952.sp004764, with NEST's parameter names and absolute units
// (hh_psc_alpha) and the rate functions of NEURON's `hh` mechanism (V in mV, rates in 1/ms,
// scaled by q = 3^((celsius - 6.3)/10)):
//   alpha_m = 0.1 (V+40)/(1 - e^-(V+40)/10)   beta_m = 4 e^-(V+65)/18
//   alpha_h = 0.07 e^-(V+65)/20               beta_h = 1/(1 + e^-(V+35)/10)
//   alpha_n = 0.01 (V+55)/(1 - e^-(V+55)/10)  beta_n = 0.125 e^-(V+65)/80
// The x/(1 - e^-x) forms go through a helper exact at x = 0. Defaults: the 1952 densities on
// 1e-4 cm^2 (C_m 100 pF = 1 uF/cm^2; 10 uA/cm^2 = 1000 pA). Equations, integration (dopri5,
// tolerance `tol`, default 1e-6) and spike detection: models/hh_kernel.hpp. Without input the
// cell rests at -64.974 mV. V_m starts at -65 mV unless `init` gives it (NEURON's
// finitialize(-65), NEST hh_psc_alpha's V_m), m, h, n at their steady states at the initial
// V_m: a constant start, not the rest of the given E_L, so that a cell whose E_L (or twin
// bias) lies past the onset fires (its fixed point is unstable, a cell started on it would
// stay), and an E_L shift dE acts exactly as the current g_L dE. First 10 spike times under 1 nA from t = 10 ms agree with
// NEURON's hh (exact rates) + CVODE (tests/reference/hh_spike_times.py) to ~1e-6 ms at the
// defaults (tests/models/test_hh.cpp).
#pragma once

#include "sim/model_api.hpp"

namespace neurotwin {

extern const model_info hh_info;

}  // namespace neurotwin
