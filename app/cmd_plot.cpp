// SPDX-License-Identifier: BSD-3-Clause
// `neurotwin plot`: runs analysis/plot.py (python3, h5py, matplotlib) on output files and
// batch.json files; its exit code is the command's.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <memory>
#include <spawn.h>
#include <sys/wait.h>

#include "app/commands.hpp"
#include "sim/errors.hpp"

extern char** environ;

namespace nt = neurotwin;

namespace neurotwin::cli {

namespace {

struct plot_args {
    std::vector<std::string> files;
    std::string out_dir;
    std::string script;
};

// analysis/plot.py: --script, $NEUROTWIN_PLOT_SCRIPT, next to the executable (the build
// directory has a copy, made by CMake), then the source tree it was built from. There is no
// install rule, so no installed location is searched.
std::string find_plot_script(const std::string& given) {
    namespace fs = std::filesystem;
    if (!given.empty()) {
        return given;
    }
    if (const char* env = std::getenv("NEUROTWIN_PLOT_SCRIPT"); env != nullptr && *env != 0) {
        return env;
    }
    std::error_code ec;
    const auto exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
    std::vector<fs::path> candidates;
    if (!ec) {
        candidates.push_back(exe_dir / "analysis" / "plot.py");
    }
#ifdef NEUROTWIN_SOURCE_DIR
    candidates.push_back(fs::path(NEUROTWIN_SOURCE_DIR) / "analysis" / "plot.py");
#endif
    std::string tried;
    for (const auto& c : candidates) {
        if (fs::is_regular_file(c, ec)) {
            return c.string();
        }
        tried += (tried.empty() ? "" : ", ") + c.string();
    }
    throw nt::io_error("cannot find analysis/plot.py (looked in: " + tried +
                       "); give it with --script or NEUROTWIN_PLOT_SCRIPT");
}

int run_plot(const std::vector<std::string>& files, const std::string& out_dir,
             const std::string& script, const std::string& python) {
    std::vector<std::string> args{python, script, "-o", out_dir};
    args.insert(args.end(), files.begin(), files.end());
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
    if (rc != 0) {
        throw nt::io_error(fmt::format("cannot run '{}': {} (plots need python3 with h5py and "
                                       "matplotlib: apt-get install python3-h5py "
                                       "python3-matplotlib)",
                                       python, std::strerror(rc)));
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    fmt::print(stderr, "error: {} ended by signal {}\n", script, WTERMSIG(status));
    return nt::exit_internal;
}

}  // namespace

command add_plot_command(CLI::App& app) {
    auto* sub = app.add_subcommand("plot", "PNG figures of output files and batch.json "
                                           "(python3, h5py, matplotlib)");
    auto a = std::make_shared<plot_args>();
    sub->add_option("files", a->files, "HDF5 outputs and/or a batch.json")->required();
    sub->add_option("-o,--output", a->out_dir, "folder for the PNG files")->required();
    sub->add_option("--script", a->script, "plot script (default: analysis/plot.py, found "
                                           "next to the executable)");
    return {sub, [a] {
                const char* py = std::getenv("NEUROTWIN_PYTHON");
                return run_plot(a->files, a->out_dir, find_plot_script(a->script),
                                py != nullptr && *py != 0 ? py : "/usr/bin/python3");
            }};
}

}  // namespace neurotwin::cli
