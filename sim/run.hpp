// SPDX-License-Identifier: BSD-3-Clause
// One run, end to end: scenario_desc -> network -> engine -> HDF5 file (written under a
// temporary name, renamed when done; removed on error).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/engine.hpp"
#include "sim/io/h5_writer.hpp"
#include "sim/scenario/desc.hpp"

namespace neurotwin {

struct run_options {
    std::string output_path;                 // the .h5 file to produce
    std::optional<int> threads;              // overrides [simulation] threads
    std::optional<std::uint64_t> seed;       // overrides [simulation] seed
    const std::atomic<bool>* interrupt = nullptr;
    std::function<void(step_t, step_t, double)> progress;  // (done, total, wall seconds)
    // Attributes of /neurotwin/sweep: the swept values of a sweep point (neurotwin batch).
    std::vector<h5_attr> sweep_attributes;
};

struct run_summary {
    std::string output_path;
    double simulated_ms = 0.0;
    double wall_seconds = 0.0;
    double build_seconds = 0.0;
    std::uint64_t spikes = 0;        // written to the file (recorded populations and neurons)
    std::uint64_t spikes_fired = 0;  // by every neuron of the network
    bool completed = false;
    int threads = 1;
    std::string threads_reason;            // how the thread count was chosen
    std::uint64_t neurons = 0;
    std::uint64_t synapses = 0;            // all connections
    std::uint64_t spike_synapses = 0;      // between spiking populations
    std::size_t spike_synapse_bytes = 0;   // their memory (synapses and packed delays)
    std::size_t spike_index_bytes = 0;     // their row indices
    std::uint64_t events_delivered = 0;    // spike x synapse deliveries
    step_t sync_interval = 1;              // steps between synchronisations of the threads
    std::size_t ring_bytes = 0;            // spike delay rings and rate histories
    double peak_rss_mb = 0.0;              // of the process, at the end of the run
};

run_summary run_scenario(scenario_desc desc, const run_options& options);

// Cores this process may run on (sched_getaffinity; at least 1).
int available_cores();

// The most threads a run may have on `cores` cores: more only slow the run down, and
// beyond this they cost memory and time for nothing.
int max_threads(int cores);

// Estimated cost of a run's time steps [ns, on one core]: neurons x model cost
// (compartments, substeps, integrator), expected synaptic events, Poisson events, and how
// often the threads synchronise. See sim/run.cpp for the figures and their measurements.
struct work_estimate {
    std::vector<std::pair<index_t, double>> populations;  // (neurons, ns per neuron-step)
    double shared_ns = 0.0;      // per step, shared evenly by the threads (events)
    double steps_per_sync = 1.0; // steps between barriers (spike-only networks: min delay)
    double syncs_per_step = 1.0; // barriers per step (2 when inputs read rates)
    std::string what;            // "2,000 lif, ~200,000 synapses"
    // The busiest thread's work per step with `threads` threads (the engine's split).
    double busiest_ns(int threads) const;
};
work_estimate estimate_work(const scenario_desc& desc);

// How many threads a run gets, and why.
struct thread_choice {
    int threads = 1;
    std::string reason;   // for --stats
    std::string warning;  // non-empty: more threads than cores were asked for (stderr)
};

// `requested`: --threads or the scenario's `threads` (0 = choose from the work), from the
// command line when `from_command_line`. A count above max_threads(cores) is an input_error
// naming the option or the key's position.
thread_choice choose_threads(const scenario_desc& desc, int requested, bool from_command_line,
                             int cores);

}  // namespace neurotwin
