// SPDX-License-Identifier: BSD-3-Clause
// The engine's runtime buffers of each population, beyond the model's own columns: what
// arrives (spike delay rings, gathered rate inputs, continuous input) and what is kept of
// the output for its readers (a history for delayed rate reads, the rate estimate). Built
// once per run from the network (make_population_buffers); the phases of sim/engine.cpp
// fill and read them, each thread only in the neurons it owns (sim/partition.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "sim/aligned.hpp"
#include "sim/model_api.hpp"
#include "sim/network.hpp"

namespace neurotwin {

struct population_buffers {
    const population* pop = nullptr;
    // Ring slots: the longest incoming delay in steps, but at most the run's steps. Slot
    // t mod n_slots is read and cleared by the update of step t, before the delivery of step
    // t writes t + d (d <= n_slots), so a spike with the longest delay lands in the slot just
    // emptied. A spike that arrives at or after the end of the run (t + d >= n_steps) is not
    // stored: with delays longer than the run, it could otherwise wrap into a slot still read.
    std::size_t n_slots = 1;
    std::size_t stride = 0;            // between slot planes: the inputs on whole cache lines
    aligned_column ring_ex, ring_in;   // [slot][input]
    aligned_column gather;             // sum of gathered rate inputs
    aligned_column cont;               // gather + stimuli
    const double* cont_ptr = nullptr;  // what update() sees as continuous input
    bool has_gather = false;
    bool has_coupled = false;  // receives rate-coupled spike projections
    bool has_stimuli = false;
    // Output history for delayed rate connections: slot s % hist_len holds the output at
    // time s*dt; hist_len == 1 means "read output() directly".
    std::size_t hist_len = 1;
    aligned_column hist;
    double rate_decay = 1.0, rate_gain = 0.0;
    // The rate estimate is kept only when something reads it: a recording of `rate`, or a
    // projection that reads the population's output (it costs a pass over the neurons).
    bool needs_rate = false;

    // The plane of step t in one of the rings.
    double* plane(aligned_column& ring, step_t t) const {
        return ring.data() + std::size_t(t % step_t(n_slots)) * stride;
    }
    // Output of neuron j as a reader with delay `delay` sees it at step t: x((t - delay + 1) dt).
    double output_at(std::uint32_t j, step_t t, step_t delay) const {
        if (hist_len == 1) {
            return pop->output()[j];
        }
        const step_t s = std::max<step_t>(0, t - delay + 1);
        return hist[std::size_t(s % step_t(hist_len)) * pop->size() + j];
    }
    // Keeps the output of neurons [lo, hi) after the update of step t (time (t + 1) dt).
    void store_output(step_t t, index_t lo, index_t hi) {
        if (hist_len > 1) {
            const auto slot = std::size_t((t + 1) % step_t(hist_len));
            std::copy(pop->output() + lo, pop->output() + hi,
                      hist.begin() + slot * pop->size() + lo);
        }
    }
};

// A rate-coupled spike projection (spiking source, non-spiking target): ring of arriving
// (scaled) spikes and the decaying sum that the target reads.
struct coupled_buffers {
    std::size_t n_slots = 1;  // as population_buffers (read in the input phase)
    std::size_t stride = 0;   // the target's
    aligned_column ring;      // [slot][target input]
    aligned_column sum;       // [target input]

    double* plane(step_t t) { return ring.data() + std::size_t(t % step_t(n_slots)) * stride; }
};

struct engine_buffers {
    std::vector<population_buffers> pops;  // per population
    std::vector<coupled_buffers> coupled;  // per spike projection (empty when not coupled)
    std::vector<std::size_t> direct;       // populations whose output() inputs read undelayed
    std::vector<double> zeros;             // input of populations that receive nothing
    // Delay rings and output histories (at most the run).
    std::size_t ring_bytes() const;
};

engine_buffers make_population_buffers(const network& net);

}  // namespace neurotwin
