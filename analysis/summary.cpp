// SPDX-License-Identifier: BSD-3-Clause
#include "analysis/summary.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <ostream>

#include "analysis/h5_reader.hpp"
#include "analysis/stats.hpp"
#include "sim/io/sonata_names.hpp"

namespace neurotwin::analysis {

twin_comparison compare_twin(const h5_file& file, const std::string& name) {
    const double t_ms = file.attr_f64("/neurotwin", "t_reached_ms");
    twin_comparison c;
    c.name = name;
    const auto group = "/neurotwin/twins/" + name;
    const auto n = static_cast<std::size_t>(file.attr_u64(group, "size"));
    const auto art = file.attr_string(group, "artificial");
    const auto bio = file.attr_string(group, "biological_population");
    // Node ids index per-pair arrays: each is checked against the twin's size, so a damaged
    // file is an error naming the dataset, never a write past the arrays.
    const auto pair_of = [&](std::uint64_t id, const std::string& dataset, std::size_t index) {
        if (id >= n) {
            file.fail(dataset, fmt::format("node id {} at index {} is not a pair of twin '{}' "
                                           "({} pairs, {}@size)",
                                           id, index, name, n, group));
        }
        return static_cast<std::size_t>(id);
    };
    const auto time_average = [&](const std::string& pop, const std::string& var) {
        std::vector<double> avg(n, 0.0);
        const auto r = file.read_report(pop, var);
        // node k's first column (a compartment report has several per node)
        for (std::size_t k = 0; k < r.node_ids.size(); ++k) {
            const auto p =
                pair_of(r.node_ids[k],
                        sonata::mapping_path(sonata::report_group(pop, var), sonata::node_ids), k);
            const std::size_t col = static_cast<std::size_t>(r.index_pointers[k]);
            if (col >= r.index_pointers[k + 1]) {
                continue;  // a node without columns (the reader checked the pointers)
            }
            double s = 0.0;
            for (std::size_t f = 0; f < r.frames; ++f) {
                s += r.at(f, col);
            }
            avg[p] = r.frames > 0 ? s / double(r.frames) : 0.0;
        }
        return avg;
    };
    c.activation = time_average(art, "activation");
    c.preactivation = time_average(art, "preactivation");
    c.rate_hz.assign(n, 0.0);
    std::size_t index = 0;
    file.for_each_spike_block(bio, 1 << 16, [&](auto, auto ids) {
        for (const auto id : ids) {
            c.rate_hz[pair_of(id, sonata::spike_group(bio) + "/" + sonata::node_ids, index++)] +=
                1.0;
        }
    });
    for (auto& r : c.rate_hz) {
        r = t_ms > 0 ? r / (t_ms * 1e-3) : 0.0;
    }
    const bool silent =
        std::all_of(c.rate_hz.begin(), c.rate_hz.end(), [](double r) { return r == 0.0; });
    if (silent && file.exists(sonata::report_group(bio, "V_m"))) {
        c.V_m = time_average(bio, "V_m");
    }
    if (!c.V_m.empty()) {
        c.response = "V_m";
        c.spearman = spearman(c.activation, c.V_m);
    } else {
        c.spearman = spearman(c.activation, c.rate_hz);
    }
    return c;
}

std::vector<twin_comparison> compare_twins(const h5_file& file) {
    std::vector<twin_comparison> out;
    if (!file.exists("/neurotwin/twins")) {
        return out;
    }
    for (const auto& name : file.list("/neurotwin/twins")) {
        out.push_back(compare_twin(file, name));
    }
    return out;
}

run_overview overview(const std::string& path) {
    const h5_file f(path);
    run_overview o;
    o.file = path;
    o.scenario =
        std::filesystem::path(f.attr_string("/neurotwin", "scenario_file")).stem().string();
    // A sweep point is known by its run name (the stem alone is the same for every point).
    o.name = f.has_attr("/neurotwin/sweep", "point") ? f.attr_string("/neurotwin/sweep", "point")
                                                     : o.scenario;
    o.wall_time_s = f.attr_f64("/neurotwin", "wall_time_s");
    o.simulated_ms = f.attr_f64("/neurotwin", "t_reached_ms");
    o.spikes = f.attr_u64("/neurotwin", "spikes");
    o.completed = f.attr_u64("/neurotwin", "completed") != 0;
    o.twins = compare_twins(f);
    return o;
}

void print_summary_table(const std::vector<std::string>& paths, std::ostream& out) {
    std::vector<run_overview> runs;
    std::size_t width = 28;
    for (const auto& p : paths) {
        runs.push_back(overview(p));
        width = std::max(width, runs.back().name.size());
    }
    out << fmt::format("{:<{}} {:>10} {:>10} {:>12}  {}\n", "run", width, "sim [ms]", "wall [s]",
                       "spikes", "twin agreement (Spearman activation vs rate)");
    for (const auto& o : runs) {
        out << fmt::format("{:<{}} {:>10.1f} {:>10.3f} {:>12}  {}{}\n", o.name, width,
                           o.simulated_ms, o.wall_time_s, o.spikes, format_agreement(o.twins),
                           o.completed ? "" : "  (incomplete)");
    }
}

std::string format_agreement(const std::vector<twin_comparison>& twins) {
    std::string out;
    for (const auto& t : twins) {
        const std::string vs = t.response == "rate" ? "" : fmt::format(" (vs {})", t.response);
        out += (out.empty() ? "" : ", ") +
               (std::isnan(t.spearman) ? fmt::format("{} n/a", t.name)
                                       : fmt::format("{} {:.3f}{}", t.name, t.spearman, vs));
    }
    return out.empty() ? "-" : out;
}

}  // namespace neurotwin::analysis
