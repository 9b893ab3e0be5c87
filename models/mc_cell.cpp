// SPDX-License-Identifier: BSD-3-Clause
#include "models/mc_cell.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "models/cable.hpp"
#include "models/hh_rates.hpp"
#include "models/point_common.hpp"

namespace neurotwin {

namespace {

using detail::cable_tree;

// Sum of the conductances of every node to its neighbours and its leak: the part of the
// matrix diagonal that does not change during a run [nS].
std::vector<double> static_diagonal(const cable_tree& t) {
    std::vector<double> g(t.n_nodes, 0.0);
    for (std::uint32_t k = 0; k < t.n_nodes; ++k) {
        g[k] += t.g_pas[k];
        if (k > 0) {
            g[k] += t.g_axial[k];
            g[t.parent[k]] += t.g_axial[k];
        }
    }
    return g;
}

struct gates {
    double m, h, n;
};

gates steady_gates(double q, double V) {
    const auto r = detail::hh_kinetics::rates(q, V);
    return {r.am / (r.am + r.bm), r.ah / (r.ah + r.bh), r.an / (r.an + r.bn)};
}

// Solves the tree system d V - sum g_axial (neighbour) = rhs in place (rhs becomes V) for one
// cell: elimination towards the root, substitution back (Hines 1984).
void hines_solve(const cable_tree& t, std::vector<double>& d, std::vector<double>& rhs) {
    for (std::uint32_t k = t.n_nodes - 1; k >= 1; --k) {
        const auto p = t.parent[k];
        const double f = t.g_axial[k] / d[k];
        d[p] -= f * t.g_axial[k];
        rhs[p] += f * rhs[k];
    }
    rhs[0] /= d[0];
    for (std::uint32_t k = 1; k < t.n_nodes; ++k) {
        rhs[k] = (rhs[k] + t.g_axial[k] * rhs[t.parent[k]]) / d[k];
    }
}

// Resting state of one cell (no synaptic input) and the soma's input resistance there.
// The rest solves the steady-state cable equation with the hh gates at their steady state
// for the node's voltage, by fixed-point iteration on the chord conductances (each iterate is
// a conductance-weighted mean of reversal potentials, which converges for a stable rest).
// The input resistance is that of the linear system with the gates frozen at rest.
struct cell_rest {
    double V_soma = 0.0;  // [mV]
    double R_in = 0.0;    // [mV/pA]
};

cell_rest rest_of(const cable_tree& t, double q, double dE, double I_e) {
    const auto g0 = static_diagonal(t);
    std::vector<double> V(t.n_nodes, -65.0), d(t.n_nodes), rhs(t.n_nodes);
    const auto assemble = [&](bool with_sources) {
        for (std::uint32_t k = 0; k < t.n_nodes; ++k) {
            d[k] = g0[k];
            rhs[k] = with_sources ? t.g_pas[k] * (t.e_pas[k] + dE) : 0.0;
        }
        for (std::size_t h = 0; h < t.hh_node.size(); ++h) {
            const auto k = t.hh_node[h];
            const auto g = steady_gates(q, V[k]);
            const double gna = t.hh_gna[h] * g.m * g.m * g.m * g.h;
            const double gk = t.hh_gk[h] * g.n * g.n * g.n * g.n;
            d[k] += gna + gk + t.hh_gl[h];
            if (with_sources) {
                rhs[k] += gna * t.hh_ena[h] + gk * t.hh_ek[h] + t.hh_gl[h] * (t.hh_el[h] + dE);
            }
        }
    };
    for (int it = 0; it < 500; ++it) {
        assemble(true);
        rhs[t.soma] += I_e;
        hines_solve(t, d, rhs);
        double change = 0.0;
        for (std::uint32_t k = 0; k < t.n_nodes; ++k) {
            change = std::max(change, std::abs(rhs[k] - V[k]));
        }
        V = rhs;
        if (change < 1e-10) {
            break;
        }
    }
    assemble(false);
    rhs[t.soma] = 1.0;  // [pA]
    hines_solve(t, d, rhs);
    return {V[t.soma], rhs[t.soma]};
}

class mc_population final : public population {
public:
    mc_population(const model_info& info, const population_init& init)
        : population(info, init.name, init.size),
          tree_(detail::discretize(*init.morphology)),
          morph_(*init.morphology),
          N_(init.size),
          g_static_(static_diagonal(tree_)),
          V_spike_(init.param("V_spike")),
          theta_(init.param("theta")),
          dE_L_(init.param("dE_L")),
          I_e_(init.param("I_e")),
          syn_(init) {
        q_.resize(N_);
        const auto& celsius = init.param("celsius");
        for (std::size_t i = 0; i < N_; ++i) {
            q_[i] = detail::q10_factor(celsius[i]);
        }
        // port 0 is the soma unless the builder says otherwise
        std::vector<location> sites = init.sites;
        if (sites.empty()) {
            sites.push_back({morph_.sections.front().name, 0.5, {}});
        }
        for (const auto& s : sites) {
            site_node_.push_back(tree_.node_at(morph_.find(s.section), s.x));
        }
        P_ = site_node_.size();
        set_ports(static_cast<index_t>(P_));
        const std::size_t n = tree_.n_nodes;
        const auto V0 = init.initial("V_m", std::vector<double>(N_, -65.0));
        V_.resize(n * N_);
        for (std::size_t k = 0; k < n; ++k) {
            std::copy(V0.begin(), V0.end(), V_.begin() + std::ptrdiff_t(k * N_));
        }
        d_.assign(n * N_, 0.0);
        rhs_.assign(n * N_, 0.0);
        V_old_.assign(N_, 0.0);
        const std::size_t H = tree_.hh_node.size();
        m_.resize(H * N_);
        h_.resize(H * N_);
        n_.resize(H * N_);
        for (std::size_t h = 0; h < H; ++h) {
            for (std::size_t i = 0; i < N_; ++i) {
                const auto g = steady_gates(q_[i], V0[i]);
                m_[h * N_ + i] = g.m;
                h_[h * N_ + i] = g.h;
                n_[h * N_ + i] = g.n;
            }
        }
        for (auto* s : {&ex_, &dex_, &in_, &din_}) {
            s->assign(P_ * N_, 0.0);
        }
        bind("V_m", V_.data() + std::size_t(tree_.soma) * N_);
    }

    void prepare(double dt) override {
        dt_ = dt;
        inv_tdt_.resize(N_);
        inv_theta_.resize(N_);
        decay_ex_.resize(N_);
        decay_in_.resize(N_);
        mid_ex_.resize(N_);
        mid_in_.resize(N_);
        for (std::size_t i = 0; i < N_; ++i) {
            inv_tdt_[i] = 1.0 / (theta_[i] * dt);   // [1/ms]
            inv_theta_[i] = 1.0 / theta_[i];
            decay_ex_[i] = std::exp(-dt / syn_.tau_ex[i]);
            decay_in_[i] = std::exp(-dt / syn_.tau_in[i]);
            mid_ex_[i] = std::exp(-theta_[i] * dt / syn_.tau_ex[i]);
            mid_in_[i] = std::exp(-theta_[i] * dt / syn_.tau_in[i]);
        }
    }

    void update(step_t, index_t lo, index_t hi, const step_inputs& in,
                update_status& status) override {
        const std::size_t N = N_;
        const std::uint32_t n = tree_.n_nodes;
        double* const V = V_.data();
        double* const d = d_.data();
        double* const r = rhs_.data();
        const double* const itdt = inv_tdt_.data();
        const double* const dE = dE_L_.data();
        std::copy(V + std::size_t(tree_.soma) * N + lo, V + std::size_t(tree_.soma) * N + hi,
                  V_old_.begin() + lo);

        // 1. Matrix of the step: capacitive and leak terms of every node.
        //    C/(theta dt) V* + sum_j g_kj (V*_k - V*_j) + g_pas V*_k = C/(theta dt) V + g_pas E
        for (std::uint32_t k = 0; k < n; ++k) {
            const double c = tree_.cap[k], g = g_static_[k], gp = tree_.g_pas[k];
            const double ep = tree_.e_pas[k];
            double* const dk = d + std::size_t(k) * N;
            double* const rk = r + std::size_t(k) * N;
            const double* const Vk = V + std::size_t(k) * N;
            #pragma omp simd
            for (index_t i = lo; i < hi; ++i) {
                const double a = c * itdt[i];                // [nS]
                dk[i] = a + g;                               // [nS]
                rk[i] = a * Vk[i] + gp * (ep + dE[i]);       // [pA]
            }
        }
        // hh channels with the gates of this half step (conductances held over the step)
        for (std::size_t h = 0; h < tree_.hh_node.size(); ++h) {
            const auto k = std::size_t(tree_.hh_node[h]);
            const double gna = tree_.hh_gna[h], gk = tree_.hh_gk[h], gl = tree_.hh_gl[h];
            const double ena = tree_.hh_ena[h], ek = tree_.hh_ek[h], el = tree_.hh_el[h];
            const double* const m = m_.data() + h * N;
            const double* const hg = h_.data() + h * N;
            const double* const ng = n_.data() + h * N;
            double* const dk = d + k * N;
            double* const rk = r + k * N;
            for (index_t i = lo; i < hi; ++i) {
                const double g_na = gna * m[i] * m[i] * m[i] * hg[i];               // [nS]
                const double n2 = ng[i] * ng[i];
                const double g_k = gk * n2 * n2;                                   // [nS]
                dk[i] += g_na + g_k + gl;
                rk[i] += g_na * ena + g_k * ek + gl * (el + dE[i]);                // [pA]
            }
        }
        {
            double* const rs = r + std::size_t(tree_.soma) * N;
            for (index_t i = lo; i < hi; ++i) {
                rs[i] += I_e_[i];  // [pA]
            }
        }
        // Inputs per port: synaptic jumps at the start of the step, the synapse's value at
        // t + theta dt for the step, then its exact decay to t + dt; continuous current.
        const bool cond = is_conductance(syn_.type);
        const bool alpha = detail::is_alpha(syn_.type);
        for (std::size_t s = 0; s < P_; ++s) {
            const auto k = std::size_t(site_node_[s]);
            double* const dk = d + k * N;
            double* const rk = r + k * N;
            double* const xe = ex_.data() + s * N;
            double* const ye = dex_.data() + s * N;
            double* const xi = in_.data() + s * N;
            double* const yi = din_.data() + s * N;
            for (index_t i = lo; i < hi; ++i) {
                const std::size_t port = std::size_t(i) * P_ + s;
                const double J_ex = in.ex[port];
                const double J_in = cond ? -in.in[port] : in.in[port];  // conductances >= 0
                const double th = theta_[i] * dt_;
                double ge = 0.0, gi = 0.0;
                if (alpha) {
                    ye[i] += J_ex * std::numbers::e / syn_.tau_ex[i];
                    yi[i] += J_in * std::numbers::e / syn_.tau_in[i];
                    ge = (xe[i] + th * ye[i]) * mid_ex_[i];
                    gi = (xi[i] + th * yi[i]) * mid_in_[i];
                    xe[i] = (xe[i] + dt_ * ye[i]) * decay_ex_[i];
                    xi[i] = (xi[i] + dt_ * yi[i]) * decay_in_[i];
                    ye[i] *= decay_ex_[i];
                    yi[i] *= decay_in_[i];
                } else {
                    xe[i] += J_ex;
                    xi[i] += J_in;
                    ge = xe[i] * mid_ex_[i];
                    gi = xi[i] * mid_in_[i];
                    xe[i] *= decay_ex_[i];
                    xi[i] *= decay_in_[i];
                }
                if (cond) {
                    dk[i] += ge + gi;                                       // [nS]
                    rk[i] += ge * syn_.E_ex[i] + gi * syn_.E_in[i];         // [pA]
                } else {
                    rk[i] += ge + gi;                                       // [pA]
                }
                rk[i] += in.cont[port];                                     // [pA]
            }
        }

        // 2. Hines elimination towards the root, then substitution: r becomes V*.
        for (std::uint32_t k = n - 1; k >= 1; --k) {
            const double ga = tree_.g_axial[k];
            const std::size_t p = tree_.parent[k];
            double* const dk = d + std::size_t(k) * N;
            double* const rk = r + std::size_t(k) * N;
            double* const dp = d + p * N;
            double* const rp = r + p * N;
            #pragma omp simd
            for (index_t i = lo; i < hi; ++i) {
                const double f = ga / dk[i];
                dp[i] -= f * ga;
                rp[i] += f * rk[i];
            }
        }
        #pragma omp simd
        for (index_t i = lo; i < hi; ++i) {
            r[i] /= d[i];
        }
        for (std::uint32_t k = 1; k < n; ++k) {
            const double ga = tree_.g_axial[k];
            const std::size_t p = tree_.parent[k];
            const double* const dk = d + std::size_t(k) * N;
            double* const rk = r + std::size_t(k) * N;
            const double* const rp = r + p * N;
            #pragma omp simd
            for (index_t i = lo; i < hi; ++i) {
                rk[i] = (rk[i] + ga * rp[i]) / dk[i];  // [mV]
            }
        }
        // 3. V(t + dt) = V(t) + (V* - V(t)) / theta
        const double* const ith = inv_theta_.data();
        for (std::uint32_t k = 0; k < n; ++k) {
            double* const Vk = V + std::size_t(k) * N;
            const double* const rk = r + std::size_t(k) * N;
            #pragma omp simd
            for (index_t i = lo; i < hi; ++i) {
                Vk[i] += (rk[i] - Vk[i]) * ith[i];  // [mV]
            }
        }
        // 4. Gates with the new voltage: x <- x_inf + (x - x_inf) e^{-dt (alpha + beta)}
        for (std::size_t h = 0; h < tree_.hh_node.size(); ++h) {
            const double* const Vk = V + std::size_t(tree_.hh_node[h]) * N;
            double* const m = m_.data() + h * N;
            double* const hg = h_.data() + h * N;
            double* const ng = n_.data() + h * N;
            for (index_t i = lo; i < hi; ++i) {
                const auto a = detail::hh_kinetics::rates(q_[i], Vk[i]);
                const auto relax = [&](double& x, double al, double be) {
                    const double s = al + be;
                    const double inf = al / s;
                    x = inf + (x - inf) * std::exp(-dt_ * s);
                };
                relax(m[i], a.am, a.bm);
                relax(hg[i], a.ah, a.bh);
                relax(ng[i], a.an, a.bn);
            }
        }
        // 5. Spikes: upward crossings of V_spike at the soma, time interpolated linearly.
        const double* const Vs = V + std::size_t(tree_.soma) * N;
        auto sp = spiked();
        auto off = spike_offsets();
        for (index_t i = lo; i < hi; ++i) {
            const double v0 = V_old_[i], v1 = Vs[i];
            const bool up = v0 < V_spike_[i] && v1 >= V_spike_[i];
            sp[i] = up ? 1 : 0;
            if (up) {
                off[i] = std::clamp(dt_ * (V_spike_[i] - v0) / (v1 - v0), 1e-12, dt_);
            }
            if (!std::isfinite(v1)) {
                status.note_fault(i, "V_m", v1);
            }
        }
    }

    std::uint32_t compartments() const override {
        return static_cast<std::uint32_t>(tree_.compartment_node.size());
    }

    std::int64_t compartment_at(const location& where) const override {
        const int s = morph_.find(where.section);
        if (s < 0 || !(where.x >= 0.0 && where.x <= 1.0)) {
            return -1;
        }
        return tree_.compartment_at(s, where.x);
    }

    const double* compartment_value(std::string_view var, std::uint32_t c) const override {
        if (var != "V_m" || c >= tree_.compartment_node.size()) {
            return nullptr;
        }
        return V_.data() + std::size_t(tree_.compartment_node[c]) * N_;
    }

private:
    cable_tree tree_;
    morphology_desc morph_;
    std::size_t N_;
    std::size_t P_ = 1;
    std::vector<double> g_static_;
    std::vector<std::uint32_t> site_node_;
    std::vector<double> V_spike_, theta_, dE_L_, I_e_, q_;
    detail::synapse_columns syn_;
    std::vector<double> V_, d_, rhs_, V_old_;
    std::vector<double> m_, h_, n_;
    std::vector<double> ex_, dex_, in_, din_;
    double dt_ = 0.1;
    std::vector<double> inv_tdt_, inv_theta_, decay_ex_, decay_in_, mid_ex_, mid_in_;
};

std::vector<param_info> mc_params() {
    std::vector<param_info> p{
        {"V_spike", dimension::voltage, 0.0, range::any(),
         "spike threshold at the soma (upward crossing)"},
        {"theta", dimension::none, 0.5, range::between(0.5, 1.0),
         "implicitness: 0.5 Crank-Nicolson (2nd order), 1 backward Euler"},
        {"celsius", dimension::none, 6.3, range::between(-50.0, 100.0),
         "temperature (deg C) of the hh channels; Q10 = 3 from 6.3"},
        {"dE_L", dimension::voltage, 0.0, range::any(),
         "shift of every leak reversal (e_pas, hh el): the twin's bias"},
        {"I_e", dimension::current, 0.0, range::any(), "constant current into the soma"},
    };
    return detail::with_synapse_params(std::move(p), 2.0, 5.0, 0.0, -80.0);
}

}  // namespace

const model_info mc_cell_info{
    .name = "mc_cell",
    .summary = "multi-compartment cell (inline sections or SWC), pas and hh channels per "
               "section, Hines solver (Crank-Nicolson), synapses at dendritic locations" +
               detail::synapses_note(detail::all_synapse_types()),
    .kind = model_kind::spiking,
    .params = mc_params(),
    .state = {{"V_m", dimension::voltage,
               "membrane potential at the soma (init: every compartment)", true},
              {"rate", dimension::rate, "causal firing-rate estimate", false}},
    .check = {},
    .create = [](const population_init& init) -> std::unique_ptr<population> {
        return std::make_unique<mc_population>(mc_cell_info, init);
    },
    .rest_param = "dE_L",
    .calibrate =
        [](const param_lookup& p) {
            // Shifting every leak reversal by dE moves a passive cell's voltage by exactly dE;
            // the soma's input resistance R (gates frozen at rest) turns the twin's input
            // current into a somatic voltage. Bias 0 = the cell as given (onset 0).
            twin_calibration cal;
            if (p.morphology() == nullptr) {
                return cal;
            }
            const auto t = detail::discretize(*p.morphology());
            const auto rest =
                rest_of(t, detail::q10_factor(p["celsius"]), p["dE_L"], p["I_e"]);
            cal.R_mV_per_pA = rest.R_in;
            cal.V_onset = 0.0;
            cal.psc_area_ex = p["tau_syn_ex"];
            cal.psc_area_in = p["tau_syn_in"];
            cal.V_membrane = rest.V_soma;
            return cal;
        },
    .stateless = false,
    .precise_spike_times = true,
    .synapses = detail::all_synapse_types(),
    .presets = {},
    .compartmental = true,
};

}  // namespace neurotwin
