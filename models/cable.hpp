// SPDX-License-Identifier: BSD-3-Clause
// A morphology discretised into a tree of nodes, as NEURON does it (Hines & Carnevale 1997):
// each section of nseg compartments has a node at the centre of every compartment and a
// zero-area node at its 1 end; its 0 end is the parent's node at the attachment point (the
// root section also gets a zero-area 0-end node). Neighbouring nodes of a section are coupled
// through the axial resistance of the cylinder between them (half a compartment from an end
// node, a whole one between centres), so a cell of one section per compartment gives exactly
// NEURON's matrix. Nodes are numbered in Hines order (parent before child), which makes the
// cable equation's implicit system solvable in O(nodes) by one elimination sweep towards the
// root and one substitution sweep back.
//
// Units: area um2, capacitance pF, conductance nS, voltage mV (so nS * mV = pA and
// pF * mV/ms = pA). Conversions from densities: C [pF] = cm [uF/cm2] * area [um2] * 1e-2,
// g [nS] = g [S/cm2] * area [um2] * 10, axial g [nS] = 1e9 / (Ra [ohm cm] * len [um] * 1e4
// / (pi d^2 / 4) [um2]). Internal to models/.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/morphology.hpp"

namespace neurotwin::detail {

struct cable_tree {
    std::uint32_t n_nodes = 0;
    std::vector<std::uint32_t> parent;  // parent[k] < k for k >= 1 (node 0 is the root)
    std::vector<double> g_axial;        // [nS] between k and parent[k]; 0 for the root
    std::vector<double> area;           // [um2], 0 for end nodes
    std::vector<double> cap;            // [pF]
    std::vector<double> g_pas, e_pas;   // [nS], [mV]
    // Nodes with hh channels (ascending) and their absolute conductances and reversals.
    std::vector<std::uint32_t> hh_node;
    std::vector<double> hh_gna, hh_gk, hh_gl, hh_el, hh_ena, hh_ek;  // [nS], [mV]
    // Per section: node of its 0 end (the parent's node), of its first compartment centre
    // (the others follow consecutively), of its 1 end, and nseg.
    std::vector<std::uint32_t> start_node, first_node, end_node;
    std::vector<int> nseg;
    // Compartment c (sections in order, compartments by ascending x) -> node.
    std::vector<std::uint32_t> compartment_node;
    std::uint32_t soma = 0;  // node of the root section at x = 0.5

    // Node of sec(x) with NEURON's rule: x = 0 and x = 1 are the end nodes, any other x the
    // centre of the compartment that contains it.
    std::uint32_t node_at(int section, double x) const;
    // Compartment of sec(x): the one containing x (x = 0 and 1 give the first and last).
    std::uint32_t compartment_at(int section, double x) const;
};

// Throws internal_error when the morphology is inconsistent (the loader validates it).
cable_tree discretize(const morphology_desc& m);

}  // namespace neurotwin::detail
