// SPDX-License-Identifier: BSD-3-Clause
#include "models/gif_psc_exp.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "models/lif.hpp"
#include "sim/random.hpp"

namespace neurotwin {

namespace {

// Kernel state: one plane of per-neuron values per kernel element, each plane on whole
// cache lines (threads write their own neurons of every plane side by side).
struct kernel_planes {
    std::size_t stride = 0;
    std::size_t count = 0;
    aligned_column values;

    kernel_planes(std::size_t kernels, std::size_t n)
        : stride(line_stride<double>(n)), count(kernels), values(kernels * stride, 0.0) {}
    double& at(std::size_t k, std::size_t i) { return values[k * stride + i]; }
    double at(std::size_t k, std::size_t i) const { return values[k * stride + i]; }
};

class gif_psc_exp_population final : public population {
public:
    explicit gif_psc_exp_population(const population_init& init)
        : population(gif_psc_exp_info, init.name, init.size),
          C_m_(init.param("C_m")),
          g_L_(init.param("g_L")),
          E_L_(init.param("E_L")),
          V_reset_(init.param("V_reset")),
          t_ref_(init.param("t_ref")),
          I_e_(init.param("I_e")),
          Delta_V_(init.param("Delta_V")),
          lambda_0_(init.param("lambda_0")),
          V_T_star_(init.param("V_T_star")),
          tau_ex_(init.param("tau_syn_ex")),
          tau_in_(init.param("tau_syn_in")),
          tau_stc_(init.list("tau_stc")),
          q_stc_(init.list("q_stc")),
          tau_sfa_(init.list("tau_sfa")),
          q_sfa_(init.list("q_sfa")),
          V_m_(init.initial("V_m", init.param("E_L"))),
          I_ex_(init.initial("I_syn_ex", std::vector<double>(init.size, 0.0))),
          I_in_(init.initial("I_syn_in", std::vector<double>(init.size, 0.0))),
          I_stc_(init.size, 0.0),
          E_sfa_(to_column(init.param("V_T_star"))),
          refractory_(init.size, 0.0),
          eta_(tau_stc_.size(), init.size),
          gamma_(tau_sfa_.size(), init.size),
          P_stc_(tau_stc_.size(), init.size),
          rng_(init.seed, init.stream) {
        bind("V_m", V_m_);
        bind("I_syn_ex", I_ex_);
        bind("I_syn_in", I_in_);
        bind("I_stc", I_stc_);
        bind("E_sfa", E_sfa_);
    }

    void prepare(double h) override {
        const std::size_t n = size();
        h_ = h;
        P22_.resize(n);
        P20_.resize(n);
        P21ex_.resize(n);
        P21in_.resize(n);
        P11ex_.resize(n);
        P11in_.resize(n);
        ref_steps_.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            const double tau_m = C_m_[i] / g_L_[i];  // [ms]
            P22_[i] = std::exp(-h / tau_m);
            P20_[i] = -std::expm1(-h / tau_m) / g_L_[i];  // [mV/pA]
            P21ex_[i] = detail::psc_propagator(h, tau_m, tau_ex_[i], C_m_[i]);
            P21in_[i] = detail::psc_propagator(h, tau_m, tau_in_[i], C_m_[i]);
            P11ex_[i] = std::exp(-h / tau_ex_[i]);
            P11in_[i] = std::exp(-h / tau_in_[i]);
            for (std::size_t j = 0; j < tau_stc_.size(); ++j) {
                P_stc_.at(j, i) = detail::psc_propagator(h, tau_m, tau_stc_[j], C_m_[i]);
            }
            ref_steps_[i] = static_cast<double>(
                steps_of(t_ref_[i], h, step_rounding::nearest).value_or(max_steps));
        }
        decay_stc_.resize(tau_stc_.size());
        for (std::size_t j = 0; j < tau_stc_.size(); ++j) {
            decay_stc_[j] = std::exp(-h / tau_stc_[j]);
        }
        decay_sfa_.resize(tau_sfa_.size());
        for (std::size_t k = 0; k < tau_sfa_.size(); ++k) {
            decay_sfa_[k] = std::exp(-h / tau_sfa_[k]);
        }
    }

    void update(step_t step, index_t lo, index_t hi, const step_inputs& in,
                update_status& status) override {
        auto spiked = this->spiked();
        for (index_t i = lo; i < hi; ++i) {
            const bool active = refractory_[i] <= 0.0;
            // the spike-triggered currents' share of the step (exact), then their decay
            double stc_drive = 0.0;  // [mV]
            for (std::size_t j = 0; j < eta_.count; ++j) {
                stc_drive += eta_.at(j, i) * P_stc_.at(j, i);
                eta_.at(j, i) *= decay_stc_[j];
            }
            double v = V_m_[i];
            if (active) {
                const double I = I_e_[i] + (in.has_cont ? in.cont[i] : 0.0);  // [pA]
                v = E_L_[i] + (v - E_L_[i]) * P22_[i] + I * P20_[i] + I_ex_[i] * P21ex_[i] +
                    I_in_[i] * P21in_[i] - stc_drive;
            }
            I_ex_[i] = I_ex_[i] * P11ex_[i] + in.ex[i];  // [pA]
            I_in_[i] = I_in_[i] * P11in_[i] + in.in[i];
            for (std::size_t k = 0; k < gamma_.count; ++k) {
                gamma_.at(k, i) *= decay_sfa_[k];
            }
            bool spike = false;
            if (active) {
                const double lambda =
                    lambda_0_[i] * std::exp((v - threshold(i)) / Delta_V_[i]);  // [Hz]
                spike = rng_.uniform(i, static_cast<std::uint64_t>(step)) <
                        -std::expm1(-lambda * h_ * 1e-3);
            }
            if (spike) {
                jump(i);
                v = V_reset_[i];
            }
            refractory_[i] = spike ? ref_steps_[i] : std::max(0.0, refractory_[i] - 1.0);
            V_m_[i] = v;
            I_stc_[i] = stc_sum(i);
            E_sfa_[i] = threshold(i);
            spiked[i] = spike ? 1 : 0;
            if (!std::isfinite(v)) {
                status.note_fault(i, "V_m", v);
            }
        }
    }

private:
    double threshold(index_t i) const {
        double v = V_T_star_[i];  // [mV]
        for (std::size_t k = 0; k < gamma_.count; ++k) {
            v += gamma_.at(k, i);
        }
        return v;
    }
    double stc_sum(index_t i) const {
        double s = 0.0;  // [pA]
        for (std::size_t j = 0; j < eta_.count; ++j) {
            s += eta_.at(j, i);
        }
        return s;
    }
    void jump(index_t i) {
        for (std::size_t j = 0; j < eta_.count; ++j) {
            eta_.at(j, i) += q_stc_[j];
        }
        for (std::size_t k = 0; k < gamma_.count; ++k) {
            gamma_.at(k, i) += q_sfa_[k];
        }
    }

    std::vector<double> C_m_, g_L_, E_L_, V_reset_, t_ref_, I_e_, Delta_V_, lambda_0_, V_T_star_,
        tau_ex_, tau_in_;
    std::vector<double> tau_stc_, q_stc_, tau_sfa_, q_sfa_;  // the kernels, shared
    aligned_column V_m_, I_ex_, I_in_, I_stc_, E_sfa_;
    aligned_column refractory_;  // steps left (written by the threads, each its own)
    kernel_planes eta_, gamma_;  // eta_j [pA], gamma_k [mV] per neuron
    kernel_planes P_stc_;        // eta_j's propagator to V_m per neuron [mV/pA]
    std::vector<double> P22_, P20_, P21ex_, P21in_, P11ex_, P11in_, ref_steps_;
    std::vector<double> decay_stc_, decay_sfa_;
    double h_ = 0.1;
    counter_rng rng_;
};

}  // namespace

const model_info gif_psc_exp_info{
    .name = "gif_psc_exp",
    .summary =
        "generalized integrate-and-fire (Mensi et al. 2012, Pozzorini et al. 2015): "
        "spike-triggered currents and a moving threshold (kernel lists), escape noise, "
        "exponential current synapses (as NEST gif_psc_exp); stochastic",
    .kind = model_kind::spiking,
    .params =
        {
            {"C_m", dimension::capacitance, 80.0, range::above(0.0), "membrane capacitance"},
            {"g_L", dimension::conductance, 4.0, range::above(0.0), "leak conductance"},
            {"E_L", dimension::voltage, -70.0, range::any(), "resting potential"},
            {"V_reset", dimension::voltage, -55.0, range::any(),
             "membrane potential after a spike"},
            {"t_ref", dimension::time, 4.0, range::at_least(0.0), "refractory period"},
            {"I_e", dimension::current, 0.0, range::any(), "constant external current"},
            list_param("tau_stc", dimension::time, {}, range::above(0.0),
                       "time constants of the spike-triggered currents eta_j"),
            list_param("q_stc", dimension::current, {}, range::any(),
                       "jumps of eta_j at each spike (> 0: hyperpolarizing)"),
            list_param("tau_sfa", dimension::time, {}, range::above(0.0),
                       "time constants of the threshold kernels gamma_k"),
            list_param("q_sfa", dimension::voltage, {}, range::any(),
                       "jumps of gamma_k at each spike (> 0: the threshold rises)"),
            {"Delta_V", dimension::voltage, 0.5, range::above(0.0),
             "noise level: lambda grows e-fold per Delta_V"},
            {"lambda_0", dimension::rate, 1.0, range::at_least(0.0), "escape rate at V_m = V_T"},
            {"V_T_star", dimension::voltage, -35.0, range::any(),
             "base threshold (V_T without kernels)"},
            {"tau_syn_ex", dimension::time, 2.0, range::above(0.0),
             "excitatory synaptic time constant"},
            {"tau_syn_in", dimension::time, 2.0, range::above(0.0),
             "inhibitory synaptic time constant"},
        },
    .state =
        {
            {"V_m", dimension::voltage, "membrane potential", true},
            {"I_stc", dimension::current, "sum of the spike-triggered currents eta_j", false},
            {"E_sfa", dimension::voltage, "threshold V_T = V_T_star + sum of gamma_k", false},
            {"I_syn_ex", dimension::current, "excitatory synaptic current", true},
            {"I_syn_in", dimension::current, "inhibitory synaptic current", true},
            {"rate", dimension::rate, "causal firing-rate estimate", false},
        },
    .check =
        [](const param_lookup& p, std::vector<rule_violation>& out) {
            const std::pair<const char*, const char*> kernels[] = {{"tau_stc", "q_stc"},
                                                                   {"tau_sfa", "q_sfa"}};
            for (const auto& [tau, q] : kernels) {
                const auto n = p.list(tau).size();
                if (p.list(q).size() != n) {
                    out.push_back(
                        {q, fmt::format("as many values as {} ({}: one jump per kernel)", tau, n)});
                }
            }
        },
    .create = [](const population_init& init) -> std::unique_ptr<population> {
        return std::make_unique<gif_psc_exp_population>(init);
    },
    .rest_param = {},
    .calibrate = {},
    .stateless = false,
    .precise_spike_times = false,
    .synapses = {synapse_type::exp_current},
    .presets = {},
    .compartmental = false,
    .integrators = {},
};

}  // namespace neurotwin
