// SPDX-License-Identifier: BSD-3-Clause
// Helpers shared by the tests: run a scenario given as TOML text, in memory.
#pragma once

#include <string>
#include <vector>

#include "sim/engine.hpp"
#include "sim/network.hpp"
#include "sim/output_sink.hpp"

namespace neurotwin::test {

struct sim_output {
    network net;
    memory_sink sink;
    run_result result;
};

// Loads, builds and runs `toml` with `threads` threads; data recorded into memory.
sim_output run_text(const std::string& toml, int threads = 1,
                    step_t max_sync_interval = run_control{}.max_sync_interval);

// Spike times (ms) of neuron `id` in a memory_sink spike set.
std::vector<double> spike_times_of(const memory_sink::spike_data& s, std::uint64_t id);
// Spike count per neuron (size n).
std::vector<double> spike_counts(const memory_sink::spike_data& s, std::size_t n);

// Path of a file in the source tree (tests are run from the build directory).
std::string source_path(const std::string& relative);
// A fresh path in the temporary directory (file not created).
std::string temp_path(const std::string& name);

}  // namespace neurotwin::test
