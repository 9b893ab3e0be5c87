// SPDX-License-Identifier: BSD-3-Clause
#include "app/batch.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "analysis/h5_reader.hpp"
#include "analysis/result.hpp"
#include "neurotwin_version.hpp"
#include "sim/errors.hpp"
#include "sim/scenario/sweep.hpp"

extern char** environ;

namespace neurotwin {

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

struct job {
    std::string name;
    std::string file;   // scenario file
    std::string point;  // sweep point name ("" for a plain scenario)
    std::vector<sweep_value> values;
    std::string text;  // the concrete scenario text (what the output must have been made from)
    std::string output;
    std::string status = "pending";  // ok, invalid scenario, file error, numerical fault,
                                     // internal error, crashed, interrupted, skipped
    std::string error;
    int exit_code = -1;
    double wall_s = 0.0;
    std::uint64_t spikes = 0;
    bool resumed = false;
    // while running
    pid_t pid = -1;
    std::string stderr_path;
    clock_type::time_point started;
};

std::vector<std::string> scenario_files(const std::vector<std::string>& paths) {
    std::vector<std::string> files;
    for (const auto& p : paths) {
        std::error_code ec;
        if (fs::is_directory(p, ec)) {
            std::vector<std::string> found;
            for (auto it = fs::recursive_directory_iterator(p, ec);
                 !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (it->is_regular_file() && it->path().extension() == ".toml") {
                    found.push_back(it->path().string());
                }
            }
            if (ec) {
                throw io_error(fmt::format("cannot list '{}': {}", p, ec.message()));
            }
            std::sort(found.begin(), found.end());  // directory order is not deterministic
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::is_regular_file(p, ec)) {
            files.push_back(p);
        } else {
            throw input_error(source_pos{}, fmt::format("batch: '{}' is neither a scenario file "
                                                        "nor a folder",
                                                        p));
        }
    }
    // The same file given twice (directly and through its folder) runs once.
    std::vector<std::string> unique;
    std::vector<fs::path> seen;
    for (const auto& f : files) {
        const auto canon = fs::weakly_canonical(f);
        if (std::find(seen.begin(), seen.end(), canon) == seen.end()) {
            seen.push_back(canon);
            unique.push_back(f);
        }
    }
    return unique;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) {
        s.pop_back();
    }
    return s;
}

std::string status_of(int code) {
    if (code >= 0) {
        switch (code) {
            case exit_ok:
                return "ok";
            case exit_input:
                return "invalid scenario";
            case exit_io:
                return "file error";
            case exit_runtime:
                return "numerical fault";
            case exit_internal:
                return "internal error";
            case exit_interrupted:
                return "interrupted";
            default:
                return fmt::format("failed (exit code {})", code);
        }
    }
    return fmt::format("crashed (signal {}: {})", -code, strsignal(-code));
}

// Whether `output` is complete and made from exactly `text` (so --resume may skip it).
bool reusable(job& j) {
    std::error_code ec;
    if (!fs::is_regular_file(j.output, ec)) {
        return false;
    }
    try {
        const analysis::h5_file f(j.output);
        if (f.attr_u64("/neurotwin", "completed") != 1 ||
            f.read_string("/neurotwin/scenario") != j.text) {
            return false;
        }
        j.spikes = f.attr_u64("/neurotwin", "spikes");
        j.wall_s = f.attr_f64("/neurotwin", "wall_time_s");
        return true;
    } catch (const io_error&) {
        return false;  // unreadable or not ours: run again
    }
}

pid_t spawn(const batch_options& o, job& j) {
    std::vector<std::string> args{
        o.executable, "run", j.file, "-o", j.output, "--threads", std::to_string(o.threads_per_job),
        "--quiet"};
    if (!j.point.empty()) {
        args.insert(args.end(), {"--point", j.point});
    }
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, j.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        throw io_error(fmt::format("cannot start '{}': {}", o.executable, std::strerror(rc)));
    }
    return pid;
}

std::string json_value(const sweep_value& v) {
    switch (v.t) {
        case sweep_value::type::integer:
        case sweep_value::type::real:
            return std::isfinite(v.number) ? fmt::format("{}", v.number) : "null";
        case sweep_value::type::boolean:
            return v.number != 0 ? "true" : "false";
        case sweep_value::type::string:
        case sweep_value::type::other:
            return analysis::json_string(v.text);
    }
    return "null";
}

void write_batch_json(const batch_options& o, const std::vector<job>& jobs, double wall,
                      int jobs_used) {
    using analysis::json_string;
    std::ostringstream s;
    std::size_t ok = 0;
    for (const auto& j : jobs) {
        ok += j.status == "ok";
    }
    s << "{\n  \"neurotwin_version\": " << json_string(version_string)
      << ",\n  \"output_dir\": " << json_string(o.out_dir) << ",\n  \"jobs\": " << jobs_used
      << ",\n  \"threads_per_job\": " << o.threads_per_job
      << ",\n  \"wall_time_s\": " << fmt::format("{:.3f}", wall)
      << ",\n  \"total\": " << jobs.size() << ",\n  \"ok\": " << ok
      << ",\n  \"failed\": " << jobs.size() - ok << ",\n  \"runs\": [";
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        const auto& j = jobs[i];
        s << (i > 0 ? "," : "") << "\n    {\"name\": " << json_string(j.name)
          << ", \"scenario_file\": " << json_string(j.file) << ", \"sweep\": {";
        for (std::size_t k = 0; k < j.values.size(); ++k) {
            s << (k > 0 ? ", " : "") << json_string(j.values[k].key) << ": "
              << json_value(j.values[k]);
        }
        s << "}, \"status\": " << json_string(j.status) << ", \"error\": " << json_string(j.error)
          << ", \"exit_code\": " << j.exit_code
          << ", \"wall_time_s\": " << fmt::format("{:.3f}", j.wall_s)
          << ", \"spikes\": " << j.spikes
          << ", \"output\": " << (j.status == "ok" ? json_string(j.output) : "null")
          << ", \"resumed\": " << (j.resumed ? "true" : "false") << "}";
    }
    s << "\n  ]\n}\n";
    const auto path = (fs::path(o.out_dir) / "batch.json").string();
    const auto temp = path + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << s.str();
        out.close();
        if (!out) {
            std::error_code ec;
            fs::remove(temp, ec);
            throw io_error(fmt::format("cannot write '{}'", temp));
        }
    }
    std::error_code ec;
    fs::rename(temp, path, ec);
    if (ec) {
        throw io_error(fmt::format("cannot rename '{}' to '{}': {}", temp, path, ec.message()));
    }
}

// OUTDIR/.batch.lock, held (flock) for the whole batch: a second batch on the same folder,
// such as a --resume started while this one still runs, would run the same points again and
// replace files being written. The kernel releases a flock() when the process ends, however
// it ends, so a killed batch leaves no stale lock (only an unlocked file, reused by the next
// batch); O_CLOEXEC keeps the children (which may outlive a batch killed with SIGKILL) from
// inheriting and so holding it. A batch that ends normally removes the file while it still
// holds the lock; so a batch that locked a file just removed (its path now names another
// file or none) tries again.
class folder_lock {
public:
    explicit folder_lock(const std::string& dir) : path_((fs::path(dir) / ".batch.lock").string()) {
        // Up front, so that a read-only folder is named as such (not as a failure to start
        // the first run, whose stderr file cannot be created there).
        if (::access(dir.c_str(), W_OK | X_OK) != 0) {
            throw io_error(fmt::format("batch: the output folder '{}' is not writable: {}", dir,
                                       std::strerror(errno)));
        }
        while (true) {
            fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
            if (fd_ < 0) {
                throw io_error(fmt::format("batch: the output folder '{}' is not writable: "
                                           "cannot create '{}': {}",
                                           dir, path_, std::strerror(errno)));
            }
            if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
                const int err = errno;
                char buf[32] = {};
                const auto n = ::pread(fd_, buf, sizeof buf - 1, 0);
                const std::string holder = trim(std::string(buf, n > 0 ? std::size_t(n) : 0));
                ::close(fd_);
                if (err == EWOULDBLOCK) {
                    throw io_error(fmt::format(
                        "batch: the output folder '{}' is in use by another batch: the lock file "
                        "'{}' is held by {}; wait for it to end or choose another folder",
                        dir, path_, holder.empty() ? "another process" : "pid " + holder));
                }
                throw io_error(
                    fmt::format("batch: cannot lock '{}': {}", path_, std::strerror(err)));
            }
            struct stat held {}, named {};
            if (::fstat(fd_, &held) == 0 && ::stat(path_.c_str(), &named) == 0 &&
                held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
                break;
            }
            ::close(fd_);  // removed by the batch that held it: lock the new one
        }
        // Who holds it, for the message of a refused second batch (not needed for locking).
        const auto pid = std::to_string(::getpid()) + "\n";
        if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
            const int err = errno;
            ::unlink(path_.c_str());
            ::close(fd_);
            throw io_error(fmt::format("batch: cannot write '{}': {}", path_, std::strerror(err)));
        }
    }
    ~folder_lock() {
        ::unlink(path_.c_str());  // before the lock goes: see above
        ::close(fd_);
    }
    folder_lock(const folder_lock&) = delete;
    folder_lock& operator=(const folder_lock&) = delete;

private:
    std::string path_;
    int fd_ = -1;
};

std::string first_line(const std::string& s) {
    const auto nl = s.find('\n');
    return nl == std::string::npos ? s : s.substr(0, nl) + " ...";
}

// One job per scenario file and sweep point; a file that does not expand is one failed job.
// The names are the output file names: made unique by the folder (the same stem in two
// folders), then by a counter.
std::vector<job> jobs_of(const std::vector<std::string>& files, const std::string& out_dir) {
    std::vector<job> jobs;
    for (const auto& file : files) {
        try {
            const auto plan = expand_sweep_file(file);
            for (const auto& p : plan.points) {
                job j;
                j.name = p.name;
                j.file = file;
                j.point = plan.is_sweep ? p.name : "";
                j.values = p.values;
                j.text = p.text;
                jobs.push_back(std::move(j));
            }
        } catch (const std::runtime_error& e) {  // input_error, io_error: this file only
            job j;
            j.name = fs::path(file).stem().string();
            j.file = file;
            j.status = dynamic_cast<const io_error*>(&e) ? "file error" : "invalid scenario";
            j.exit_code = dynamic_cast<const io_error*>(&e) ? exit_io : exit_input;
            j.error = e.what();
            jobs.push_back(std::move(j));
        }
    }
    std::map<std::string, int> count;
    for (const auto& j : jobs) {
        ++count[j.name];
    }
    std::map<std::string, int> used;
    for (auto& j : jobs) {
        if (count[j.name] > 1) {
            const auto dir = fs::path(j.file).parent_path().filename().string();
            j.name = (dir.empty() ? "" : dir + "__") + j.name;
        }
        if (const int n = used[j.name]++; n > 0) {
            j.name += fmt::format("__{}", n + 1);
        }
        j.output = (fs::path(out_dir) / (j.name + ".h5")).string();
    }
    return jobs;
}

// --resume: a run whose output is complete and made from the same scenario text is done.
void mark_resumed(std::vector<job>& jobs) {
    std::size_t skipped = 0;
    for (auto& j : jobs) {
        if (j.status == "pending" && reusable(j)) {
            j.status = "ok";
            j.resumed = true;
            j.exit_code = 0;
            ++skipped;
        }
    }
    if (skipped > 0) {
        fmt::print(stderr, "resume: {} of {} runs are complete and up to date\n", skipped,
                   jobs.size());
    }
}

// The table on stdout: one row per run, then the totals.
void print_table(const std::vector<job>& jobs, std::size_t failed, double wall,
                 const std::string& out_dir) {
    std::size_t w = 4;
    for (const auto& j : jobs) {
        w = std::max(w, j.name.size());
    }
    fmt::print("{:<{}}  {:<18} {:>9} {:>10}  {}\n", "run", w, "status", "wall [s]", "spikes",
               "output / error");
    for (const auto& j : jobs) {
        fmt::print("{:<{}}  {:<18} {:>9.2f} {:>10}  {}\n", j.name, w,
                   j.status + (j.resumed ? " (resumed)" : ""), j.wall_s, j.spikes,
                   j.status == "ok" ? j.output : first_line(j.error));
    }
    fmt::print("{} runs: {} ok, {} failed, {:.1f} s; details in {}\n", jobs.size(),
               jobs.size() - failed, failed, wall, (fs::path(out_dir) / "batch.json").string());
}

}  // namespace

int run_batch(const batch_options& o) {
    const auto t_start = clock_type::now();
    const auto files = scenario_files(o.paths);
    if (files.empty()) {
        throw input_error(source_pos{}, "batch: no .toml scenario found in the given paths");
    }
    std::error_code ec;
    fs::create_directories(o.out_dir, ec);
    if (ec || !fs::is_directory(o.out_dir)) {
        throw io_error(fmt::format("cannot create output directory '{}': {}", o.out_dir,
                                   ec ? ec.message() : "not a directory"));
    }
    const folder_lock lock(o.out_dir);

    auto jobs = jobs_of(files, o.out_dir);

    const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    const int tpj = std::max(1, o.threads_per_job);
    const int n_jobs = o.jobs > 0 ? o.jobs : std::max(1, cores / tpj);
    if (o.jobs_given && n_jobs * tpj > cores) {
        fmt::print(stderr, "note: {} jobs x {} threads = {} threads on {} cores (as asked)\n",
                   n_jobs, tpj, n_jobs * tpj, cores);
    }
    if (o.resume) {
        mark_resumed(jobs);
    }

    const bool tty = isatty(STDERR_FILENO) != 0;
    std::size_t next = 0, running = 0, done = 0, failed = 0;
    for (const auto& j : jobs) {
        if (j.status != "pending") {
            ++done;
            failed += j.status != "ok";
        }
    }
    const std::size_t to_run = jobs.size() - done;
    std::size_t ran = 0;
    bool stopping = o.fail_fast && failed > 0;  // a file that does not parse already failed
    double ran_wall = 0.0;
    auto last_draw = clock_type::now() - std::chrono::seconds(1);
    const auto draw = [&](bool force) {
        const auto now = clock_type::now();
        if (!tty || (!force && now - last_draw < std::chrono::milliseconds(200))) {
            return;
        }
        last_draw = now;
        const double el = std::chrono::duration<double>(now - t_start).count();
        // ETA from the mean wall time of finished runs, spread over the parallel jobs.
        const std::size_t left = to_run - ran;
        const std::string eta =
            ran > 0 ? fmt::format("{:.0f} s",
                                  ran_wall / double(ran) * double(left) /
                                      double(std::min<std::size_t>(std::size_t(n_jobs),
                                                                   std::max<std::size_t>(1, left))))
                    : "?";
        fmt::print(stderr, "\r{}/{} done, {} failed, {} running, elapsed {:.1f} s, ETA {}   ", done,
                   jobs.size(), failed, running, el, eta);
        std::fflush(stderr);
    };
    int forwarded = 0;  // the stop signal sent on to the running children, once
    const auto finish = [&](job& j, int code) {
        j.wall_s = std::chrono::duration<double>(clock_type::now() - j.started).count();
        j.exit_code = code;
        j.status = status_of(code);
        if (forwarded != 0 && code == -forwarded) {
            // Stopped before its handler was installed: nothing was written yet.
            j.status = status_of(exit_interrupted);
        }
        j.error = trim(read_text(j.stderr_path));
        fs::remove(j.stderr_path, ec);
        if (code < 0) {
            // A crashed child cannot remove its temporary file.
            fs::remove(j.output + ".tmp-" + std::to_string(j.pid), ec);
            if (j.error.empty()) {
                j.error = j.status;
            }
        }
        if (code == 0) {
            try {
                j.spikes = analysis::h5_file(j.output).attr_u64("/neurotwin", "spikes");
            } catch (const io_error& e) {
                j.status = "file error";
                j.error = e.what();
            }
        }
        --running;
        ++done;
        ++ran;
        ran_wall += j.wall_s;
        if (j.status != "ok") {
            ++failed;
            if (o.fail_fast && !stopping) {
                stopping = true;
                for (auto& other : jobs) {
                    if (other.pid > 0 && other.status == "running") {
                        ::kill(other.pid, SIGINT);  // stops cleanly, keeps an incomplete file
                    }
                }
            }
        }
        j.pid = -1;
    };

    while (true) {
        if (o.interrupt != nullptr && o.interrupt->load() && forwarded == 0) {
            stopping = true;
            // A Ctrl-C reached the children already (one process group), but a SIGTERM or
            // SIGHUP sent to the batch alone did not: send it on, so that every child stops
            // cleanly (incomplete file kept) and is waited for below, and none outlives the
            // batch.
            const int sig = o.interrupt_signal != nullptr && o.interrupt_signal->load() != 0
                                ? o.interrupt_signal->load()
                                : SIGINT;
            forwarded = sig;
            for (const auto& j : jobs) {
                if (j.pid > 0 && j.status == "running") {
                    ::kill(j.pid, sig);
                }
            }
        }
        while (!stopping && running < std::size_t(n_jobs) && next < jobs.size()) {
            auto& j = jobs[next++];
            if (j.status != "pending") {
                continue;
            }
            j.stderr_path =
                (fs::path(o.out_dir) / fmt::format(".{}.stderr-{}", j.name, ::getpid())).string();
            j.started = clock_type::now();
            j.pid = spawn(o, j);
            j.status = "running";
            ++running;
        }
        if (running == 0) {
            break;
        }
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            for (auto& j : jobs) {
                if (j.pid == pid) {
                    finish(j, WIFEXITED(status) ? WEXITSTATUS(status)
                                                : (WIFSIGNALED(status) ? -WTERMSIG(status) : -1));
                    break;
                }
            }
            draw(false);
            continue;
        }
        if (pid < 0 && errno != EINTR) {
            throw internal_error(fmt::format("batch: waitpid failed: {}", std::strerror(errno)));
        }
        draw(false);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const bool interrupted = o.interrupt != nullptr && o.interrupt->load();
    for (auto& j : jobs) {
        if (j.status == "pending") {
            j.status = "skipped";
            j.error = interrupted ? "not started: interrupted" : "not started: --fail-fast";
            ++failed;
        }
    }
    if (tty) {
        fmt::print(stderr, "\r{}\r", std::string(79, ' '));
    }
    const double wall = std::chrono::duration<double>(clock_type::now() - t_start).count();

    print_table(jobs, failed, wall, o.out_dir);
    write_batch_json(o, jobs, wall, n_jobs);
    if (interrupted) {
        return exit_interrupted;
    }
    return failed > 0 ? 1 : 0;
}

}  // namespace neurotwin
