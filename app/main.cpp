// SPDX-License-Identifier: BSD-3-Clause
// The neurotwin command line. Exit codes: 0 ok, 1 some runs of a batch failed / compare found
// a difference, 2 bad input, 3 file/HDF5 error, 4 numerical fault during a run, 5 internal
// error (a bug), 130 interrupted by SIGINT, SIGTERM or SIGHUP (the output file is kept, marked
// completed = false).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fmt/format.h>
#include <new>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "neurotwin_version.hpp"
#include "sim/errors.hpp"

namespace nt = neurotwin;

namespace {

int report(const std::exception& e, int code, const char* prefix = "") {
    fmt::print(stderr, "{}{}\n", prefix, e.what());
    return code;
}

// Runs a command's action; every error becomes one clean message and its exit code.
int run_reporting_errors(const std::function<int()>& action) {
    try {
        return action();
    } catch (const nt::input_error& e) {
        return report(e, nt::exit_input);
    } catch (const nt::io_error& e) {
        return report(e, nt::exit_io, "error: ");
    } catch (const nt::runtime_fault& e) {
        return report(e, nt::exit_runtime, "error: numerical fault: ");
    } catch (const nt::internal_error& e) {
        return report(e, nt::exit_internal, "internal error (please report): ");
    } catch (const std::bad_alloc&) {
        // build_network turns its own failures into an input_error with the estimate; this
        // is one elsewhere (the engine's buffers, a reader): not a bug, and no file is left
        fmt::print(stderr, "error: out of memory\n");
        return nt::exit_input;
    } catch (const std::exception& e) {
        return report(e, nt::exit_internal, "internal error (please report): ");
    }
}

}  // namespace

int main(int argc, char** argv) {
    namespace cli = nt::cli;
    CLI::App app{"neurotwin - artificial neurons and their biological twins, side by side"};
    app.set_version_flag("--version",
                         std::string(nt::version_string) + " (" + nt::git_revision + ")");
    app.require_subcommand(1);
    // Braced initialisers run in order: the subcommands are listed in this order by --help.
    const std::vector<cli::command> commands{
        cli::add_run_command(app),      cli::add_validate_command(app),
        cli::add_models_command(app),   cli::add_summary_command(app),
        cli::add_batch_command(app),    cli::add_analyze_command(app),
        cli::add_export_sonata_command(app),
        cli::add_compare_command(app),  cli::add_plot_command(app)};

    CLI11_PARSE(app, argc, argv);

    for (const auto& c : commands) {
        if (c.sub->parsed()) {
            return run_reporting_errors(c.run);
        }
    }
    // Not reached: with require_subcommand(1), CLI11_PARSE returns unless exactly one was given.
    return nt::exit_internal;
}
