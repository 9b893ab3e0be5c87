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
    std::uint64_t spikes = 0;
    bool completed = false;
    int threads = 1;
    std::uint64_t synapses = 0;
};

run_summary run_scenario(scenario_desc desc, const run_options& options);

}  // namespace neurotwin
