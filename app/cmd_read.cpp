// SPDX-License-Identifier: BSD-3-Clause
// The commands that read output files: summary, analyze, export-sonata and compare (the
// work is done by analysis/; these print its results).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fmt/format.h>
#include <iostream>
#include <memory>

#include "analysis/analyze.hpp"
#include "analysis/batch_table.hpp"
#include "analysis/compare.hpp"
#include "analysis/h5_output.hpp"
#include "analysis/summary.hpp"
#include "app/commands.hpp"
#include "app/old_files.hpp"
#include "sim/errors.hpp"

namespace nt = neurotwin;

namespace neurotwin::cli {

namespace {

struct analyze_args {
    std::vector<std::string> files;
    bool as_json = false;
    std::vector<std::string> populations;
    std::string window;
    nt::analysis::analyze_options opt;
};

// "a:b" (ms) for --window.
std::pair<double, double> parse_window(const std::string& w) {
    const auto colon = w.find(':');
    try {
        if (colon != std::string::npos) {
            std::size_t ea = 0, eb = 0;
            const double a = std::stod(w.substr(0, colon), &ea);
            const double b = std::stod(w.substr(colon + 1), &eb);
            if (ea == colon && eb == w.size() - colon - 1 && b > a) {
                return {a, b};
            }
        }
    } catch (const std::exception&) {
    }
    throw nt::input_error(nt::source_pos{},
                          fmt::format("--window: expected START:STOP in ms with START < STOP, "
                                      "found '{}'", w));
}

// Each file in turn: a batch.json becomes a table of its runs, an HDF5 file its statistics
// (written to /analysis in it, or printed as JSON with --json: an array for several files).
int analyze(analyze_args& a) {
    if (!a.window.empty()) {
        a.opt.window = parse_window(a.window);
    }
    a.opt.populations = a.populations;
    const auto& files = a.files;
    if (a.as_json) {
        std::cout << (files.size() > 1 ? "[\n" : "");
    }
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (files[i].ends_with(".json")) {
            // A batch: every run analysed, one row per sweep point.
            const auto t = nt::analysis::analyze_batch(files[i], a.opt, !a.as_json);
            if (a.as_json) {
                nt::analysis::write_json(t, std::cout, files.size() > 1 ? 2 : 0);
                std::cout << (i + 1 < files.size() ? ",\n" : "\n");
            } else {
                std::cout << files[i] << "\n" << nt::analysis::format_batch_table(t);
            }
            continue;
        }
        const auto r = nt::analysis::analyze_file(files[i], a.opt);
        if (r.number("completed") == 0) {  // a run file that did not finish
            fmt::print(stderr, "warning: {}: {}\n", files[i], r.text("note"));
        }
        if (a.as_json) {
            nt::analysis::write_json(r, std::cout, files.size() > 1 ? 2 : 0);
            std::cout << (i + 1 < files.size() ? ",\n" : "\n");
        } else {
            nt::analysis::write_analysis_group(files[i], r);
            std::cout << nt::analysis::format_analysis(r)
                      << fmt::format("  -> /analysis in {}\n", files[i]);
        }
    }
    if (a.as_json && files.size() > 1) {
        std::cout << "]\n";
    }
    return nt::exit_ok;
}

}  // namespace

command add_summary_command(CLI::App& app) {
    auto* sub = app.add_subcommand("summary", "one line per output file: scenario, wall "
                                              "time, spikes, twin agreement");
    auto files = std::make_shared<std::vector<std::string>>();
    sub->add_option("files", *files, "HDF5 outputs of neurotwin run")->required();
    return {sub, [files] {
                nt::analysis::print_summary_table(*files, std::cout);
                return nt::exit_ok;
            }};
}

command add_analyze_command(CLI::App& app) {
    auto* sub = app.add_subcommand("analyze", "statistics of spiking, artificial and twin "
                                              "populations; written to /analysis");
    auto a = std::make_shared<analyze_args>();
    a->opt.recorded_in_old_files = nt::spikes_recorded_by_scenario;
    sub->add_option("files", a->files, "HDF5 files (neurotwin outputs or SONATA spike files)")
        ->required();
    sub->add_flag("--json", a->as_json, "print JSON on stdout instead of writing /analysis");
    sub->add_option("--population", a->populations, "only this population (repeatable)");
    sub->add_option("--window", a->window, "time window START:STOP in ms (default: the run)");
    sub->add_option("--count-window", a->opt.count_window_ms,
                    "spike-count window for Fano factor and correlations, ms (default 100)")
        ->check(CLI::PositiveNumber);
    sub->add_option("--sync-bin", a->opt.sync_bin_ms,
                    "bin of Golomb's synchrony chi, ms (default 5)")
        ->check(CLI::PositiveNumber);
    return {sub, [a] { return analyze(*a); }};
}

command add_export_sonata_command(CLI::App& app) {
    auto* sub = app.add_subcommand("export-sonata", "strict SONATA files: spikes.h5 and one "
                                                    "report file per variable");
    auto paths = std::make_shared<std::pair<std::string, std::string>>();
    sub->add_option("run", paths->first, "output of neurotwin run")->required();
    sub->add_option("outdir", paths->second, "folder for the SONATA files (created if missing)")
        ->required();
    return {sub, [paths] {
                for (const auto& f : nt::analysis::export_sonata(paths->first, paths->second)) {
                    fmt::print("{}\n", f);
                }
                return nt::exit_ok;
            }};
}

command add_compare_command(CLI::App& app) {
    auto* sub = app.add_subcommand("compare", "are the spike trains of two files identical? "
                                              "(exit 0: identical, 1: different)");
    auto files = std::make_shared<std::pair<std::string, std::string>>();
    sub->add_option("a", files->first, "first file")->required();
    sub->add_option("b", files->second, "second file")->required();
    return {sub, [files] {
                nt::analysis::analyze_options opt;
                opt.recorded_in_old_files = nt::spikes_recorded_by_scenario;
                const auto c = nt::analysis::compare_files(files->first, files->second, opt);
                std::cout << c.report;
                return c.identical ? nt::exit_ok : 1;
            }};
}

}  // namespace neurotwin::cli
