// SPDX-License-Identifier: BSD-3-Clause
#include "models/adex.hpp"

#include <cmath>

#include "models/point_common.hpp"

namespace neurotwin {

namespace {

using adex_state = std::array<double, 6>;  // V_m, w, synapses [ex, dex, in, din]

class adex_population final : public population {
public:
    explicit adex_population(const population_init& init)
        : population(adex_info, init.name, init.size),
          C_m_(init.param("C_m")),
          g_L_(init.param("g_L")),
          E_L_(init.param("E_L")),
          V_T_(init.param("V_T")),
          Delta_T_(init.param("Delta_T")),
          V_reset_(init.param("V_reset")),
          V_peak_(init.param("V_peak")),
          tau_w_(init.param("tau_w")),
          a_(init.param("a")),
          b_(init.param("b")),
          t_ref_(init.param("t_ref")),
          I_e_(init.param("I_e")),
          h_max_(init.param("h_max")),
          syn_(init),
          V_m_(init.initial("V_m", E_L_)),
          w_(init.initial("w", std::vector<double>(init.size, 0.0))),
          ref_left_(init.size, 0.0) {
        bind("V_m", V_m_);
        bind("w", w_);
        bind(syn_.ex_name(), syn_.ex);
        bind(syn_.in_name(), syn_.in);
    }

    void prepare(double dt) override {
        dt_ = dt;
        n_sub_ = detail::substeps(dt, h_max_);
    }

    void update(step_t, index_t lo, index_t hi, const step_inputs& in,
                update_status& status) override {
        auto* flag = spiked().data();
        auto* offset = spike_offsets().data();
        for (index_t i = lo; i < hi; ++i) {
            flag[i] = 0;
            const double C = C_m_[i], g_L = g_L_[i], E_L = E_L_[i], V_T = V_T_[i];
            const double D_T = Delta_T_[i], V_peak = V_peak_[i], V_reset = V_reset_[i];
            const double tau_w = tau_w_[i], a = a_[i];
            const double I = I_e_[i] + in.cont[i];  // held over the step [pA]
            const auto sp = syn_.params(i);
            bool clamped = false;
            // C dV/dt = -g_L (V - E_L) + g_L D_T exp((V - V_T)/D_T) - w + I_syn + I,
            // tau_w dw/dt = a (V - E_L) - w, with V capped at V_peak (clamped: V_reset, dV = 0).
            const auto f = [&](const adex_state& x, adex_state& dx) {
                const double V = clamped ? V_reset : std::min(x[0], V_peak);
                const double spike_current =
                    D_T > 0.0 ? g_L * D_T * std::exp((V - V_T) / D_T) : 0.0;  // [pA]
                dx[0] = clamped ? 0.0
                                : (-g_L * (V - E_L) + spike_current - x[1] +
                                   detail::synaptic_current(&x[2], sp, V) + I) /
                                      C;                 // [mV/ms]
                dx[1] = (a * (V - E_L) - x[1]) / tau_w;  // [pA/ms]
                detail::synapse_derivative(&x[2], &dx[2], sp);
            };
            adex_state x{V_m_[i], w_[i], 0, 0, 0, 0};
            syn_.load(i, &x[2]);
            double ref = ref_left_[i];
            // clamped until the exact end of the refractory period
            const auto refractory = [&](adex_state& y, double step) {
                if (ref <= 0.0) {
                    return 0.0;
                }
                step = std::min(step, ref);
                clamped = true;
                y = detail::rk4_step<6>(f, y, step);
                clamped = false;
                y[0] = V_reset;
                ref = ref - step > 1e-12 ? ref - step : 0.0;
                return step;
            };
            const auto limit = [&](const adex_state& y, double step) {
                if (D_T <= 0.0) {
                    return step;
                }
                // On the upstroke the local time scale C / (g_L e^((V-V_T)/D_T)) collapses
                // (finite-time blow-up): steps no longer than 0.2 of it, so the exponential
                // grows by at most ~e^0.2 per step (~100 steps from V_T + 5 D_T to V_peak; no
                // limit below V_T + 5 D_T at the default h_max).
                const double e = std::exp((std::min(y[0], V_peak) - V_T) / D_T);
                return std::max(std::min(step, 0.2 * C / (g_L * e)), 1e-9);  // [ms]
            };
            const double spike = detail::rk4_threshold_step<6>(
                f, x, dt_, dt_ / n_sub_[i], V_peak, refractory, limit, [&](adex_state& y) {
                    y[0] = V_reset;
                    y[1] += b_[i];
                    ref = t_ref_[i];
                });
            if (spike >= 0.0) {
                flag[i] = 1;
                offset[i] = spike;
            }
            detail::synapse_jump(&x[2], sp, in.ex[i], in.in[i]);
            ref_left_[i] = ref;
            V_m_[i] = x[0];
            w_[i] = x[1];
            syn_.store(i, &x[2]);
            if (!std::isfinite(x[0]) || !std::isfinite(x[1])) {
                status.note_fault(i, std::isfinite(x[0]) ? "w" : "V_m",
                                  std::isfinite(x[0]) ? x[1] : x[0]);
            }
        }
    }

private:
    std::vector<double> C_m_, g_L_, E_L_, V_T_, Delta_T_, V_reset_, V_peak_, tau_w_, a_, b_,
        t_ref_, I_e_, h_max_;
    detail::synapse_columns syn_;
    aligned_column V_m_, w_;  // written by the threads, each its own neurons
    aligned_column ref_left_;  // refractory time left at the start of the step [ms]
    std::vector<int> n_sub_;
    double dt_ = 0.1;
};

std::vector<param_info> adex_params() {
    std::vector<param_info> p{
        {"C_m", dimension::capacitance, 281.0, range::above(0.0), "membrane capacitance"},
        {"g_L", dimension::conductance, 30.0, range::above(0.0), "leak conductance"},
        {"E_L", dimension::voltage, -70.6, range::any(),
         "leak reversal potential (a twin's bias shifts it)"},
        {"V_T", dimension::voltage, -50.4, range::any(), "threshold of the exponential term"},
        {"Delta_T", dimension::voltage, 2.0, range::at_least(0.0),
         "slope factor (0: leaky integrate-and-fire)"},
        {"V_reset", dimension::voltage, -60.0, range::any(), "reset potential"},
        {"V_peak", dimension::voltage, 0.0, range::any(), "spike cut-off"},
        {"tau_w", dimension::time, 144.0, range::above(0.0), "adaptation time constant"},
        {"a", dimension::conductance, 4.0, range::any(), "subthreshold adaptation"},
        {"b", dimension::current, 80.5, range::any(), "spike-triggered adaptation"},
        {"t_ref", dimension::time, 0.0, range::at_least(0.0), "refractory period (V_m clamped)"},
        {"I_e", dimension::current, 0.0, range::any(), "constant external current"},
        {"h_max", dimension::time, 0.025, range::above(0.0),
         "largest RK4 substep (accuracy; see Numerics)"},
    };
    return detail::with_synapse_params(std::move(p), 0.2, 2.0, 0.0, -85.0);
}

std::vector<state_info> adex_state_rows() {
    return detail::with_synapse_states({
        {"V_m", dimension::voltage, "membrane potential (default: E_L)", true},
        {"w", dimension::current, "adaptation current (default: 0)", true},
    });
}

// Naud et al. (2008), Table 1 (as in Brian 2's example of the paper).
preset_info adex_preset(const char* name, const char* meaning, double C, double gL, double EL,
                        double a, double tau_w, double b, double Vr) {
    return {name,
            meaning,
            {{"C_m", C},
             {"g_L", gL},
             {"E_L", EL},
             {"V_T", -50.0},
             {"Delta_T", 2.0},
             {"a", a},
             {"tau_w", tau_w},
             {"b", b},
             {"V_reset", Vr},
             {"V_peak", 0.0},
             {"t_ref", 0.0}}};
}

}  // namespace

const model_info adex_info{
    .name = "adex",
    .summary = "adaptive exponential integrate-and-fire (Brette & Gerstner 2005, NEST aeif "
               "names), RK4 with located spike times; Naud et al. (2008) presets" +
               detail::synapses_note(detail::all_synapse_types()),
    .kind = model_kind::spiking,
    .params = adex_params(),
    .state = adex_state_rows(),
    .check =
        [](const param_lookup& p, std::vector<rule_violation>& out) {
            if (p["V_reset"] >= p["V_peak"]) {
                out.push_back({"V_reset", "a value below V_peak"});
            }
            if (p["Delta_T"] > 0.0) {
                if (p["V_peak"] <= p["V_T"]) {
                    out.push_back({"V_peak", "a value above V_T"});
                } else if ((p["V_peak"] - p["V_T"]) / p["Delta_T"] > 500.0) {
                    // exp(500) ~ 1e217: larger arguments would overflow in the RK4 stages
                    out.push_back({"Delta_T", "at least (V_peak - V_T)/500"});
                }
            }
        },
    .create = [](const population_init& init) -> std::unique_ptr<population> {
        return std::make_unique<adex_population>(init);
    },
    .rest_param = "E_L",
    .calibrate =
        [](const param_lookup& p) {
            // A shift of E_L by dE is, at steady state (w = a (V - E_L)), the same as a current
            // (g_L + a) dE: R = 1/(g_L + a). Without input the rest disappears in a saddle-node
            // when (g_L + a) = g_L exp((V - V_T)/Delta_T), i.e. at E_L = V* - Delta_T with
            // V* = V_T + Delta_T ln(1 + a/g_L); Delta_T = 0: the cut-off V_peak. (For g_L + a
            // <= 0 there is no such fold: R = 1/g_L and V_T - Delta_T are used.)
            const double g_L = p["g_L"], a = p["a"], D_T = p["Delta_T"];
            const double g_tot = g_L + a > 0.0 ? g_L + a : g_L;
            const double V_star =
                D_T > 0.0 ? p["V_T"] + D_T * std::log(g_tot / g_L) : p["V_peak"];  // [mV]
            const double onset = D_T > 0.0 ? V_star - D_T : p["V_peak"];
            return twin_calibration{1.0 / g_tot, onset, p["tau_syn_ex"], p["tau_syn_in"],
                                    V_star};
        },
    .stateless = false,
    .precise_spike_times = true,
    .synapses = detail::all_synapse_types(),
    .presets =
        {
            adex_preset("tonic", "tonic spiking (step current 500 pA)", 200, 10, -70, 2, 30, 0,
                        -58),
            adex_preset("adapting", "spike-frequency adaptation (500 pA)", 200, 12, -70, 2, 300,
                        60, -58),
            adex_preset("initial_burst", "initial burst, then tonic (400 pA)", 130, 18, -58, 4,
                        150, 120, -50),
            adex_preset("regular_bursting", "regular bursting (210 pA)", 200, 10, -58, 2, 120,
                        100, -46),
            adex_preset("delayed", "delayed accelerating spiking (300 pA)", 200, 12, -70, -10,
                        300, 0, -58),
            adex_preset("delayed_bursting", "delayed regular bursting (110 pA)", 100, 10, -65,
                        -10, 90, 30, -47),
            adex_preset("transient", "transient spiking (180 pA)", 100, 10, -65, 10, 90, 100,
                        -47),
            adex_preset("irregular", "irregular spiking (160 pA)", 100, 12, -60, -11, 130, 30,
                        -48),
        },
    .compartmental = false,
    .integrators = {},
};

}  // namespace neurotwin
