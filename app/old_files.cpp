// SPDX-License-Identifier: BSD-3-Clause
#include "app/old_files.hpp"

#include <algorithm>
#include <exception>
#include <numeric>

#include "models/registry.hpp"
#include "sim/scenario/desc.hpp"

namespace neurotwin {

std::optional<std::vector<std::size_t>> spikes_recorded_by_scenario(
    const std::string& scenario, const std::string& population, std::size_t n) {
    scenario_desc desc;
    try {
        desc = load_scenario_text(scenario, "scenario", builtin_models());
    } catch (const std::exception&) {
        return std::nullopt;
    }
    std::vector<std::size_t> all(n);
    std::iota(all.begin(), all.end(), 0);
    std::vector<char> mask(n, 0);
    bool any = false;
    for (const auto& r : desc.records) {
        if (r.population != population || !r.spikes) {
            continue;
        }
        any = true;
        if (!r.variables.empty()) {
            return all;  // beside variables, `neurons` selects traces: spikes are all recorded
        }
        switch (r.neurons.k) {
            case neuron_selection::kind::all:
                return all;
            case neuron_selection::kind::first:
                std::fill_n(mask.begin(), std::min<std::size_t>(n, r.neurons.first), 1);
                break;
            case neuron_selection::kind::list:
                for (const auto i : r.neurons.ids) {
                    if (std::size_t(i) < n) {
                        mask[std::size_t(i)] = 1;
                    }
                }
                break;
        }
    }
    if (!any) {
        return all;
    }
    std::vector<std::size_t> ids;
    for (std::size_t i = 0; i < n; ++i) {
        if (mask[i] != 0) {
            ids.push_back(i);
        }
    }
    return ids;
}

}  // namespace neurotwin
