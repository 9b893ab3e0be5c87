// SPDX-License-Identifier: BSD-3-Clause
#include "models/hh_traub.hpp"

#include "models/hh_kernel.hpp"

namespace neurotwin {

namespace detail {

// Traub-Miles rates; the kinetics parameter is V_T. z/(e^z - 1) = g(-z) with
// g(x) = x/(1 - e^-x).
struct traub_kinetics {
    static gating_rates rates(double V_T, double V) {
        const double u = V - V_T;  // [mV]
        return {0.32 * 4.0 * x_over_1_minus_exp_neg((u - 13.0) / 4.0),
                0.28 * 5.0 * x_over_1_minus_exp_neg((40.0 - u) / 5.0),
                0.128 * std::exp((17.0 - u) / 18.0),
                4.0 / (1.0 + std::exp((40.0 - u) / 5.0)),
                0.032 * 5.0 * x_over_1_minus_exp_neg((u - 15.0) / 5.0),
                0.5 * std::exp((10.0 - u) / 40.0)};
    }
};

}  // namespace detail

namespace {

// Default initial V_m: NEST hh_cond_exp_traub's, its default E_L, whatever E_L is set to.
constexpr double V_init = -60.0;  // [mV]

std::vector<param_info> traub_params() {
    auto p = detail::hh_param_rows(200.0, 20000.0, 6000.0, 10.0, 50.0, -90.0, -60.0, -20.0);
    p.push_back({"V_T", dimension::voltage, -63.0, range::any(),
                 "voltage offset of the rate functions"});
    return detail::with_synapse_params(std::move(p), 5.0, 10.0, 0.0, -80.0);
}

}  // namespace

const model_info hh_traub_info{
    .name = "hh_traub",
    .summary = "Traub-Miles Hodgkin-Huxley point neuron of the COBAHH benchmark (as NEST "
               "hh_cond_exp_traub), Boost.Odeint dopri5, interpolated spike times; starts at V_m = -60 mV, gates at steady state" +
               detail::integrators_note() + detail::synapses_note({synapse_type::exp_cond, synapse_type::alpha_cond,
                                      synapse_type::exp_current, synapse_type::alpha_current}),
    .kind = model_kind::spiking,
    .params = traub_params(),
    .state = detail::hh_state_rows(V_init),
    .check = {},
    .create = [](const population_init& init) -> std::unique_ptr<population> {
        return std::make_unique<detail::hh_population<detail::traub_kinetics>>(
            hh_traub_info, init, init.param("V_T"), V_init);
    },
    .rest_param = "E_L",
    .calibrate =
        [](const param_lookup& p) {
            // As hh: R = 1/g_L (an E_L shift is a current g_L dE), onset where a cell started
            // at V_init fires repetitively (negative at the COBAHH densities: the cell fires
            // without input and stops below E_L - 3.5 mV).
            const detail::hh_cell c{p["C_m"], p["g_Na"], p["g_K"], p["g_L"],
                                    p["E_Na"], p["E_K"], p["E_L"], p["V_T"]};
            const double I_c =
                detail::repetitive_onset_current<detail::traub_kinetics>(c, V_init, p["V_spike"]);
            const double V_c =
                std::isfinite(I_c) ? detail::resting_potential<detail::traub_kinetics>(c, I_c)
                                   : c.E_L;
            return twin_calibration{1.0 / c.g_L, c.E_L + I_c / c.g_L, p["tau_syn_ex"],
                                    p["tau_syn_in"], std::isnan(V_c) ? c.E_L : V_c};
        },
    .stateless = false,
    .precise_spike_times = true,
    .synapses = {synapse_type::exp_cond, synapse_type::alpha_cond, synapse_type::exp_current,
                 synapse_type::alpha_current},
    .presets = {},
    .compartmental = false,
    .integrators = detail::hh_integrators(),
};

}  // namespace neurotwin
