// SPDX-License-Identifier: BSD-3-Clause
// The built network: populations, stimuli, projections and recorders ready to run, made
// from a validated scenario_desc by build_network(). Building is transactional: it throws
// input_error (with the scenario position) before anything is run or written.
//
// Projections come in three runtime forms, chosen by the source and target kinds:
//  - spike_projection:  spiking -> spiking. CSR by source, each row split into one sub-row
//    per thread's target range (ordered by delay, then target), delivered into the target's
//    delay rings when the source spikes.
//    A spiking source -> non-spiking target projection has the same form (rate_coupled): its
//    rate estimate is a decaying sum of spikes, so the weighted sum is updated per spike.
//  - gather_projection: non-spiking source. CSR by target: each step,
//    input_i += sum_j w_ij x_j(t - d_ij + 1).
//  - poisson_group: non-spiking source -> spiking target with encoding = poisson (and Poisson
//    stimuli): each connection is an independent Poisson train of rate x_j(t) with jump w_ij.
//
// Derived items (twins) are lowered into plain populations, projections and records before
// they are built (sim/twin.hpp); the builder never looks at what they were.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/model_api.hpp"
#include "sim/scenario/desc.hpp"

namespace neurotwin {

// Start of part q (0 <= q <= parts) when n neurons are split into `parts` ranges, one per
// thread: n*q/parts rounded to a multiple of 8, so that the parts of per-neuron arrays of
// doubles do not share 64-byte cache lines (two cores writing one line slow each other down
// severely: compartmental cells write several such arrays per compartment and step). Which
// thread owns a neuron never changes a result.
inline std::size_t split_point(std::size_t n, int parts, int q) {
    if (q >= parts) {
        return n;
    }
    return std::min(n, (n * std::size_t(q) / std::size_t(parts) + 4) & ~std::size_t(7));
}

// A static synapse in 8 bytes: 32-bit target field and 32-bit weight. When delays differ
// within a projection and fit beside the target index (target bits + delay bits <= 32), the
// field packs both: target = field & target_mask, delay = (field >> delay_shift) + 1.
struct spike_synapse {
    std::uint32_t target;
    float weight;  // pA jump (nS for conductance synapses)
};

struct spike_projection {
    std::size_t source = 0;  // population index
    std::size_t target = 0;
    // Sub-row (j, q) = synapses of source j onto target range q of `parts` equal ranges (the
    // engine's per-thread ranges when parts == threads), ordered by (delay, target):
    // synapses[row_ptr[j * parts + q] .. row_ptr[j * parts + q + 1]).
    int parts = 1;
    std::vector<std::uint64_t> row_ptr;     // [source size * parts + 1]
    std::vector<spike_synapse> synapses;
    std::uint32_t target_mask = 0xffffffffu;
    unsigned delay_shift = 0;               // > 0: delays packed in the target field
    std::vector<std::uint16_t> delay_steps; // per synapse, when delays vary and cannot be packed
    step_t delay = 1;                       // when all delays are equal
    step_t max_delay = 1;
    step_t min_delay = 1;                   // (spikes of a step need not reach any target
                                            // before this many steps: sim/engine.cpp)
    // Spiking source -> non-spiking target: weights are w * 1000/tau (the rate estimate's
    // jump), accumulated into a per-projection sum that decays by rate_decay every step.
    bool rate_coupled = false;
    double rate_decay = 1.0;

    std::uint32_t target_of(const spike_synapse& s) const { return s.target & target_mask; }
    step_t delay_of(std::size_t k) const {
        if (delay_shift > 0) {
            return step_t(synapses[k].target >> delay_shift) + 1;
        }
        return delay_steps.empty() ? delay : step_t(delay_steps[k]);
    }
    // All synapses of source j: [first, last) over its sub-rows.
    std::uint64_t row_begin(std::size_t j) const { return row_ptr[j * std::size_t(parts)]; }
    std::uint64_t row_end(std::size_t j) const { return row_ptr[(j + 1) * std::size_t(parts)]; }
    // Memory of the synapses themselves (8 bytes each, + 2 when delays cannot be packed)
    // and of the row index (per source neuron and part, independent of the synapse count).
    std::size_t bytes() const {
        return synapses.size() * sizeof(spike_synapse) + delay_steps.size() * 2;
    }
    std::size_t index_bytes() const { return row_ptr.size() * sizeof(std::uint64_t); }
};

// One connection while a network is built.
struct edge {
    std::uint32_t source;
    std::uint32_t target;
};

spike_projection make_spike_projection(const projection_desc& pd, std::size_t src,
                                       std::size_t tgt, index_t ns, index_t nt,
                                       const std::vector<edge>& edges,
                                       const std::vector<double>& weights,
                                       const std::vector<step_t>& delays, int parts, int threads,
                                       index_t ports = 1);

struct gather_synapse {
    std::uint32_t source;
    std::uint32_t delay_steps;
    double weight;
};

struct gather_projection {
    std::size_t source = 0;
    std::size_t target = 0;
    std::vector<std::uint64_t> row_ptr;   // [target size + 1]
    std::vector<gather_synapse> synapses; // sources ascending within a row
    step_t max_delay = 1;
};

// A set of independent Poisson trains into one spiking population. Rate of channel c at
// step t: a constant (stimulus) or the output of a source neuron at t - delay + 1
// (projection), bounded by rate_max[c] (thinning, Lewis & Shedler 1979).
struct poisson_group {
    std::string name;          // stream name for the random numbers
    std::size_t target = 0;
    std::vector<std::uint32_t> channel_target;  // target neuron of each channel
    std::vector<double> jump;                    // pA per event (> 0 ex, < 0 in)
    std::vector<double> rate_max;                // Hz
    // Projection form: source population and neuron of each channel; SIZE_MAX = constant.
    std::size_t source = static_cast<std::size_t>(-1);
    std::vector<std::uint32_t> channel_source;
    std::vector<std::uint32_t> channel_delay;   // steps
    step_t start = 0;   // first step with events
    step_t stop = 0;    // first step without events
};

// A continuous stimulus (dc, step, ramp, sine) on a population: value(i, t) in pA (spiking)
// or in the rate source's unit.
struct stimulus_rt {
    stimulus_type type = stimulus_type::dc;
    std::size_t target = 0;
    step_t start = 0;
    step_t stop = 0;                     // clamped to the end of the run
    // ramp: the step at which it reaches `to`, not clamped - a ramp whose stop lies after the
    // end of the run keeps its slope and is cut off, rather than reaching `to` at the end
    double ramp_stop = 0.0;
    std::vector<std::uint32_t> neurons;  // affected neurons (ascending)
    // per affected neuron (index into `neurons`): dc amplitude | ramp from,to | sine amp,
    // freq, phase, offset
    std::vector<double> p0, p1, p2, p3;
    std::vector<step_t> times;           // step: switch steps
    std::vector<double> amplitudes;
    // value for affected neuron k at step t (t in [start, stop))
    double value(std::size_t k, step_t t, double dt) const;
    // largest value over the active interval (for Poisson thinning bounds)
    double max_value(std::size_t k) const;
};

struct recorder_desc_rt {
    std::size_t population = 0;
    std::string variable;   // empty: spikes
    std::vector<std::uint32_t> neurons;  // ascending
    // Compartmental populations: V_m of these compartments (ascending) of every neuron;
    // empty = one value per neuron.
    std::vector<std::uint32_t> compartments;
    step_t interval = 1;
};

// What a twin was lowered from (sim/twin.cpp), for the output's /neurotwin/twins/<name>: its
// populations are <name>.inputs, <name>.artificial and <name>.biological.
struct twin_rt {
    std::string name;
    index_t size = 0;
    std::size_t n_inputs = 0;
    std::string activation, biological_model;
    twin_encoding encoding = twin_encoding::current;
    double current_scale = 0.0;
    std::vector<double> weights;      // per input
    std::vector<double> bias;         // per pair
    std::vector<double> bias_scale;   // per pair, mV per unit
    std::vector<double> E_ref;        // per pair, mV
};

struct network {
    double dt = 0.1;
    step_t n_steps = 0;
    std::uint64_t seed = 0;
    std::vector<std::unique_ptr<population>> populations;
    std::vector<double> rate_filter_ms;  // per population
    std::vector<std::map<std::string, std::vector<double>>> params;  // per population (for output)
    std::vector<param_lists> list_params;  // per population: list parameters (for output)
    std::vector<spike_projection> spike_projections;
    std::vector<gather_projection> gather_projections;
    std::vector<poisson_group> poisson_groups;
    std::vector<stimulus_rt> stimuli;
    std::vector<recorder_desc_rt> records;  // variables (one per variable) and spikes
    std::vector<twin_rt> twins;

    std::size_t find(const std::string& name) const;  // SIZE_MAX when absent
    std::uint64_t synapse_count() const;
    std::uint64_t spike_synapse_count() const;
    std::size_t spike_synapse_bytes() const;  // synapse memory of spiking projections
    std::size_t spike_index_bytes() const;    // their row indices
};

// `threads` parallelises connection generation and sets the number of sub-rows of spiking
// projections (one per thread of the run, see spike_projection::parts); the connections, and
// so every result, do not depend on it.
network build_network(const scenario_desc& desc, int threads = 1);

}  // namespace neurotwin
