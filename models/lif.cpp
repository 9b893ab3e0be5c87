// SPDX-License-Identifier: BSD-3-Clause
#include "models/lif.hpp"

#include <algorithm>
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

// Columns of one LIF population, as seen by the update kernel.
struct lif_kernel {
    double *V, *I_ex, *I_in, *ref;
    const double *E_L, *P22, *drive, *P21ex, *P21in, *P20, *V_th, *V_reset, *ref_steps, *P11ex,
        *P11in;
};

// The same constants when every neuron shares them (the common case outside sweeps): the
// kernel then streams 8 columns instead of 19, which is what bounds its speed.
struct lif_scalars {
    double E_L, P22, drive, P21ex, P21in, P20, V_th, V_reset, ref_steps, P11ex, P11in;
};

// One step of neurons [lo, hi); returns how many V_m are not finite. Branch-free so that it
// vectorises; the spike flag is a double-width mask (every lane the same width), narrowed
// by the caller.
// HasCont: read the continuous input (else it is zero); Clear: zero ex/inh after reading
// them (the engine's ring slot; see step_inputs::consume).
template <bool Uniform, bool Delta, bool HasCont, bool Clear>
[[gnu::always_inline]] inline std::size_t lif_body(const lif_kernel& k, const lif_scalars c,
                                                   std::size_t lo, std::size_t hi,
                                                   double* __restrict ex,
                                                   double* __restrict inh,
                                                   const double* __restrict cont,
                                                   double* __restrict mask) {
    double* __restrict V = k.V;
    double* __restrict Iex = k.I_ex;
    double* __restrict Iin = k.I_in;
    double* __restrict ref = k.ref;
    const auto at = [](const double* col, double scalar, std::size_t i) {
        if constexpr (Uniform) {
            return scalar;
        } else {
            return col[i];
        }
    };
    // Column pointers in locals: read through `k` inside the loop they would be reloaded
    // after every store (the stores might alias the struct), which defeats contiguous loads.
    const double* __restrict const cE_L = k.E_L;
    const double* __restrict const cP22 = k.P22;
    const double* __restrict const cdrive = k.drive;
    const double* __restrict const cP21ex = k.P21ex;
    const double* __restrict const cP21in = k.P21in;
    const double* __restrict const cP20 = k.P20;
    const double* __restrict const cV_th = k.V_th;
    const double* __restrict const cV_reset = k.V_reset;
    const double* __restrict const cref_steps = k.ref_steps;
    const double* __restrict const cP11ex = k.P11ex;
    const double* __restrict const cP11in = k.P11in;
    // NaN or infinity never crosses the threshold and is never reset, so it stays in V_m:
    // `bad` sums v - v, 0 for finite v and NaN otherwise.
    double bad = 0.0;
    // SAFETY: every column is a distinct allocation (restrict on locals is not used by GCC's
    // dependence analysis; `omp simd` states it and allows the reduction to vectorise).
#pragma omp simd reduction(+ : bad)
    for (std::size_t i = lo; i < hi; ++i) {
        const double E_L = at(cE_L, c.E_L, i);
        // V(t+h) = E_L + (V - E_L) e^{-h/tau_m} + P21 I_syn + P20 (I_e + I_stim)
        const double I_cont = HasCont ? cont[i] : 0.0;  // [pA]
        const double v_free = E_L + (V[i] - E_L) * at(cP22, c.P22, i) + at(cdrive, c.drive, i) +
                              Iex[i] * at(cP21ex, c.P21ex, i) + Iin[i] * at(cP21in, c.P21in, i) +
                              I_cont * at(cP20, c.P20, i);  // [mV]
        // Loads first: a conditional load is not if-converted, a select of loaded values is.
        const double v_old = V[i], r_old = ref[i];
        const double v_reset = at(cV_reset, c.V_reset, i), r_steps = at(cref_steps, c.ref_steps, i);
        const bool active = r_old <= 0.0;
        // delta synapses: jumps move V_m at once (and are lost while refractory, as in NEST)
        const double v = active ? (Delta ? v_free + ex[i] + inh[i] : v_free) : v_old;
        // (V_reset < V_th, so a clamped neuron never crosses: no need to test `active`)
        const bool spike = v >= at(cV_th, c.V_th, i);
        const double v_new = spike ? v_reset : v;
        V[i] = v_new;
        bad += v_new - v_new;
        const double r_dec = r_old > 1.0 ? r_old - 1.0 : 0.0;
        ref[i] = spike ? r_steps : r_dec;
        // Synapses decay and receive even while the membrane is clamped.
        if constexpr (!Delta) {
            Iex[i] = Iex[i] * at(cP11ex, c.P11ex, i) + ex[i];   // [pA]
            Iin[i] = Iin[i] * at(cP11in, c.P11in, i) + inh[i];  // [pA]
        }
        mask[i] = spike ? 1.0 : 0.0;
        if constexpr (Clear) {
            ex[i] = 0.0;
            inh[i] = 0.0;
        }
    }
    return bad != 0.0 ? 1 : 0;  // NaN != 0
}

// Built for AVX2 and for the baseline ISA, chosen at run time (no -march=native needed).
// Dispatch of the run-time choices onto lif_body's template flags.
// (inlined into each target clone of lif_step, so that its AVX2 clone runs AVX2 code)
template <bool Delta, bool HasCont, bool Clear>
[[gnu::always_inline]] inline std::size_t lif_choose(const lif_kernel& k, const lif_scalars* uniform, index_t lo, index_t hi,
                       double* ex, double* inh, const double* cont, double* mask) {
    return uniform != nullptr
               ? lif_body<true, Delta, HasCont, Clear>(k, *uniform, lo, hi, ex, inh, cont, mask)
               : lif_body<false, Delta, HasCont, Clear>(k, lif_scalars{}, lo, hi, ex, inh, cont,
                                                        mask);
}

__attribute__((target_clones("avx2", "default"))) std::size_t lif_step(
    const lif_kernel& k, const lif_scalars* uniform, bool delta, bool has_cont, bool clear,
    index_t lo, index_t hi, double* ex, double* inh, const double* cont, double* mask,
    std::uint8_t* __restrict spiked) {
    std::size_t bad = 0;
    const int choice = (delta ? 4 : 0) + (has_cont ? 2 : 0) + (clear ? 1 : 0);
    switch (choice) {
        case 0: bad = lif_choose<false, false, false>(k, uniform, lo, hi, ex, inh, cont, mask); break;
        case 1: bad = lif_choose<false, false, true>(k, uniform, lo, hi, ex, inh, cont, mask); break;
        case 2: bad = lif_choose<false, true, false>(k, uniform, lo, hi, ex, inh, cont, mask); break;
        case 3: bad = lif_choose<false, true, true>(k, uniform, lo, hi, ex, inh, cont, mask); break;
        case 4: bad = lif_choose<true, false, false>(k, uniform, lo, hi, ex, inh, cont, mask); break;
        case 5: bad = lif_choose<true, false, true>(k, uniform, lo, hi, ex, inh, cont, mask); break;
        case 6: bad = lif_choose<true, true, false>(k, uniform, lo, hi, ex, inh, cont, mask); break;
        default: bad = lif_choose<true, true, true>(k, uniform, lo, hi, ex, inh, cont, mask); break;
    }
    for (std::size_t i = lo; i < hi; ++i) {
        spiked[i] = mask[i] != 0.0 ? 1 : 0;
    }
    return bad;
}

}  // namespace detail

namespace {

class lif_population final : public population {
public:
    explicit lif_population(const population_init& init)
        : population(lif_info, init.name, init.size),
          tau_m_(init.param("tau_m")),
          C_m_(init.param("C_m")),
          E_L_(to_column(init.param("E_L"))),
          V_th_(to_column(init.param("V_th"))),
          V_reset_(to_column(init.param("V_reset"))),
          t_ref_(init.param("t_ref")),
          tau_ex_(init.param("tau_syn_ex")),
          tau_in_(init.param("tau_syn_in")),
          I_e_(init.param("I_e")),
          V_m_(init.initial("V_m", init.param("E_L"))),
          I_ex_(init.initial("I_syn_ex", std::vector<double>(init.size, 0.0))),
          I_in_(init.initial("I_syn_in", std::vector<double>(init.size, 0.0))),
          refractory_(init.size, 0.0),
          spike_mask_(init.size, 0.0),
          delta_(init.synapse == synapse_type::delta) {
        bind("V_m", V_m_);
        bind("I_syn_ex", I_ex_);
        bind("I_syn_in", I_in_);
    }

    void prepare(double h) override {
        const std::size_t n = size();
        P22_.resize(n);
        P20_.resize(n);
        drive_.resize(n);
        P21ex_.resize(n);
        P21in_.resize(n);
        P11ex_.resize(n);
        P11in_.resize(n);
        ref_steps_.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            P22_[i] = std::exp(-h / tau_m_[i]);
            P20_[i] = -tau_m_[i] / C_m_[i] * std::expm1(-h / tau_m_[i]);  // [mV/pA]
            drive_[i] = I_e_[i] * P20_[i];  // constant current's share of the step [mV]
            P21ex_[i] = detail::psc_propagator(h, tau_m_[i], tau_ex_[i], C_m_[i]);
            P21in_[i] = detail::psc_propagator(h, tau_m_[i], tau_in_[i], C_m_[i]);
            P11ex_[i] = std::exp(-h / tau_ex_[i]);
            P11in_[i] = std::exp(-h / tau_in_[i]);
            // a refractory period beyond max_steps outlasts any run (runs are at most
            // max_steps long): max_steps then
            ref_steps_[i] = static_cast<double>(
                steps_of(t_ref_[i], h, step_rounding::nearest).value_or(max_steps));
        }
        const auto same = [](const aligned_column& col) {
            return std::all_of(col.begin(), col.end(), [&](double v) { return v == col[0]; });
        };
        uniform_ = n > 0 && same(E_L_) && same(P22_) && same(drive_) && same(P21ex_) &&
                   same(P21in_) && same(P20_) && same(V_th_) && same(V_reset_) &&
                   same(ref_steps_) && same(P11ex_) && same(P11in_);
        if (uniform_) {
            scalars_ = {E_L_[0],  P22_[0],     drive_[0],  P21ex_[0], P21in_[0], P20_[0],
                        V_th_[0], V_reset_[0], ref_steps_[0], P11ex_[0], P11in_[0]};
        }
    }

    bool clears_inputs() const override { return true; }

    void update(step_t, index_t lo, index_t hi, const step_inputs& in,
                update_status& status) override {
        const detail::lif_kernel k{V_m_.data(),  I_ex_.data(),  I_in_.data(),  refractory_.data(),
                                   E_L_.data(),  P22_.data(),   drive_.data(), P21ex_.data(),
                                   P21in_.data(), P20_.data(),  V_th_.data(),  V_reset_.data(),
                                   ref_steps_.data(), P11ex_.data(), P11in_.data()};
        // SAFETY: with in.consume, ex/in are the engine's writable ring slot, and this call
        // owns [lo, hi) of it.
        const auto bad = detail::lif_step(k, uniform_ ? &scalars_ : nullptr, delta_, in.has_cont,
                                          in.consume, lo, hi, const_cast<double*>(in.ex),
                                          const_cast<double*>(in.in), in.cont,
                                          spike_mask_.data(), spiked().data());
        if (bad > 0) {
            for (index_t i = lo; i < hi; ++i) {
                if (!std::isfinite(V_m_[i])) {
                    status.note_fault(i, "V_m", V_m_[i]);
                    break;
                }
            }
        }
    }

private:
    // Parameters, and the columns the kernel streams (cache-line aligned: sim/aligned.hpp).
    std::vector<double> tau_m_, C_m_;
    aligned_column E_L_, V_th_, V_reset_;
    std::vector<double> t_ref_, tau_ex_, tau_in_, I_e_;
    aligned_column V_m_, I_ex_, I_in_;
    aligned_column refractory_;  // steps left, a double so the kernel is one width
    aligned_column spike_mask_;  // 1.0 where the neuron spiked (kernel scratch)
    aligned_column P22_, P20_, drive_, P21ex_, P21in_, P11ex_, P11in_;
    bool uniform_ = false;  // all constants shared: the kernel reads scalars_
    bool delta_ = false;    // synapse = "delta": jumps in mV straight onto V_m
    detail::lif_scalars scalars_{};
    aligned_column ref_steps_;
};

}  // namespace

const model_info lif_info{
    .name = "lif",
    .summary = "leaky integrate-and-fire, exact integration (as NEST iaf_psc_exp, and "
               "iaf_psc_delta with synapse = delta); synapses: exp_current (default), delta",
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
                                    p["tau_syn_in"], p["V_th"]};
        },
    .stateless = false,
    .precise_spike_times = false,
    .synapses = {synapse_type::exp_current, synapse_type::delta},
    .presets = {},
    .compartmental = false,
    .integrators = {},
};

}  // namespace neurotwin
