// SPDX-License-Identifier: BSD-3-Clause
// The time loop (its schedule: sim/engine.cpp). One OpenMP parallel region per run; every
// thread owns a fixed contiguous range of each population's neurons (and of their Poisson
// channels) for the whole run.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/network.hpp"
#include "sim/output_sink.hpp"

namespace neurotwin {

struct run_control {
    int threads = 1;                                  // >= 1
    const std::atomic<bool>* interrupt = nullptr;     // set (e.g. by SIGINT) to stop cleanly
    // Called from one thread about every 0.25 s of wall time: (steps done, wall seconds).
    std::function<void(step_t, double)> progress;
    // Most steps between two synchronisations of the threads (>= 1). The engine takes the
    // network's minimum spike delay up to this bound when nothing else needs a per-step
    // barrier; results do not depend on it (tests compare with 1).
    step_t max_sync_interval = 64;
};

struct run_result {
    step_t steps_done = 0;
    bool completed = false;  // false when interrupted
    double wall_seconds = 0.0;
    std::vector<std::uint64_t> spikes;  // per population, all neurons
    std::uint64_t events_delivered = 0; // spike x synapse deliveries
    step_t sync_interval = 1;           // steps between synchronisations of the threads
    std::size_t ring_bytes = 0;         // delay rings and output histories (at most the run)
    std::uint64_t total_spikes() const;
};

// Runs `net` for net.n_steps steps (or until interrupted), sending recorded data to `sink`
// (may be null). Throws runtime_fault on a numerical fault (NaN/inf in a state variable).
run_result run_network(network& net, output_sink* sink, const run_control& control);

}  // namespace neurotwin
