// SPDX-License-Identifier: BSD-3-Clause
#include "sim/output_sink.hpp"

#include <fmt/format.h>

#include "sim/errors.hpp"

namespace neurotwin {

int memory_sink::add_spike_population(const std::string& population,
                                      const std::vector<std::uint64_t>& recorded) {
    spike_sets.push_back({population, recorded, {}, {}});
    return static_cast<int>(spike_sets.size() - 1);
}

void memory_sink::append_spikes(int handle, const double* times_ms, const std::uint64_t* ids,
                                std::size_t n) {
    auto& s = spike_sets.at(std::size_t(handle));
    s.times.insert(s.times.end(), times_ms, times_ms + n);
    s.ids.insert(s.ids.end(), ids, ids + n);
}

int memory_sink::add_report(const std::string& population, const std::string& variable,
                            const std::string& units, const std::vector<std::uint64_t>& node_ids,
                            double t_start_ms, double step_ms,
                            const std::vector<std::uint32_t>& element_ids,
                            const std::vector<std::uint64_t>& index_pointers) {
    report_data r;
    r.element_ids = element_ids;
    r.index_pointers = index_pointers;
    r.population = population;
    r.variable = variable;
    r.units = units;
    r.node_ids = node_ids;
    r.t_start = t_start_ms;
    r.step = step_ms;
    reports.push_back(std::move(r));
    return static_cast<int>(reports.size() - 1);
}

void memory_sink::append_frames(int handle, const float* data, std::size_t frames) {
    auto& r = reports.at(std::size_t(handle));
    r.data.insert(r.data.end(), data, data + frames * r.columns());
    r.frames += frames;
}

const memory_sink::spike_data& memory_sink::spikes(const std::string& population) const {
    for (const auto& s : spike_sets) {
        if (s.population == population) {
            return s;
        }
    }
    throw internal_error(fmt::format("memory_sink: no spikes of '{}'", population));
}

const memory_sink::report_data& memory_sink::report(const std::string& population,
                                                    const std::string& variable) const {
    for (const auto& r : reports) {
        if (r.population == population && r.variable == variable) {
            return r;
        }
    }
    throw internal_error(fmt::format("memory_sink: no report {}/{}", population, variable));
}

}  // namespace neurotwin
