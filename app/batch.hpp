// SPDX-License-Identifier: BSD-3-Clause
// `neurotwin batch`: every scenario (and sweep point) under the given paths, each run as a
// child process of this executable, so that a crash takes down one run, not the batch.
#pragma once

#include <atomic>
#include <string>
#include <vector>

namespace neurotwin {

struct batch_options {
    std::vector<std::string> paths;  // .toml files and folders (searched recursively)
    std::string out_dir;
    int jobs = 0;             // 0: cores / threads_per_job
    int threads_per_job = 1;  // passed to `run --threads`
    bool jobs_given = false;
    bool resume = false;
    bool fail_fast = false;
    std::string executable;  // what to start for `run` (normally /proc/self/exe)
    const std::atomic<bool>* interrupt = nullptr;  // set by SIGINT, SIGTERM or SIGHUP
    // The signal that set `interrupt`: sent on to the running children, which then stop
    // cleanly (SIGINT when not given).
    const std::atomic<int>* interrupt_signal = nullptr;
};

// Runs the batch, prints the table, writes OUTDIR/batch.json. Returns the exit code: 0 all
// runs succeeded, 1 some failed, 130 interrupted. Throws input_error / io_error for problems
// of the batch itself (no scenario found, output directory not writable, or in use by another
// batch: OUTDIR/.batch.lock is held with flock() while the batch runs).
int run_batch(const batch_options& options);

}  // namespace neurotwin
