// SPDX-License-Identifier: BSD-3-Clause
// `neurotwin analyze`: statistics of the spiking, artificial and twin populations of an output
// file (ours or any SONATA spike file). Spikes are streamed in blocks, so memory grows with
// the number of neurons, not of spikes. See README, "Analysis", for every number's definition.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/result.hpp"

namespace neurotwin::analysis {

class h5_file;

struct analyze_options {
    std::optional<std::pair<double, double>> window;  // [start, stop) in ms; default: the run
    std::vector<std::string> populations;             // empty: all
    double count_window_ms = 100.0;        // spike-count windows: Fano factor, pair correlations
    double sync_bin_ms = 5.0;              // bins of Golomb's chi
    std::size_t correlation_neurons = 64;  // deterministic sample: pairs among these neurons
    // Files written before neurotwin stored which neurons' spikes it recorded (no
    // h5_file::recorded_spikes list): re-derives them (ascending) from the scenario text the
    // file keeps, for `population` of `n` neurons; nullopt when it cannot tell. Unset or
    // nullopt: all neurons count as recorded. The analysis library reads no scenarios: the
    // executable sets spikes_recorded_by_scenario (app/old_files.hpp).
    std::function<std::optional<std::vector<std::size_t>>(
        const std::string& scenario, const std::string& population, std::size_t n)>
        recorded_in_old_files;
};

// Per-population spike statistics (also what `compare` reports differences of).
struct spike_stats {
    std::string population;
    std::size_t n_neurons = 0;
    bool n_from_metadata = false;  // false: max node id + 1 (silent neurons may be missed)
    std::size_t recorded = 0;      // neurons whose spikes were recorded (the rest are NaN)
    double t0 = 0.0, t1 = 0.0;     // window [ms]
    std::uint64_t spikes = 0;      // in the window
    std::vector<double> rate_hz;   // per neuron
    std::vector<double> cv_isi;    // per neuron (NaN: fewer than 3 spikes)
    std::vector<double> fano;      // per neuron (NaN: silent)
    std::vector<double> isi_hist;  // pooled ISIs, log bins (isi_edges_ms)
    double chi = 0.0;              // Golomb's synchrony
    double corr_mean = 0.0, corr_sd = 0.0;
    std::size_t corr_pairs = 0;
};

// Edges of the pooled ISI histogram: 20 log-spaced bins per decade from 0.01 ms to 10 s
// (ISIs outside go to the first/last bin).
std::vector<double> isi_edges_ms();

// Streams the spikes of one population. `n_neurons` 0: taken from /neurotwin metadata or
// max id + 1; window from options or /neurotwin t_reached_ms, else [0, last spike].
spike_stats compute_spike_stats(const h5_file& f, const std::string& population,
                                const analyze_options& options);

// Everything `analyze` reports for one file.
result_node analyze_file(const std::string& path, const analyze_options& options);

// Human-readable summary of analyze_file's result.
std::string format_analysis(const result_node& result);

}  // namespace neurotwin::analysis
