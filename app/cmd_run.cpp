// SPDX-License-Identifier: BSD-3-Clause
// `neurotwin run`: simulate a scenario (or one point of its sweep) and write an HDF5 file.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "app/commands.hpp"
#include "app/stop_signals.hpp"
#include "models/registry.hpp"
#include "sim/errors.hpp"
#include "sim/run.hpp"
#include "sim/scenario/desc.hpp"
#include "sim/scenario/sweep.hpp"

namespace nt = neurotwin;

namespace neurotwin::cli {

namespace {

struct run_args {
    std::string scenario;
    std::string output;
    int threads = -1;
    std::uint64_t seed = 0;
    CLI::Option* seed_opt = nullptr;  // given: seed overrides the scenario's
    bool quiet = false;
    bool stats = false;
    std::string point;
};

// `run --stats`: what the network costs and how fast it ran.
void print_stats(const nt::run_summary& s) {
    const double sim_s = s.simulated_ms * 1e-3;
    fmt::print("neurons              {}\n", s.neurons);
    const auto per = [&](std::size_t bytes) {
        return s.spike_synapses > 0 ? double(bytes) / double(s.spike_synapses) : 0.0;
    };
    fmt::print("synapses             {} ({} between spiking populations: {:.2f} bytes each, "
               "+{:.2f} for the row index)\n",
               s.synapses, s.spike_synapses, per(s.spike_synapse_bytes), per(s.spike_index_bytes));
    fmt::print("threads              {} ({})\n", s.threads, s.threads_reason);
    fmt::print("synchronised every   {} step{} (the shortest spike delay, up to 64, when only "
               "spikes connect neurons)\n",
               s.sync_interval, s.sync_interval == 1 ? "" : "s");
    fmt::print("delay rings          {:.3f} MB (spike delays and rate histories, at most the "
               "run's steps)\n",
               double(s.ring_bytes) / 1e6);
    fmt::print("build time           {:.3f} s\n", s.build_seconds);
    fmt::print("simulate time        {:.3f} s for {:.1f} ms (real-time factor {:.3g}: wall / "
               "simulated)\n",
               s.wall_seconds, s.simulated_ms, sim_s > 0 ? s.wall_seconds / sim_s : 0.0);
    fmt::print("spikes               {} fired ({:.3g} Hz per neuron), {} recorded\n",
               s.spikes_fired,
               s.neurons > 0 && sim_s > 0 ? double(s.spikes_fired) / double(s.neurons) / sim_s
                                          : 0.0,
               s.spikes);
    fmt::print("synaptic events      {} delivered ({:.3g} per second of wall time)\n",
               s.events_delivered,
               s.wall_seconds > 0 ? double(s.events_delivered) / s.wall_seconds : 0.0);
    fmt::print("peak memory          {:.1f} MB\n", s.peak_rss_mb);
}

// Progress bar on stderr: simulated time, ETA, running real-time factor.
void draw_progress(nt::step_t done, nt::step_t total, double wall, double dt) {
    if (wall < 1.0 || total <= 0) {
        return;
    }
    const double frac = double(done) / double(total);
    const int width = 30;
    const int filled = static_cast<int>(frac * width);
    const double eta = frac > 0 ? wall * (1.0 - frac) / frac : 0.0;
    // real-time factor as NEST reports it: wall time per simulated time (below 1 = faster)
    const double sim_s = double(done) * dt * 1e-3;
    const double rtf = sim_s > 0 ? wall / sim_s : 0.0;
    fmt::print(stderr, "\r[{}{}] {:.1f}/{:.1f} ms  ETA {:.1f} s  RTF {:.3g}   ",
               std::string(std::size_t(filled), '#'), std::string(std::size_t(width - filled), '.'),
               double(done) * dt, double(total) * dt, eta, rtf);
    std::fflush(stderr);
}

// The scenario of `run`: the file itself, or one point of its [sweep] (--point), whose
// swept values become attributes of /neurotwin/sweep.
struct run_input {
    nt::scenario_desc desc;
    std::vector<nt::h5_attr> sweep;
    std::optional<nt::sweep_plan> plan;
    std::size_t point = 0;
};

run_input load_run_input(const std::string& file, const std::string& point) {
    run_input in;
    auto plan = nt::expand_sweep_file(file);
    if (!plan.is_sweep) {
        if (!point.empty()) {
            throw nt::input_error(nt::source_pos{}, fmt::format("--point {}: '{}' has no [sweep] "
                                                                "table", point, file));
        }
        in.desc = nt::load_scenario_file(file, nt::builtin_models());
        return in;
    }
    if (point.empty()) {
        throw nt::input_error(
            plan.where,
            fmt::format("[sweep]: this scenario is a parameter sweep of {} runs; run them all "
                        "with 'neurotwin batch {} -o OUTDIR', or one with 'neurotwin run {} "
                        "--point NAME' (e.g. --point {})",
                        plan.points.size(), file, file, plan.points.front().name));
    }
    const auto it = std::find_if(plan.points.begin(), plan.points.end(),
                                 [&](const auto& p) { return p.name == point; });
    if (it == plan.points.end()) {
        std::vector<std::string> names;
        for (const auto& p : plan.points) {
            names.push_back(p.name);
        }
        const auto best = nt::closest_match(point, names);
        throw nt::input_error(
            plan.where, fmt::format("--point: no sweep point '{}'{}", point,
                                    best.empty() ? fmt::format("; e.g. '{}'", names.front())
                                                 : fmt::format("; did you mean '{}'?", best)));
    }
    in.desc = nt::load_sweep_point(plan, *it, nt::builtin_models());
    in.sweep.push_back(nt::h5_attr::str("point", it->name));
    in.sweep.push_back(nt::h5_attr::str("mode", plan.mode));
    for (const auto& v : it->values) {
        switch (v.t) {
            case nt::sweep_value::type::integer:
                in.sweep.push_back(
                    nt::h5_attr::integer(v.key, static_cast<std::int64_t>(v.number)));
                break;
            case nt::sweep_value::type::real:
            case nt::sweep_value::type::boolean:
                in.sweep.push_back(nt::h5_attr::real(v.key, v.number));
                break;
            default: in.sweep.push_back(nt::h5_attr::str(v.key, v.text));
        }
    }
    in.point = static_cast<std::size_t>(it - plan.points.begin());
    in.plan = std::move(plan);
    return in;
}

int run(const run_args& a) {
    auto input = load_run_input(a.scenario, a.point);
    auto desc = std::move(input.desc);
    print_warnings(desc);
    nt::run_options opt;
    opt.sweep_attributes = input.sweep;
    opt.output_path = a.output.empty()
                          ? std::filesystem::path(a.scenario).stem().string() + ".h5"
                          : a.output;
    if (a.threads >= 0) {
        opt.threads = a.threads;
    }
    if (a.seed_opt->count() > 0) {
        opt.seed = a.seed;
    }
    opt.interrupt = &stop_requested();
    const bool show_progress = !a.quiet && isatty(STDERR_FILENO);
    const double dt = desc.simulation.dt_ms;
    bool drew = false;
    if (show_progress) {
        opt.progress = [dt, &drew](nt::step_t done, nt::step_t total, double wall) {
            draw_progress(done, total, wall, dt);
            drew = drew || wall >= 1.0;
        };
    }
    install_stop_handlers();
    const auto s = [&] {
        try {
            return nt::run_scenario(std::move(desc), opt);
        } catch (const nt::input_error& e) {
            if (input.plan) {  // build_network's problems at positions of the file
                throw nt::remap_sweep_error(e, *input.plan, input.plan->points[input.point]);
            }
            throw;
        }
    }();
    if (drew) {
        fmt::print(stderr, "\r{}\r", std::string(79, ' '));
    }
    if (!a.quiet) {
        fmt::print(stderr,
                   "{}simulated {:.1f} ms in {:.3f} s (real-time factor {:.3g}: wall / "
                   "simulated), {} spikes recorded{}, {} threads -> {}\n",
                   s.completed ? "" : "interrupted: ", s.simulated_ms, s.wall_seconds,
                   s.simulated_ms > 0 ? s.wall_seconds / (s.simulated_ms * 1e-3) : 0.0, s.spikes,
                   s.spikes_fired != s.spikes ? fmt::format(" (of {} fired)", s.spikes_fired) : "",
                   s.threads, s.output_path);
    }
    if (a.stats) {
        print_stats(s);
    }
    return s.completed ? nt::exit_ok : nt::exit_interrupted;
}

}  // namespace

command add_run_command(CLI::App& app) {
    auto* sub = app.add_subcommand("run", "simulate a scenario and write an HDF5 file");
    auto a = std::make_shared<run_args>();
    sub->add_option("scenario", a->scenario, "scenario file (TOML)")->required();
    sub->add_option("-o,--output", a->output, "output file (default: <scenario stem>.h5)");
    sub->add_option("--threads", a->threads,
                    "threads (0 = chosen from the work; default: from scenario)")
        ->check(CLI::NonNegativeNumber);
    a->seed_opt = sub->add_option("--seed", a->seed, "random seed (default: from scenario)");
    sub->add_flag("-q,--quiet", a->quiet, "no progress bar and no closing line");
    sub->add_flag("--stats", a->stats,
                  "print network and performance statistics (synapses, bytes per synapse, build "
                  "and simulate time, delivered events per second, peak memory) on stdout");
    sub->add_option("--point", a->point, "run one point of the scenario's [sweep] (by run name)");
    return {sub, [a] { return run(*a); }};
}

}  // namespace neurotwin::cli
