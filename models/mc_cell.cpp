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
        detail::hines_solve(t, d, rhs);
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
    detail::hines_solve(t, d, rhs);
    return {V[t.soma], rhs[t.soma]};
}

// Cells are stored in blocks of 16 ("lanes"): block b holds cells 16b .. 16b+15, and within
// a block the values of node k of the 16 cells lie side by side, [block][node][lane] (the
// interleaving CoreNEURON uses for SIMD). One step of a block then sweeps a contiguous
// region that stays in the core's cache through the three passes (assembly, elimination,
// substitution), and the lane loop vectorises; 16 rather than 8 lanes keep enough
// independent work in flight along the sweep's dependency chain (measured: docs/benchmarks.md).
// Thread ranges start on multiples of 8 (sim/network.hpp, split_point), so a block shared by
// two threads is split at its 64-byte line boundary: threads never write the same line, nor
// fight through the hardware prefetchers, as a [node][cell] layout did on two cores.
constexpr std::size_t lanes = 16;

// Per-lane column padded to whole blocks (the sweeps run over every lane of the last block).
std::vector<double> padded(std::vector<double> v, std::size_t n) {
    v.resize(n, 0.0);
    return v;
}

// Blocks of `width` doubles each (width = nodes * lanes, ...), 64-byte aligned.
class block_buffer {
public:
    void assign(std::size_t blocks, std::size_t width, double v) {
        W_ = width;
        raw_.assign(blocks * width, v);
    }
    double* block(std::size_t b) { return raw_.data() + b * W_; }
    const double* block(std::size_t b) const { return raw_.data() + b * W_; }

private:
    aligned_column raw_;
    std::size_t W_ = 0;
};

// Pointers of one block's step: the tree, per-lane constants, and the block's rows.
struct block_args {
    const cable_tree* t;
    const double* g_static;  // [node]
    const double* itdt;      // [lane] 1 / (theta dt)
    const double* dE;        // [lane]
    const double* ith;       // [lane] 1 / theta
    double* V;
    double* d;
    double* r;
};

// 1. Matrix of the step: capacitive and leak terms of every node,
//    C/(theta dt) V* + sum_j g_kj (V*_k - V*_j) + g_pas V*_k = C/(theta dt) V + g_pas E.
template <bool Full>
[[gnu::always_inline]] inline void assemble_body(const block_args& A, std::size_t j0_,
                                                 std::size_t j1_) {
    const std::size_t j0 = Full ? 0 : j0_;
    const std::size_t j1 = Full ? lanes : j1_;
    const auto& t = *A.t;
    for (std::uint32_t k = 0; k < t.n_nodes; ++k) {
        const double c = t.cap[k], g = A.g_static[k], gp = t.g_pas[k], ep = t.e_pas[k];
        double* const dk = A.d + std::size_t(k) * lanes;
        double* const rk = A.r + std::size_t(k) * lanes;
        const double* const Vk = A.V + std::size_t(k) * lanes;
        #pragma omp simd
        for (std::size_t j = j0; j < j1; ++j) {
            const double a = c * A.itdt[j];              // [nS]
            dk[j] = a + g;                               // [nS]
            rk[j] = a * Vk[j] + gp * (ep + A.dE[j]);     // [pA]
        }
    }
}

// 2. Hines elimination towards the root; 3. substitution from it: r becomes
//    V* = V(t + theta dt), and V(t + dt) = V(t) + (V* - V(t)) / theta.
template <bool Full>
[[gnu::always_inline]] inline void solve_body(const block_args& A, std::size_t j0_,
                                              std::size_t j1_) {
    const std::size_t j0 = Full ? 0 : j0_;
    const std::size_t j1 = Full ? lanes : j1_;
    const auto& t = *A.t;
    const std::uint32_t n = t.n_nodes;
    for (std::uint32_t k = n - 1; k >= 1; --k) {
        const double ga = t.g_axial[k];
        const std::size_t p = t.parent[k];
        double* const dk = A.d + std::size_t(k) * lanes;
        const double* const rk = A.r + std::size_t(k) * lanes;
        double* const dp = A.d + p * lanes;
        double* const rp = A.r + p * lanes;
        #pragma omp simd
        for (std::size_t j = j0; j < j1; ++j) {
            // the eliminated diagonal is needed only as 1/d from here on: keep that in its
            // place (three rows per node keep a 16-cell block of 1,000 nodes in L2)
            const double q = 1.0 / dk[j];
            dk[j] = q;
            const double f = ga * q;
            dp[j] -= f * ga;
            rp[j] += f * rk[j];
        }
    }
    #pragma omp simd
    for (std::size_t j = j0; j < j1; ++j) {
        A.r[j] /= A.d[j];
        A.V[j] += (A.r[j] - A.V[j]) * A.ith[j];
    }
    for (std::uint32_t k = 1; k < n; ++k) {
        const double ga = t.g_axial[k];
        const std::size_t p = t.parent[k];
        const double* const ik = A.d + std::size_t(k) * lanes;  // 1 / eliminated diagonal
        double* const rk = A.r + std::size_t(k) * lanes;
        const double* const rp = A.r + p * lanes;
        double* const Vk = A.V + std::size_t(k) * lanes;
        #pragma omp simd
        for (std::size_t j = j0; j < j1; ++j) {
            const double vs = (rk[j] + ga * rp[j]) * ik[j];  // [mV]
            rk[j] = vs;
            Vk[j] += (vs - Vk[j]) * A.ith[j];                // [mV]
        }
    }
}

// Built for AVX2 and for the baseline ISA, chosen at run time (no FMA in either: the same
// numbers on every machine).
__attribute__((target_clones("avx2", "default"))) void assemble_block(const block_args& A,
                                                                      std::size_t j0,
                                                                      std::size_t j1) {
    if (j0 == 0 && j1 == lanes) {
        assemble_body<true>(A, j0, j1);
    } else {
        assemble_body<false>(A, j0, j1);
    }
}

__attribute__((target_clones("avx2", "default"))) void solve_block(const block_args& A,
                                                                   std::size_t j0,
                                                                   std::size_t j1) {
    if (j0 == 0 && j1 == lanes) {
        solve_body<true>(A, j0, j1);
    } else {
        solve_body<false>(A, j0, j1);
    }
}

class mc_population final : public population {
public:
    mc_population(const model_info& info, const population_init& init)
        : population(info, init.name, init.size),
          tree_(detail::discretize(*init.morphology)),
          morph_(*init.morphology),
          N_(init.size),
          B_((init.size + lanes - 1) / lanes),
          g_static_(static_diagonal(tree_)),
          V_spike_(init.param("V_spike")),
          theta_(init.param("theta")),
          dE_L_(padded(init.param("dE_L"), (init.size + lanes - 1) / lanes * lanes)),
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
        const std::size_t H = tree_.hh_node.size();
        const auto V0 = init.initial("V_m", std::vector<double>(N_, -65.0));
        V_.assign(B_, n * lanes, -65.0);
        d_.assign(B_, n * lanes, 0.0);
        rhs_.assign(B_, n * lanes, 0.0);
        m_.assign(B_, H * lanes, 0.0);
        h_.assign(B_, H * lanes, 0.0);
        n_.assign(B_, H * lanes, 0.0);
        for (auto* s : {&ex_, &dex_, &in_, &din_}) {
            s->assign(B_, P_ * lanes, 0.0);
        }
        soma_V_ = V0;
        for (std::size_t i = 0; i < N_; ++i) {
            const std::size_t b = i / lanes, j = i % lanes;
            for (std::size_t k = 0; k < n; ++k) {
                V_.block(b)[k * lanes + j] = V0[i];
            }
            const auto g = steady_gates(q_[i], V0[i]);
            for (std::size_t h = 0; h < H; ++h) {
                m_.block(b)[h * lanes + j] = g.m;
                h_.block(b)[h * lanes + j] = g.h;
                n_.block(b)[h * lanes + j] = g.n;
            }
        }
        bind("V_m", soma_V_);
    }

    void prepare(double dt) override {
        dt_ = dt;
        // padded to whole blocks (the sweeps run over every lane of the last block)
        inv_tdt_.assign(B_ * lanes, 1.0 / dt);
        inv_theta_.assign(B_ * lanes, 1.0);
        decay_ex_.resize(N_);
        decay_in_.resize(N_);
        mid_ex_.resize(N_);
        mid_in_.resize(N_);
        for (std::size_t i = 0; i < N_; ++i) {
            inv_tdt_[i] = 1.0 / (theta_[i] * dt);  // [1/ms]
            inv_theta_[i] = 1.0 / theta_[i];
            decay_ex_[i] = std::exp(-dt / syn_.tau_ex[i]);
            decay_in_[i] = std::exp(-dt / syn_.tau_in[i]);
            mid_ex_[i] = std::exp(-theta_[i] * dt / syn_.tau_ex[i]);
            mid_in_[i] = std::exp(-theta_[i] * dt / syn_.tau_in[i]);
        }
    }

    void update(step_t, index_t lo, index_t hi, const step_inputs& in,
                update_status& status) override {
        for (std::size_t b = lo / lanes; b * lanes < hi; ++b) {
            const std::size_t c0 = b * lanes;
            const std::size_t j0 = std::max<std::size_t>(lo, c0) - c0;
            const std::size_t j1 = std::min<std::size_t>(hi, c0 + lanes) - c0;
            step_block(b, j0, j1, in, status);
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

    const double* compartment_value(std::string_view var, std::uint32_t c,
                                    index_t i) const override {
        if (var != "V_m" || c >= tree_.compartment_node.size() || i >= N_) {
            return nullptr;
        }
        return V_.block(i / lanes) + std::size_t(tree_.compartment_node[c]) * lanes + i % lanes;
    }

private:
    // Advances lanes [j0, j1) of block b by one step.
    void step_block(std::size_t b, std::size_t j0, std::size_t j1, const step_inputs& in,
                    update_status& status) {
        const std::size_t c0 = b * lanes;
        double* const V = V_.block(b);
        double* const d = d_.block(b);
        double* const r = rhs_.block(b);
        const double* const itdt = inv_tdt_.data() + c0;
        const double* const dE = dE_L_.data() + c0;

        const block_args args{&tree_, g_static_.data(), itdt, dE, inv_theta_.data() + c0, V, d, r};
        // The lanes past the last cell belong to no one: sweeping them too keeps the last
        // block on the full-width path (their values are never read).
        const std::size_t j1_sweep = c0 + j1 == N_ ? lanes : j1;
        assemble_block(args, j0, j1_sweep);
        // hh channels with the gates of this half step (conductances held over the step)
        for (std::size_t h = 0; h < tree_.hh_node.size(); ++h) {
            const auto k = std::size_t(tree_.hh_node[h]);
            const double gna = tree_.hh_gna[h], gk = tree_.hh_gk[h], gl = tree_.hh_gl[h];
            const double ena = tree_.hh_ena[h], ek = tree_.hh_ek[h], el = tree_.hh_el[h];
            const double* const m = m_.block(b) + h * lanes;
            const double* const hg = h_.block(b) + h * lanes;
            const double* const ng = n_.block(b) + h * lanes;
            double* const dk = d + k * lanes;
            double* const rk = r + k * lanes;
            #pragma omp simd
            for (std::size_t j = j0; j < j1; ++j) {
                const double g_na = gna * m[j] * m[j] * m[j] * hg[j];              // [nS]
                const double n2 = ng[j] * ng[j];
                const double g_k = gk * n2 * n2;                                  // [nS]
                dk[j] += g_na + g_k + gl;
                rk[j] += g_na * ena + g_k * ek + gl * (el + dE[j]);               // [pA]
            }
        }
        {
            double* const rs = r + std::size_t(tree_.soma) * lanes;
            for (std::size_t j = j0; j < j1; ++j) {
                rs[j] += I_e_[c0 + j];  // [pA]
            }
        }
        // Inputs per port: synaptic jumps at the start of the step, the synapse's value at
        // t + theta dt for the step, then its exact decay to t + dt; continuous current.
        const bool cond = is_conductance(syn_.type);
        const bool alpha = detail::is_alpha(syn_.type);
        for (std::size_t s = 0; s < P_; ++s) {
            const auto k = std::size_t(site_node_[s]);
            double* const dk = d + k * lanes;
            double* const rk = r + k * lanes;
            double* const xe = ex_.block(b) + s * lanes;
            double* const ye = dex_.block(b) + s * lanes;
            double* const xi = in_.block(b) + s * lanes;
            double* const yi = din_.block(b) + s * lanes;
            for (std::size_t j = j0; j < j1; ++j) {
                const std::size_t i = c0 + j;
                const std::size_t port = i * P_ + s;
                const double J_ex = in.ex[port];
                const double J_in = cond ? -in.in[port] : in.in[port];  // conductances >= 0
                const double th = theta_[i] * dt_;
                double ge = 0.0, gi = 0.0;
                if (alpha) {
                    ye[j] += J_ex * std::numbers::e / syn_.tau_ex[i];
                    yi[j] += J_in * std::numbers::e / syn_.tau_in[i];
                    ge = (xe[j] + th * ye[j]) * mid_ex_[i];
                    gi = (xi[j] + th * yi[j]) * mid_in_[i];
                    xe[j] = (xe[j] + dt_ * ye[j]) * decay_ex_[i];
                    xi[j] = (xi[j] + dt_ * yi[j]) * decay_in_[i];
                    ye[j] *= decay_ex_[i];
                    yi[j] *= decay_in_[i];
                } else {
                    xe[j] += J_ex;
                    xi[j] += J_in;
                    ge = xe[j] * mid_ex_[i];
                    gi = xi[j] * mid_in_[i];
                    xe[j] *= decay_ex_[i];
                    xi[j] *= decay_in_[i];
                }
                if (cond) {
                    dk[j] += ge + gi;                                        // [nS]
                    rk[j] += ge * syn_.E_ex[i] + gi * syn_.E_in[i];          // [pA]
                } else {
                    rk[j] += ge + gi;                                        // [pA]
                }
                rk[j] += in.cont[port];                                      // [pA]
            }
        }

        solve_block(args, j0, j1_sweep);
        // 4. Gates with the new voltage: x <- x_inf + (x - x_inf) e^{-dt (alpha + beta)}
        for (std::size_t h = 0; h < tree_.hh_node.size(); ++h) {
            const double* const Vk = V + std::size_t(tree_.hh_node[h]) * lanes;
            double* const m = m_.block(b) + h * lanes;
            double* const hg = h_.block(b) + h * lanes;
            double* const ng = n_.block(b) + h * lanes;
            for (std::size_t j = j0; j < j1; ++j) {
                const auto a = detail::hh_kinetics::rates(q_[c0 + j], Vk[j]);
                const auto relax = [&](double& x, double al, double be) {
                    const double sum = al + be;
                    const double inf = al / sum;
                    x = inf + (x - inf) * std::exp(-dt_ * sum);
                };
                relax(m[j], a.am, a.bm);
                relax(hg[j], a.ah, a.bh);
                relax(ng[j], a.an, a.bn);
            }
        }
        // 5. Spikes: upward crossings of V_spike at the soma, time interpolated linearly.
        const double* const Vs = V + std::size_t(tree_.soma) * lanes;
        auto sp = spiked();
        auto off = spike_offsets();
        for (std::size_t j = j0; j < j1; ++j) {
            const std::size_t i = c0 + j;
            const double v0 = soma_V_[i], v1 = Vs[j];
            soma_V_[i] = v1;
            const bool up = v0 < V_spike_[i] && v1 >= V_spike_[i];
            sp[i] = up ? 1 : 0;
            if (up) {
                off[i] = std::clamp(dt_ * (V_spike_[i] - v0) / (v1 - v0), 1e-12, dt_);
            }
            if (!std::isfinite(v1)) {
                status.note_fault(index_t(i), "V_m", v1);
            }
        }
    }

    cable_tree tree_;
    morphology_desc morph_;
    std::size_t N_;
    std::size_t B_;  // blocks of 8 cells
    std::size_t P_ = 1;
    std::vector<double> g_static_;
    std::vector<std::uint32_t> site_node_;
    std::vector<double> V_spike_, theta_, dE_L_, I_e_, q_;
    detail::synapse_columns syn_;
    block_buffer V_, d_, rhs_;  // [block][node][lane]
    block_buffer m_, h_, n_;         // [block][hh node][lane]
    block_buffer ex_, dex_, in_, din_;  // [block][port][lane]
    aligned_column soma_V_;          // V_m of the soma per cell (the recordable column)
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
    .integrators = {},
};

}  // namespace neurotwin
