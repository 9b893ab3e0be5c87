// SPDX-License-Identifier: BSD-3-Clause
// Helpers shared by the tests: run a scenario given as TOML text, in memory; find files of
// the source tree and the shared test scenarios (tests/data/); temporary files and folders;
// start the neurotwin binary (or another program) as a child process.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/engine.hpp"
#include "sim/network.hpp"
#include "sim/output_sink.hpp"

namespace neurotwin::test {

struct sim_output {
    network net;
    memory_sink sink;
    run_result result;
};

// Loads, builds and runs `toml` with `threads` threads; data recorded into memory.
sim_output run_text(const std::string& toml, int threads = 1,
                    step_t max_sync_interval = run_control{}.max_sync_interval);

// Spike times (ms) of neuron `id` in a memory_sink spike set.
std::vector<double> spike_times_of(const memory_sink::spike_data& s, std::uint64_t id);
// Spike count per neuron (size n).
std::vector<double> spike_counts(const memory_sink::spike_data& s, std::size_t n);
// Spike times (ms) of one cell of `model` (with `preset`, or none) under a dc current of `I` pA
// from `start` ms, for `duration` ms; `params`: the keys of its params table.
std::vector<double> step_current_spikes(const std::string& model, const std::string& preset,
                                        double I, double duration,
                                        const std::string& params = "", double start = 0.0,
                                        double dt = 0.1);
// Interspike intervals of sorted spike times.
std::vector<double> isis(const std::vector<double>& t);
// Bursts: groups of at least two spikes separated by ISIs below `gap` ms.
int count_bursts(const std::vector<double>& t, double gap);

// Path of a file in the source tree (tests are run from the build directory).
std::string source_path(const std::string& relative);
// Path and text of a file under tests/data/, e.g. data_text("scenarios/lif_ei_network.toml").
std::string data_path(const std::string& relative);
std::string data_text(const std::string& relative);
// `text` with `from` replaced by `to`; fails the test unless `from` occurs exactly once.
std::string replace_once(std::string text, const std::string& from, const std::string& to);
// The whole file, bytes as they are ("" if it cannot be read).
std::string read_file(const std::filesystem::path& path);
// A fresh path in the temporary directory (nothing created); whatever is there when the test
// program ends is removed.
std::string temp_path(const std::string& name);

// A fresh folder in the temporary directory, removed with its contents at scope exit.
// Children run in `work` (their working directory); their captured output lives in `root`,
// beside it, so a listing of `work` sees only what the program wrote.
struct temp_dir {
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    // Writes `text` to work/<name> (folders created) and returns the path.
    std::filesystem::path write(const std::string& name, const std::string& text) const;
    // Names of the entries of work/<sub>, sorted.
    std::vector<std::string> listing(const std::string& sub = "") const;

    const std::filesystem::path root;
    const std::filesystem::path work;  // root/work
};

struct child_options {
    std::string program{};        // path of what to start; empty: the neurotwin binary
    rlim_t address_space = 0;     // > 0: the child's RLIMIT_AS in bytes (failed allocations)
    rlim_t file_size = 0;         // > 0: RLIMIT_FSIZE, SIGXFSZ ignored: writes past it fail
                                  // with EFBIG, as writes to a full disk fail with ENOSPC
    bool ignore_hup = false;      // started with SIGHUP ignored, as `nohup` starts a program
    int uid = -1;                 // >= 0: run as this user and group (a root test drops to
                                  // it before exec; exit code 126 if it cannot)
};

// One run of a program in dir.work, stdin from /dev/null, stdout and stderr to files. The
// child sees SIGINT, SIGTERM and SIGHUP as a user's process would, whatever the test runner
// ignores or blocks. The destructor kills and reaps a child that is still running, so a
// failed REQUIRE between start and wait cannot leave a process behind.
class child {
public:
    child(const temp_dir& dir, const std::vector<std::string>& args,
          const child_options& options = {});
    ~child();
    child(const child&) = delete;
    child& operator=(const child&) = delete;

    pid_t pid() const { return pid_; }
    // Non-blocking: true once the child has ended (its status then in wait()).
    bool poll();
    // The exit code, or minus the signal number when a signal ended the child (so that a
    // real exit(130) cannot be confused with death by SIGINT). Waits at most `timeout`; on
    // expiry kills the child and fails the test.
    int wait(std::chrono::seconds timeout = std::chrono::seconds(120));

    std::string stdout_text() const;
    std::string stderr_text() const;

private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    int code_ = -1000;
    std::filesystem::path out_path_;
    std::filesystem::path err_path_;
};

struct cli_result {
    int code;  // as child::wait()
    std::string out;
    std::string err;
};

// Runs the neurotwin binary (or options.program) with `args` in dir.work to completion.
cli_result run_cli(const temp_dir& dir, const std::vector<std::string>& args,
                   const child_options& options = {});

}  // namespace neurotwin::test
