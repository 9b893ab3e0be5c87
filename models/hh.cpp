// SPDX-License-Identifier: BSD-3-Clause
#include "models/hh.hpp"

#include "models/hh_kernel.hpp"

namespace neurotwin {

namespace {

// Default initial V_m: NEURON's finitialize(-65) and NEST hh_psc_alpha's V_m, whatever E_L is.
constexpr double V_init = -65.0;  // [mV]

std::vector<param_info> hh_params() {
    auto p = detail::hh_param_rows(100.0, 12000.0, 3600.0, 30.0, 50.0, -77.0, -54.3, 0.0);
    p.push_back({"celsius", dimension::none, 6.3, range::between(-50.0, 100.0),
                 "temperature (deg C); rates scale with Q10 = 3 from 6.3"});
    return detail::with_synapse_params(std::move(p), 0.2, 2.0, 0.0, -80.0);
}

detail::hh_cell cell_of(const param_lookup& p) {
    return {p["C_m"], p["g_Na"], p["g_K"], p["g_L"], p["E_Na"], p["E_K"], p["E_L"],
            detail::q10_factor(p["celsius"])};
}

}  // namespace

const model_info hh_info{
    .name = "hh",
    .summary = "Hodgkin-Huxley (1952) point neuron, NEURON's hh rates, NEST names and absolute "
               "units, Boost.Odeint dopri5, interpolated spike times; starts at V_m = -65 mV, gates at steady state" +
               detail::integrators_note() + detail::synapses_note(detail::all_synapse_types()),
    .kind = model_kind::spiking,
    .params = hh_params(),
    .state = detail::hh_state_rows(V_init),
    .check = {},
    .create = [](const population_init& init) -> std::unique_ptr<population> {
        std::vector<double> q(init.size);
        const auto& celsius = init.param("celsius");
        for (std::size_t i = 0; i < init.size; ++i) {
            q[i] = detail::q10_factor(celsius[i]);
        }
        return std::make_unique<detail::hh_population<detail::hh_kinetics>>(hh_info, init,
                                                                             std::move(q), V_init);
    },
    .rest_param = "E_L",
    .calibrate =
        [](const param_lookup& p) {
            // Shifting E_L by dE is exactly an injected current g_L dE, so R = 1/g_L. Without
            // input a twin's cell starts at V_init in the E_L its bias sets and fires
            // repetitively from E_L + I_r / g_L on, I_r the current from which a cell started
            // there fires repetitively: below the Hopf point of the rest (onset_current,
            // ~9.8 uA/cm2), since HH is bistable above ~6.3 uA/cm2.
            const auto c = cell_of(p);
            const double I_c =
                detail::repetitive_onset_current<detail::hh_kinetics>(c, V_init, p["V_spike"]);
            // membrane potential at the onset: the rest under I_c (stable: below the Hopf point)
            const double V_c = std::isfinite(I_c)
                                   ? detail::resting_potential<detail::hh_kinetics>(c, I_c)
                                   : c.E_L;
            return twin_calibration{1.0 / c.g_L, c.E_L + I_c / c.g_L, p["tau_syn_ex"],
                                    p["tau_syn_in"], std::isnan(V_c) ? c.E_L : V_c};
        },
    .stateless = false,
    .precise_spike_times = true,
    .synapses = detail::all_synapse_types(),
    .presets = {},
    .compartmental = false,
    .integrators = detail::hh_integrators(),
};

}  // namespace neurotwin
