// SPDX-License-Identifier: BSD-3-Clause
#include "models/lif.hpp"

#include <cmath>

namespace neurotwin {

namespace detail {
double psc_propagator(double h, double tau_m, double tau_s, double C_m) {
    // exp(-h/tau_s) - exp(-h/tau_m) = exp(-h/tau_m) * expm1(h * delta), delta = 1/tau_m - 1/tau_s
    // and tau_m tau_s / (tau_s - tau_m) = 1 / delta.
    const double delta = 1.0 / tau_m - 1.0 / tau_s;
    const double x = h * delta;
    const double expm1_over_delta =
        std::abs(x) < 1e-8 ? h * (1.0 + 0.5 * x) : std::expm1(x) / delta;
    return std::exp(-h / tau_m) * expm1_over_delta / C_m;
}
}  // namespace detail

namespace {

class lif_population final : public population {
public:
    explicit lif_population(const population_init& init)
        : population(lif_info, init.name, init.size),
          tau_m_(init.param("tau_m")),
          C_m_(init.param("C_m")),
          E_L_(init.param("E_L")),
          V_th_(init.param("V_th")),
          V_reset_(init.param("V_reset")),
          t_ref_(init.param("t_ref")),
          tau_ex_(init.param("tau_syn_ex")),
          tau_in_(init.param("tau_syn_in")),
          I_e_(init.param("I_e")),
          V_m_(init.initial("V_m", E_L_)),
          I_ex_(init.initial("I_syn_ex", std::vector<double>(init.size, 0.0))),
          I_in_(init.initial("I_syn_in", std::vector<double>(init.size, 0.0))),
          refractory_(init.size, 0) {
        bind("V_m", V_m_);
        bind("I_syn_ex", I_ex_);
        bind("I_syn_in", I_in_);
    }

    void prepare(double h) override {
        const std::size_t n = size();
        P22_.resize(n);
        P20_.resize(n);
        P21ex_.resize(n);
        P21in_.resize(n);
        P11ex_.resize(n);
        P11in_.resize(n);
        ref_steps_.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            P22_[i] = std::exp(-h / tau_m_[i]);
            P20_[i] = -tau_m_[i] / C_m_[i] * std::expm1(-h / tau_m_[i]);  // [mV/pA]
            P21ex_[i] = detail::psc_propagator(h, tau_m_[i], tau_ex_[i], C_m_[i]);
            P21in_[i] = detail::psc_propagator(h, tau_m_[i], tau_in_[i], C_m_[i]);
            P11ex_[i] = std::exp(-h / tau_ex_[i]);
            P11in_[i] = std::exp(-h / tau_in_[i]);
            ref_steps_[i] = static_cast<std::int32_t>(std::llround(t_ref_[i] / h));
        }
    }

    void update(step_t, index_t lo, index_t hi, const step_inputs& in,
                update_status& status) override {
        auto spiked = this->spiked();
        for (index_t i = lo; i < hi; ++i) {
            spiked[i] = 0;
            if (refractory_[i] > 0) {
                --refractory_[i];
            } else {
                // V(t+h) = E_L + (V - E_L) e^{-h/tau_m} + P21 I_syn + P20 (I_e + I_stim)
                V_m_[i] = E_L_[i] + (V_m_[i] - E_L_[i]) * P22_[i] + I_ex_[i] * P21ex_[i] +
                          I_in_[i] * P21in_[i] + (I_e_[i] + in.cont[i]) * P20_[i];  // [mV]
                if (V_m_[i] >= V_th_[i]) {
                    spiked[i] = 1;
                    V_m_[i] = V_reset_[i];
                    refractory_[i] = ref_steps_[i];
                }
            }
            // Synapses decay and receive even while the membrane is clamped.
            I_ex_[i] = I_ex_[i] * P11ex_[i] + in.ex[i];  // [pA]
            I_in_[i] = I_in_[i] * P11in_[i] + in.in[i];  // [pA]
            if (!std::isfinite(V_m_[i])) {
                status.note_fault(i, "V_m", V_m_[i]);
            }
        }
    }

private:
    std::vector<double> tau_m_, C_m_, E_L_, V_th_, V_reset_, t_ref_, tau_ex_, tau_in_, I_e_;
    std::vector<double> V_m_, I_ex_, I_in_;
    std::vector<std::int32_t> refractory_;
    std::vector<double> P22_, P20_, P21ex_, P21in_, P11ex_, P11in_;
    std::vector<std::int32_t> ref_steps_;
};

}  // namespace

const model_info lif_info{
    .name = "lif",
    .summary = "leaky integrate-and-fire, exponential current synapses, exact integration "
               "(as NEST iaf_psc_exp)",
    .kind = model_kind::spiking,
    .params =
        {
            {"tau_m", dimension::time, 10.0, range::above(0.0), "membrane time constant"},
            {"C_m", dimension::capacitance, 250.0, range::above(0.0), "membrane capacitance"},
            {"E_L", dimension::voltage, -70.0, range::any(),
             "resting potential (a twin's bias shifts it)"},
            {"V_th", dimension::voltage, -55.0, range::any(), "spike threshold"},
            {"V_reset", dimension::voltage, -70.0, range::any(), "reset potential"},
            {"t_ref", dimension::time, 2.0, range::at_least(0.0), "absolute refractory period"},
            {"tau_syn_ex", dimension::time, 2.0, range::above(0.0),
             "excitatory synaptic time constant"},
            {"tau_syn_in", dimension::time, 2.0, range::above(0.0),
             "inhibitory synaptic time constant"},
            {"I_e", dimension::current, 0.0, range::any(), "constant external current"},
        },
    .state =
        {
            {"V_m", dimension::voltage, "membrane potential", true},
            {"I_syn_ex", dimension::current, "excitatory synaptic current", true},
            {"I_syn_in", dimension::current, "inhibitory synaptic current", true},
            {"rate", dimension::rate, "causal firing-rate estimate", false},
        },
    .check =
        [](const param_lookup& p, std::vector<rule_violation>& out) {
            if (p["V_reset"] >= p["V_th"]) {
                out.push_back({"V_reset", "a value below V_th"});
            }
        },
    .create = [](const population_init& init) -> std::unique_ptr<population> {
        return std::make_unique<lif_population>(init);
    },
    .rest_param = "E_L",
    .calibrate =
        [](const param_lookup& p) {
            // Steady state V = E_L + R I with R = tau_m / C_m; fires iff V > V_th.
            return twin_calibration{p["tau_m"] / p["C_m"], p["V_th"], p["tau_syn_ex"],
                                    p["tau_syn_in"]};
        },
};

}  // namespace neurotwin
