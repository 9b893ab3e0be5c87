// SPDX-License-Identifier: BSD-3-Clause
// `neurotwin validate`: every check of a scenario (each point of a sweep), nothing run.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>

#include "app/commands.hpp"
#include "models/registry.hpp"
#include "sim/errors.hpp"
#include "sim/memory.hpp"
#include "sim/network.hpp"
#include "sim/scenario/desc.hpp"
#include "sim/scenario/sweep.hpp"

namespace nt = neurotwin;

namespace neurotwin::cli {

void print_warnings(const nt::scenario_desc& desc, std::set<std::string>* seen) {
    for (const auto& w : desc.warnings) {
        const auto line = nt::format_warning(w);
        if (seen == nullptr || seen->insert(line).second) {
            fmt::print(stderr, "{}\n", line);
        }
    }
}

namespace {

int validate(const std::string& scenario) {
    const auto plan = nt::expand_sweep_file(scenario);
    if (plan.is_sweep) {
        // Every point, with its problems at positions of the file.
        double most = 0.0;             // [bytes] the largest memory estimate of a point
        std::set<std::string> warned;  // a warning shared by the points, once
        for (const auto& p : plan.points) {
            const auto d = nt::load_sweep_point(plan, p, nt::builtin_models());
            print_warnings(d, &warned);
            try {
                (void)nt::build_network(d);
            } catch (const nt::input_error& e) {
                throw nt::remap_sweep_error(e, plan, p);
            }
            most = std::max(most, nt::estimate_memory(d).total);
        }
        fmt::print("{}: ok (a {} sweep of {} runs: {} ... {}; estimated memory up to {} "
                   "per run)\n",
                   scenario, plan.mode, plan.points.size(), plan.points.front().name,
                   plan.points.back().name, nt::format_bytes(most));
        return nt::exit_ok;
    }
    const auto desc = nt::load_scenario_file(scenario, nt::builtin_models());
    print_warnings(desc);
    (void)nt::build_network(desc);  // every check that needs the expanded network
    fmt::print("{}: ok ({} populations, {} twins, {} steps, estimated memory {})\n", scenario,
               desc.populations.size(), desc.twins.size(), desc.simulation.n_steps,
               nt::format_bytes(nt::estimate_memory(desc).total));
    return nt::exit_ok;
}

}  // namespace

command add_validate_command(CLI::App& app) {
    auto* sub = app.add_subcommand("validate", "parse and check a scenario, run nothing");
    auto scenario = std::make_shared<std::string>();
    sub->add_option("scenario", *scenario, "scenario file (TOML)")->required();
    return {sub, [scenario] { return validate(*scenario); }};
}

}  // namespace neurotwin::cli
