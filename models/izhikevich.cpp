// SPDX-License-Identifier: BSD-3-Clause
#include "models/izhikevich.hpp"

#include <cmath>

#include "models/point_common.hpp"

namespace neurotwin {

namespace {

using izh_state = std::array<double, 6>;  // V_m, U_m, synapses [ex, dex, in, din]

// Resting potential: the lower root of 0.04 V^2 + (5 - b) V + 140 + I = 0 (U_m = b V), the
// stable node; nullopt-like NaN when there is none (the neuron fires tonically).
double izh_rest(double b, double I) {
    const double p = 5.0 - b;
    const double disc = p * p - 4.0 * 0.04 * (140.0 + I);
    return disc < 0.0 ? std::nan("") : (-p - std::sqrt(disc)) / (2.0 * 0.04);  // [mV]
}

class izhikevich_population final : public population {
public:
    explicit izhikevich_population(const population_init& init)
        : population(izhikevich_info, init.name, init.size),
          a_(init.param("a")),
          b_(init.param("b")),
          c_(init.param("c")),
          d_(init.param("d")),
          V_peak_(init.param("V_peak")),
          I_e_(init.param("I_e")),
          h_max_(init.param("h_max")),
          syn_(init) {
        std::vector<double> rest(init.size);
        for (std::size_t i = 0; i < init.size; ++i) {
            const double r = izh_rest(b_[i], 0.0);  // I_e acts from t = 0
            rest[i] = std::isnan(r) ? c_[i] : r;
        }
        V_m_ = init.initial("V_m", rest);
        std::vector<double> u(init.size);
        for (std::size_t i = 0; i < init.size; ++i) {
            u[i] = b_[i] * V_m_[i];
        }
        U_m_ = init.initial("U_m", u);
        bind("V_m", V_m_);
        bind("U_m", U_m_);
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
            const double a = a_[i], b = b_[i], V_peak = V_peak_[i];
            const double I = I_e_[i] + in.cont[i];  // held over the step [pA]
            const auto sp = syn_.params(i);
            // dV/dt = 0.04 V^2 + 5 V + 140 - U + I_syn + I,  dU/dt = a (b V - U)
            const auto f = [&](const izh_state& x, izh_state& dx) {
                const double V = x[0];
                dx[0] = (0.04 * V + 5.0) * V + 140.0 - x[1] +
                        detail::synaptic_current(&x[2], sp, V) + I;  // [mV/ms]
                dx[1] = a * (b * V - x[1]);                          // [pA/ms]
                detail::synapse_derivative(&x[2], &dx[2], sp);
            };
            izh_state x{V_m_[i], U_m_[i], 0, 0, 0, 0};
            syn_.load(i, &x[2]);
            const double spike = detail::rk4_threshold_step<6>(
                f, x, dt_, dt_ / n_sub_[i], V_peak, [](const izh_state&, double) { return 0.0; },
                [](const izh_state&, double step) { return step; },
                [&](izh_state& y) {
                    y[0] = c_[i];  // reset at the crossing, then integrate on from there
                    y[1] += d_[i];
                });
            if (spike >= 0.0) {
                flag[i] = 1;
                offset[i] = spike;
            }
            detail::synapse_jump(&x[2], sp, in.ex[i], in.in[i]);
            V_m_[i] = x[0];
            U_m_[i] = x[1];
            syn_.store(i, &x[2]);
            if (!std::isfinite(x[0]) || !std::isfinite(x[1])) {
                status.note_fault(i, std::isfinite(x[0]) ? "U_m" : "V_m",
                                  std::isfinite(x[0]) ? x[1] : x[0]);
            }
        }
    }

private:
    std::vector<double> a_, b_, c_, d_, V_peak_, I_e_, h_max_;
    detail::synapse_columns syn_;
    aligned_column V_m_, U_m_;  // written by the threads, each its own neurons
    std::vector<int> n_sub_;
    double dt_ = 0.1;
};

std::vector<param_info> izh_params() {
    std::vector<param_info> p{
        {"a", dimension::none, 0.02, range::above(0.0), "recovery rate (1/ms)"},
        {"b", dimension::none, 0.2, range::any(), "sensitivity of U_m to V_m (pA/mV)"},
        {"c", dimension::voltage, -65.0, range::any(), "reset potential"},
        {"d", dimension::current, 8.0, range::any(), "jump of U_m at a spike"},
        {"V_peak", dimension::voltage, 30.0, range::any(), "spike cut-off (the paper's 30 mV)"},
        {"I_e", dimension::current, 0.0, range::any(), "constant external current"},
        {"h_max", dimension::time, 0.025, range::above(0.0),
         "largest RK4 substep (accuracy; see Numerics)"},
    };
    return detail::with_synapse_params(std::move(p), 2.0, 2.0, 0.0, -80.0);
}

std::vector<state_info> izh_state_rows() {
    return detail::with_synapse_states({
        {"V_m", dimension::voltage, "membrane potential (default: resting state)", true},
        {"U_m", dimension::current, "recovery variable (default: b V_m)", true},
    });
}

// Izhikevich (2003), Fig. 2.
preset_info izh_preset(const char* name, const char* meaning, double a, double b, double c,
                       double d) {
    return {name, meaning, {{"a", a}, {"b", b}, {"c", c}, {"d", d}}};
}

}  // namespace

const model_info izhikevich_info{
    .name = "izhikevich",
    .summary = "Izhikevich (2003) simple model, RK4 with located spike times; presets RS, IB, "
               "CH, FS, LTS, TC, RZ" +
               detail::synapses_note(detail::all_synapse_types()),
    .kind = model_kind::spiking,
    .params = izh_params(),
    .state = izh_state_rows(),
    .check = {},
    .create = [](const population_init& init) -> std::unique_ptr<population> {
        return std::make_unique<izhikevich_population>(init);
    },
    // Not a twin's biological side: the model has no resting-potential parameter that a bias
    // could shift (its rest follows from b and the current); see docs/scenario.md, "[[twin]]".
    .rest_param = {},
    .calibrate = {},
    .stateless = false,
    .precise_spike_times = true,
    .synapses = detail::all_synapse_types(),
    .presets =
        {
            izh_preset("RS", "regular spiking (excitatory cortical)", 0.02, 0.2, -65.0, 8.0),
            izh_preset("IB", "intrinsically bursting", 0.02, 0.2, -55.0, 4.0),
            izh_preset("CH", "chattering (fast rhythmic bursting)", 0.02, 0.2, -50.0, 2.0),
            izh_preset("FS", "fast spiking (inhibitory)", 0.1, 0.2, -65.0, 2.0),
            izh_preset("LTS", "low-threshold spiking (inhibitory)", 0.02, 0.25, -65.0, 2.0),
            izh_preset("TC", "thalamo-cortical", 0.02, 0.25, -65.0, 0.05),
            izh_preset("RZ", "resonator", 0.1, 0.26, -65.0, 2.0),
        },
    .compartmental = false,
    .integrators = {},
};

}  // namespace neurotwin
