// SPDX-License-Identifier: BSD-3-Clause
#include "sim/recording.hpp"

#include <algorithm>
#include <string>

#include "sim/partition.hpp"
#include "sim/units.hpp"

namespace neurotwin {

namespace {

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

}  // namespace

recording::recording(const network& net, output_sink* sink, int threads, step_t interval)
    : net_(net), sink_(sink), T_(threads) {
    const auto P = net_.populations.size();
    spike_handles_.assign(P, -1);
    selected_.assign(P, {});
    for (const auto& rd : net_.records) {
        if (!rd.variable.empty()) {
            reports_.push_back(open_report(rd, interval));
            continue;
        }
        const auto& pop = *net_.populations[rd.population];
        auto& selected = selected_[rd.population];
        selected.clear();
        if (rd.neurons.size() != pop.size()) {
            selected.assign(pop.size(), 0);
            for (const auto i : rd.neurons) {
                selected[i] = 1;
            }
        }
        if (sink_ != nullptr) {
            spike_handles_[rd.population] = sink_->add_spike_population(
                pop.name(), std::vector<std::uint64_t>(rd.neurons.begin(), rd.neurons.end()));
        }
    }
}

recording::report recording::open_report(const recorder_desc_rt& rd, step_t interval) {
    report r;
    r.desc = &rd;
    const auto& pop = *net_.populations[rd.population];
    r.column = pop.column(rd.variable);
    const auto* st = pop.info().find_state(rd.variable);
    const std::string units(st != nullptr ? unit_symbol(st->dim) : "");
    const std::size_t C = rd.compartments.size();
    std::vector<std::uint32_t> element_ids;
    std::vector<std::uint64_t> index_pointers;
    if (C > 0) {
        r.first.assign(std::size_t(T_) + 1, 0);
        for (int th = 0; th < T_; ++th) {
            const auto own = owned_neurons(pop.size(), T_, th);
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
        r.frames_per_chunk, 2 * std::size_t((interval + rd.interval - 1) / rd.interval));
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
                                     double(rd.interval) * net_.dt, element_ids, index_pointers);
    }
    return r;
}

void recording::sample(step_t t, int tid) {
    for (auto& r : reports_) {
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
        const auto own = owned_neurons(net_.populations[r.desc->population]->size(), T_, tid);
        const auto first = std::lower_bound(ids.begin(), ids.end(), own.lo) - ids.begin();
        float* row = r.row(t);
        for (auto c = std::size_t(first); c < ids.size() && ids[c] < own.hi; ++c) {
            row[c] = static_cast<float>(r.column[ids[c]]);
        }
    }
}

void recording::write_spikes(std::size_t p, step_t t, std::span<const spike_list> threads) {
    spike_times_buf_.clear();
    spike_ids_buf_.clear();
    const auto& selected = selected_[p];
    const double t_start = double(t) * net_.dt;
    const double t_spike = double(t + 1) * net_.dt;  // spikes are stamped at the step's end
    const bool precise = net_.populations[p]->info().precise_spike_times;
    for (const auto& list : threads) {
        for (std::size_t k = 0; k < list.ids.size(); ++k) {
            const auto j = list.ids[k];
            if (selected.empty() || selected[j]) {
                spike_times_buf_.push_back(precise ? t_start + list.offsets[k] : t_spike);
                spike_ids_buf_.push_back(j);
            }
        }
    }
    if (precise && spike_ids_buf_.size() > 1) {
        sort_by_time(spike_times_buf_, spike_ids_buf_);  // keeps `sorting = by_time` true
    }
    if (!spike_ids_buf_.empty()) {
        sink_->append_spikes(spike_handles_[p], spike_times_buf_.data(), spike_ids_buf_.data(),
                             spike_ids_buf_.size());
    }
}

void recording::write_full_chunks(step_t t) {
    for (auto& r : reports_) {
        if (r.column == nullptr || t % r.desc->interval != 0) {
            continue;
        }
        const auto f = std::size_t(t / r.desc->interval);
        if (f % r.frames_per_chunk == r.frames_per_chunk - 1 && sink_ != nullptr) {
            sink_->append_frames(r.handle, r.row(t) - (r.frames_per_chunk - 1) * r.width,
                                 r.frames_per_chunk);
        }
    }
}

void recording::flush(step_t steps_done) {
    if (sink_ == nullptr) {
        return;
    }
    for (auto& r : reports_) {
        if (r.column == nullptr) {
            continue;
        }
        const auto frames = std::size_t((steps_done + r.desc->interval - 1) / r.desc->interval);
        const auto rest = frames % r.frames_per_chunk;
        if (rest > 0) {
            sink_->append_frames(r.handle, r.row(step_t(frames - rest) * r.desc->interval), rest);
        }
    }
}

}  // namespace neurotwin
