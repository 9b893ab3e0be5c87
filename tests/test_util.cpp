// SPDX-License-Identifier: BSD-3-Clause
#include "tests/test_util.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include "models/registry.hpp"
#include "sim/scenario/desc.hpp"

namespace neurotwin::test {

namespace fs = std::filesystem;

sim_output run_text(const std::string& toml, int threads, step_t max_sync_interval) {
    sim_output out;
    const auto desc = load_scenario_text(toml, "test.toml", builtin_models());
    out.net = build_network(desc);
    run_control ctl;
    ctl.threads = threads;
    ctl.max_sync_interval = max_sync_interval;
    out.result = run_network(out.net, &out.sink, ctl);
    return out;
}

std::vector<double> spike_times_of(const memory_sink::spike_data& s, std::uint64_t id) {
    std::vector<double> t;
    for (std::size_t k = 0; k < s.ids.size(); ++k) {
        if (s.ids[k] == id) {
            t.push_back(s.times[k]);
        }
    }
    return t;
}

std::vector<double> spike_counts(const memory_sink::spike_data& s, std::size_t n) {
    std::vector<double> c(n, 0.0);
    for (const auto id : s.ids) {
        c.at(id) += 1.0;
    }
    return c;
}

std::vector<double> step_current_spikes(const std::string& model, const std::string& preset,
                                        double I, double duration, const std::string& params,
                                        double start, double dt) {
    auto out = run_text(fmt::format(R"(
[simulation]
duration = {}
dt = {}
[[population]]
name = "cell"
model = "{}"
size = 1
{}
params = {{ {} }}
[[stimulus]]
type = "dc"
target = "cell"
amplitude = {}
start = {}
[[record]]
population = "cell"
spikes = true
)",
                                    duration, dt, model,
                                    preset.empty() ? "" : fmt::format("preset = \"{}\"", preset),
                                    params, I, start));
    return spike_times_of(out.sink.spikes("cell"), 0);
}

std::vector<double> isis(const std::vector<double>& t) {
    std::vector<double> d;
    for (std::size_t k = 1; k < t.size(); ++k) {
        d.push_back(t[k] - t[k - 1]);
    }
    return d;
}

int count_bursts(const std::vector<double>& t, double gap) {
    int bursts = 0;
    int in_group = 1;
    for (std::size_t k = 1; k <= t.size(); ++k) {
        if (k < t.size() && t[k] - t[k - 1] < gap) {
            ++in_group;
        } else {
            bursts += in_group >= 2 ? 1 : 0;
            in_group = 1;
        }
    }
    return bursts;
}

std::string source_path(const std::string& relative) {
    return (fs::path(NEUROTWIN_SOURCE_DIR) / relative).string();
}

std::string data_path(const std::string& relative) {
    return source_path("tests/data/" + relative);
}

std::string data_text(const std::string& relative) {
    const auto path = data_path(relative);
    INFO(path);
    REQUIRE(fs::is_regular_file(path));
    return read_file(path);
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
    INFO("replacing '" << from << "'");
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    REQUIRE(text.find(from, at + 1) == std::string::npos);
    return text.replace(at, from.size(), to);
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string temp_path(const std::string& name) {
    // Every path handed out, removed (with its contents) when the test program ends.
    struct handed_out {
        std::vector<fs::path> paths;
        ~handed_out() {
            std::error_code ec;
            for (const auto& p : paths) {
                fs::remove_all(p, ec);
            }
        }
    };
    static handed_out all;
    static std::atomic<int> counter{0};
    all.paths.push_back(fs::temp_directory_path() /
                        ("neurotwin-test-" + std::to_string(getpid()) + "-" +
                         std::to_string(counter++) + "-" + name));
    return all.paths.back().string();
}

temp_dir::temp_dir() : root(temp_path("dir")), work(root / "work") {
    fs::remove_all(root);
    fs::create_directories(work);
}

temp_dir::~temp_dir() {
    std::error_code ec;
    fs::remove_all(root, ec);
}

fs::path temp_dir::write(const std::string& name, const std::string& text) const {
    const fs::path p = work / name;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << text;
    REQUIRE(out.good());
    return p;
}

std::vector<std::string> temp_dir::listing(const std::string& sub) const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(sub.empty() ? work : work / sub)) {
        names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

namespace {

int decode_status(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return -WTERMSIG(status);
    }
    return -1000;
}

}  // namespace

child::child(const temp_dir& dir, const std::vector<std::string>& args,
             const child_options& options) {
    static std::atomic<int> counter{0};
    const auto tag = std::to_string(counter++);
    out_path_ = dir.root / ("stdout-" + tag);
    err_path_ = dir.root / ("stderr-" + tag);

    // Everything the child needs is prepared before fork(): after it, only async-signal-safe
    // calls (open, dup2, chdir, signal, sigprocmask, setrlimit, setgid, setuid, execv, _exit).
    std::vector<std::string> argv_s{options.program.empty() ? NEUROTWIN_BINARY : options.program};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    const std::string cwd = dir.work.string();
    const std::string out = out_path_.string();
    const std::string err = err_path_.string();
    sigset_t none;
    sigemptyset(&none);

    pid_ = ::fork();
    if (pid_ == 0) {
        const int in_fd = ::open("/dev/null", O_RDONLY);
        const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in_fd < 0 || out_fd < 0 || err_fd < 0 || ::dup2(in_fd, 0) < 0 ||
            ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0 || ::chdir(cwd.c_str()) != 0) {
            ::_exit(127);
        }
        // A test runner started in the background may ignore or block SIGINT; the interrupt
        // tests need the binary to see it as a user would.
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGTERM, SIG_DFL);
        ::signal(SIGHUP, options.ignore_hup ? SIG_IGN : SIG_DFL);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        if (options.address_space > 0) {
            const rlimit limit{options.address_space, options.address_space};
            if (::setrlimit(RLIMIT_AS, &limit) != 0) {
                ::_exit(126);
            }
        }
        if (options.file_size > 0) {
            ::signal(SIGXFSZ, SIG_IGN);  // writes past the limit fail (EFBIG) instead
            const rlimit limit{options.file_size, options.file_size};
            if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) {
                ::_exit(126);
            }
        }
        if (options.uid >= 0 &&
            (::setgid(gid_t(options.uid)) != 0 || ::setuid(uid_t(options.uid)) != 0)) {
            ::_exit(126);
        }
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    REQUIRE(pid_ > 0);
}

child::~child() {
    if (pid_ > 0 && !reaped_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
}

bool child::poll() {
    if (reaped_) {
        return true;
    }
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r < 0) {
        FAIL("waitpid failed: " << std::strerror(errno));
    }
    if (r == pid_) {
        reaped_ = true;
        code_ = decode_status(status);
    }
    return reaped_;
}

int child::wait(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!poll()) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
            reaped_ = true;
            FAIL("the child did not finish within " << timeout.count() << " s; killed. stderr:\n"
                                                     << stderr_text());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return code_;
}

std::string child::stdout_text() const {
    return read_file(out_path_);
}

std::string child::stderr_text() const {
    return read_file(err_path_);
}

cli_result run_cli(const temp_dir& dir, const std::vector<std::string>& args,
                   const child_options& options) {
    child c(dir, args, options);
    const int code = c.wait();
    return {code, c.stdout_text(), c.stderr_text()};
}

}  // namespace neurotwin::test
