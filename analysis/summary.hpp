// SPDX-License-Identifier: BSD-3-Clause
// Summaries of run outputs: what `neurotwin summary` (and `make demo`) prints.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace neurotwin::analysis {

class h5_file;

// Per-pair comparison of a twin: time-averaged artificial activation and pre-activation,
// biological firing rate (spike count / simulated time). A biological side that never fires
// (a subthreshold, e.g. dendritic-integration, twin) is compared through its time-averaged
// soma V_m instead, when recorded (of a compartment report: each pair's first compartment).
struct twin_comparison {
    std::string name;
    std::vector<double> activation;     // mean a(t) per pair
    std::vector<double> preactivation;  // mean z(t) per pair
    std::vector<double> rate_hz;        // spikes / simulated time per pair
    std::vector<double> V_m;            // mean soma V_m per pair (subthreshold twins)
    std::string response = "rate";      // what `spearman` compares with: "rate" or "V_m"
    double spearman = 0.0;              // activation vs response across pairs (NaN: undefined)
};

// One twin (the group /neurotwin/twins/<name>); `summary` and `analyze` both report this.
twin_comparison compare_twin(const h5_file& file, const std::string& name);
std::vector<twin_comparison> compare_twins(const h5_file& file);
// "tw 0.912, dend 0.800 (vs V_m)" ("-" without twins, "n/a" where undefined).
std::string format_agreement(const std::vector<twin_comparison>& twins);

struct run_overview {
    std::string file;
    std::string scenario;  // the scenario file's stem
    std::string name;      // the run name: the sweep point's, else the stem
    double wall_time_s = 0.0;
    double simulated_ms = 0.0;
    std::uint64_t spikes = 0;
    bool completed = false;
    std::vector<twin_comparison> twins;
};

run_overview overview(const std::string& path);
void print_summary_table(const std::vector<std::string>& paths, std::ostream& out);

}  // namespace neurotwin::analysis
