// SPDX-License-Identifier: BSD-3-Clause
// The time loop.
//
// One step t (time t*dt -> (t+1)*dt) is a fixed sequence of phases (but see "intervals"):
//   record   copy recorded columns (state at time t*dt) into chunk buffers   [reads state]
//   input    per target neuron: synaptic jumps of ring slot t, Poisson events of step t,
//            continuous input = gathered rate projections + stimuli         [writes inputs]
//   --- barrier (only when inputs read outputs that this step's update overwrites) ---
//   update   advance neurons t -> t+1, spike flags, rate estimates, spike lists
//   --- barrier: the only one every step ---
//   plan     every thread works out, from all threads' update statuses, which inputs of
//            step t + 1 can have changed (the same answer in each thread, no writes shared)
//   deliver  spikes of step t into target rings at slot t + delay
//   single   (one thread: the first to finish its delivery) spikes and full record chunks
//            to the sink, faults, interrupt and progress
// and the next step's record, input and update follow without a barrier: a thread delivers
// only into the neurons it owns, so it may update them while the others still deliver.
// What the others read meanwhile -- spike lists, update statuses, record chunks -- is kept
// twice, by the parity of the step, and the stop decision of step t is taken by the single
// phase before the barrier of step t + 1 and read by all after it. Single phases of successive
// steps may run on different threads, but never at the same time (a barrier lies between).
//
// Intervals (NEST's min-delay communication, Morrison et al. 2005): no spike of step t acts
// before step t + d_min, d_min the shortest spike delay. So the threads update d_min steps
// in a row, then meet at one barrier and deliver (and single-phase) those d_min steps in
// order: one barrier per d_min steps instead of one per step. Every ring slot still receives
// its deposits in (step, projection, source, synapse) order, and each slot is complete before
// the interval that reads it begins, so the output is bit-identical to step-by-step. Used
// when only spikes connect neurons (gathered rate inputs and rate-driven Poisson channels
// read outputs of the last step); otherwise the interval is one step. The per-step data of
// the paragraph above is kept for two intervals.
//
// Why results do not depend on the thread count: every thread owns a fixed range of target
// neurons in every phase and writes only those. Each floating-point sum into a neuron has an
// order fixed by the network, not by the threads: ring deposits arrive in (step, projection,
// source id ascending, synapse) order, Poisson events in (step, channel) order, gathered
// inputs in (projection, source ascending) order, stimuli in scenario order. Random numbers
// are counter-based (sim/random.hpp), keyed on what is drawn, not on who draws it.
#include "sim/engine.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <fmt/format.h>
#include <omp.h>
#include <thread>

#include "sim/aligned.hpp"
#include "sim/errors.hpp"
#include "sim/random.hpp"

namespace neurotwin {

std::uint64_t run_result::total_spikes() const {
    std::uint64_t n = 0;
    for (const auto s : spikes) {
        n += s;
    }
    return n;
}

// Small means: inversion of the cumulative distribution from one uniform of block
// (c, t << 8) -- O(lambda), exact, and the draw every run before large means were handled
// made. Large means: Hoermann's PTRS (transformed rejection with squeeze, W. Hoermann, "The
// transformed rejection method for generating Poisson random variables", Insurance:
// Mathematics and Economics 12, 1993), exact for lambda >= 10 and O(1): each trial uses the
// two uniforms of block (c, (t << 8) | trial) and is accepted with probability > 0.9, so 256
// trials (the counter's room) all fail with probability < 1e-250.
std::uint64_t poisson_count(const counter_rng& rng, std::uint64_t c, std::uint64_t t,
                            double lambda) {
    if (!(lambda > 0.0)) {
        return 0;
    }
    if (lambda <= poisson_inversion_max) {
        const double u = rng.uniform2(c, t << 8)[0];
        double p = std::exp(-lambda);
        double F = p;
        std::uint64_t k = 0;
        while (u > F && k < 1000) {
            ++k;
            p *= lambda / double(k);
            F += p;
        }
        return k;
    }
    const double slam = std::sqrt(lambda);
    const double loglam = std::log(lambda);
    const double b = 0.931 + 2.53 * slam;
    const double a = -0.059 + 0.02483 * b;
    const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    const double v_r = 0.9277 - 3.6224 / (b - 2.0);
    for (std::uint64_t trial = 0; trial < 256; ++trial) {
        const auto u = rng.uniform2(c, (t << 8) | trial);
        const double U = u[0] - 0.5;
        const double V = u[1];
        const double us = 0.5 - std::abs(U);
        const double k = std::floor((2.0 * a / us + b) * U + lambda + 0.43);
        if (us >= 0.07 && V <= v_r) {
            return static_cast<std::uint64_t>(k);  // the squeeze: k >= 0 here
        }
        if (k < 0.0 || (us < 0.013 && V > us)) {
            continue;
        }
        int sign = 0;
        const double log_k_factorial = ::lgamma_r(k + 1.0, &sign);  // not lgamma: no global
        if (std::log(V * inv_alpha / (a / (us * us) + b)) <=
            -lambda + k * loglam - log_k_factorial) {
            return static_cast<std::uint64_t>(k);
        }
    }
    return static_cast<std::uint64_t>(std::floor(lambda));  // the mode; probability < 1e-250
}

namespace {

constexpr std::size_t npos = static_cast<std::size_t>(-1);

struct range_t {
    index_t lo = 0;
    index_t hi = 0;
};

// Appends the indices in [lo, hi) where flag != 0, ascending; skips 8 silent neurons at once.
void collect_spikes(const std::uint8_t* flag, index_t lo, index_t hi,
                    aligned_vector<std::uint32_t>& out) {
    index_t i = lo;
    while (i < hi) {
        if (i + 8 <= hi) {
            std::uint64_t word;
            std::memcpy(&word, flag + i, sizeof word);
            if (word == 0) {
                i += 8;
                continue;
            }
        }
        if (flag[i] != 0) {
            out.push_back(i);
        }
        ++i;
    }
}

// Sorts one step's spikes by (time, id); they arrive in id order.
void sort_by_time(std::vector<double>& times, std::vector<std::uint64_t>& ids) {
    std::vector<std::size_t> order(times.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
        order[k] = k;
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return times[a] < times[b]; });
    std::vector<double> t2(times.size());
    std::vector<std::uint64_t> i2(ids.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
        t2[k] = times[order[k]];
        i2[k] = ids[order[k]];
    }
    times.swap(t2);
    ids.swap(i2);
}

range_t split(std::size_t n, int threads, int tid) {
    return {static_cast<index_t>(split_point(n, threads, tid)),
            static_cast<index_t>(split_point(n, threads, tid + 1))};
}

// Runtime state of one population beyond the model's own columns.
struct pop_rt {
    // Ring slots: the longest incoming delay in steps, but at most the run's steps. Slot
    // t mod n_slots is read and cleared by the update of step t, before the delivery of step
    // t writes t + d (d <= n_slots), so a spike with the longest delay lands in the slot just
    // emptied. A spike that arrives at or after the end of the run (t + d >= n_steps) is not
    // stored: with delays longer than the run, it could otherwise wrap into a slot still read.
    std::size_t n_slots = 1;
    aligned_column ring_ex, ring_in;  // [slot][input], planes ring_stride() apart
    aligned_column gather;            // sum of gathered rate inputs
    aligned_column cont;              // gather + stimuli
    const double* cont_ptr = nullptr; // what update() sees as continuous input
    bool has_gather = false;
    bool has_coupled = false;         // receives rate-coupled spike projections
    bool has_stimuli = false;
    // Output history for delayed rate connections: slot s % hist_len holds the output at
    // time s*dt; hist_len == 1 means "read output() directly".
    std::size_t hist_len = 1;
    aligned_column hist;
    double rate_decay = 1.0, rate_gain = 0.0;
    // The rate estimate is kept only when something reads it: a recording of `rate`, or a
    // projection that reads the population's output (it costs a pass over the neurons).
    bool needs_rate = false;
};

struct recorder_rt {
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
    std::vector<std::uint8_t> selected;  // spikes: selected neurons (empty = all)
};

// The team barrier of the time loop: sense-reversing, on one counter and one flag in cache
// lines of their own. A step (or interval) has one or two of them, so their latency bounds
// how far small networks scale: on the 2-core test machine an OpenMP barrier took 1.46 us,
// this one 0.4-0.5 us when it spins (bench/scaling_ceiling.cpp measures the machine; a cache
// line takes ~0.2 us from core to core). The arriving thread's acq_rel increment and the
// release/acquire flag make every write before the barrier visible after it.
//
// Spinning pays only while the awaited threads are running. When they are not -- another
// program holds their core, or there are more threads than cores -- a spinning waiter burns
// the very core the late thread needs, and yielding does not help (CFS puts a yielding thread
// back at once): small runs took 5-400x longer than on one thread with one core busy. So a
// waiter spins (with the pause hint) for at most its spin budget, then sleeps on the flag
// (std::atomic::wait, a futex on Linux) until the last thread flips it. The budget adapts per
// thread: it halves (down to spin_min) after every wait whose release came more than
// spin_max after the thread arrived (no spinning could have caught it), is reset to spin_max
// after a wait that slept although the release came sooner, and doubles after every wait
// that spinning ended -- so where spinning does not pay the threads soon stop spinning, a
// thread whose partners are running keeps its core, and an idle machine keeps the spin
// barrier's latency. The last thread makes the futex call only when someone sleeps
// (sleepers_), so the spinning case costs no system call. Which thread waits how never
// changes a result.
class spin_barrier {
public:
    // Per-thread state: the sense of the next barrier and the current spin budget.
    struct waiter {
        int sense = 0;
        std::int64_t spin_ns = spin_max_ns;
    };
    // A futex wake-up costs about 2-10 us from the call to the sleeper running again
    // (more on a VM); spinning longer than that before sleeping gains nothing.
    static constexpr std::int64_t spin_max_ns = 20000;
    static constexpr std::int64_t spin_min_ns = 500;  // still catches a barrier in step

    explicit spin_barrier(int threads) : n_(threads) {}

    void wait(waiter& w) {
        const int sense = w.sense ^= 1;
        if (count_.fetch_add(1, std::memory_order_acq_rel) == n_ - 1) {
            count_.store(0, std::memory_order_relaxed);
            if (sleepers_.load(std::memory_order_relaxed) > 0) {
                release_ns_.store(now_ns(), std::memory_order_relaxed);  // published below
            }
            // seq_cst with the load of sleepers_: either a sleeper's increment is seen here
            // (and it is woken), or its load of sense_ after the increment sees the flip.
            sense_.store(sense, std::memory_order_seq_cst);
            if (sleepers_.load(std::memory_order_seq_cst) > 0) {
                sense_.notify_all();
            }
            return;
        }
        const std::int64_t t0 = now_ns();
        for (std::uint32_t spins = 1;; ++spins) {
            if (sense_.load(std::memory_order_acquire) == sense) {
                w.spin_ns = std::min(spin_max_ns, 2 * w.spin_ns);
                return;
            }
            __builtin_ia32_pause();
            // the clock costs ~20 ns (vDSO): read it every 32 pauses (~0.1-1 us)
            if (spins % 32 == 0 && now_ns() - t0 > w.spin_ns) {
                break;
            }
        }
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        for (int v = sense_.load(std::memory_order_seq_cst); v != sense;
             v = sense_.load(std::memory_order_seq_cst)) {
            sense_.wait(v, std::memory_order_seq_cst);
        }
        sleepers_.fetch_sub(1, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);
        // Would spinning have paid? The last thread stamped the release (when it saw a
        // sleeper; an older stamp reads as "soon"). Released within spin_max of our arrival:
        // a longer spin would have caught it without giving up the core -- which on a shared
        // core costs the other program's whole time slice (ms), not the futex's microseconds
        // -- so the budget goes back to spin_max. Released later: no spin could have caught
        // it; spin less next time.
        if (release_ns_.load(std::memory_order_relaxed) - t0 < spin_max_ns) {
            w.spin_ns = spin_max_ns;
        } else {
            w.spin_ns = std::max(spin_min_ns, w.spin_ns / 2);
        }
    }

private:
    static std::int64_t now_ns() {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
    alignas(64) std::atomic<int> count_{0};
    // the flag and the release stamp share a line: sleepers read both
    alignas(64) std::atomic<int> sense_{0};
    std::atomic<std::int64_t> release_ns_{0};
    alignas(64) std::atomic<int> sleepers_{0};
    int n_;
};

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

class engine {
public:
    engine(network& net, output_sink* sink, const run_control& ctl)
        : net_(net), sink_(sink), ctl_(ctl), T_(std::max(1, ctl.threads)), barrier_(T_) {}

    run_result run();

private:
    void setup();
    void thread_main(int tid);
    void record_phase(step_t t, int tid);
    void input_phase(step_t t, int tid);
    void update_phase(step_t t, int tid);
    void deliver_phase(step_t t, int tid);
    void single_phase(step_t t);
    void plan_next(step_t t, int tid);
    // Waits for the team; `w` is the calling thread's own (see spin_barrier).
    void barrier(spin_barrier::waiter& w);
    double source_value(std::size_t pop, std::uint32_t j, step_t t, step_t delay) const;
    // Input arrays (rings, gathered inputs, stimuli) hold size * ports values per population
    // (compartmental cells have several input ports per neuron): the thread's part of them is
    // its neuron range in ports.
    std::size_t in_size(std::size_t p) const {
        return std::size_t(net_.populations[p]->size()) * net_.populations[p]->ports();
    }
    range_t in_split(std::size_t p, int tid) const {
        const auto rg = split(net_.populations[p]->size(), T_, tid);
        const index_t P = net_.populations[p]->ports();
        return {rg.lo * P, rg.hi * P};
    }
    // Slots of a spike ring for delays up to max_delay steps (see pop_rt).
    std::size_t ring_slots(step_t max_delay) const {
        return std::size_t(std::max<step_t>(1, std::min(max_delay, net_.n_steps)));
    }
    // Distance between the slot planes of a population's input rings: whole cache lines.
    std::size_t ring_stride(std::size_t p) const { return line_stride<double>(in_size(p)); }
    // The plane of step t in a ring of `slots` planes into population p.
    double* ring_plane(aligned_column& ring, std::size_t slots, std::size_t p, step_t t) const {
        return ring.data() + std::size_t(t % step_t(slots)) * ring_stride(p);
    }
    // Draws the next candidate event of channel c after its current one; returns its step
    // (g.stop when there is none before the end).
    step_t advance_channel(std::size_t g, std::uint32_t c);

    network& net_;
    output_sink* sink_;
    const run_control& ctl_;
    int T_;
    std::vector<pop_rt> rt_;
    // rate-coupled spike projections: ring of arriving (scaled) spikes and the decaying sum
    struct coupled_rt {
        std::size_t n_slots = 1;
        aligned_column ring;  // [slot][target], planes ring_stride() apart
        aligned_column sum;   // [target]
    };
    std::vector<coupled_rt> coupled_;  // per spike projection (empty when not coupled)
    std::vector<recorder_rt> recs_;
    std::vector<int> spike_handles_;   // per population, -1 = spikes not recorded
    std::vector<const recorder_rt*> spike_rec_;
    // What a thread's update of step t leaves for the others, kept for two intervals:
    // out_[out_slot(t)][thread].
    // (Aligned, as everything below that threads write per step: no line is shared.)
    struct alignas(cache_line) thread_out {
        aligned_vector<aligned_vector<std::uint32_t>> spikes;  // per population, ascending
        aligned_vector<aligned_column> offsets;  // recorded spike times within the step
        aligned_vector<update_status> status;    // per population
    };
    std::vector<std::vector<thread_out>> out_;
    step_t interval_ = 1;  // steps between synchronisations (see the top of the file)
    std::size_t out_slot(step_t t) const { return std::size_t(t % (2 * interval_)); }
    std::size_t parity(step_t t) const { return std::size_t(t / interval_ % 2); }
    // Totals over the steps delivered, per thread.
    struct alignas(cache_line) thread_totals {
        aligned_vector<std::uint64_t> spikes;  // per population
        std::uint64_t events = 0;              // synaptic events delivered
        aligned_vector<std::uint32_t> sources;  // scratch: one projection's spiking sources
    };
    std::vector<thread_totals> totals_;
    // Which inputs of the next step can have changed; every thread keeps its own copy.
    struct alignas(cache_line) step_plan {
        aligned_vector<step_t> last_change;          // latest s with output(s) != output(s - 1)
        aligned_vector<std::uint8_t> gather_dirty;   // recompute gathered inputs
        aligned_vector<std::uint8_t> input_changed;  // continuous input may differ from last step
        bool input_reads_others = true;              // barrier between input and update
    };
    std::vector<step_plan> plans_;  // per thread
    // Poisson channels: time of the next candidate event (ms) and its index
    std::vector<std::vector<double>> next_time_;
    std::vector<std::vector<std::uint64_t>> next_index_;
    std::vector<counter_rng> poisson_rng_;
    std::vector<std::vector<event_wheel>> wheels_;   // [thread][group]
    std::vector<std::uint8_t> dense_;                // per group: per-step Poisson counts
    // Channels of the other groups that also average half an event per step or more (the
    // rest of a group of mixed rates; rate-driven channels), drawn as per-step counts too:
    // [thread][group], ascending.
    std::vector<std::vector<std::vector<std::uint32_t>>> busy_;
    std::vector<std::vector<double>> cdf_;           // dense groups of one rate: its CDF
    std::vector<double> zeros_;
    std::vector<double> spike_times_buf_;
    std::vector<std::uint64_t> spike_ids_buf_;
    // [parity(t)]: set by single_phase(t), read after the next interval's barrier
    std::array<bool, 2> stop_{};
    // The first step of the next interval whose single phases are unclaimed: the first thread
    // through its delivery takes them, so the serial work goes to whichever core is ahead.
    alignas(cache_line) std::atomic<step_t> single_next_{0};
    spin_barrier barrier_;
    std::vector<std::size_t> direct_;         // populations whose output() inputs read
    step_t steps_done_ = 0;
    std::string fault_;
    std::exception_ptr error_;
    std::chrono::steady_clock::time_point t0_, last_progress_;
};

void engine::setup() {
    const auto P = net_.populations.size();
    rt_.resize(P);
    std::size_t max_n = 0;
    for (std::size_t p = 0; p < P; ++p) {
        max_n = std::max<std::size_t>(max_n, in_size(p));
    }
    zeros_.assign(max_n, 0.0);
    // Interval: the shortest spike delay, when spikes are all that connects neurons.
    bool spikes_only = net_.gather_projections.empty();
    step_t d_min = std::max<step_t>(1, ctl_.max_sync_interval);
    for (const auto& sp : net_.spike_projections) {
        spikes_only = spikes_only && !sp.rate_coupled;
        if (!sp.synapses.empty()) {
            d_min = std::min(d_min, sp.min_delay);
        }
    }
    for (const auto& g : net_.poisson_groups) {
        spikes_only = spikes_only && g.source == npos;
    }
    interval_ = spikes_only ? std::max<step_t>(1, d_min) : 1;
    coupled_.resize(net_.spike_projections.size());
    for (std::size_t k = 0; k < net_.spike_projections.size(); ++k) {
        const auto& sp = net_.spike_projections[k];
        if (sp.rate_coupled) {
            auto& c = coupled_[k];
            const std::size_t n = in_size(sp.target);
            c.n_slots = ring_slots(sp.max_delay);  // read in the input phase: as pop_rt
            c.ring.assign(c.n_slots * ring_stride(sp.target), 0.0);
            c.sum.assign(n, 0.0);
            rt_[sp.target].has_gather = true;
            rt_[sp.target].has_coupled = true;
            continue;
        }
        rt_[sp.target].n_slots =
            std::max<std::size_t>(rt_[sp.target].n_slots, ring_slots(sp.max_delay));
    }
    for (const auto& gp : net_.gather_projections) {
        rt_[gp.target].has_gather = true;
        rt_[gp.source].hist_len = std::max<std::size_t>(rt_[gp.source].hist_len, gp.max_delay);
    }
    for (const auto& g : net_.poisson_groups) {
        if (g.source != npos) {
            for (const auto d : g.channel_delay) {
                rt_[g.source].hist_len = std::max<std::size_t>(rt_[g.source].hist_len, d);
            }
        }
    }
    for (const auto& st : net_.stimuli) {
        rt_[st.target].has_stimuli = true;
    }
    // History rings get one slot more than the longest delay: the slot an update writes,
    // (t + 1) mod L, is then never one the same step's input phase reads (t - d + 1 for
    // 1 <= d < L), so delayed reads need no barrier. Sources read without delay (hist_len 1)
    // are read straight from output(), which their update overwrites: `direct_` lists them.
    // n_steps + 1 slots hold the whole run without wrapping, so no delay needs more.
    for (std::size_t p = 0; p < rt_.size(); ++p) {
        if (rt_[p].hist_len > 1) {
            rt_[p].hist_len = std::min(rt_[p].hist_len + 1, std::size_t(net_.n_steps) + 1);
        }
    }
    for (const auto& gp : net_.gather_projections) {
        rt_[gp.source].needs_rate = true;
        if (rt_[gp.source].hist_len == 1) {
            direct_.push_back(gp.source);
        }
    }
    for (const auto& g : net_.poisson_groups) {
        if (g.source != npos && rt_[g.source].hist_len == 1) {
            direct_.push_back(g.source);
        }
    }
    std::sort(direct_.begin(), direct_.end());
    direct_.erase(std::unique(direct_.begin(), direct_.end()), direct_.end());
    plans_.resize(std::size_t(T_));
    for (auto& pl : plans_) {
        pl.last_change.assign(P, 0);
        pl.gather_dirty.assign(P, 1);
        pl.input_changed.assign(P, 1);
        pl.input_reads_others = !direct_.empty();  // until the first plan
    }
    for (const auto& g : net_.poisson_groups) {
        if (g.source != npos) {
            rt_[g.source].needs_rate = true;
        }
    }
    for (const auto& rd : net_.records) {
        if (rd.variable == "rate") {
            rt_[rd.population].needs_rate = true;
        }
    }
    for (std::size_t p = 0; p < P; ++p) {
        auto& r = rt_[p];
        auto& pop = *net_.populations[p];
        const std::size_t n = pop.size();
        const std::size_t n_in = in_size(p);
        if (pop.kind() == model_kind::spiking) {
            r.ring_ex.assign(r.n_slots * ring_stride(p), 0.0);
            r.ring_in.assign(r.n_slots * ring_stride(p), 0.0);
            const double tau = net_.rate_filter_ms[p];
            r.rate_decay = std::exp(-net_.dt / tau);
            r.rate_gain = 1000.0 / tau;  // [Hz]: each spike adds 1/tau (1/ms)
        }
        if (r.has_gather) {
            r.gather.assign(n_in, 0.0);
        }
        if (r.has_stimuli) {
            r.cont.assign(n_in, 0.0);
            r.cont_ptr = r.cont.data();
        } else {
            r.cont_ptr = r.has_gather ? r.gather.data() : zeros_.data();
        }
        if (r.hist_len > 1) {
            r.hist.assign(r.hist_len * n, 0.0);
            std::copy_n(pop.output(), n, r.hist.begin());  // output at time 0 in slot 0
        }
    }
    out_.resize(std::size_t(2 * interval_));
    for (auto& o : out_) {
        o.resize(std::size_t(T_));
        for (auto& th : o) {
            th.spikes.resize(P);
            th.offsets.resize(P);
            th.status.resize(P);
        }
    }
    totals_.resize(std::size_t(T_));
    for (auto& th : totals_) {
        th.spikes.assign(P, 0);
    }

    // recorders
    spike_handles_.assign(P, -1);
    spike_rec_.assign(P, nullptr);
    recs_.reserve(net_.records.size());
    for (const auto& rd : net_.records) {
        recorder_rt r;
        r.desc = &rd;
        auto& pop = *net_.populations[rd.population];
        if (rd.variable.empty()) {
            if (rd.neurons.size() != pop.size()) {
                r.selected.assign(pop.size(), 0);
                for (const auto i : rd.neurons) {
                    r.selected[i] = 1;
                }
            }
            recs_.push_back(std::move(r));
            if (sink_ != nullptr) {
                spike_handles_[rd.population] = sink_->add_spike_population(pop.name());
            }
            continue;
        }
        r.column = pop.column(rd.variable);
        const auto* st = pop.info().find_state(rd.variable);
        const std::string units(st != nullptr ? unit_symbol(st->dim) : "");
        const std::size_t C = rd.compartments.size();
        std::vector<std::uint32_t> element_ids;
        std::vector<std::uint64_t> index_pointers;
        if (C > 0) {
            r.first.assign(std::size_t(T_) + 1, 0);
            for (int th = 0; th < T_; ++th) {
                const auto own = split(pop.size(), T_, th);
                r.first[std::size_t(th)] = std::size_t(
                    std::lower_bound(rd.neurons.begin(), rd.neurons.end(), own.lo) -
                    rd.neurons.begin()) * C;
            }
            r.first[std::size_t(T_)] = rd.neurons.size() * C;
            for (std::size_t k = 0; k < rd.neurons.size(); ++k) {
                index_pointers.push_back(k * C);
                for (const auto c : rd.compartments) {
                    r.source.push_back(pop.compartment_value(rd.variable, c, rd.neurons[k]));
                    element_ids.push_back(c);
                }
            }
            index_pointers.push_back(rd.neurons.size() * C);
        }
        const std::size_t width = C > 0 ? rd.neurons.size() * C : rd.neurons.size();
        const std::size_t cols = std::max<std::size_t>(1, width);
        r.frames_per_chunk = std::max<std::size_t>(1, (1u << 18) / cols);  // ~1 MiB chunks
        // A chunk is written to the sink in the single phase of its last frame's step, while
        // other threads may record the next interval: at least two intervals' frames per
        // chunk keep those in the other half of the buffer.
        r.frames_per_chunk = std::max<std::size_t>(
            r.frames_per_chunk, 2 * std::size_t((interval_ + rd.interval - 1) / rd.interval));
        // never buffer more frames than the run has
        const auto total_frames =
            static_cast<std::size_t>((net_.n_steps + rd.interval - 1) / rd.interval);
        r.frames_per_chunk = std::max<std::size_t>(1, std::min(r.frames_per_chunk, total_frames));
        r.width = width;
        r.buffer.assign((total_frames > r.frames_per_chunk ? 2 : 1) * r.frames_per_chunk * width,
                        0.0f);
        if (sink_ != nullptr) {
            std::vector<std::uint64_t> ids(rd.neurons.begin(), rd.neurons.end());
            r.handle = sink_->add_report(pop.name(), rd.variable, units, ids, 0.0,
                                         double(rd.interval) * net_.dt, element_ids,
                                         index_pointers);
        }
        recs_.push_back(std::move(r));
    }
    for (const auto& r : recs_) {
        if (r.desc->variable.empty()) {
            spike_rec_[r.desc->population] = &r;
        }
    }

    // Poisson channels
    const auto G = net_.poisson_groups.size();
    next_time_.resize(G);
    next_index_.resize(G);
    for (std::size_t g = 0; g < G; ++g) {
        const auto& grp = net_.poisson_groups[g];
        next_time_[g].assign(grp.channel_target.size(), 0.0);
        next_index_[g].assign(grp.channel_target.size(), 0);
        poisson_rng_.emplace_back(net_.seed, stream_id(grp.name));
    }
    wheels_.assign(std::size_t(T_), std::vector<event_wheel>(G));
    // Constant-rate groups (stimuli) whose channels average half an event per step or more
    // draw a count per step instead; channels must then be sorted by target (stimuli are).
    // In the other groups, each such channel does the same (busy_): a channel's events then
    // cost O(1) per step whatever its rate, not O(rate * dt) calendar entries.
    dense_.assign(G, 0);
    busy_.assign(std::size_t(T_), std::vector<std::vector<std::uint32_t>>(G));
    cdf_.assign(G, {});
    for (std::size_t g = 0; g < G; ++g) {
        const auto& grp = net_.poisson_groups[g];
        if (grp.source != npos || grp.rate_max.empty() ||
            !std::is_sorted(grp.channel_target.begin(), grp.channel_target.end())) {
            continue;
        }
        const double min_rate = *std::min_element(grp.rate_max.begin(), grp.rate_max.end());
        dense_[g] = min_rate * net_.dt * 1e-3 >= 0.5 ? 1 : 0;
        const double max_rate = *std::max_element(grp.rate_max.begin(), grp.rate_max.end());
        const double lambda = max_rate * net_.dt * 1e-3;
        if (dense_[g] && min_rate == max_rate && lambda <= poisson_inversion_max) {
            // P(K <= k) for k = 0, 1, ... until 1 - 1e-16 (the inversion stops at the end,
            // so the table's last entry stands for the far tail, probability < 1e-16)
            double p = std::exp(-lambda);
            double F = p;
            for (int k = 0; k < 200 && F < 1.0 - 1e-16; ++k) {
                cdf_[g].push_back(F);
                p *= lambda / double(k + 1);
                F += p;
            }
            cdf_[g].push_back(1.0);
        }
    }
    for (std::size_t g = 0; g < G; ++g) {
        const auto& grp = net_.poisson_groups[g];
        if (dense_[g]) {
            continue;
        }
        for (int tid = 0; tid < T_; ++tid) {
            const auto rg = in_split(grp.target, tid);
            for (std::uint32_t c = 0; c < grp.channel_target.size(); ++c) {
                if (grp.channel_target[c] >= rg.lo && grp.channel_target[c] < rg.hi &&
                    grp.rate_max[c] * net_.dt * 1e-3 >= 0.5) {
                    busy_[std::size_t(tid)][g].push_back(c);
                }
            }
        }
    }
}

// Candidate events of a channel are a Poisson process of rate rate_max (exponential gaps
// from counter block (c, m) for event m); each is accepted at its step with probability
// rate(t) / rate_max (thinning), using the block's second uniform.
step_t engine::advance_channel(std::size_t g, std::uint32_t c) {
    const auto& grp = net_.poisson_groups[g];
    const double r_max = grp.rate_max[c];
    if (!(r_max > 0.0)) {
        return grp.stop;
    }
    const auto m = next_index_[g][c];
    const double gap = poisson_rng_[g].exponential(c, m) / r_max * 1000.0;  // [ms]
    next_time_[g][c] += gap;
    // Saturated before the conversion: a tiny rate puts the next event (and its step) beyond
    // what step_t holds (rate 1e-20 Hz: ~1e23 ms), and such an event -- like any at or after
    // `stop` -- is simply never scheduled.
    const double step = std::floor(next_time_[g][c] / net_.dt);
    if (!(step < double(grp.stop))) {
        return grp.stop;
    }
    return static_cast<step_t>(step);
}

double engine::source_value(std::size_t pop, std::uint32_t j, step_t t, step_t delay) const {
    const auto& r = rt_[pop];
    if (r.hist_len == 1) {
        return net_.populations[pop]->output()[j];
    }
    const step_t s = std::max<step_t>(0, t - delay + 1);
    const auto n = net_.populations[pop]->size();
    return r.hist[std::size_t(s % step_t(r.hist_len)) * n + j];
}

void engine::record_phase(step_t t, int tid) {
    for (auto& r : recs_) {
        if (r.column == nullptr || t % r.desc->interval != 0) {
            continue;
        }
        // Each thread copies the columns of the neurons it owns, so recording never reads a
        // neuron that another thread may be updating.
        if (!r.source.empty()) {
            float* row = r.row(t);
            for (auto c = r.first[std::size_t(tid)]; c < r.first[std::size_t(tid) + 1]; ++c) {
                row[c] = static_cast<float>(*r.source[c]);
            }
            continue;
        }
        const auto& ids = r.desc->neurons;
        const auto own = split(net_.populations[r.desc->population]->size(), T_, tid);
        const auto first = std::lower_bound(ids.begin(), ids.end(), own.lo) - ids.begin();
        float* row = r.row(t);
        for (auto c = std::size_t(first); c < ids.size() && ids[c] < own.hi; ++c) {
            row[c] = static_cast<float>(r.column[ids[c]]);
        }
    }
}

void engine::input_phase(step_t t, int tid) {
    const auto P = net_.populations.size();
    // Which gathered inputs can have changed: a source's window of outputs x(t-d+1),
    // d <= max_delay, differs from last step's only if it changed since t - max_delay + 1.
    const auto& plan = plans_[std::size_t(tid)];
    for (std::size_t p = 0; p < P; ++p) {
        auto& r = rt_[p];
        const auto rg = in_split(p, tid);
        if (r.has_gather && plan.gather_dirty[p]) {
            std::fill(r.gather.begin() + rg.lo, r.gather.begin() + rg.hi, 0.0);
        }
    }
    for (const auto& gp : net_.gather_projections) {
        auto& r = rt_[gp.target];
        if (!plan.gather_dirty[gp.target]) {
            continue;
        }
        const auto rg = in_split(gp.target, tid);
        for (index_t i = rg.lo; i < rg.hi; ++i) {
            double sum = 0.0;
            for (auto s = gp.row_ptr[i]; s < gp.row_ptr[i + 1]; ++s) {
                const auto& syn = gp.synapses[s];
                sum += syn.weight * source_value(gp.source, syn.source, t, syn.delay_steps);
            }
            r.gather[i] += sum;
        }
    }
    for (std::size_t k = 0; k < net_.spike_projections.size(); ++k) {
        const auto& sp = net_.spike_projections[k];
        if (!sp.rate_coupled) {
            continue;
        }
        auto& c = coupled_[k];
        auto& r = rt_[sp.target];
        const auto rg = in_split(sp.target, tid);
        double* arriving = ring_plane(c.ring, c.n_slots, sp.target, t);
        for (index_t i = rg.lo; i < rg.hi; ++i) {
            // y(t) = y(t - 1) e^{-dt/tau} + spikes of step t - d, scaled by 1000/tau
            c.sum[i] = c.sum[i] * sp.rate_decay + arriving[i];
            arriving[i] = 0.0;
            r.gather[i] += c.sum[i];
        }
    }
    for (std::size_t p = 0; p < P; ++p) {
        auto& r = rt_[p];
        if (!r.has_stimuli) {
            continue;
        }
        const auto rg = in_split(p, tid);
        for (index_t i = rg.lo; i < rg.hi; ++i) {
            r.cont[i] = r.has_gather ? r.gather[i] : 0.0;
        }
    }
    for (const auto& st : net_.stimuli) {
        if (t < st.start || t >= st.stop) {
            continue;
        }
        auto& r = rt_[st.target];
        const auto rg = in_split(st.target, tid);
        auto k = std::size_t(std::lower_bound(st.neurons.begin(), st.neurons.end(), rg.lo) -
                             st.neurons.begin());
        for (; k < st.neurons.size() && st.neurons[k] < rg.hi; ++k) {
            r.cont[st.neurons[k]] += st.value(k, t, net_.dt);
        }
    }
    // Poisson events of step t into this step's ring slot, channel by channel in ascending
    // order, all of a channel's events of this step together.
    for (std::size_t g = 0; g < net_.poisson_groups.size(); ++g) {
        const auto& grp = net_.poisson_groups[g];
        auto& wheel = wheels_[std::size_t(tid)][g];
        auto& r = rt_[grp.target];
        double* ex = ring_plane(r.ring_ex, r.n_slots, grp.target, t);
        double* in = ring_plane(r.ring_in, r.n_slots, grp.target, t);
        if (dense_[g]) {
            // Many events per step: one Poisson count per channel and step is cheaper than
            // one calendar entry per event (the count is drawn from block (c, t)).
            if (t < grp.start || t >= grp.stop) {
                continue;
            }
            const auto rg = in_split(grp.target, tid);
            const auto& tg = grp.channel_target;
            const auto& cdf = cdf_[g];
            auto c = std::size_t(std::lower_bound(tg.begin(), tg.end(), rg.lo) - tg.begin());
            for (; c < tg.size() && tg[c] < rg.hi; ++c) {
                std::uint64_t k = 0;
                if (!cdf.empty()) {
                    // one rate for the whole group: invert its tabulated CDF
                    const double u = poisson_rng_[g].uniform2(c, std::uint64_t(t) << 8)[0];
                    while (k + 1 < cdf.size() && u > cdf[k]) {
                        ++k;
                    }
                } else {
                    const double lambda = grp.rate_max[c] * net_.dt * 1e-3;
                    k = poisson_count(poisson_rng_[g], c, std::uint64_t(t), lambda);
                }
                if (k > 0) {
                    const double J = grp.jump[c];
                    (J >= 0.0 ? ex : in)[tg[c]] += J * double(k);
                }
            }
            continue;
        }
        if (t >= grp.start && t < grp.stop) {
            for (const auto c : busy_[std::size_t(tid)][g]) {
                // the thinned rate is min(rate, rate_max): see advance_channel
                double rate = grp.rate_max[c];
                if (grp.source != npos) {
                    rate = std::clamp(source_value(grp.source, grp.channel_source[c], t,
                                                   grp.channel_delay[c]),
                                      0.0, rate);
                }
                const auto k = poisson_count(poisson_rng_[g], c, std::uint64_t(t),
                                             rate * net_.dt * 1e-3);
                if (k > 0) {
                    const double J = grp.jump[c];
                    (J >= 0.0 ? ex : in)[grp.channel_target[c]] += J * double(k);
                }
            }
        }
        auto& due = wheel.take(t);
        for (const auto c : due) {
            step_t next = t;
            // Every event at or before t is taken here, so the channel's next one is pushed
            // into a later bucket, never into `due` (which a push could reallocate).
            while (next <= t) {
                bool accept = true;
                if (grp.source != npos) {
                    const double rate = source_value(grp.source, grp.channel_source[c], t,
                                                     grp.channel_delay[c]);
                    const double u = poisson_rng_[g].uniform2(c, next_index_[g][c])[1];
                    accept = u * grp.rate_max[c] < rate;
                }
                if (accept) {
                    const double J = grp.jump[c];
                    (J >= 0.0 ? ex : in)[grp.channel_target[c]] += J;
                }
                ++next_index_[g][c];
                next = advance_channel(g, c);
            }
            if (next < grp.stop) {
                wheel.push(t, next, c);
            }
        }
        due.clear();
    }
}

void engine::update_phase(step_t t, int tid) {
    const auto P = net_.populations.size();
    const auto T = std::size_t(tid);
    for (std::size_t p = 0; p < P; ++p) {
        auto& pop = *net_.populations[p];
        auto& r = rt_[p];
        const auto n = pop.size();
        const auto rg = split(n, T_, tid);
        auto& out = out_[out_slot(t)][T];
        auto& st = out.status[p];
        st = update_status{};
        auto& spikes = out.spikes[p];
        spikes.clear();
        if (pop.kind() != model_kind::spiking && pop.info().stateless &&
            !plans_[T].input_changed[p]) {
            continue;  // same input, no memory: same output
        }
        step_inputs in;
        in.cont = r.cont_ptr;
        in.has_cont = r.cont_ptr != zeros_.data();
        in.consume = pop.kind() == model_kind::spiking;
        double* ex = nullptr;
        double* inh = nullptr;
        const auto in_rg = in_split(p, tid);
        if (pop.kind() == model_kind::spiking) {
            ex = ring_plane(r.ring_ex, r.n_slots, p, t);
            inh = ring_plane(r.ring_in, r.n_slots, p, t);
            in.ex = ex;
            in.in = inh;
        } else {
            in.ex = zeros_.data();
            in.in = zeros_.data();
        }
        pop.update(t, rg.lo, rg.hi, in, st);
        if (pop.kind() == model_kind::spiking) {
            if (!pop.clears_inputs()) {  // the reader clears its slot
                std::fill(ex + in_rg.lo, ex + in_rg.hi, 0.0);
                std::fill(inh + in_rg.lo, inh + in_rg.hi, 0.0);
            }
            const std::uint8_t* sp = pop.spiked().data();
            if (r.needs_rate) {
                double* rate = pop.rate().data();
                const double decay = r.rate_decay, gain = r.rate_gain;
                for (index_t i = rg.lo; i < rg.hi; ++i) {
                    rate[i] = rate[i] * decay + double(sp[i]) * gain;  // [Hz]
                }
            }
            collect_spikes(sp, rg.lo, rg.hi, spikes);
            // Spike times within the step (models with precise times) of recorded spikes:
            // the next update overwrites them while the single phase may still write this step's.
            auto& offsets = out.offsets[p];
            offsets.clear();
            const auto step_offsets = pop.spike_offsets();
            if (spike_handles_[p] >= 0 && !step_offsets.empty()) {
                for (const auto j : spikes) {
                    offsets.push_back(step_offsets[j]);
                }
            }
        }
        if (r.hist_len > 1) {
            const auto slot = std::size_t((t + 1) % step_t(r.hist_len));
            std::copy(pop.output() + rg.lo, pop.output() + rg.hi, r.hist.begin() + slot * n + rg.lo);
        }
    }
}

void engine::deliver_phase(step_t t, int tid) {
    const auto& out = out_[out_slot(t)];
    auto& counts = totals_[std::size_t(tid)].spikes;
    for (std::size_t p = 0; p < rt_.size(); ++p) {
        counts[p] += out[std::size_t(tid)].spikes[p].size();
    }
    std::uint64_t events = 0;  // counted in a register, added to the thread's total at the end
    for (std::size_t pk = 0; pk < net_.spike_projections.size(); ++pk) {
        const auto& sp = net_.spike_projections[pk];
        auto& r = rt_[sp.target];
        const auto n = ring_stride(sp.target);
        const auto rg = in_split(sp.target, tid);
        if (rg.lo == rg.hi) {
            continue;
        }
        auto& cp = coupled_[pk];
        // rate-coupled projections fill their own ring (both signs in one sum)
        double* const ring_ex = sp.rate_coupled ? cp.ring.data() : r.ring_ex.data();
        double* const ring_in = sp.rate_coupled ? cp.ring.data() : r.ring_in.data();
        const auto slots = step_t(sp.rate_coupled ? cp.n_slots : r.n_slots);
        const step_t n_steps = net_.n_steps;
        const step_t now = t % slots;
        const auto mask = sp.target_mask;
        const auto P = std::size_t(sp.parts);
        // Sub-rows are ordered by (delay, target): the ring slot changes only between delay
        // segments, and within one the targets ascend through one slot's plane.
        const auto deliver_range = [&](std::uint64_t first, std::uint64_t last, bool filter) {
            step_t d_prev = -1;
            double* ex = nullptr;
            double* in = nullptr;
            for (auto k = first; k < last; ++k) {
                const auto& s = sp.synapses[k];
                const index_t i = s.target & mask;
                if (filter && (i < rg.lo || i >= rg.hi)) {
                    continue;
                }
                ++events;
                const step_t d = sp.delay_of(k);
                if (t + d >= n_steps) {
                    continue;  // arrives after the run: never read, not stored (see pop_rt)
                }
                if (d != d_prev) {
                    step_t slot = now + d;
                    slot -= slot >= slots ? slots : 0;
                    ex = ring_ex + std::size_t(slot) * n;
                    in = ring_in + std::size_t(slot) * n;
                    d_prev = d;
                }
                if (s.weight >= 0.0f) {
                    ex[i] += s.weight;
                } else {
                    in[i] += s.weight;
                }
            }
        };
        auto& sources = totals_[std::size_t(tid)].sources;  // the step's spikes, ascending
        sources.clear();
        for (int th = 0; th < T_; ++th) {
            const auto& list = out[std::size_t(th)].spikes[sp.source];
            sources.insert(sources.end(), list.begin(), list.end());
        }
        if (sp.parts != T_) {
            for (const auto j : sources) {
                for (std::size_t q = 0; q < P; ++q) {
                    deliver_range(sp.row_ptr[j * P + q], sp.row_ptr[j * P + q + 1], true);
                }
            }
            continue;
        }
        // Rows of successive spikes are far apart in memory, and each costs two dependent
        // misses (its bounds, then its synapses), which one spike's delivery cannot hide. So
        // the spikes go in blocks: first the bounds of the whole block are requested, then the
        // first lines of each sub-row, then the block is delivered -- all of a block's misses
        // are in flight together. (Delivery of CUBA at 64,000 neurons: 26 -> 15 us per step on
        // one thread, 16.5 -> 7.6 on each of two; a prefetch one spike ahead hid little.)
        constexpr std::size_t block = 64;     // spikes (<= 64 x 8 lines = 32 KiB fetched ahead)
        constexpr std::uint64_t lines = 8;    // first lines of each sub-row (8 synapses each)
        const auto sub_row = [&](std::size_t k) {
            return std::size_t(sources[k]) * P + std::size_t(tid);
        };
        for (std::size_t b0 = 0; b0 < sources.size(); b0 += block) {
            const std::size_t b1 = std::min(sources.size(), b0 + block);
            for (std::size_t k = b0; k < b1; ++k) {
                __builtin_prefetch(&sp.row_ptr[sub_row(k)]);
            }
            for (std::size_t k = b0; k < b1; ++k) {
                const auto first = sp.row_ptr[sub_row(k)];
                const auto last = std::min(sp.row_ptr[sub_row(k) + 1], first + lines * 8);
                for (auto syn = first; syn < last; syn += 8) {
                    __builtin_prefetch(sp.synapses.data() + syn);
                }
            }
            for (std::size_t k = b0; k < b1; ++k) {
                // SAFETY: sub-row (j, tid) holds exactly this thread's targets.
                deliver_range(sp.row_ptr[sub_row(k)], sp.row_ptr[sub_row(k) + 1], false);
            }
        }
    }
    totals_[std::size_t(tid)].events += events;
}

void engine::single_phase(step_t t) {
    const auto P = net_.populations.size();
    const auto& out = out_[out_slot(t)];
    const double t_spike = double(t + 1) * net_.dt;  // spikes are stamped at the step's end
    for (std::size_t p = 0; p < P; ++p) {
        auto& pop = *net_.populations[p];
        for (int th = 0; th < T_; ++th) {
            const auto& st = out[std::size_t(th)].status[p];
            if (st.fault && fault_.empty()) {
                fault_ = fmt::format("{} in {} of neuron {} of '{}' at t = {} ms",
                                     std::isnan(st.value) ? "NaN" : "non-finite value",
                                     st.variable, st.neuron, pop.name(),
                                     double(t + 1) * net_.dt);
            }
        }
        if (spike_handles_[p] >= 0) {
            spike_times_buf_.clear();
            spike_ids_buf_.clear();
            const auto* rec = spike_rec_[p];
            const double t_start = double(t) * net_.dt;
            const bool precise = pop.info().precise_spike_times;
            for (int th = 0; th < T_; ++th) {
                const auto& spikes = out[std::size_t(th)].spikes[p];
                const auto& offsets = out[std::size_t(th)].offsets[p];
                for (std::size_t k = 0; k < spikes.size(); ++k) {
                    const auto j = spikes[k];
                    if (rec->selected.empty() || rec->selected[j]) {
                        spike_times_buf_.push_back(precise ? t_start + offsets[k] : t_spike);
                        spike_ids_buf_.push_back(j);
                    }
                }
            }
            if (precise && spike_ids_buf_.size() > 1) {
                sort_by_time(spike_times_buf_, spike_ids_buf_);  // keeps `sorting = by_time` true
            }
            if (!spike_ids_buf_.empty()) {
                sink_->append_spikes(spike_handles_[p], spike_times_buf_.data(),
                                     spike_ids_buf_.data(), spike_ids_buf_.size());
            }
        }
    }
    for (auto& r : recs_) {
        if (r.column == nullptr || t % r.desc->interval != 0) {
            continue;
        }
        const auto f = std::size_t(t / r.desc->interval);
        if (f % r.frames_per_chunk == r.frames_per_chunk - 1 && sink_ != nullptr) {
            sink_->append_frames(r.handle, r.row(t) - (r.frames_per_chunk - 1) * r.width,
                                 r.frames_per_chunk);
        }
    }
    steps_done_ = t + 1;
    if (!fault_.empty() || (ctl_.interrupt != nullptr && ctl_.interrupt->load())) {
        stop_[parity(t)] = true;
    }
    if (ctl_.progress) {
        const auto now = std::chrono::steady_clock::now();
        if (now - last_progress_ > std::chrono::milliseconds(250)) {
            last_progress_ = now;
            ctl_.progress(steps_done_, std::chrono::duration<double>(now - t0_).count());
        }
    }
}

// Inputs of step t + 1: gathered sums are recomputed only where a source changed within the
// projection's delay window; stateless targets with unchanged input are skipped. Every thread
// computes this from the statuses of all threads, so nothing here is written by one thread
// and read by another.
void engine::plan_next(step_t t, int tid) {
    auto& pl = plans_[std::size_t(tid)];
    const auto& out = out_[out_slot(t)];
    const auto P = net_.populations.size();
    for (std::size_t p = 0; p < P; ++p) {
        bool changed = net_.populations[p]->kind() == model_kind::spiking;
        for (int th = 0; th < T_; ++th) {
            changed = changed || out[std::size_t(th)].status[p].output_changed;
        }
        if (changed) {
            pl.last_change[p] = t + 1;
        }
        pl.gather_dirty[p] = rt_[p].has_coupled ? 1 : 0;  // decaying sums change every step
        pl.input_changed[p] = rt_[p].has_stimuli || rt_[p].has_coupled ? 1 : 0;
    }
    for (const auto& gp : net_.gather_projections) {
        if (pl.last_change[gp.source] >= t + 1 - gp.max_delay + 1) {
            pl.gather_dirty[gp.target] = 1;
            pl.input_changed[gp.target] = 1;
        }
    }
    // The next input phase needs a barrier before the update only if a population that it
    // reads directly will be updated (a skipped stateless population keeps its output).
    pl.input_reads_others = false;
    for (const auto p : direct_) {
        const auto& pop = *net_.populations[p];
        pl.input_reads_others = pl.input_reads_others || pop.kind() == model_kind::spiking ||
                                !pop.info().stateless || pl.input_changed[p] != 0;
    }
}

void engine::thread_main(int tid) {
    // Each thread draws the first event of the Poisson channels whose targets it owns.
    for (std::size_t g = 0; g < net_.poisson_groups.size(); ++g) {
        const auto& grp = net_.poisson_groups[g];
        if (dense_[g]) {
            continue;
        }
        const auto rg = in_split(grp.target, tid);
        const auto& busy = busy_[std::size_t(tid)][g];
        for (std::uint32_t c = 0; c < grp.channel_target.size(); ++c) {
            if (grp.channel_target[c] >= rg.lo && grp.channel_target[c] < rg.hi &&
                !std::binary_search(busy.begin(), busy.end(), c)) {
                next_time_[g][c] = double(grp.start) * net_.dt;
                const step_t first = advance_channel(g, c);
                if (first < grp.stop) {
                    wheels_[std::size_t(tid)][g].push(0, first, c);
                }
            }
        }
    }
    spin_barrier::waiter sense;
    barrier(sense);
    for (step_t t0 = 0; t0 < net_.n_steps; t0 += interval_) {
        const step_t t1 = std::min(net_.n_steps, t0 + interval_);
        for (step_t t = t0; t < t1; ++t) {
            record_phase(t, tid);
            input_phase(t, tid);
            // The input phase reads other threads' neurons only through rate projections and
            // rate-driven Poisson channels (the outputs of the last step, which update
            // overwrites; such networks have one-step intervals).
            if (plans_[std::size_t(tid)].input_reads_others) {
                barrier(sense);
            }
            update_phase(t, tid);
        }
        barrier(sense);
        // Set by the single phases of the last interval before this barrier; the next ones
        // set the other flag, so every thread reads the same value here. (A stopped run has
        // updated one interval more than it reports: it is neither delivered nor recorded.)
        if (stop_[1 - parity(t0)]) {
            break;
        }
        for (step_t t = t0; t < t1; ++t) {
            plan_next(t, tid);
            deliver_phase(t, tid);
        }
        step_t mine = t0;
        if (single_next_.load(std::memory_order_relaxed) == t0 &&
            single_next_.compare_exchange_strong(mine, t1, std::memory_order_relaxed)) {
            try {
                for (step_t t = t0; t < t1; ++t) {
                    single_phase(t);
                }
            } catch (...) {
                error_ = std::current_exception();
                stop_[parity(t0)] = true;
            }
        }
    }
}

// A team barrier; nothing to wait for with one thread.
void engine::barrier(spin_barrier::waiter& w) {
    if (T_ > 1) {
        barrier_.wait(w);
    }
}

run_result engine::run() {
    t0_ = std::chrono::steady_clock::now();
    last_progress_ = t0_;
    setup();
    // NOTE: the phases do not throw (faults are noted in update_status, sink errors are
    // caught in the single phase); only a failed allocation could escape, which terminates.
    if (T_ == 1) {
        thread_main(0);
    } else {
        // Every thread owns fixed ranges, so the team must have exactly T_ threads.
        omp_set_dynamic(0);
        #pragma omp parallel num_threads(T_)
        {
            if (omp_get_num_threads() == T_) {
                thread_main(omp_get_thread_num());
            } else {
                #pragma omp single
                error_ = std::make_exception_ptr(internal_error(fmt::format(
                    "the OpenMP runtime gave {} threads instead of {} (OMP_THREAD_LIMIT?)",
                    omp_get_num_threads(), T_)));
            }
        }
    }
    if (error_) {
        std::rethrow_exception(error_);
    }
    // flush partial record chunks: frames of the steps done, t < steps_done_
    if (sink_ != nullptr) {
        for (auto& r : recs_) {
            if (r.column == nullptr) {
                continue;
            }
            const auto frames = std::size_t((steps_done_ + r.desc->interval - 1) / r.desc->interval);
            const auto rest = frames % r.frames_per_chunk;
            if (rest > 0) {
                sink_->append_frames(r.handle, r.row(step_t(frames - rest) * r.desc->interval), rest);
            }
        }
    }
    if (!fault_.empty()) {
        throw runtime_fault(fault_);
    }
    run_result res;
    res.steps_done = steps_done_;
    res.completed = steps_done_ == net_.n_steps;
    res.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    res.spikes.assign(rt_.size(), 0);
    for (const auto& th : totals_) {
        for (std::size_t p = 0; p < rt_.size(); ++p) {
            res.spikes[p] += th.spikes[p];
        }
        res.events_delivered += th.events;
    }
    res.sync_interval = interval_;
    for (const auto& r : rt_) {
        res.ring_bytes += (r.ring_ex.size() + r.ring_in.size() + r.hist.size()) * sizeof(double);
    }
    for (const auto& c : coupled_) {
        res.ring_bytes += c.ring.size() * sizeof(double);
    }
    return res;
}

}  // namespace

run_result run_network(network& net, output_sink* sink, const run_control& control) {
    engine e(net, sink, control);
    return e.run();
}

}  // namespace neurotwin
