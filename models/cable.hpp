// SPDX-License-Identifier: BSD-3-Clause
// A morphology discretised into a tree of nodes, as NEURON does it (Hines & Carnevale 1997):
// each section of nseg compartments has a node at the centre of every compartment and a
// zero-area node at its 1 end; its 0 end is the parent's node at the attachment point (the
// root section also gets a zero-area 0-end node). Neighbouring nodes of a section are coupled
// through the axial resistance of the section between them (half a compartment from an end
// node, a whole one between centres), so a cell of one section per compartment gives exactly
// NEURON's matrix.
//
// Geometry. A section without 3-D points is a cylinder (length x diam): compartment area
// pi d L/nseg, half-compartment resistance 4 Ra (L/2nseg) / (pi d^2). A section with 3-D
// points (section_desc::points, from SWC files) is a chain of frusta, the diameter linear in
// the path distance between two points, and every compartment is measured on the frusta it
// covers, cutting a frustum where a compartment boundary or centre falls inside it (NEURON's
// rule for pt3d sections; checked against its area() and ri() to 1e-14):
//   area of [a, b]     = sum over the pieces of pi (d0 + d1)/2 sqrt(((d1 - d0)/2)^2 + l^2)
//   resistance of [a, b] = sum over the pieces of 4 Ra l / (pi d0 d1)   (= int 4 Ra/(pi d^2) dx)
// where l is a piece's length and d0, d1 its end diameters. Zero-length pieces (repeated
// points) add nothing. Nodes are numbered in Hines order (parent before child), which makes the
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
    std::vector<std::uint32_t> first_compartment;  // per section: index of its compartment 0
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

// Solves the tree system d_k V_k - sum_j g_axial (V_j) = rhs_k (the diagonal d and the
// right-hand side per node; rhs becomes V) by elimination towards the root and substitution
// back (Hines 1984). O(nodes).
void hines_solve(const cable_tree& t, std::vector<double>& d, std::vector<double>& rhs);

// Steady-state voltage change of every node [mV] for 1 pA injected at `node` into the passive
// cell (axial conductances and g_pas; no hh, no synapses): column `node` of the resistance
// matrix in GOhm, i.e. the input resistance at `node` and the transfer resistances to it.
std::vector<double> passive_response(const cable_tree& t, std::uint32_t node);

}  // namespace neurotwin::detail
