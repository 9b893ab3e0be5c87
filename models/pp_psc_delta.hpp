// SPDX-License-Identifier: BSD-3-Clause
// pp_psc_delta - a point-process (escape-noise) neuron with delta synapses, after NEST's
// pp_psc_delta (Cardanobile & Rotter 2010, doi:10.1007/s10827-009-0180-4; Jolivet et al.
// 2006, doi:10.1007/s10827-006-7074-5): the membrane integrates its input, and instead of a
// threshold it fires with an instantaneous rate that grows with the voltage.
//
//   tau_m dV_m/dt = -(V_m - E_L) + tau_m/C_m (I_e + I_stim)
//   a spike of weight J (mV) moves V_m by J in the step it arrives
//   rate(t) = max(0, c_1 u + c_2 exp(c_3 u)),  u = V_m - E_L          [Hz]
//
// In each step of length h a neuron that is not dead fires with probability
// 1 - exp(-rate h), drawn from the population's counter-based stream (sim/random.hpp) at
// block (neuron, step): the same spikes for any thread count. After a spike V_m is reset to
// E_L (with_reset = 1, NEST's default) and the neuron is dead for `dead_time` (in steps,
// rounded to the nearest): the steps after a spike draw no spike until that many have
// passed. V_m integrates through the dead time, exactly (exponential propagator over h).
//
// Differences from NEST: at most one spike per step (NEST draws a Poisson count when
// dead_time = 0); no spike-frequency adaptation (NEST's tau_sfa, q_sfa) and no random dead
// time. Spikes are stamped at the end of their step.
#pragma once

#include "sim/model_api.hpp"

namespace neurotwin {

extern const model_info pp_psc_delta_info;

}  // namespace neurotwin
