// SPDX-License-Identifier: BSD-3-Clause
#include "models/pp_psc_delta.hpp"

#include <cmath>

#include "sim/random.hpp"

namespace neurotwin {

namespace {

class pp_psc_delta_population final : public population {
public:
    explicit pp_psc_delta_population(const population_init& init)
        : population(pp_psc_delta_info, init.name, init.size),
          tau_m_(init.param("tau_m")),
          C_m_(init.param("C_m")),
          E_L_(init.param("E_L")),
          I_e_(init.param("I_e")),
          c_1_(init.param("c_1")),
          c_2_(init.param("c_2")),
          c_3_(init.param("c_3")),
          dead_time_(init.param("dead_time")),
          with_reset_(init.param("with_reset")),
          V_m_(init.initial("V_m", init.param("E_L"))),
          dead_(init.size, 0.0),
          rng_(init.seed, init.stream) {
        bind("V_m", V_m_);
    }

    void prepare(double h) override {
        const std::size_t n = size();
        h_ = h;
        P22_.resize(n);
        P20_.resize(n);
        dead_steps_.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            P22_[i] = std::exp(-h / tau_m_[i]);
            P20_[i] = -tau_m_[i] / C_m_[i] * std::expm1(-h / tau_m_[i]);  // [mV/pA]
            dead_steps_[i] = static_cast<double>(
                steps_of(dead_time_[i], h, step_rounding::nearest).value_or(max_steps));
        }
    }

    void update(step_t step, index_t lo, index_t hi, const step_inputs& in,
                update_status& status) override {
        auto spiked = this->spiked();
        for (index_t i = lo; i < hi; ++i) {
            const double I = I_e_[i] + (in.has_cont ? in.cont[i] : 0.0);  // [pA]
            double v = E_L_[i] + (V_m_[i] - E_L_[i]) * P22_[i] + I * P20_[i] + in.ex[i] +
                       in.in[i];  // [mV]
            bool spike = false;
            if (dead_[i] > 0.0) {
                dead_[i] -= 1.0;
            } else {
                const double u = v - E_L_[i];
                const double rate = std::max(0.0, c_1_[i] * u + c_2_[i] * std::exp(c_3_[i] * u));
                const double p = -std::expm1(-rate * h_ * 1e-3);
                spike = rng_.uniform(i, static_cast<std::uint64_t>(step)) < p;
            }
            if (spike) {
                dead_[i] = dead_steps_[i];
                if (with_reset_[i] != 0.0) {
                    v = E_L_[i];
                }
            }
            V_m_[i] = v;
            spiked[i] = spike ? 1 : 0;
            if (!std::isfinite(v)) {
                status.note_fault(i, "V_m", v);
            }
        }
    }

private:
    std::vector<double> tau_m_, C_m_, E_L_, I_e_, c_1_, c_2_, c_3_, dead_time_, with_reset_;
    aligned_column V_m_;
    aligned_column dead_;  // steps of dead time left (written by the threads, each its own)
    std::vector<double> P22_, P20_, dead_steps_;
    double h_ = 0.1;
    counter_rng rng_;
};

}  // namespace

const model_info pp_psc_delta_info{
    .name = "pp_psc_delta",
    .summary = "point-process (escape-noise) neuron, delta synapses, exponential hazard (as "
               "NEST pp_psc_delta, without adaptation); stochastic",
    .kind = model_kind::spiking,
    .params =
        {
            {"tau_m", dimension::time, 10.0, range::above(0.0), "membrane time constant"},
            {"C_m", dimension::capacitance, 250.0, range::above(0.0), "membrane capacitance"},
            {"E_L", dimension::voltage, -70.0, range::any(), "resting potential"},
            {"I_e", dimension::current, 0.0, range::any(), "constant external current"},
            {"c_1", dimension::none, 0.0, range::any(),
             "linear part of the hazard (Hz per mV above E_L)"},
            {"c_2", dimension::rate, 1.238, range::at_least(0.0),
             "hazard at rest, prefactor of the exponential part"},
            {"c_3", dimension::none, 0.25, range::any(),
             "slope of the exponential part (per mV above E_L)"},
            {"dead_time", dimension::time, 1.0, range::at_least(0.0),
             "dead time after a spike (no spike is drawn)"},
            {"with_reset", dimension::none, 1.0, range::between(0.0, 1.0),
             "1: V_m is reset to E_L after a spike; 0: it is not"},
        },
    .state =
        {
            {"V_m", dimension::voltage, "membrane potential", true},
            {"rate", dimension::rate, "causal firing-rate estimate", false},
        },
    .check =
        [](const param_lookup& p, std::vector<rule_violation>& out) {
            if (p["with_reset"] != 0.0 && p["with_reset"] != 1.0) {
                out.push_back({"with_reset", "0 or 1"});
            }
        },
    .create = [](const population_init& init) -> std::unique_ptr<population> {
        return std::make_unique<pp_psc_delta_population>(init);
    },
    .rest_param = {},
    .calibrate = {},
    .stateless = false,
    .precise_spike_times = false,
    .synapses = {synapse_type::delta},
    .presets = {},
    .compartmental = false,
    .integrators = {},
};

}  // namespace neurotwin
