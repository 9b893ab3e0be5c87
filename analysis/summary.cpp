// SPDX-License-Identifier: BSD-3-Clause
#include "analysis/summary.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <ostream>

#include "analysis/h5_reader.hpp"
#include "analysis/stats.hpp"

namespace neurotwin::analysis {

std::vector<twin_comparison> compare_twins(const h5_file& file) {
    std::vector<twin_comparison> out;
    if (!file.exists("/neurotwin/twins")) {
        return out;
    }
    const double t_ms = file.attr_f64("/neurotwin", "t_reached_ms");
    for (const auto& name : file.list("/neurotwin/twins")) {
        twin_comparison c;
        c.name = name;
        const auto group = "/neurotwin/twins/" + name;
        const auto n = file.attr_u64(group, "size");
        const auto art = file.attr_string(group, "artificial");
        const auto bio = file.attr_string(group, "biological_population");
        const auto time_average = [&](const std::string& pop, const std::string& var) {
            std::vector<double> avg(n, 0.0);
            const auto r = file.read_report(pop, var);
            // node k's first column (a compartment report has several per node)
            for (std::size_t k = 0; k < r.node_ids.size(); ++k) {
                const std::size_t col =
                    r.index_pointers.size() > k ? std::size_t(r.index_pointers[k]) : k;
                double s = 0.0;
                for (std::size_t f = 0; f < r.frames; ++f) {
                    s += r.at(f, col);
                }
                avg[r.node_ids[k]] = r.frames > 0 ? s / double(r.frames) : 0.0;
            }
            return avg;
        };
        c.activation = time_average(art, "activation");
        c.preactivation = time_average(art, "preactivation");
        c.rate_hz.assign(n, 0.0);
        file.for_each_spike_block(bio, 1 << 16, [&](auto, auto ids) {
            for (const auto id : ids) {
                c.rate_hz[id] += 1.0;
            }
        });
        for (auto& r : c.rate_hz) {
            r = t_ms > 0 ? r / (t_ms * 1e-3) : 0.0;
        }
        const bool silent =
            std::all_of(c.rate_hz.begin(), c.rate_hz.end(), [](double r) { return r == 0.0; });
        if (silent && file.exists("/report/" + bio + "/V_m")) {
            c.V_m = time_average(bio, "V_m");
        }
        if (!c.V_m.empty()) {
            c.response = "V_m";
            c.spearman = spearman(c.activation, c.V_m);
        } else {
            c.spearman = spearman(c.activation, c.rate_hz);
        }
        out.push_back(std::move(c));
    }
    return out;
}

run_overview overview(const std::string& path) {
    const h5_file f(path);
    run_overview o;
    o.file = path;
    o.scenario = std::filesystem::path(f.attr_string("/neurotwin", "scenario_file")).stem().string();
    o.wall_time_s = f.attr_f64("/neurotwin", "wall_time_s");
    o.simulated_ms = f.attr_f64("/neurotwin", "t_reached_ms");
    o.spikes = f.attr_u64("/neurotwin", "spikes");
    o.completed = f.attr_u64("/neurotwin", "completed") != 0;
    o.twins = compare_twins(f);
    return o;
}

void print_summary_table(const std::vector<std::string>& paths, std::ostream& out) {
    out << fmt::format("{:<28} {:>10} {:>10} {:>12}  {}\n", "scenario", "sim [ms]", "wall [s]",
                       "spikes", "twin agreement (Spearman activation vs rate)");
    for (const auto& p : paths) {
        const auto o = overview(p);
        std::string twins;
        for (const auto& t : o.twins) {
            const std::string vs = t.response == "rate" ? "" : fmt::format(" (vs {})", t.response);
            twins += (twins.empty() ? "" : ", ") +
                     (std::isnan(t.spearman) ? fmt::format("{} n/a", t.name)
                                             : fmt::format("{} {:.3f}{}", t.name, t.spearman, vs));
        }
        out << fmt::format("{:<28} {:>10.1f} {:>10.3f} {:>12}  {}{}\n", o.scenario, o.simulated_ms,
                           o.wall_time_s, o.spikes, twins.empty() ? "-" : twins,
                           o.completed ? "" : "  (incomplete)");
    }
}

}  // namespace neurotwin::analysis
