// SPDX-License-Identifier: BSD-3-Clause
// The subcommands of `neurotwin`, one function each. add_<name>_command() adds the subcommand
// and its options to the CLI11 app and returns what to do when it is the one given; main()
// only builds the app from these, in this order (the order of `neurotwin --help`), and
// dispatches. The exit codes are listed in app/main.cpp.
#pragma once

#include <functional>
#include <set>
#include <string>

namespace CLI {
class App;
}

namespace neurotwin {
struct scenario_desc;
}

namespace neurotwin::cli {

struct command {
    CLI::App* sub = nullptr;  // the subcommand: sub->parsed() once it was given
    std::function<int()> run;  // its action, on the parsed options; returns the exit code
};

command add_run_command(CLI::App& app);            // app/cmd_run.cpp
command add_validate_command(CLI::App& app);       // app/cmd_validate.cpp
command add_models_command(CLI::App& app);         // app/cmd_models.cpp
command add_summary_command(CLI::App& app);        // app/cmd_read.cpp
command add_batch_command(CLI::App& app);          // app/cmd_batch.cpp
command add_analyze_command(CLI::App& app);        // app/cmd_read.cpp
command add_export_sonata_command(CLI::App& app);  // app/cmd_read.cpp
command add_compare_command(CLI::App& app);        // app/cmd_read.cpp
command add_plot_command(CLI::App& app);           // app/cmd_plot.cpp

// The loader's warnings on stderr, "file:line:col: warning: ..." (`seen`: print each once);
// run and validate print them.
void print_warnings(const scenario_desc& desc, std::set<std::string>* seen = nullptr);

}  // namespace neurotwin::cli
