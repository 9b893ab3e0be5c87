// SPDX-License-Identifier: BSD-3-Clause
// The engine's side of recording: the recorded columns are copied into chunk buffers in the
// record phase (each thread the neurons it owns), and full chunks, spikes and, at the end,
// the partial last chunks are handed to the output_sink (sim/output_sink.hpp) by the single
// phase, one thread at a time (sim/engine.cpp).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sim/aligned.hpp"
#include "sim/network.hpp"
#include "sim/output_sink.hpp"

namespace neurotwin {

// One thread's spikes of one population in one step.
struct spike_list {
    std::span<const std::uint32_t> ids;  // ascending
    // Their times within the step (ms), for models with precise spike times; empty otherwise.
    std::span<const double> offsets;
};

class recording {
public:
    // Opens every record of `net` in `sink` (may be null: nothing is written), for a run of
    // `threads` threads that synchronise every `interval` steps.
    recording(const network& net, output_sink* sink, int threads, step_t interval);

    // True when the spikes of population p go to the sink (the update then keeps their
    // offsets within the step).
    bool writes_spikes(std::size_t p) const { return spike_handles_[p] >= 0; }
    // Record phase of step t: thread tid copies the recorded values of the neurons it owns
    // (the state at time t*dt) into the chunk buffers.
    void sample(step_t t, int tid);
    // Single phase of step t: the spikes of population p (one list per thread, in thread
    // order) and the chunks whose last frame step t recorded.
    void write_spikes(std::size_t p, step_t t, std::span<const spike_list> threads);
    void write_full_chunks(step_t t);
    // After the run: the frames of the partial last chunks, t < steps_done.
    void flush(step_t steps_done);

private:
    // A recorded variable.
    struct report {
        const recorder_desc_rt* desc = nullptr;
        const double* column = nullptr;
        // Compartment reports: the value of column c (neuron-major, then compartment) is
        // *source[c]; per thread, the columns of the neurons it owns are [first[t], first[t+1]).
        std::vector<const double*> source;
        std::vector<std::size_t> first;
        int handle = -1;
        std::size_t frames_per_chunk = 1;
        // Two chunks, by the parity of the chunk number: the single phase writes a full one
        // while the others record the first frame of the next.
        aligned_vector<float> buffer;
        std::size_t width = 0;
        float* row(step_t t) {
            const auto f = std::size_t(t / desc->interval);
            const auto half = (f / frames_per_chunk) % 2;
            return buffer.data() + (half * frames_per_chunk + f % frames_per_chunk) * width;
        }
    };
    report open_report(const recorder_desc_rt& rd, step_t interval);

    const network& net_;
    output_sink* sink_;
    int T_;
    std::vector<report> reports_;
    std::vector<int> spike_handles_;                   // per population, -1 = not written
    std::vector<std::vector<std::uint8_t>> selected_;  // per population (empty = all)
    std::vector<double> spike_times_buf_;
    std::vector<std::uint64_t> spike_ids_buf_;
};

}  // namespace neurotwin
