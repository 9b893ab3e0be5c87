// SPDX-License-Identifier: BSD-3-Clause
#include "tests/test_util.hpp"

#include <atomic>
#include <filesystem>
#include <unistd.h>

#include "sim/scenario/desc.hpp"

namespace neurotwin::test {

sim_output run_text(const std::string& toml, int threads, step_t max_sync_interval) {
    sim_output out;
    const auto desc = load_scenario_text(toml, "test.toml");
    out.net = build_network(desc);
    run_control ctl;
    ctl.threads = threads;
    ctl.max_sync_interval = max_sync_interval;
    out.result = run_network(out.net, &out.sink, ctl);
    return out;
}

std::vector<double> spike_times_of(const memory_sink::spike_data& s, std::uint64_t id) {
    std::vector<double> t;
    for (std::size_t k = 0; k < s.ids.size(); ++k) {
        if (s.ids[k] == id) {
            t.push_back(s.times[k]);
        }
    }
    return t;
}

std::vector<double> spike_counts(const memory_sink::spike_data& s, std::size_t n) {
    std::vector<double> c(n, 0.0);
    for (const auto id : s.ids) {
        c.at(id) += 1.0;
    }
    return c;
}

std::string source_path(const std::string& relative) {
    return (std::filesystem::path(NEUROTWIN_SOURCE_DIR) / relative).string();
}

std::string temp_path(const std::string& name) {
    static std::atomic<int> counter{0};
    return (std::filesystem::temp_directory_path() /
            ("neurotwin-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++) +
             "-" + name))
        .string();
}

}  // namespace neurotwin::test
