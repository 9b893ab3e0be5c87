// SPDX-License-Identifier: BSD-3-Clause
// Which thread owns what in the time loop. Thread tid of T owns the contiguous neuron range
// owned_neurons(n, T, tid) of every population for the whole run (and the input values of
// those neurons, owned_inputs): it alone updates, records and delivers into them. The ranges
// start on multiples of 8 (split_point, sim/network.hpp). Which thread owns a neuron never
// changes a result (sim/engine.cpp says why).
#pragma once

#include <cstddef>

#include "sim/model_api.hpp"
#include "sim/network.hpp"

namespace neurotwin {

struct range_t {
    index_t lo = 0;
    index_t hi = 0;
};

// Neurons [lo, hi) of thread tid when n neurons are shared by `threads` threads.
inline range_t owned_neurons(std::size_t n, int threads, int tid) {
    return {static_cast<index_t>(split_point(n, threads, tid)),
            static_cast<index_t>(split_point(n, threads, tid + 1))};
}

// Input arrays (rings, gathered inputs, stimuli) hold size * ports values per population
// (compartmental cells have several input ports per neuron).
inline std::size_t input_size(const population& pop) {
    return std::size_t(pop.size()) * pop.ports();
}

// The thread's part of a population's input arrays: its neuron range, in ports.
inline range_t owned_inputs(const population& pop, int threads, int tid) {
    const auto rg = owned_neurons(pop.size(), threads, tid);
    const index_t P = pop.ports();
    return {rg.lo * P, rg.hi * P};
}

}  // namespace neurotwin
