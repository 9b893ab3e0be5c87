// SPDX-License-Identifier: BSD-3-Clause
#include "models/cable.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string_view>
#include <unordered_map>

namespace neurotwin::detail {

namespace {

// Axial conductance [nS] of a cylinder of length len [um], diameter d [um], resistivity Ra.
double axial_conductance(double Ra, double len, double d) {
    const double R = Ra * len * 1e4 / (std::numbers::pi * d * d / 4.0);  // [ohm]
    return 1e9 / R;                                                      // [nS]
}

// Axial conductance [nS] of a path whose integral of 1/d^2 over its length is `rint` [1/um]:
// R = 4 Ra int dx/d^2 / pi, with Ra [ohm cm] = Ra * 1e4 [ohm um].
double axial_conductance_of_integral(double Ra, double rint) {
    const double R = 4.0 * Ra * 1e4 * rint / std::numbers::pi;  // [ohm]
    return 1e9 / R;                                             // [nS]
}

// Integrals over consecutive stretches [lo, hi] of a chain of frusta (pt3d points), each
// stretch starting where the previous one ended or later, so one pass over the points
// serves a whole section: O(points + stretches).
class frusta {
public:
    explicit frusta(const std::vector<pt3d>& p) : p_(p) {}

    struct integral {
        double area = 0.0;  // [um2] lateral area
        double rint = 0.0;  // [1/um] int dx / d^2
    };

    integral over(double lo, double hi) {
        integral out;
        while (k_ + 2 < p_.size() && p_[k_ + 1].arc <= lo) {
            ++k_;
        }
        for (std::size_t k = k_; k + 1 < p_.size() && p_[k].arc < hi; ++k) {
            const auto& a = p_[k];
            const auto& b = p_[k + 1];
            const double b0 = std::max(a.arc, lo), b1 = std::min(b.arc, hi);
            if (!(b1 > b0)) {
                continue;  // a zero-length piece, or one outside [lo, hi]
            }
            const double span = b.arc - a.arc;                                     // > 0 here
            const double d0 = a.diam + (b.diam - a.diam) * ((b0 - a.arc) / span);  // [um]
            const double d1 = a.diam + (b.diam - a.diam) * ((b1 - a.arc) / span);
            const double l = b1 - b0;
            const double dr = (d1 - d0) / 2.0;
            out.area += std::numbers::pi * (d0 + d1) / 2.0 * std::sqrt(dr * dr + l * l);
            out.rint += l / (d0 * d1);
        }
        return out;
    }

private:
    const std::vector<pt3d>& p_;
    std::size_t k_ = 0;
};

int segment_of(int nseg, double x) {
    return std::clamp(static_cast<int>(x * nseg), 0, nseg - 1);
}

}  // namespace

std::uint32_t cable_tree::node_at(int section, double x) const {
    const auto s = std::size_t(section);
    if (x <= 0.0) {
        return start_node[s];
    }
    if (x >= 1.0) {
        return end_node[s];
    }
    return first_node[s] + std::uint32_t(segment_of(nseg[s], x));
}

std::uint32_t cable_tree::compartment_at(int section, double x) const {
    return first_compartment[std::size_t(section)] +
           std::uint32_t(segment_of(nseg[std::size_t(section)], x));
}

cable_tree discretize(const morphology_desc& m) {
    cable_tree t;
    const auto S = m.sections.size();
    t.start_node.resize(S);
    t.first_node.resize(S);
    t.end_node.resize(S);
    t.nseg.resize(S);
    const auto add_node = [&](std::uint32_t parent, double g_ax) {
        t.parent.push_back(parent);
        t.g_axial.push_back(g_ax);
        t.area.push_back(0.0);
        t.cap.push_back(0.0);
        t.g_pas.push_back(0.0);
        t.e_pas.push_back(0.0);
        return std::uint32_t(t.parent.size() - 1);
    };
    std::vector<std::uint32_t> hh_nodes;
    std::vector<const section_props*> hh_props;
    // name -> index, built as sections are added: a parent must come first (one lookup per
    // section, so the whole tree is O(sections), not O(sections^2) through find())
    std::unordered_map<std::string_view, int> index_of;
    index_of.reserve(S);
    for (std::size_t s = 0; s < S; ++s) {
        const auto& sec = m.sections[s];
        const auto& pr = sec.props;
        std::uint32_t start = 0;
        if (sec.parent.empty()) {
            if (s != 0) {
                throw internal_error(fmt::format("morphology '{}': section '{}' is a second root",
                                                 m.name, sec.name));
            }
            start = add_node(0, 0.0);
        } else {
            const auto it = index_of.find(sec.parent);
            const int p = it == index_of.end() ? -1 : it->second;
            if (p < 0) {
                throw internal_error(
                    fmt::format("morphology '{}': parent '{}' of '{}' must come "
                                "first",
                                m.name, sec.parent, sec.name));
            }
            start = t.node_at(p, sec.parent_x);
        }
        const int n = std::max(1, sec.nseg);
        // Per compartment j: area [um2], the conductance [nS] from the previous node (the
        // section's 0 end for j = 0, else the previous centre) to its centre, and for the
        // last one the conductance from its centre to the 1 end.
        std::vector<double> area(static_cast<std::size_t>(n)), g_in(static_cast<std::size_t>(n));
        double g_end = 0.0;
        if (sec.points.size() >= 2) {
            const double L = sec.points.back().arc;  // [um]
            frusta f(sec.points);
            const auto at = [&](int half_steps) {  // boundary or centre, in half compartments
                return half_steps >= 2 * n ? L : L * half_steps / (2.0 * n);
            };
            double rint_before = 0.0;  // [1/um] from the previous node to this compartment
            for (int j = 0; j < n; ++j) {
                const auto left = f.over(at(2 * j), at(2 * j + 1));
                const auto right = f.over(at(2 * j + 1), at(2 * j + 2));
                area[std::size_t(j)] = left.area + right.area;
                g_in[std::size_t(j)] =
                    axial_conductance_of_integral(pr.Ra, rint_before + left.rint);
                rint_before = right.rint;
            }
            g_end = axial_conductance_of_integral(pr.Ra, rint_before);
        } else {
            const double dx = sec.length / n;                                    // [um]
            const double g_half = axial_conductance(pr.Ra, dx / 2.0, sec.diam);  // [nS]
            std::fill(area.begin(), area.end(), std::numbers::pi * sec.diam * dx);
            std::fill(g_in.begin(), g_in.end(), g_half / 2.0);  // two halves in series
            g_in[0] = g_half;
            g_end = g_half;
        }
        t.start_node[s] = start;
        t.nseg[s] = n;
        index_of.emplace(sec.name, int(s));
        std::uint32_t prev = start;
        for (int j = 0; j < n; ++j) {
            const auto J = std::size_t(j);
            const auto k = add_node(prev, g_in[J]);
            if (j == 0) {
                t.first_node[s] = k;
            }
            const double a = area[J];
            t.area[k] = a;
            t.cap[k] = pr.cm * a * 1e-2;       // [pF]
            t.g_pas[k] = pr.g_pas * a * 10.0;  // [nS]
            t.e_pas[k] = pr.e_pas;             // [mV]
            if (pr.hh) {
                hh_nodes.push_back(k);
                hh_props.push_back(&pr);
            }
            prev = k;
        }
        t.end_node[s] = add_node(prev, g_end);
    }
    t.n_nodes = std::uint32_t(t.parent.size());
    for (std::size_t s = 0; s < S; ++s) {
        t.first_compartment.push_back(std::uint32_t(t.compartment_node.size()));
        for (int j = 0; j < t.nseg[s]; ++j) {
            t.compartment_node.push_back(t.first_node[s] + std::uint32_t(j));
        }
    }
    t.soma = t.node_at(0, 0.5);
    for (std::size_t h = 0; h < hh_nodes.size(); ++h) {
        const auto k = hh_nodes[h];
        const auto& pr = *hh_props[h];
        t.hh_node.push_back(k);
        t.hh_gna.push_back(pr.gnabar * t.area[k] * 10.0);  // [nS]
        t.hh_gk.push_back(pr.gkbar * t.area[k] * 10.0);
        t.hh_gl.push_back(pr.gl * t.area[k] * 10.0);
        t.hh_el.push_back(pr.el);
        t.hh_ena.push_back(pr.ena);
        t.hh_ek.push_back(pr.ek);
    }
    return t;
}

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

std::vector<double> passive_response(const cable_tree& t, std::uint32_t node) {
    std::vector<double> d(t.g_pas), rhs(t.n_nodes, 0.0);  // [nS], [pA]
    for (std::uint32_t k = 1; k < t.n_nodes; ++k) {
        d[k] += t.g_axial[k];
        d[t.parent[k]] += t.g_axial[k];
    }
    rhs[node] = 1.0;  // [pA]
    hines_solve(t, d, rhs);
    return rhs;  // [mV] = [GOhm * pA]
}

}  // namespace neurotwin::detail
