// SPDX-License-Identifier: BSD-3-Clause
// mc_cell - a multi-compartment neuron: a morphology (sim/morphology.hpp; inline sections or
// an SWC file) discretised as NEURON does it (models/cable.hpp), with passive leak (`pas`) and
// Hodgkin-Huxley channels (`hh`, NEURON's rates) per section, synapses and current inputs at
// dendritic sites, spikes detected at the soma.
//
// Cable equation of node k (Hines & Carnevale 1997; units pF, nS, mV, pA):
//   C_k dV_k/dt = sum_j g_kj (V_j - V_k) + g_pas,k (e_pas,k + dE_L - V_k)
//                 + g_Na m^3 h (E_Na - V_k) + g_K n^4 (E_K - V_k) + g_l (el + dE_L - V_k)
//                 + I_syn,k + I_inj,k
//   dx/dt = (x_inf(V) - x) / tau_x(V),  x = m, h, n   (hh nodes)
// Integration: the theta method (parameter `theta`: 0.5 = Crank-Nicolson, second order,
// NEURON's secondorder = 2, the default; 1 = backward Euler, first order, NEURON's default).
// Each step solves one tree-structured linear system (Hines' algorithm, O(nodes)) for
// V(t + theta dt) with every ionic and synaptic conductance held at its value for the step
// (all currents are linear in V given the gates), then V(t + dt) = V(t) + (V* - V(t)) / theta.
// Gates are staggered by half a step as in NEURON: they advance with the new V by their exact
// exponential solution (NEURON's cnexp). Synaptic conductances enter the matrix implicitly;
// jumps arriving in a step are added at its start; the conductance used for the step is its
// exact value at t + theta dt. Stable for any dt; accuracy of soma spike times at
// dt = 0.025 ms: within 0.01 ms of NEURON with CVODE for a ball-and-stick cell
// (tests/models/test_mc_cell.cpp).
//
// Layout: cells in blocks of 16 lanes, [block][node][lane] (CoreNEURON's interleaving): all
// cells of a population share the tree, so the elimination and substitution run over the 16
// lanes in their inner loop (vectorised, AVX2 where available), one block's rows stay in
// the core's cache through the step, and threads (whose cell ranges start on multiples of 8)
// never write a cache line together. Cost: bench/ball_and_stick_100.toml.
// A spike is the upward crossing of V_spike at the soma (root section at x = 0.5), its time
// interpolated linearly within the step.
#pragma once

#include "sim/model_api.hpp"

namespace neurotwin {

extern const model_info mc_cell_info;

}  // namespace neurotwin
