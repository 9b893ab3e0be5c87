// SPDX-License-Identifier: BSD-3-Clause
// Memory a scenario needs, estimated from its description before anything is built
// (docs/cli.md, "Memory"), and the memory this machine can give it. build_network() refuses a
// scenario whose estimate exceeds what is available, naming its largest part and the position of
// the item responsible; `validate` prints the estimate.
#pragma once

#include <string>
#include <vector>

#include "sim/errors.hpp"
#include "sim/scenario/desc.hpp"

namespace neurotwin {

struct memory_part {
    std::string what;  // "the delay rings of projection 'a' -> 'a' (1000 neurons x ...)"
    double bytes = 0.0;
    source_pos where;
};

struct memory_estimate {
    double total = 0.0;              // [bytes]
    std::vector<memory_part> parts;  // one per population, projection, ring, record
    // The part with the most bytes (nullptr when there are none).
    const memory_part* largest() const;
};

// Bytes per neuron, connection, ring slot ... (the model's columns, the build's temporary
// edge lists, the engine's rings capped at the run length, record buffers); connections of
// random rules at their expected count. Edge files are not opened here: their datasets are
// checked against the file when they are read.
memory_estimate estimate_memory(const scenario_desc& desc);

// Bytes this machine can give a run: MemAvailable of /proc/meminfo, else the physical memory
// (sysconf), else 0 (unknown: no check). `source` says which ("MemAvailable in /proc/meminfo").
double available_memory(std::string* source = nullptr);

// "812 kB", "7.8 GB", "80 TB" (powers of 1000).
std::string format_bytes(double bytes);

// Throws input_error at the largest part's position when `e.total` exceeds `available`
// (> 0): "needs an estimated 80 TB of memory, more than the 7.6 GB available ...".
void check_memory(const memory_estimate& e, double available, const std::string& source,
                  const std::string& file);

}  // namespace neurotwin
