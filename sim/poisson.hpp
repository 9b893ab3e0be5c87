// SPDX-License-Identifier: BSD-3-Clause
// Poisson input: independent Poisson trains (poisson_group, sim/network.hpp) depositing jumps
// into the delay rings of spiking populations, in the input phase of each step (sim/engine.cpp).
//
// A channel of constant rate r, or whose rate follows a source neuron's output x(t) up to a
// bound r_max, runs one of two ways:
//  - on the calendar: its candidate events are a Poisson process of rate r_max (exponential
//    gaps), each kept at its step with probability rate(t) / r_max (thinning, Lewis & Shedler
//    1979). Pending events wait in an event_wheel, so a channel costs per event, not per step;
//  - per step: a channel averaging half an event per step or more draws the step's count
//    instead (poisson_count), O(1) per step whatever its rate. A whole group of one such rate
//    (a stimulus) inverts one tabulated CDF.
// Every draw comes from counter blocks keyed on (group, channel, event or step), so a channel
// gives the same events whichever thread owns its target, and its events of a step are added
// to the ring slot in ascending channel order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "sim/network.hpp"
#include "sim/population_buffers.hpp"
#include "sim/random.hpp"

namespace neurotwin {

// A Poisson(lambda) count from the counter blocks (c, (t << 8) | i), i < 256, of `rng`: the
// same count for the same (c, t, lambda) on any thread. lambda <= poisson_inversion_max:
// inversion from one uniform (O(lambda)); above: Hoermann's PTRS (O(1)). lambda above
// max_poisson_events_per_step (sim/scenario/desc.hpp) is rejected when a scenario is loaded.
inline constexpr double poisson_inversion_max = 20.0;
std::uint64_t poisson_count(const counter_rng& rng, std::uint64_t c, std::uint64_t t,
                            double lambda);

// True when the group's rates follow a source population's output (a projection with
// encoding = poisson), false for a constant-rate stimulus.
inline bool is_rate_driven(const poisson_group& g) {
    return g.source != static_cast<std::size_t>(-1);
}

// Pending events of Poisson channels: a calendar queue (Brown 1988) with one bucket per step
// over a horizon of H steps and an overflow list for later events, moved into buckets every
// H steps. Push and pop cost O(1) per event, so Poisson input costs per spike, not per
// neuron and step. Each bucket is sorted by channel before it is processed.
class event_wheel {
public:
    static constexpr step_t horizon = 1024;

    event_wheel() : buckets_(std::size_t(horizon)) {}

    void push(step_t now, step_t step, std::uint32_t channel) {
        if (step - now < horizon) {
            buckets_[std::size_t(step & (horizon - 1))].push_back(channel);
        } else {
            overflow_.push_back({step, channel});
        }
    }
    // Channels with an event at step t, ascending; the caller clears it when done.
    std::vector<std::uint32_t>& take(step_t t) {
        if (t % horizon == 0 && !overflow_.empty()) {
            std::size_t kept = 0;
            for (const auto& e : overflow_) {
                if (e.step - t < horizon) {
                    buckets_[std::size_t(e.step & (horizon - 1))].push_back(e.channel);
                } else {
                    overflow_[kept++] = e;
                }
            }
            overflow_.resize(kept);
        }
        auto& b = buckets_[std::size_t(t & (horizon - 1))];
        std::sort(b.begin(), b.end());
        return b;
    }

private:
    struct pending {
        step_t step;
        std::uint32_t channel;
    };
    std::vector<std::vector<std::uint32_t>> buckets_;
    std::vector<pending> overflow_;
};

// The Poisson channels of a network, run by `threads` threads: thread tid handles the
// channels whose targets it owns (sim/partition.hpp), and only it touches their state.
class poisson_input {
public:
    poisson_input(const network& net, int threads);

    // Draws the first events of thread tid's calendar channels (before the first step).
    void start(int tid);
    // Adds the events of group g at step t onto thread tid's targets: to ex (jump >= 0) or
    // in (< 0), the target's ring planes of step t. `source` holds the output of the group's
    // source population (rate-driven groups; null otherwise).
    void deposit(std::size_t g, step_t t, int tid, double* ex, double* in,
                 const population_buffers* source);

private:
    // Draws the next candidate event of channel c after its current one; returns its step
    // (the group's stop when there is none before the end).
    step_t advance_channel(std::size_t g, std::uint32_t c);

    const network& net_;
    int T_;
    // per group and channel: time of the next candidate event (ms) and its index
    std::vector<std::vector<double>> next_time_;
    std::vector<std::vector<std::uint64_t>> next_index_;
    std::vector<counter_rng> rng_;                  // per group
    std::vector<std::vector<event_wheel>> wheels_;  // [thread][group]
    std::vector<std::uint8_t> dense_;               // per group: per-step Poisson counts
    // Channels of the other groups that also average half an event per step or more (the
    // rest of a group of mixed rates; rate-driven channels), drawn as per-step counts too:
    // [thread][group], ascending.
    std::vector<std::vector<std::vector<std::uint32_t>>> busy_;
    std::vector<std::vector<double>> cdf_;  // dense groups of one rate: its CDF
};

}  // namespace neurotwin
