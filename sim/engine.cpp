// SPDX-License-Identifier: BSD-3-Clause
// The time loop, as its schedule.
//
// Threads. One OpenMP parallel region per run (none for one thread): thread tid of T
// (run_control::threads) runs thread_main(tid) from the first step to the last and owns, for
// the whole run, a fixed contiguous range of the neurons of every population, with their
// input values and Poisson channels (sim/partition.hpp): it alone updates them, records them
// and writes their inputs. Only what a phase below reads from "all threads" crosses from one
// thread to another.
//
// Schedule. Steps run in intervals [t0, t1) of `interval_` steps (1, or the shortest spike
// delay: see Intervals). Step t advances time t*dt -> (t+1)*dt. One interval:
//
//   for t in [t0, t1), each thread on its own neurons:
//     record   recording::sample: recorded values (state at time t*dt) -> the rows of the
//              chunk buffer of step t.                          reads state; writes chunks
//     input    input_phase: gathered rate projections (the sources' outputs at t - d + 1,
//              from their histories or, undelayed, from output()), rate-coupled sums and
//              stimuli -> continuous input; Poisson events of step t -> ring slot t
//              (sim/poisson.hpp).       reads: sources' outputs of all threads, the plan;
//                                      writes: continuous input, ring slot t, Poisson state
//     --- barrier, only when the input read an output() that this step's update overwrites
//         (step_plan::input_reads_others; such networks have one-step intervals) ---
//     update   update_phase: models advance t -> t+1 (reading ring slot t, which is then
//              cleared, and the continuous input); rate estimates, output history slot t + 1,
//              the step's spike list and update status.  writes: state, out_[out_slot(t)][tid]
//   --- barrier: the one of every interval (spin_barrier, sim/barrier.hpp) ---
//   each thread: stop if the single phases of the previous interval said so
//   for t in [t0, t1), each thread:
//     plan     plan_next: which inputs of step t + 1 can have changed, from the update
//              statuses of all threads; every thread computes the same plan into its own copy.
//     deliver  deliver_phase: the spikes of step t, of all threads in ascending source id,
//              into the rings of the targets it owns, at slot t + delay.
//   the first thread through its delivery claims the interval's single phases:
//     single   single_phase, for t in [t0, t1): faults, spikes and full record chunks to the
//              sink (sim/recording.hpp), steps done, the stop flag, progress.
//
// The next interval's record, input and update follow without a barrier: a thread delivers
// only into the neurons it owns, so it may update them while the others still deliver. What
// the others read meanwhile -- spike lists, update statuses, record chunks -- is kept twice:
// out_ by the parity of the interval (out_slot), record chunks by the parity of the chunk.
// The stop flag of an interval is set by its single phases before the barrier of the next
// interval and read by all after it (stop_, by parity). Single phases of successive intervals
// may run on different threads, but never at the same time (a barrier lies between), and
// always in step order. Before the first step, each thread draws the first events of its
// Poisson channels, then all meet at a barrier.
//
// Intervals (NEST's min-delay communication, Morrison et al. 2005): no spike of step t acts
// before step t + d_min, d_min the shortest spike delay. So the threads update d_min steps
// in a row, then meet at one barrier and deliver (and single-phase) those d_min steps in
// order: one barrier per d_min steps instead of one per step. Every ring slot still receives
// its deposits in (step, projection, source, synapse) order, and each slot is complete before
// the interval that reads it begins, so the output is bit-identical to step-by-step. Used
// (up to run_control::max_sync_interval steps) when only spikes connect neurons; gathered
// rate inputs, rate-coupled projections and rate-driven Poisson channels read outputs of the
// last step, and with them the interval is one step.
//
// Why results do not depend on the thread count:
//  - ownership: every input of a neuron is written only by the thread that owns the neuron,
//    so no value is written by two threads and no atomics on doubles are needed;
//  - order: each floating-point sum into a neuron has an order fixed by the network, not by
//    the threads. Ring deposits arrive in (step, projection, source id ascending, synapse)
//    order -- the threads' spike lists cover ascending neuron ranges and are read in thread
//    order -- then the Poisson events of the slot's own step in (group, channel) order;
//    gathered inputs in (projection, source ascending) order, stimuli in scenario order;
//  - random numbers are counter-based (sim/random.hpp), keyed on what is drawn (a channel and
//    its event or step), not on who draws it;
//  - intervals change when deposits are made, never what or in which order (above), and the
//    plan skips only work whose result is known to be unchanged (a stateless population with
//    the same input, a gathered sum whose sources' window did not change);
//  - the serial work (single phase) runs on one thread at a time, in step order.
// Which thread owns a neuron, which one runs a single phase and how the threads wait never
// enters a result.
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

#include "sim/aligned.hpp"
#include "sim/barrier.hpp"
#include "sim/errors.hpp"
#include "sim/partition.hpp"
#include "sim/poisson.hpp"
#include "sim/population_buffers.hpp"
#include "sim/recording.hpp"

namespace neurotwin {

std::uint64_t run_result::total_spikes() const {
    std::uint64_t n = 0;
    for (const auto s : spikes) {
        n += s;
    }
    return n;
}

namespace {

using clock_type = std::chrono::steady_clock;

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

// Steps between synchronisations: the shortest spike delay (at most max_sync_interval) when
// spikes are all that connects neurons, else 1 (see the top of the file).
step_t sync_interval(const network& net, step_t max_sync_interval) {
    bool spikes_only = net.gather_projections.empty();
    step_t d_min = std::max<step_t>(1, max_sync_interval);
    for (const auto& sp : net.spike_projections) {
        spikes_only = spikes_only && !sp.rate_coupled;
        if (!sp.synapses.empty()) {
            d_min = std::min(d_min, sp.min_delay);
        }
    }
    for (const auto& g : net.poisson_groups) {
        spikes_only = spikes_only && !is_rate_driven(g);
    }
    return spikes_only ? std::max<step_t>(1, d_min) : 1;
}

// What a thread's update of step t leaves for the others, kept for two intervals:
// out_[out_slot(t)][thread].
// (Aligned, as everything below that threads write per step: no line is shared.)
struct alignas(cache_line) thread_out {
    aligned_vector<aligned_vector<std::uint32_t>> spikes;  // per population, ascending
    aligned_vector<aligned_column> offsets;  // recorded spike times within the step
    aligned_vector<update_status> status;    // per population
};

// Totals over the steps delivered, per thread.
struct alignas(cache_line) thread_totals {
    aligned_vector<std::uint64_t> spikes;  // per population
    std::uint64_t events = 0;              // synaptic events delivered
    aligned_vector<std::uint32_t> sources;  // scratch: one projection's spiking sources
};

// Which inputs of the next step can have changed; every thread keeps its own copy.
struct alignas(cache_line) step_plan {
    aligned_vector<step_t> last_change;          // latest s with output(s) != output(s - 1)
    aligned_vector<std::uint8_t> gather_dirty;   // recompute gathered inputs
    aligned_vector<std::uint8_t> input_changed;  // continuous input may differ from last step
    bool input_reads_others = true;              // barrier between input and update
};

std::vector<std::vector<thread_out>> make_thread_outputs(std::size_t P, int threads,
                                                         step_t interval) {
    std::vector<std::vector<thread_out>> out(std::size_t(2 * interval));
    for (auto& o : out) {
        o.resize(std::size_t(threads));
        for (auto& th : o) {
            th.spikes.resize(P);
            th.offsets.resize(P);
            th.status.resize(P);
        }
    }
    return out;
}

std::vector<thread_totals> make_thread_totals(std::size_t P, int threads) {
    std::vector<thread_totals> totals(static_cast<std::size_t>(threads));
    for (auto& th : totals) {
        th.spikes.assign(P, 0);
    }
    return totals;
}

// Before the first plan: everything may have changed.
std::vector<step_plan> make_plans(std::size_t P, int threads, const engine_buffers& buf) {
    std::vector<step_plan> plans(static_cast<std::size_t>(threads));
    for (auto& pl : plans) {
        pl.last_change.assign(P, 0);
        pl.gather_dirty.assign(P, 1);
        pl.input_changed.assign(P, 1);
        pl.input_reads_others = !buf.direct.empty();
    }
    return plans;
}

// One run of a network: the runtime structures (built by the constructor, one member each)
// and the phases that the threads run over them.
class engine {
public:
    // Builds the runtime structures of a run; the run's wall time counts from t0.
    engine(network& net, output_sink* sink, const run_control& ctl, clock_type::time_point t0);

    run_result run();

private:
    void thread_main(int tid);
    void input_phase(step_t t, int tid);
    void update_phase(step_t t, int tid);
    void plan_next(step_t t, int tid);
    void deliver_phase(step_t t, int tid);
    void single_phase(step_t t);

    range_t own_inputs(std::size_t p, int tid) const {
        return owned_inputs(*net_.populations[p], T_, tid);
    }
    std::size_t out_slot(step_t t) const { return std::size_t(t % (2 * interval_)); }
    std::size_t parity(step_t t) const { return std::size_t(t / interval_ % 2); }

    network& net_;
    const run_control& ctl_;
    const int T_;
    const step_t interval_;  // steps between synchronisations (see the top of the file)
    engine_buffers buf_;     // rings, gathered and continuous inputs, output histories
    recording rec_;
    poisson_input poisson_;
    std::vector<std::vector<thread_out>> out_;
    std::vector<thread_totals> totals_;
    std::vector<step_plan> plans_;         // per thread
    std::vector<spike_list> spike_lists_;  // scratch of the single phase: one per thread
    // [parity(t)]: set by single_phase(t), read after the next interval's barrier
    std::array<bool, 2> stop_{};
    // The first step of the next interval whose single phases are unclaimed: the first thread
    // through its delivery takes them, so the serial work goes to whichever core is ahead.
    alignas(cache_line) std::atomic<step_t> single_next_{0};
    spin_barrier barrier_;
    step_t steps_done_ = 0;
    std::string fault_;
    std::exception_ptr error_;
    clock_type::time_point t0_, last_progress_;
};

engine::engine(network& net, output_sink* sink, const run_control& ctl,
               clock_type::time_point t0)
    : net_(net),
      ctl_(ctl),
      T_(std::max(1, ctl.threads)),
      interval_(sync_interval(net, ctl.max_sync_interval)),
      buf_(make_population_buffers(net)),
      rec_(net, sink, T_, interval_),
      poisson_(net, T_),
      out_(make_thread_outputs(net.populations.size(), T_, interval_)),
      totals_(make_thread_totals(net.populations.size(), T_)),
      plans_(make_plans(net.populations.size(), T_, buf_)),
      spike_lists_(std::size_t(T_)),
      barrier_(T_),
      t0_(t0),
      last_progress_(t0) {}

void engine::thread_main(int tid) {
    poisson_.start(tid);
    spin_barrier::waiter sense;
    barrier_.wait(sense);
    for (step_t t0 = 0; t0 < net_.n_steps; t0 += interval_) {
        const step_t t1 = std::min(net_.n_steps, t0 + interval_);
        for (step_t t = t0; t < t1; ++t) {
            rec_.sample(t, tid);
            input_phase(t, tid);
            // the input read outputs that this update overwrites (one-step intervals)
            if (plans_[std::size_t(tid)].input_reads_others) {
                barrier_.wait(sense);
            }
            update_phase(t, tid);
        }
        barrier_.wait(sense);
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

void engine::input_phase(step_t t, int tid) {
    const auto P = net_.populations.size();
    // Which gathered inputs can have changed: a source's window of outputs x(t-d+1),
    // d <= max_delay, differs from last step's only if it changed since t - max_delay + 1.
    const auto& plan = plans_[std::size_t(tid)];
    for (std::size_t p = 0; p < P; ++p) {
        auto& r = buf_.pops[p];
        const auto rg = own_inputs(p, tid);
        if (r.has_gather && plan.gather_dirty[p]) {
            std::fill(r.gather.begin() + rg.lo, r.gather.begin() + rg.hi, 0.0);
        }
    }
    for (const auto& gp : net_.gather_projections) {
        auto& r = buf_.pops[gp.target];
        if (!plan.gather_dirty[gp.target]) {
            continue;
        }
        const auto& source = buf_.pops[gp.source];
        const auto rg = own_inputs(gp.target, tid);
        for (index_t i = rg.lo; i < rg.hi; ++i) {
            double sum = 0.0;
            for (auto s = gp.row_ptr[i]; s < gp.row_ptr[i + 1]; ++s) {
                const auto& syn = gp.synapses[s];
                sum += syn.weight * source.output_at(syn.source, t, syn.delay_steps);
            }
            r.gather[i] += sum;
        }
    }
    for (std::size_t k = 0; k < net_.spike_projections.size(); ++k) {
        const auto& sp = net_.spike_projections[k];
        if (!sp.rate_coupled) {
            continue;
        }
        auto& c = buf_.coupled[k];
        auto& r = buf_.pops[sp.target];
        const auto rg = own_inputs(sp.target, tid);
        double* arriving = c.plane(t);
        for (index_t i = rg.lo; i < rg.hi; ++i) {
            // y(t) = y(t - 1) e^{-dt/tau} + spikes of step t - d, scaled by 1000/tau
            c.sum[i] = c.sum[i] * sp.rate_decay + arriving[i];
            arriving[i] = 0.0;
            r.gather[i] += c.sum[i];
        }
    }
    for (std::size_t p = 0; p < P; ++p) {
        auto& r = buf_.pops[p];
        if (!r.has_stimuli) {
            continue;
        }
        const auto rg = own_inputs(p, tid);
        for (index_t i = rg.lo; i < rg.hi; ++i) {
            r.cont[i] = r.has_gather ? r.gather[i] : 0.0;
        }
    }
    for (const auto& st : net_.stimuli) {
        if (t < st.start || t >= st.stop) {
            continue;
        }
        auto& r = buf_.pops[st.target];
        const auto rg = own_inputs(st.target, tid);
        auto k = std::size_t(std::lower_bound(st.neurons.begin(), st.neurons.end(), rg.lo) -
                             st.neurons.begin());
        for (; k < st.neurons.size() && st.neurons[k] < rg.hi; ++k) {
            r.cont[st.neurons[k]] += st.value(k, t, net_.dt);
        }
    }
    // Poisson events of step t into this step's ring slot, group by group.
    for (std::size_t g = 0; g < net_.poisson_groups.size(); ++g) {
        const auto& grp = net_.poisson_groups[g];
        auto& r = buf_.pops[grp.target];
        poisson_.deposit(g, t, tid, r.plane(r.ring_ex, t), r.plane(r.ring_in, t),
                         is_rate_driven(grp) ? &buf_.pops[grp.source] : nullptr);
    }
}

void engine::update_phase(step_t t, int tid) {
    const auto P = net_.populations.size();
    const auto T = std::size_t(tid);
    for (std::size_t p = 0; p < P; ++p) {
        auto& pop = *net_.populations[p];
        auto& r = buf_.pops[p];
        const auto n = pop.size();
        const auto rg = owned_neurons(n, T_, tid);
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
        in.has_cont = r.cont_ptr != buf_.zeros.data();
        in.consume = pop.kind() == model_kind::spiking;
        double* ex = nullptr;
        double* inh = nullptr;
        const auto in_rg = own_inputs(p, tid);
        if (pop.kind() == model_kind::spiking) {
            ex = r.plane(r.ring_ex, t);
            inh = r.plane(r.ring_in, t);
            in.ex = ex;
            in.in = inh;
        } else {
            in.ex = buf_.zeros.data();
            in.in = buf_.zeros.data();
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
            if (rec_.writes_spikes(p) && !step_offsets.empty()) {
                for (const auto j : spikes) {
                    offsets.push_back(step_offsets[j]);
                }
            }
        }
        r.store_output(t, rg.lo, rg.hi);
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
        const auto& r = buf_.pops[p];
        pl.gather_dirty[p] = r.has_coupled ? 1 : 0;  // decaying sums change every step
        pl.input_changed[p] = r.has_stimuli || r.has_coupled ? 1 : 0;
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
    for (const auto p : buf_.direct) {
        const auto& pop = *net_.populations[p];
        pl.input_reads_others = pl.input_reads_others || pop.kind() == model_kind::spiking ||
                                !pop.info().stateless || pl.input_changed[p] != 0;
    }
}
void engine::deliver_phase(step_t t, int tid) {
    const auto& out = out_[out_slot(t)];
    auto& counts = totals_[std::size_t(tid)].spikes;
    for (std::size_t p = 0; p < counts.size(); ++p) {
        counts[p] += out[std::size_t(tid)].spikes[p].size();
    }
    std::uint64_t events = 0;  // counted in a register, added to the thread's total at the end
    for (std::size_t pk = 0; pk < net_.spike_projections.size(); ++pk) {
        const auto& sp = net_.spike_projections[pk];
        auto& r = buf_.pops[sp.target];
        const auto n = r.stride;
        const auto rg = own_inputs(sp.target, tid);
        if (rg.lo == rg.hi) {
            continue;
        }
        auto& cp = buf_.coupled[pk];
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
                    continue;  // arrives after the run: never read, not stored (population_buffers)
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
    for (std::size_t p = 0; p < P; ++p) {
        for (int th = 0; th < T_; ++th) {
            const auto& st = out[std::size_t(th)].status[p];
            if (st.fault && fault_.empty()) {
                fault_ = fmt::format("{} in {} of neuron {} of '{}' at t = {} ms",
                                     std::isnan(st.value) ? "NaN" : "non-finite value",
                                     st.variable, st.neuron, net_.populations[p]->name(),
                                     double(t + 1) * net_.dt);
            }
        }
        if (rec_.writes_spikes(p)) {
            for (int th = 0; th < T_; ++th) {
                spike_lists_[std::size_t(th)] = {out[std::size_t(th)].spikes[p],
                                                 out[std::size_t(th)].offsets[p]};
            }
            rec_.write_spikes(p, t, spike_lists_);
        }
    }
    rec_.write_full_chunks(t);
    steps_done_ = t + 1;
    if (!fault_.empty() || (ctl_.interrupt != nullptr && ctl_.interrupt->load())) {
        stop_[parity(t)] = true;
    }
    if (ctl_.progress) {
        const auto now = clock_type::now();
        if (now - last_progress_ > std::chrono::milliseconds(250)) {
            last_progress_ = now;
            ctl_.progress(steps_done_, std::chrono::duration<double>(now - t0_).count());
        }
    }
}

run_result engine::run() {
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
    rec_.flush(steps_done_);
    if (!fault_.empty()) {
        throw runtime_fault(fault_);
    }
    run_result res;
    res.steps_done = steps_done_;
    res.completed = steps_done_ == net_.n_steps;
    res.wall_seconds = std::chrono::duration<double>(clock_type::now() - t0_).count();
    res.spikes.assign(net_.populations.size(), 0);
    for (const auto& th : totals_) {
        for (std::size_t p = 0; p < res.spikes.size(); ++p) {
            res.spikes[p] += th.spikes[p];
        }
        res.events_delivered += th.events;
    }
    res.sync_interval = interval_;
    res.ring_bytes = buf_.ring_bytes();
    return res;
}

}  // namespace

run_result run_network(network& net, output_sink* sink, const run_control& control) {
    const auto t0 = clock_type::now();  // the wall time includes building the run's structures
    engine e(net, sink, control, t0);
    return e.run();
}

}  // namespace neurotwin
