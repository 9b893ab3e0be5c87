// SPDX-License-Identifier: BSD-3-Clause
// The neurotwin command line. Exit codes: 0 ok, 2 bad input, 3 file/HDF5 error, 4 numerical
// fault during a run, 5 internal error (a bug), 130 interrupted (the output file is kept,
// marked completed = false).
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <unistd.h>

#include "analysis/summary.hpp"
#include "neurotwin_version.hpp"
#include "sim/errors.hpp"
#include "sim/model_api.hpp"
#include "sim/network.hpp"
#include "sim/run.hpp"
#include "sim/scenario/desc.hpp"

namespace nt = neurotwin;

namespace {

std::atomic<bool> g_interrupt{false};

extern "C" void on_sigint(int) {
    g_interrupt.store(true);
}

// The model reference of README.md ("Models"), generated from the same descriptors the
// loader validates against; a test keeps the README in step with it.
void print_models_markdown() {
    for (const auto* m : nt::all_models()) {
        fmt::print("#### `{}` ({})\n\n{}\n\n", m->name, nt::kind_name(m->kind), m->summary);
        fmt::print("| parameter | unit | default | valid | meaning |\n|---|---|---|---|---|\n");
        for (const auto& p : m->params) {
            const auto unit = nt::unit_symbol(p.dim);
            fmt::print("| `{}` | {} | {} | {} | {} |\n", p.name,
                       unit.empty() ? "-" : std::string(unit), p.default_value,
                       p.valid.describe(p.dim), p.meaning);
        }
        std::string vars;
        for (const auto& st : m->state) {
            const auto unit = nt::unit_symbol(st.dim);
            vars += fmt::format("{}`{}`{}", vars.empty() ? "" : ", ", st.name,
                                unit.empty() ? "" : fmt::format(" ({})", unit));
        }
        fmt::print("\nRecordable: {}{}.\n\n", vars,
                   m->kind == nt::model_kind::spiking ? ", spikes" : "");
    }
}

void print_models() {
    for (const auto* m : nt::all_models()) {
        fmt::print("{} ({}): {}\n", m->name, nt::kind_name(m->kind), m->summary);
        for (const auto& p : m->params) {
            const auto unit = nt::unit_symbol(p.dim);
            fmt::print("    {:<12} {:>10} {:<7} {:<36} {}\n", p.name, p.default_value,
                       unit.empty() ? "-" : std::string(unit), p.valid.describe(p.dim), p.meaning);
        }
        std::string vars;
        for (const auto& s : m->state) {
            vars += (vars.empty() ? "" : ", ") + s.name +
                    (nt::unit_symbol(s.dim).empty() ? ""
                                                    : fmt::format(" [{}]", nt::unit_symbol(s.dim)));
        }
        fmt::print("    recordable: {}{}\n\n", vars,
                   m->kind == nt::model_kind::spiking ? ", spikes" : "");
    }
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
    const double rtf = wall > 0 ? double(done) * dt / (wall * 1000.0) : 0.0;
    fmt::print(stderr, "\r[{}{}] {:.1f}/{:.1f} ms  ETA {:.1f} s  RTF {:.3g}   ",
               std::string(std::size_t(filled), '#'), std::string(std::size_t(width - filled), '.'),
               double(done) * dt, double(total) * dt, eta, rtf);
    std::fflush(stderr);
}

int report(const std::exception& e, int code, const char* prefix = "") {
    fmt::print(stderr, "{}{}\n", prefix, e.what());
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"neurotwin - artificial neurons and their biological twins, side by side"};
    app.set_version_flag("--version", std::string(nt::version_string) + " (" + nt::git_revision + ")");
    app.require_subcommand(1);

    auto* run = app.add_subcommand("run", "simulate a scenario and write an HDF5 file");
    std::string scenario;
    std::string output;
    int threads = -1;
    std::uint64_t seed = 0;
    bool quiet = false;
    run->add_option("scenario", scenario, "scenario file (TOML)")->required();
    run->add_option("-o,--output", output, "output file (default: <scenario stem>.h5)");
    run->add_option("--threads", threads, "threads (0 = all cores; default: from scenario)")
        ->check(CLI::NonNegativeNumber);
    auto* seed_opt = run->add_option("--seed", seed, "random seed (default: from scenario)");
    run->add_flag("-q,--quiet", quiet, "no progress bar and no closing line");

    auto* validate = app.add_subcommand("validate", "parse and check a scenario, run nothing");
    std::string vscenario;
    validate->add_option("scenario", vscenario, "scenario file (TOML)")->required();

    auto* models = app.add_subcommand("models", "list every model with its parameters, units "
                                                "and defaults");
    bool markdown = false;
    models->add_flag("--markdown", markdown, "print the README's Markdown tables");

    auto* summary = app.add_subcommand("summary", "one line per output file: scenario, wall "
                                                  "time, spikes, twin agreement");
    std::vector<std::string> files;
    summary->add_option("files", files, "HDF5 outputs of neurotwin run")->required();

    CLI11_PARSE(app, argc, argv);

    try {
        if (app.got_subcommand("models")) {
            if (markdown) {
                print_models_markdown();
            } else {
                print_models();
            }
            return nt::exit_ok;
        }
        if (app.got_subcommand("validate")) {
            const auto desc = nt::load_scenario_file(vscenario);
            (void)nt::build_network(desc);  // every check that needs the expanded network
            fmt::print("{}: ok ({} populations, {} twins, {} steps)\n", vscenario,
                       desc.populations.size(), desc.twins.size(), desc.simulation.n_steps);
            return nt::exit_ok;
        }
        if (app.got_subcommand("summary")) {
            nt::analysis::print_summary_table(files, std::cout);
            return nt::exit_ok;
        }
        // run
        auto desc = nt::load_scenario_file(scenario);
        nt::run_options opt;
        opt.output_path = output.empty()
                              ? std::filesystem::path(scenario).stem().string() + ".h5"
                              : output;
        if (threads >= 0) {
            opt.threads = threads;
        }
        if (seed_opt->count() > 0) {
            opt.seed = seed;
        }
        opt.interrupt = &g_interrupt;
        const bool show_progress = !quiet && isatty(STDERR_FILENO);
        const double dt = desc.simulation.dt_ms;
        bool drew = false;
        if (show_progress) {
            opt.progress = [dt, &drew](nt::step_t done, nt::step_t total, double wall) {
                draw_progress(done, total, wall, dt);
                drew = drew || wall >= 1.0;
            };
        }
        std::signal(SIGINT, on_sigint);
        const auto s = nt::run_scenario(std::move(desc), opt);
        if (drew) {
            fmt::print(stderr, "\r{}\r", std::string(79, ' '));
        }
        if (!quiet) {
            fmt::print(stderr,
                       "{}simulated {:.1f} ms in {:.3f} s (real-time factor {:.3g}: simulated / "
                       "wall), {} spikes, {} threads -> {}\n",
                       s.completed ? "" : "interrupted: ", s.simulated_ms, s.wall_seconds,
                       s.wall_seconds > 0 ? s.simulated_ms / 1000.0 / s.wall_seconds : 0.0,
                       s.spikes, s.threads, s.output_path);
        }
        return s.completed ? nt::exit_ok : nt::exit_interrupted;
    } catch (const nt::input_error& e) {
        return report(e, nt::exit_input);
    } catch (const nt::io_error& e) {
        return report(e, nt::exit_io, "error: ");
    } catch (const nt::runtime_fault& e) {
        return report(e, nt::exit_runtime, "error: numerical fault: ");
    } catch (const nt::internal_error& e) {
        return report(e, nt::exit_internal, "internal error (please report): ");
    } catch (const std::exception& e) {
        return report(e, nt::exit_internal, "internal error (please report): ");
    }
}
