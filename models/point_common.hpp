// SPDX-License-Identifier: BSD-3-Clause
// Shared pieces of the ODE point models (izhikevich, adex, hh, hh_traub): the four synapse
// types, a fixed-step RK4 with threshold location (izhikevich, adex), helpers for rate
// functions and resting states. Header-only: the kernels inline into each model's loop.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <string>
#include <vector>

#include "sim/model_api.hpp"

namespace neurotwin::detail {

// x / (1 - e^-x), the form of the HH/Traub activation rates, exact at x = 0 (limit 1).
// For |x| < 1e-6 the series 1 + x/2 + x^2/12 is used: its truncation error (x^4/720) is far
// below rounding there, while the direct form would lose all digits to cancellation; expm1
// keeps full precision up to |x| = 0.5; beyond, 1 - e^-x loses at most one bit and exp is
// about twice as fast as expm1 (a third of hh_traub's time went to expm1).
inline double x_over_1_minus_exp_neg(double x) {
    const double a = std::abs(x);
    if (a < 1e-6) {
        return 1.0 + x * (0.5 + x / 12.0);
    }
    return a < 0.5 ? x / -std::expm1(-x) : x / (1.0 - std::exp(-x));
}

// ---------------------------------------------------------------------------------------
// Synapses. Four state values per neuron: [ex, dex, in, din] - conductance (nS) or current
// (pA) of the excitatory and inhibitory synapse and, for alpha synapses, their derivative.
//   exp:    dx/dt = -x / tau                      jump J:  x += J
//   alpha:  dx/dt = y - x / tau, dy/dt = -y/tau   jump J:  y += J e / tau (x peaks at J, t = tau)
// Current synapses add ex + in (in <= 0); conductance synapses add
// ex (E_ex - V) + in (E_in - V) with in >= 0 (an inhibitory jump J <= 0 adds |J|).
struct synapse_params {
    synapse_type type = synapse_type::exp_current;
    double tau_ex = 2.0, tau_in = 2.0, E_ex = 0.0, E_in = -80.0;
};

inline bool is_alpha(synapse_type s) {
    return s == synapse_type::alpha_current || s == synapse_type::alpha_cond;
}

// Synaptic current (pA) at membrane potential V (mV).
inline double synaptic_current(const double* s, const synapse_params& p, double V) {
    return is_conductance(p.type) ? s[0] * (p.E_ex - V) + s[2] * (p.E_in - V)  // [nS mV = pA]
                                  : s[0] + s[2];                                // [pA]
}

inline void synapse_derivative(const double* s, double* ds, const synapse_params& p) {
    if (is_alpha(p.type)) {
        ds[0] = s[1] - s[0] / p.tau_ex;
        ds[1] = -s[1] / p.tau_ex;
        ds[2] = s[3] - s[2] / p.tau_in;
        ds[3] = -s[3] / p.tau_in;
    } else {
        ds[0] = -s[0] / p.tau_ex;
        ds[1] = 0.0;
        ds[2] = -s[2] / p.tau_in;
        ds[3] = 0.0;
    }
}

// Jumps of this step: J_ex >= 0, J_in <= 0 (pA or nS).
inline void synapse_jump(double* s, const synapse_params& p, double J_ex, double J_in) {
    const double in = is_conductance(p.type) ? -J_in : J_in;
    if (is_alpha(p.type)) {
        s[1] += J_ex * std::numbers::e / p.tau_ex;
        s[3] += in * std::numbers::e / p.tau_in;
    } else {
        s[0] += J_ex;
        s[2] += in;
    }
}

// Per-population synapse columns: the two recordable ones (I_syn_* or g_*) and the two
// derivatives of alpha synapses.
struct synapse_columns {
    aligned_column ex, dex, in, din;  // written by the threads, each its own neurons
    std::vector<double> tau_ex, tau_in, E_ex, E_in;
    synapse_type type = synapse_type::exp_current;

    explicit synapse_columns(const population_init& init)
        : tau_ex(init.param("tau_syn_ex")),
          tau_in(init.param("tau_syn_in")),
          E_ex(init.param("E_ex")),
          E_in(init.param("E_in")),
          type(init.synapse) {
        const std::vector<double> zero(init.size, 0.0);
        const bool cond = is_conductance(type);
        ex = init.initial(cond ? "g_ex" : "I_syn_ex", zero);
        in = init.initial(cond ? "g_in" : "I_syn_in", zero);
        dex.assign(init.size, 0.0);
        din.assign(init.size, 0.0);
    }
    // Names of the recordable columns `ex` and `in` for this synapse type.
    const char* ex_name() const { return is_conductance(type) ? "g_ex" : "I_syn_ex"; }
    const char* in_name() const { return is_conductance(type) ? "g_in" : "I_syn_in"; }
    synapse_params params(std::size_t i) const {
        return {type, tau_ex[i], tau_in[i], E_ex[i], E_in[i]};
    }
    void load(std::size_t i, double* s) const {
        s[0] = ex[i];
        s[1] = dex[i];
        s[2] = in[i];
        s[3] = din[i];
    }
    void store(std::size_t i, const double* s) {
        ex[i] = s[0];
        dex[i] = s[1];
        in[i] = s[2];
        din[i] = s[3];
    }
};

// Parameter and state rows shared by every ODE point model's descriptor: a model lists its
// own rows and these append the synapse rows (and, for states, the rate estimate).
inline std::vector<param_info> with_synapse_params(std::vector<param_info> own, double tau_ex,
                                                   double tau_in, double E_ex, double E_in) {
    std::vector<param_info> rows{
        {"tau_syn_ex", dimension::time, tau_ex, range::above(0.0),
         "excitatory synaptic time constant (decay; alpha: time to peak)"},
        {"tau_syn_in", dimension::time, tau_in, range::above(0.0),
         "inhibitory synaptic time constant (decay; alpha: time to peak)"},
        {"E_ex", dimension::voltage, E_ex, range::any(),
         "excitatory reversal potential (conductance synapses)"},
        {"E_in", dimension::voltage, E_in, range::any(),
         "inhibitory reversal potential (conductance synapses)"},
    };
    own.insert(own.end(), rows.begin(), rows.end());
    return own;
}

inline std::vector<state_info> with_synapse_states(std::vector<state_info> own) {
    const std::vector<state_info> rows{
        {"I_syn_ex", dimension::current, "excitatory synaptic current (current synapses)", true},
        {"I_syn_in", dimension::current, "inhibitory synaptic current (current synapses)", true},
        {"g_ex", dimension::conductance, "excitatory conductance (conductance synapses)", true},
        {"g_in", dimension::conductance, "inhibitory conductance (conductance synapses)", true},
        {"rate", dimension::rate, "causal firing-rate estimate", false},
    };
    own.insert(own.end(), rows.begin(), rows.end());
    return own;
}

// "; synapses: exp_current (default), ..." for a model's summary, so that `neurotwin models`
// and docs/models.md list the accepted `synapse` values.
inline std::string synapses_note(const std::vector<synapse_type>& types) {
    std::string out = "; synapses: ";
    for (std::size_t k = 0; k < types.size(); ++k) {
        out += std::string(k ? ", " : "") + std::string(synapse_name(types[k])) +
               (k ? "" : " (default)");
    }
    return out;
}

inline const std::vector<synapse_type>& all_synapse_types() {
    static const std::vector<synapse_type> all{synapse_type::exp_current,
                                               synapse_type::alpha_current,
                                               synapse_type::exp_cond, synapse_type::alpha_cond};
    return all;
}

// ---------------------------------------------------------------------------------------
// Classical RK4 step of length h for an autonomous system f(x, dxdt).
template <std::size_t N, class F>
std::array<double, N> rk4_step(const F& f, const std::array<double, N>& x, double h) {
    std::array<double, N> k1, k2, k3, k4, y;
    f(x, k1);
    for (std::size_t j = 0; j < N; ++j) {
        y[j] = x[j] + 0.5 * h * k1[j];
    }
    f(y, k2);
    for (std::size_t j = 0; j < N; ++j) {
        y[j] = x[j] + 0.5 * h * k2[j];
    }
    f(y, k3);
    for (std::size_t j = 0; j < N; ++j) {
        y[j] = x[j] + h * k3[j];
    }
    f(y, k4);
    for (std::size_t j = 0; j < N; ++j) {
        y[j] = x[j] + h / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]);
    }
    return y;
}

// Whether, and when, the trajectory from x0 reaches `threshold` in x[0] within a substep h
// whose RK4 step crosses it. Near a spike the trajectory steepens (AdEx: a finite-time
// blow-up), so the substep is walked again with steps of h/4, h/16, ... down to h/4^8, each
// level stopping before its step that crosses (normally within 4 steps); the last one is
// bisected on its length (the RK4 step is a 4th-order approximation of the trajectory for any
// length) to 2^-40 of it. Returns true with the crossing time in `s` and the state there in
// `out`; false when the finer walk does not cross within h after all (then `out` is the
// finer state at s = h).
template <std::size_t N, class F>
bool rk4_locate(const F& f, const std::array<double, N>& x0, double h, double threshold,
                double& s, std::array<double, N>& out) {
    std::array<double, N> x = x0;
    double t = 0.0;
    double step = h;
    for (int level = 0; level < 8; ++level) {
        step *= 0.25;
        bool found = false;
        // Normally at most 4 steps (the crossing lies within the previous level's step); a
        // finer walk may find it later, so walk on up to the end of the substep.
        while (t + step <= h * (1.0 + 1e-12)) {
            const auto y = rk4_step<N>(f, x, step);
            if (y[0] >= threshold) {
                found = true;
                break;
            }
            x = y;
            t += step;
        }
        if (!found) {
            if (t < h) {  // rounding remainder
                x = rk4_step<N>(f, x, h - t);
            }
            s = h;
            out = x;
            return x[0] >= threshold ? (s = h, true) : false;
        }
    }
    double lo = 0.0, hi = step;
    for (int it = 0; it < 40; ++it) {
        const double mid = 0.5 * (lo + hi);
        if (rk4_step<N>(f, x, mid)[0] >= threshold) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    out = rk4_step<N>(f, x, hi);
    s = t + hi;
    return true;
}

// One step dt of a model whose x[0] is reset when it reaches `threshold` (izhikevich, adex),
// in RK4 substeps of at most h. Each substep first offers `clamp(x, step)` the state: it
// returns the time it advanced x itself (a refractory phase), or 0; otherwise the substep is
// `limit(x, step)` long (a model may shorten it). A substep that crosses the threshold is
// located by rk4_locate, `reset(y)` is applied at the crossing and integration goes on from
// there. Returns the time of the first crossing in (0, dt], or -1 when there is none.
template <std::size_t N, class F, class Clamp, class Limit, class Reset>
double rk4_threshold_step(const F& f, std::array<double, N>& x, double dt, double h,
                          double threshold, Clamp&& clamp, Limit&& limit, Reset&& reset) {
    double first = -1.0;
    double t = 0.0;
    while (t < dt * (1.0 - 1e-12)) {
        const double free = std::min(h, dt - t);
        if (const double used = clamp(x, free); used > 0.0) {
            t += used;
            continue;
        }
        const double step = limit(x, free);
        auto y = rk4_step<N>(f, x, step);
        double s = step;
        if (y[0] >= threshold && rk4_locate<N>(f, x, step, threshold, s, y)) {
            t += s;
            if (first < 0.0) {
                first = std::min(t, dt);  // [ms] within the step
            }
            reset(y);
            x = y;
            continue;
        }
        x = y;
        t += step;
    }
    return first;
}

// Number of equal substeps of at most h_max in a step dt. The network builder rejects an
// h_max that needs more than max_substeps (sim/units.hpp); the clamp keeps the conversion
// defined whatever the caller.
inline int substeps(double dt, double h_max) {
    const auto n = substeps_of(dt, h_max);
    return static_cast<int>(std::max<std::int64_t>(1, n.value_or(max_substeps)));
}

// substeps() for every neuron of a population (its h_max column).
inline std::vector<int> substeps(double dt, const std::vector<double>& h_max) {
    std::vector<int> n(h_max.size());
    for (std::size_t i = 0; i < h_max.size(); ++i) {
        n[i] = substeps(dt, h_max[i]);
    }
    return n;
}

// Cubic Hermite interpolation on [0, h] through (0, y0, d0) and (h, y1, d1): the time in
// (0, h] where it reaches `threshold` (y0 < threshold <= y1), by bisection.
inline double hermite_crossing(double h, double y0, double d0, double y1, double d1,
                               double threshold) {
    const auto value = [&](double s) {
        const double u = s / h;
        const double h00 = (1.0 + 2.0 * u) * (1.0 - u) * (1.0 - u);
        const double h10 = u * (1.0 - u) * (1.0 - u);
        const double h01 = u * u * (3.0 - 2.0 * u);
        const double h11 = u * u * (u - 1.0);
        return h00 * y0 + h10 * h * d0 + h01 * y1 + h11 * h * d1;
    };
    double lo = 0.0, hi = h;
    for (int it = 0; it < 50; ++it) {
        const double mid = 0.5 * (lo + hi);
        if (value(mid) >= threshold) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    return hi;
}

}  // namespace neurotwin::detail
