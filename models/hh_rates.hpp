// SPDX-License-Identifier: BSD-3-Clause
// Gating rates of the Hodgkin-Huxley (1952) squid axon channels as NEURON's hh mechanism
// defines them (mV, 1/ms), shared by the point model `hh` and the hh channels of `mc_cell`.
// The temperature factor q = 3^((celsius - 6.3)/10) multiplies every rate. NEURON's
// alpha_m = 0.1 (V+40) / (1 - e^{-(V+40)/10}) is written 1.0 * x/(1 - e^-x), x = (V+40)/10,
// through a helper exact at x = 0 (likewise alpha_n). Internal to models/.
#pragma once

#include <cmath>

#include "models/point_common.hpp"

namespace neurotwin::detail {

struct gating_rates {
    double am, bm, ah, bh, an, bn;  // [1/ms]
};

struct hh_kinetics {
    static gating_rates rates(double q, double V) {
        return {q * 1.0 * x_over_1_minus_exp_neg((V + 40.0) / 10.0),
                q * 4.0 * std::exp(-(V + 65.0) / 18.0),
                q * 0.07 * std::exp(-(V + 65.0) / 20.0),
                q / (1.0 + std::exp(-(V + 35.0) / 10.0)),
                q * 0.1 * x_over_1_minus_exp_neg((V + 55.0) / 10.0),
                q * 0.125 * std::exp(-(V + 65.0) / 80.0)};
    }
};

inline double q10_factor(double celsius) {
    return std::pow(3.0, (celsius - 6.3) / 10.0);
}

}  // namespace neurotwin::detail
