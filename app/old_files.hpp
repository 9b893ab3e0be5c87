// SPDX-License-Identifier: BSD-3-Clause
// Output files written before neurotwin stored, for each spike recorder, the neurons it
// recorded (recorded_spikes_path() in sim/io/sonata_names.hpp): the one place that re-derives
// them, from the scenario text such a file keeps. New files never come here; the network
// builder (sim/network.cpp, add_records) is the rule itself. Set as
// analysis::analyze_options::recorded_in_old_files by the executable, so that the analysis
// library needs no scenario loader.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace neurotwin {

// The neurons (ascending, below n) whose spikes a run of `scenario` recorded for `population`:
// a spikes-only [[record]]'s `neurons`; all when a record of the population's spikes also
// records variables (its `neurons` then select traces) or when no record names it (twins
// record all). nullopt when the text no longer loads (written by another version).
std::optional<std::vector<std::size_t>> spikes_recorded_by_scenario(
    const std::string& scenario, const std::string& population, std::size_t n);

}  // namespace neurotwin
