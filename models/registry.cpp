// SPDX-License-Identifier: BSD-3-Clause
// The one list of all models. Adding a model = adding its files in models/ and a line here
// (explicit, no self-registering statics that a static library could silently drop).
#include "models/registry.hpp"

#include "models/adex.hpp"
#include "models/artificial.hpp"
#include "models/gif_psc_exp.hpp"
#include "models/hh.hpp"
#include "models/hh_traub.hpp"
#include "models/izhikevich.hpp"
#include "models/lif.hpp"
#include "models/mc_cell.hpp"
#include "models/pp_psc_delta.hpp"
#include "models/rate_source.hpp"

namespace neurotwin {

const model_registry& builtin_models() {
    static const model_registry models({
        &lif_info,
        &rate_source_info,
        &perceptron_info,
        &sigmoid_info,
        &tanh_info,
        &relu_info,
        &leaky_relu_info,
        &linear_info,
        &izhikevich_info,
        &adex_info,
        &hh_info,
        &hh_traub_info,
        &mc_cell_info,
        &pp_psc_delta_info,
        &gif_psc_exp_info,
    });
    return models;
}

}  // namespace neurotwin
