// SPDX-License-Identifier: BSD-3-Clause
// `neurotwin batch`: its options; the batch itself is app/batch.cpp.
#include <CLI/CLI.hpp>
#include <memory>

#include "app/batch.hpp"
#include "app/commands.hpp"
#include "app/stop_signals.hpp"

namespace neurotwin::cli {

command add_batch_command(CLI::App& app) {
    auto* sub = app.add_subcommand("batch", "run every scenario (and sweep point) under the "
                                            "given files and folders");
    auto opt = std::make_shared<batch_options>();
    sub->add_option("paths", opt->paths, "scenario files and folders (searched recursively)")
        ->required();
    sub->add_option("-o,--output", opt->out_dir, "output folder (created if missing)")->required();
    auto* jobs = sub->add_option("-j,--jobs", opt->jobs,
                                 "runs at a time (default: cores / threads per job)")
                     ->check(CLI::PositiveNumber);
    sub->add_option("--threads-per-job", opt->threads_per_job, "threads of each run (default 1)")
        ->check(CLI::PositiveNumber);
    sub->add_flag("--resume", opt->resume,
                  "skip runs whose output is complete and made from the same scenario text");
    sub->add_flag("--fail-fast", opt->fail_fast, "stop at the first failed run");
    return {sub, [opt, jobs] {
                opt->jobs_given = jobs->count() > 0;
                opt->executable = "/proc/self/exe";
                opt->interrupt = &stop_requested();
                opt->interrupt_signal = &stop_signal();
                install_stop_handlers();
                return run_batch(*opt);
            }};
}

}  // namespace neurotwin::cli
