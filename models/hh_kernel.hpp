// SPDX-License-Identifier: BSD-3-Clause
// The conductance-based point neuron shared by hh and hh_traub: a sodium (m^3 h), a
// potassium (n^4) and a leak current plus the synapses of models/point_common.hpp,
//
//   C_m dV_m/dt = -g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L) + I_syn + I_e + I_stim
//   dx/dt = alpha_x(V) (1 - x) - beta_x(V) x,   x = m, h, n
//
// with the rate functions of a `Kinetics` type (models/hh.cpp, models/hh_traub.cpp).
// Integration (Boost.Odeint): runge_kutta_dopri5 (order 5(4), FSAL) under controlled_runge_kutta
// with absolute and relative tolerance `tol`, per neuron over each step, the step size carried
// from step to step; one stepper per update() call (steppers hold scratch state), state in a
// std::array, so nothing is allocated. A spike is the upward crossing of V_spike, located in the
// accepted step that contains it by the cubic Hermite interpolant of V and dV/dt at its ends,
// and counted only when t_ref has passed since the previous one (a detection dead time; the
// dynamics are not clamped); at most one spike per step is reported. The FSAL derivative of
// the last step is reused at the next step's start when no jump and no change of the held
// current intervened (bit-identical, one right-hand side fewer per step). Cost per
// neuron-step: bench/hh_traub.toml (figures in docs/benchmarks.md). Synaptic jumps of a step are
// added at its end, as in NEST. Initial state: V_m = a constant of the model (hh -65 mV,
// hh_traub -60 mV, see their headers), m, h, n at their steady states there, unless the
// scenario's `init` says otherwise; never the fixed point of the given parameters, which is
// unstable past the onset (a cell put there would never leave it) and would make an E_L
// shift act differently from the equivalent current. Internal to models/: included by hh.cpp
// and hh_traub.cpp.
#pragma once

#include <array>
#include <boost/numeric/odeint.hpp>
#include <cmath>
#include <fmt/format.h>

#include "models/hh_rates.hpp"
#include "models/point_common.hpp"

namespace neurotwin::detail {

using hh_state = std::array<double, 8>;  // V_m, m, h, n, synapses [ex, dex, in, din]

struct hh_cell {
    double C_m, g_Na, g_K, g_L, E_Na, E_K, E_L;
    double kin;  // the kinetics' own parameter (hh: Q10 factor, hh_traub: V_T)
};

// Membrane current without synapses, gating at steady state: zero at a resting state.
template <class Kinetics>
double steady_current(const hh_cell& c, double V, double I) {
    const auto r = Kinetics::rates(c.kin, V);
    const double m = r.am / (r.am + r.bm), h = r.ah / (r.ah + r.bh), n = r.an / (r.an + r.bn);
    return -c.g_Na * m * m * m * h * (V - c.E_Na) - c.g_K * n * n * n * n * (V - c.E_K) -
           c.g_L * (V - c.E_L) + I;  // [pA]
}

// The most hyperpolarised resting state under a constant current I: the first downward zero
// of the steady-state current above -150 mV (scan in 0.5 mV, then bisection to rounding).
// NaN when there is none.
template <class Kinetics>
double resting_potential(const hh_cell& c, double I) {
    double lo = -150.0;
    double f_lo = steady_current<Kinetics>(c, lo, I);
    for (double V = lo + 0.5; V <= 100.0; V += 0.5) {
        const double f = steady_current<Kinetics>(c, V, I);
        if (f_lo > 0.0 && f <= 0.0) {
            double a = V - 0.5, b = V;
            for (int it = 0; it < 100 && b - a > 1e-13; ++it) {
                const double mid = 0.5 * (a + b);
                (steady_current<Kinetics>(c, mid, I) > 0.0 ? a : b) = mid;
            }
            return 0.5 * (a + b);  // [mV]
        }
        f_lo = f;
    }
    return std::nan("");
}

// Right-hand side of V, m, h, n (without synapses) for the stability analysis.
template <class Kinetics>
std::array<double, 4> membrane_rhs(const hh_cell& c, const std::array<double, 4>& y, double I) {
    const auto r = Kinetics::rates(c.kin, y[0]);
    const double m = y[1], h = y[2], n = y[3], V = y[0];
    return {(-c.g_Na * m * m * m * h * (V - c.E_Na) - c.g_K * n * n * n * n * (V - c.E_K) -
             c.g_L * (V - c.E_L) + I) /
                c.C_m,
            r.am * (1 - m) - r.bm * m, r.ah * (1 - h) - r.bh * h, r.an * (1 - n) - r.bn * n};
}

// Whether the resting state under I is linearly stable: the 4x4 Jacobian (central
// differences) must satisfy the Routh-Hurwitz conditions of its characteristic polynomial
// lambda^4 + c1 lambda^3 + c2 lambda^2 + c3 lambda + c4 (coefficients by Faddeev-LeVerrier).
template <class Kinetics>
bool rest_is_stable(const hh_cell& c, double I) {
    const double V = resting_potential<Kinetics>(c, I);
    if (std::isnan(V)) {
        return false;
    }
    const auto r = Kinetics::rates(c.kin, V);
    const std::array<double, 4> y0{V, r.am / (r.am + r.bm), r.ah / (r.ah + r.bh),
                                   r.an / (r.an + r.bn)};
    double A[4][4];
    for (int j = 0; j < 4; ++j) {
        const double e = j == 0 ? 1e-5 : 1e-7;
        auto yp = y0, ym = y0;
        yp[j] += e;
        ym[j] -= e;
        const auto fp = membrane_rhs<Kinetics>(c, yp, I), fm = membrane_rhs<Kinetics>(c, ym, I);
        for (int k = 0; k < 4; ++k) {
            A[k][j] = (fp[k] - fm[k]) / (2 * e);
        }
    }
    // Faddeev-LeVerrier: M_1 = I, c_k = -tr(A M_k)/k, M_{k+1} = A M_k + c_k I.
    double M[4][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
    double cs[5] = {1, 0, 0, 0, 0};
    for (int k = 1; k <= 4; ++k) {
        double AM[4][4];
        double tr = 0.0;
        for (int p = 0; p < 4; ++p) {
            for (int q = 0; q < 4; ++q) {
                AM[p][q] = 0.0;
                for (int s = 0; s < 4; ++s) {
                    AM[p][q] += A[p][s] * M[s][q];
                }
            }
            tr += AM[p][p];
        }
        cs[k] = -tr / k;
        for (int p = 0; p < 4; ++p) {
            for (int q = 0; q < 4; ++q) {
                M[p][q] = AM[p][q] + (p == q ? cs[k] : 0.0);
            }
        }
    }
    const double c1 = cs[1], c2 = cs[2], c3 = cs[3], c4 = cs[4];
    return c1 > 0 && c2 > 0 && c3 > 0 && c4 > 0 && c1 * c2 > c3 &&
           c1 * c2 * c3 > c3 * c3 + c1 * c1 * c4;
}

// The smallest constant current (pA) at which the resting state loses stability (the Hopf
// onset of repetitive firing of these type-II cells): doubling from 1 pA, then bisection to
// 1e-6 relative. Infinity when the rest stays stable up to 1e7 pA.
template <class Kinetics>
double onset_current(const hh_cell& c) {
    if (!rest_is_stable<Kinetics>(c, 0.0)) {
        return 0.0;
    }
    double lo = 0.0, hi = 1.0;
    while (rest_is_stable<Kinetics>(c, hi)) {
        lo = hi;
        hi *= 2.0;
        if (hi > 1e7) {
            return std::numeric_limits<double>::infinity();
        }
    }
    while (hi - lo > 1e-6 * hi) {
        const double mid = 0.5 * (lo + hi);
        (rest_is_stable<Kinetics>(c, mid) ? lo : hi) = mid;
    }
    return hi;
}

// Whether a cell started at V_init (gates at their steady states there) under the constant
// current I (pA, from t = 0) still fires in [150, 300) ms: repetitive firing rather than a
// transient response (which is over within ~50 ms). Boost.Odeint dopri5 at the model's
// default tolerance 1e-6, the crossings of V_spike between accepted steps (cost per call:
// docs/benchmarks.md).
template <class Kinetics>
bool fires_repetitively(const hh_cell& c, double V_init, double V_spike, double I) {
    namespace odeint = boost::numeric::odeint;
    using S = std::array<double, 4>;
    const auto r = Kinetics::rates(c.kin, V_init);
    S x{V_init, r.am / (r.am + r.bm), r.ah / (r.ah + r.bh), r.an / (r.an + r.bn)};
    const auto sys = [&](const S& y, S& dy, double) { dy = membrane_rhs<Kinetics>(c, y, I); };
    auto stepper = odeint::make_controlled(1e-6, 1e-6, odeint::runge_kutta_dopri5<S>());
    double t = 0.0, h = 0.01;  // [ms]
    while (t < 300.0) {
        const double V0 = x[0];
        h = std::min(h, 300.0 - t);
        if (stepper.try_step(sys, x, t, h) != odeint::success) {
            if (!(h > 1e-12)) {
                return false;
            }
            continue;
        }
        if (!std::isfinite(x[0])) {
            return false;
        }
        if (t >= 150.0 && V0 < V_spike && x[0] >= V_spike) {
            return true;
        }
    }
    return false;
}

// The smallest constant current (pA) from which a cell started at V_init fires repetitively
// (fires_repetitively): the firing onset a twin's bias meets, since the bias acts from t = 0
// on a cell in its initial state. Below the Hopf point (onset_current) when the cell is
// bistable, as hh is (repetitive firing from rest sets in near 6.3 uA/cm2, the rest loses
// stability at 9.8); negative when the cell fires without input (hh_traub at the COBAHH
// densities). Bracketed by doubling steps from 1 pA up or down, then bisection to 0.05 pA or
// 1e-4 relative (~25 calls per distinct parameter set; its cost: docs/benchmarks.md). Infinity
// when nothing up to 1e7 pA fires, -infinity when -1e7 pA still does.
template <class Kinetics>
double repetitive_onset_current(const hh_cell& c, double V_init, double V_spike) {
    const auto fires = [&](double I) { return fires_repetitively<Kinetics>(c, V_init, V_spike, I); };
    double lo = 0.0, hi = 0.0;  // silent at lo, firing at hi
    if (fires(0.0)) {
        for (double d = 1.0;; d *= 2.0) {
            if (d > 1e7) {
                return -std::numeric_limits<double>::infinity();
            }
            if (!fires(-d)) {
                lo = -d;
                break;
            }
            hi = -d;
        }
    } else {
        for (double d = 1.0;; d *= 2.0) {
            if (d > 1e7) {
                return std::numeric_limits<double>::infinity();
            }
            if (fires(d)) {
                hi = d;
                break;
            }
            lo = d;
        }
    }
    while (hi - lo > std::max(0.05, 1e-4 * std::abs(hi))) {
        const double mid = 0.5 * (lo + hi);
        (fires(mid) ? hi : lo) = mid;
    }
    return hi;
}

template <class Kinetics>
class hh_population final : public population {
public:
    // V_init: the default initial V_m (mV), a constant of the model, not of its parameters:
    // a cell started on its own fixed point stays there when that point is unstable
    // (E_L or a twin's bias past the onset), and an E_L shift dE must act exactly as the
    // current g_L dE does, from the same initial state.
    hh_population(const model_info& info, const population_init& init,
                  std::vector<double> kinetics_param, double V_init)
        : population(info, init.name, init.size),
          C_m_(init.param("C_m")),
          g_Na_(init.param("g_Na")),
          g_K_(init.param("g_K")),
          g_L_(init.param("g_L")),
          E_Na_(init.param("E_Na")),
          E_K_(init.param("E_K")),
          E_L_(init.param("E_L")),
          I_e_(init.param("I_e")),
          V_spike_(init.param("V_spike")),
          t_ref_(init.param("t_ref")),
          tol_(init.param("tol")),
          exp_euler_(init.integrator == "exp_euler"),
          kin_(std::move(kinetics_param)),
          syn_(init),
          ref_left_(init.size, 0.0),
          h_(init.size, 0.0),
          dxdt_(init.size),
          last_I_(init.size, 0.0),
          dxdt_valid_(init.size, 0) {
        const std::vector<double> V0(init.size, V_init);  // [mV]
        V_m_ = init.initial("V_m", V0);
        std::vector<double> m(init.size), h(init.size), n(init.size);
        for (std::size_t i = 0; i < init.size; ++i) {
            const auto r = Kinetics::rates(kin_[i], V_m_[i]);
            m[i] = r.am / (r.am + r.bm);  // steady state at the initial V_m
            h[i] = r.ah / (r.ah + r.bh);
            n[i] = r.an / (r.an + r.bn);
        }
        m_ = init.initial("m", m);
        hg_ = init.initial("h", h);
        n_ = init.initial("n", n);
        bind("V_m", V_m_);
        bind("m", m_);
        bind("h", hg_);
        bind("n", n_);
        bind(syn_.ex_name(), syn_.ex);
        bind(syn_.in_name(), syn_.in);
    }

    hh_cell cell(std::size_t i) const {
        return {C_m_[i], g_Na_[i], g_K_[i], g_L_[i], E_Na_[i], E_K_[i], E_L_[i], kin_[i]};
    }

    void prepare(double dt) override {
        dt_ = dt;
        for (auto& h : h_) {
            h = std::min(dt, 0.01);
        }
        decay_ex_.resize(size());
        decay_in_.resize(size());
        for (std::size_t i = 0; i < size(); ++i) {  // synaptic decay over a step (exp_euler)
            decay_ex_[i] = std::exp(-dt / syn_.tau_ex[i]);
            decay_in_[i] = std::exp(-dt / syn_.tau_in[i]);
        }
    }

    void update(step_t step, index_t lo, index_t hi, const step_inputs& in,
                update_status& status) override {
        if (exp_euler_) {
            update_exp_euler(step, lo, hi, in, status);
            return;
        }
        namespace odeint = boost::numeric::odeint;
        auto* flag = spiked().data();
        auto* offset = spike_offsets().data();
        for (index_t i = lo; i < hi; ++i) {
            flag[i] = 0;
            const hh_cell c = cell(i);
            const double I = I_e_[i] + in.cont[i];  // held over the step [pA]
            const auto sp = syn_.params(i);
            const auto sys = [&](const hh_state& x, hh_state& dx, double) {
                const double V = x[0], m = x[1], h = x[2], n = x[3];
                const auto r = Kinetics::rates(c.kin, V);
                // C dV/dt = -g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L) + I_syn + I
                dx[0] = (-c.g_Na * m * m * m * h * (V - c.E_Na) -
                         c.g_K * (n * n) * (n * n) * (V - c.E_K) - c.g_L * (V - c.E_L) +
                         synaptic_current(&x[4], sp, V) + I) /
                        c.C_m;                        // [mV/ms]
                dx[1] = r.am * (1.0 - m) - r.bm * m;  // [1/ms]
                dx[2] = r.ah * (1.0 - h) - r.bh * h;
                dx[3] = r.an * (1.0 - n) - r.bn * n;
                synapse_derivative(&x[4], &dx[4], sp);
            };
            // SAFETY: a stepper per call and per neuron (scratch state lives in it).
            auto stepper = odeint::make_controlled(tol_[i], tol_[i],
                                                   odeint::runge_kutta_dopri5<hh_state>());
            hh_state x{V_m_[i], m_[i], hg_[i], n_[i], 0, 0, 0, 0};
            syn_.load(i, &x[4]);
            // First same as last across steps: the derivative at the end of the previous step
            // is the one at this step's start unless a jump or the input changed it.
            hh_state dxdt;
            if (dxdt_valid_[i] && last_I_[i] == I) {
                dxdt = dxdt_[i];
            } else {
                sys(x, dxdt, 0.0);
            }
            double t = 0.0, h = h_[i];
            const double ref = ref_left_[i];
            const double V_spike = V_spike_[i];
            while (t < dt_ * (1.0 - 1e-12)) {
                const bool to_end = h >= dt_ - t;
                double hs = to_end ? dt_ - t : h;
                const hh_state x0 = x, d0 = dxdt;
                const double t0 = t;
                if (stepper.try_step(sys, x, dxdt, t, hs) != odeint::success) {
                    h = hs;  // rejected: retry with the reduced step
                    if (!(h > 1e-12)) {
                        break;  // no progress possible (NaN or a singular state)
                    }
                    continue;
                }
                h = to_end ? std::max(h, hs) : hs;  // a clamped last step keeps the old size
                if (!std::isfinite(x[0])) {
                    break;
                }
                if (x0[0] < V_spike && x[0] >= V_spike && !flag[i]) {
                    const double s = t0 + hermite_crossing(t - t0, x0[0], d0[0], x[0], dxdt[0],
                                                           V_spike);  // [ms]
                    if (s >= ref) {
                        flag[i] = 1;
                        offset[i] = std::min(std::max(s, 1e-12), dt_);
                    }
                }
            }
            ref_left_[i] = flag[i] ? std::max(0.0, offset[i] + t_ref_[i] - dt_)
                                     : std::max(0.0, ref - dt_);
            h_[i] = h;
            dxdt_[i] = dxdt;
            last_I_[i] = I;
            dxdt_valid_[i] = in.ex[i] == 0.0 && in.in[i] == 0.0 ? 1 : 0;
            synapse_jump(&x[4], sp, in.ex[i], in.in[i]);
            V_m_[i] = x[0];
            m_[i] = x[1];
            hg_[i] = x[2];
            n_[i] = x[3];
            syn_.store(i, &x[4]);
            if (!std::isfinite(x[0])) {
                status.note_fault(i, "V_m", x[0]);
            }
        }
    }

private:
    // Exponential Euler (integrator = "exp_euler"), as Brian2's exponential_euler: every
    // variable x obeys dx/dt = A + B x with A, B taken from the state at the step's start, and
    // moves to -A/B + (x + A/B) e^{B dt} (exact for each variable with the others frozen):
    //   V:    B = -(g_L + g_Na m^3 h + g_K n^4 [+ g_ex + g_in]) / C_m,
    //         A = (g_L E_L + g_Na m^3 h E_Na + g_K n^4 E_K [+ g_ex E_ex + g_in E_in]
    //              [+ I_syn] + I) / C_m
    //   gates: x_inf + (x - x_inf) e^{-(alpha + beta) dt}, rates at the old V
    //   synapses: their exact decay. First order in dt; a spike is the upward crossing of
    //   V_spike between the step's ends, its time interpolated linearly.
    void update_exp_euler(step_t, index_t lo, index_t hi, const step_inputs& in,
                          update_status& status) {
        auto* flag = spiked().data();
        auto* offset = spike_offsets().data();
        for (index_t i = lo; i < hi; ++i) {
            flag[i] = 0;
            const hh_cell c = cell(i);
            const double I = I_e_[i] + in.cont[i];  // [pA]
            const auto sp = syn_.params(i);
            const double V = V_m_[i], m = m_[i], h = hg_[i], n = n_[i];
            const double g_na = c.g_Na * m * m * m * h, n2 = n * n, g_k = c.g_K * n2 * n2;
            double g = c.g_L + g_na + g_k;                              // [nS]
            double a = c.g_L * c.E_L + g_na * c.E_Na + g_k * c.E_K + I;  // [pA]
            if (is_conductance(sp.type)) {
                g += syn_.ex[i] + syn_.in[i];
                a += syn_.ex[i] * sp.E_ex + syn_.in[i] * sp.E_in;
            } else {
                a += syn_.ex[i] + syn_.in[i];
            }
            const double V_inf = a / g;                                         // [mV]
            const double V1 = V_inf + (V - V_inf) * std::exp(-g / c.C_m * dt_);  // [mV]
            const auto r = Kinetics::rates(c.kin, V);
            const auto relax = [&](double x, double al, double be) {
                const double s = al + be;
                return al / s + (x - al / s) * std::exp(-s * dt_);
            };
            m_[i] = relax(m, r.am, r.bm);
            hg_[i] = relax(h, r.ah, r.bh);
            n_[i] = relax(n, r.an, r.bn);
            double s4[4];
            syn_.load(i, s4);
            const double ee = decay_ex_[i], ei = decay_in_[i];
            if (is_alpha(sp.type)) {
                s4[0] = (s4[0] + dt_ * s4[1]) * ee;  // exact: x' = y - x/tau, y' = -y/tau
                s4[1] *= ee;
                s4[2] = (s4[2] + dt_ * s4[3]) * ei;
                s4[3] *= ei;
            } else {
                s4[0] *= ee;
                s4[2] *= ei;
            }
            synapse_jump(s4, sp, in.ex[i], in.in[i]);  // arriving jumps at the step's end
            syn_.store(i, s4);
            const double ref = ref_left_[i];
            if (V < V_spike_[i] && V1 >= V_spike_[i]) {
                const double s = dt_ * (V_spike_[i] - V) / (V1 - V);
                if (s >= ref) {
                    flag[i] = 1;
                    offset[i] = std::min(std::max(s, 1e-12), dt_);
                }
            }
            ref_left_[i] = flag[i] ? std::max(0.0, offset[i] + t_ref_[i] - dt_)
                                   : std::max(0.0, ref - dt_);
            V_m_[i] = V1;
            if (!std::isfinite(V1)) {
                status.note_fault(i, "V_m", V1);
            }
        }
    }

    std::vector<double> C_m_, g_Na_, g_K_, g_L_, E_Na_, E_K_, E_L_, I_e_, V_spike_, t_ref_, tol_;
    bool exp_euler_ = false;
    std::vector<double> kin_;
    synapse_columns syn_;
    // state written by the threads, each its own neurons: on whole cache lines
    aligned_column V_m_, m_, hg_, n_;
    aligned_column ref_left_;  // detection dead time left at the start of the step [ms]
    aligned_column h_;         // integrator step size carried to the next step [ms]
    aligned_vector<hh_state> dxdt_;    // derivative at the end of the last step (FSAL reuse)
    aligned_column last_I_;    // the held current of the last step [pA]
    aligned_vector<std::uint8_t> dxdt_valid_;  // no jump since dxdt_ was computed
    std::vector<double> decay_ex_, decay_in_;  // e^{-dt/tau_syn}
    double dt_ = 0.1;
};

// Integrators of hh and hh_traub (scenario key `integrator`).
inline std::vector<std::pair<std::string, std::string>> hh_integrators() {
    return {{"dopri5", "Boost.Odeint dopri5, adaptive steps within tolerance tol (accurate)"},
            {"exp_euler", "exponential Euler with the step dt, as Brian2's exponential_euler "
                          "(fast, first order)"}};
}

inline std::string integrators_note() {
    return "; integrators: dopri5 (default), exp_euler";
}

// Parameter rows shared by hh and hh_traub, NEST names and absolute units.
inline std::vector<param_info> hh_param_rows(double C_m, double g_Na, double g_K, double g_L,
                                             double E_Na, double E_K, double E_L,
                                             double V_spike) {
    return {
        {"C_m", dimension::capacitance, C_m, range::above(0.0), "membrane capacitance"},
        {"g_Na", dimension::conductance, g_Na, range::at_least(0.0), "sodium peak conductance"},
        {"g_K", dimension::conductance, g_K, range::at_least(0.0),
         "potassium peak conductance"},
        {"g_L", dimension::conductance, g_L, range::above(0.0), "leak conductance"},
        {"E_Na", dimension::voltage, E_Na, range::any(), "sodium reversal potential"},
        {"E_K", dimension::voltage, E_K, range::any(), "potassium reversal potential"},
        {"E_L", dimension::voltage, E_L, range::any(),
         "leak reversal potential (a twin's bias shifts it)"},
        {"I_e", dimension::current, 0.0, range::any(), "constant external current"},
        {"V_spike", dimension::voltage, V_spike, range::any(),
         "spike = upward crossing of this voltage"},
        {"t_ref", dimension::time, 2.0, range::at_least(0.0),
         "dead time of spike detection (dynamics not clamped)"},
        {"tol", dimension::none, 1e-6, range::between(1e-12, 1e-2),
         "absolute and relative tolerance of the dopri5 integrator"},
    };
}

// V_init: the model's default initial V_m (mV).
inline std::vector<state_info> hh_state_rows(double V_init) {
    return with_synapse_states({
        {"V_m", dimension::voltage,
         fmt::format("membrane potential (default: {} mV, whatever E_L is)", V_init), true},
        {"m", dimension::none, "Na activation (default: steady state at the initial V_m)", true},
        {"h", dimension::none, "Na inactivation (default: steady state)", true},
        {"n", dimension::none, "K activation (default: steady state)", true},
    });
}

}  // namespace neurotwin::detail
