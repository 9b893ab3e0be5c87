// SPDX-License-Identifier: BSD-3-Clause
#include "models/cable.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <numbers>

namespace neurotwin::detail {

namespace {

// Axial conductance [nS] of a cylinder of length len [um], diameter d [um], resistivity Ra.
double axial_conductance(double Ra, double len, double d) {
    const double R = Ra * len * 1e4 / (std::numbers::pi * d * d / 4.0);  // [ohm]
    return 1e9 / R;                                                      // [nS]
}

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
    std::uint32_t c = 0;
    for (int k = 0; k < section; ++k) {
        c += std::uint32_t(nseg[std::size_t(k)]);
    }
    return c + std::uint32_t(segment_of(nseg[std::size_t(section)], x));
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
            const int p = m.find(sec.parent);
            if (p < 0 || std::size_t(p) >= s) {
                throw internal_error(fmt::format("morphology '{}': parent '{}' of '{}' must come "
                                                 "first",
                                                 m.name, sec.parent, sec.name));
            }
            start = t.node_at(p, sec.parent_x);
        }
        const int n = std::max(1, sec.nseg);
        const double dx = sec.length / n;                                  // [um]
        const double g_half = axial_conductance(pr.Ra, dx / 2.0, sec.diam);  // [nS]
        const double a = std::numbers::pi * sec.diam * dx;                  // [um2]
        t.start_node[s] = start;
        t.nseg[s] = n;
        std::uint32_t prev = start;
        for (int j = 0; j < n; ++j) {
            // centre to centre: two half compartments in series
            const auto k = add_node(prev, j == 0 ? g_half : g_half / 2.0);
            if (j == 0) {
                t.first_node[s] = k;
            }
            t.area[k] = a;
            t.cap[k] = pr.cm * a * 1e-2;      // [pF]
            t.g_pas[k] = pr.g_pas * a * 10.0;  // [nS]
            t.e_pas[k] = pr.e_pas;             // [mV]
            if (pr.hh) {
                hh_nodes.push_back(k);
                hh_props.push_back(&pr);
            }
            prev = k;
        }
        t.end_node[s] = add_node(prev, g_half);
    }
    t.n_nodes = std::uint32_t(t.parent.size());
    for (std::size_t s = 0; s < S; ++s) {
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

}  // namespace neurotwin::detail
