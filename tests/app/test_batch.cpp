// SPDX-License-Identifier: BSD-3-Clause
// The batch, sweep, analyze, compare, export-sonata and plot commands of the real binary
// (NEUROTWIN_BINARY), started with fork/exec (tests/test_util.hpp: child); output files are
// checked with the raw HDF5 C API or the analysis reader.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "analysis/h5_reader.hpp"
#include "tests/test_util.hpp"

using Catch::Matchers::Contains;
using namespace neurotwin::test;
namespace fs = std::filesystem;

namespace {

// A small LIF population driven by a current: `I_e` sets how much it fires.
std::string good(double I_e) {
    return R"(
[simulation]
duration = 50

[[population]]
name = "exc"
model = "lif"
size = 5
params = { I_e = )" +
           std::to_string(I_e) + R"( }

[[record]]
population = "exc"
spikes = true
)";
}

// The "runs" entries of batch.json, one string each (the file has one run per line).
std::vector<std::string> runs_of(const std::string& json) {
    std::vector<std::string> out;
    const std::regex line(R"(\n    \{"name": [^\n]*)");
    for (auto it = std::sregex_iterator(json.begin(), json.end(), line);
         it != std::sregex_iterator(); ++it) {
        out.push_back(it->str());
    }
    return out;
}

// Waits (at most 30 s) until `n` runs of `batch` write their temporary files in `out`
// (<run>.h5.tmp-<pid>): the children are then under way. Returns their pids.
std::vector<pid_t> wait_for_children(child& batch, const fs::path& out, std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (true) {
        std::vector<pid_t> pids;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(out, ec)) {
            const auto name = e.path().filename().string();
            if (const auto at = name.find(".h5.tmp-"); at != std::string::npos) {
                pids.push_back(static_cast<pid_t>(std::stol(name.substr(at + 8))));
            }
        }
        if (pids.size() >= n) {
            return pids;
        }
        if (batch.poll()) {
            FAIL("batch ended before its runs started; stderr:\n" << batch.stderr_text());
        }
        if (std::chrono::steady_clock::now() > deadline) {
            FAIL("the runs of the batch did not start within 30 s; stderr:\n"
                 << batch.stderr_text());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

bool process_exists(pid_t pid) {
    return ::kill(pid, 0) == 0 || errno != ESRCH;
}

std::string run_entry(const std::vector<std::string>& runs, const std::string& name) {
    for (const auto& r : runs) {
        if (r.find("\"name\": \"" + name + "\"") != std::string::npos) {
            return r;
        }
    }
    FAIL("no run " << name);
    return {};
}

}  // namespace

TEST_CASE(
    "batch: good runs finish, a syntax error and a numerical fault are reported, "
    "--resume reruns only what is missing",
    "[batch][cli]") {
    temp_dir dir;
    dir.write("in/a.toml", good(400.0));
    dir.write("in/b.toml", good(500.0));
    dir.write("in/sub/c.toml", good(600.0));
    dir.write("in/broken.toml", "[simulation]\nduration = 10\n[[population\n");
    dir.write("in/overflow.toml", data_text("scenarios/overflow_fault.toml"));
    dir.write("in/notes.txt", "not a scenario");

    const auto r = run_cli(dir, {"batch", "in", "-o", "out", "-j", "2"});
    INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
    CHECK(r.code == 1);
    for (const char* f : {"a.h5", "b.h5", "c.h5"}) {
        INFO(f);
        CHECK(fs::is_regular_file(dir.work / "out" / f));
    }
    CHECK_FALSE(fs::exists(dir.work / "out" / "broken.h5"));
    CHECK_FALSE(fs::exists(dir.work / "out" / "overflow.h5"));
    // Nothing half-written or temporary is left behind.
    CHECK(dir.listing("out") == std::vector<std::string>{"a.h5", "b.h5", "batch.json", "c.h5"});

    // The table: one row per run, sorted by path; both errors named clearly.
    CHECK_THAT(r.out, Contains("broken") && Contains("invalid scenario") &&
                          Contains("in/broken.toml:3:") && Contains("TOML syntax error"));
    CHECK_THAT(r.out,
               Contains("overflow") && Contains("numerical fault") && Contains("non-finite value"));
    CHECK_THAT(r.out, Contains("5 runs: 3 ok, 2 failed"));

    const auto json = read_file(dir.work / "out" / "batch.json");
    const auto runs = runs_of(json);
    REQUIRE(runs.size() == 5);
    CHECK_THAT(runs[0], Contains("\"name\": \"a\""));  // in/a, in/b, in/broken, in/overflow,
    CHECK_THAT(runs[4], Contains("\"name\": \"c\""));  // in/sub/c: sorted, deterministic
    CHECK_THAT(run_entry(runs, "overflow"),
               Contains("\"status\": \"numerical fault\"") && Contains("\"exit_code\": 4") &&
                   Contains("non-finite value") && Contains("\"output\": null"));
    CHECK_THAT(run_entry(runs, "broken"),
               Contains("\"status\": \"invalid scenario\"") && Contains("\"exit_code\": 2"));
    CHECK_THAT(run_entry(runs, "b"), Contains("\"status\": \"ok\"") &&
                                         Contains("\"output\": \"out/b.h5\"") &&
                                         Contains("\"scenario_file\": \"in/b.toml\""));
    const auto spikes_b = neurotwin::analysis::h5_file((dir.work / "out/b.h5").string())
                              .attr_u64("/neurotwin", "spikes");
    CHECK(spikes_b > 0);
    CHECK_THAT(run_entry(runs, "b"), Contains("\"spikes\": " + std::to_string(spikes_b) + ","));

    // --resume after deleting b.h5: a and c are kept, b runs again.
    fs::remove(dir.work / "out" / "b.h5");
    const auto mtime_a = fs::last_write_time(dir.work / "out" / "a.h5");
    const auto r2 = run_cli(dir, {"batch", "in", "-o", "out", "--resume"});
    INFO("resume stdout:\n" << r2.out << "\nstderr:\n" << r2.err);
    CHECK(r2.code == 1);  // the two bad scenarios fail again
    CHECK(fs::is_regular_file(dir.work / "out" / "b.h5"));
    CHECK(fs::last_write_time(dir.work / "out" / "a.h5") == mtime_a);
    const auto runs2 = runs_of(read_file(dir.work / "out" / "batch.json"));
    CHECK_THAT(run_entry(runs2, "a"), Contains("\"resumed\": true"));
    CHECK_THAT(run_entry(runs2, "c"), Contains("\"resumed\": true"));
    CHECK_THAT(run_entry(runs2, "b"),
               Contains("\"status\": \"ok\"") && Contains("\"resumed\": false"));

    // A changed scenario text is not "the same run": it runs again.
    dir.write("in/a.toml", good(450.0));
    const auto r3 = run_cli(dir, {"batch", "in", "-o", "out", "--resume"});
    const auto runs3 = runs_of(read_file(dir.work / "out" / "batch.json"));
    CHECK_THAT(run_entry(runs3, "a"), Contains("\"resumed\": false"));
    CHECK_THAT(run_entry(runs3, "c"), Contains("\"resumed\": true"));
}

TEST_CASE("batch: a sweep expands into named runs whose values are stored in the outputs",
          "[batch][sweep][cli]") {
    temp_dir dir;
    dir.write("scan.toml", good(500.0) + R"(
[sweep]
"population.exc.params.tau_m" = [10, 20]
"simulation.seed" = [1, 2]
)");
    // A plain run refuses a sweep and says what to do instead.
    const auto plain = run_cli(dir, {"run", "scan.toml"});
    CHECK(plain.code == 2);
    CHECK_THAT(plain.err, Contains("scan.toml:15:1") && Contains("parameter sweep of 4 runs") &&
                              Contains("neurotwin batch"));

    const auto r = run_cli(dir, {"batch", "scan.toml", "-o", "out"});
    INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
    REQUIRE(r.code == 0);
    for (const char* name : {"scan__tau_m=10__seed=1", "scan__tau_m=10__seed=2",
                             "scan__tau_m=20__seed=1", "scan__tau_m=20__seed=2"}) {
        INFO(name);
        const auto path = (dir.work / "out" / (std::string(name) + ".h5")).string();
        REQUIRE(fs::is_regular_file(path));
        const neurotwin::analysis::h5_file f(path);
        CHECK(f.attr_string("/neurotwin/sweep", "point") == name);
        CHECK(f.attr_string("/neurotwin/sweep", "mode") == "product");
        const bool tau20 = std::string(name).find("tau_m=20") != std::string::npos;
        CHECK(f.attr_i64("/neurotwin/sweep", "population.exc.params.tau_m") == (tau20 ? 20 : 10));
        CHECK(f.attr_u64("/neurotwin", "seed") == (name[std::strlen(name) - 1] == '1' ? 1 : 2));
        CHECK(f.read_vector("/neurotwin/populations/exc/params/tau_m").at(0) ==
              (tau20 ? 20.0 : 10.0));
        CHECK(f.attr_string("/neurotwin", "scenario_file") == "scan.toml");
    }
    const auto json = read_file(dir.work / "out" / "batch.json");
    CHECK_THAT(json, Contains("\"sweep\": {\"population.exc.params.tau_m\": 20, "
                              "\"simulation.seed\": 1}"));

    // One point by name, as batch runs it.
    const auto one = run_cli(
        dir, {"run", "scan.toml", "--point", "scan__tau_m=20__seed=2", "-o", "one.h5", "-q"});
    CHECK(one.code == 0);
    const auto typo = run_cli(dir, {"run", "scan.toml", "--point", "scan__tau_m=20_seed=2"});
    CHECK(typo.code == 2);
    CHECK_THAT(typo.err, Contains("did you mean 'scan__tau_m=20__seed=2'?"));
}

TEST_CASE("analyze, compare and export-sonata on the command line", "[cli][analysis]") {
    temp_dir dir;
    dir.write("a.toml", good(500.0));
    dir.write("b.toml", good(700.0));
    REQUIRE(run_cli(dir, {"run", "a.toml", "-q"}).code == 0);
    REQUIRE(run_cli(dir, {"run", "a.toml", "-q", "-o", "a2.h5", "--threads", "2"}).code == 0);
    REQUIRE(run_cli(dir, {"run", "b.toml", "-q"}).code == 0);

    const auto json = run_cli(dir, {"analyze", "a.h5", "--json", "--window", "0:40"});
    CHECK(json.code == 0);
    CHECK_THAT(json.out, Contains("\"window_stop_ms\": 40") && Contains("\"rate_hz_mean\""));
    CHECK_FALSE(neurotwin::analysis::h5_file((dir.work / "a.h5").string()).exists("/analysis"));
    const auto text = run_cli(dir, {"analyze", "a.h5"});
    CHECK(text.code == 0);
    CHECK(neurotwin::analysis::h5_file((dir.work / "a.h5").string()).exists("/analysis"));
    CHECK(run_cli(dir, {"analyze", "missing.h5"}).code == 3);
    const auto badpop = run_cli(dir, {"analyze", "a.h5", "--population", "exd"});
    CHECK(badpop.code == 2);
    CHECK_THAT(badpop.err, Contains("did you mean 'exc'?"));
    CHECK(run_cli(dir, {"analyze", "a.h5", "--window", "5:1"}).code == 2);

    const auto same = run_cli(dir, {"compare", "a.h5", "a2.h5"});
    CHECK(same.code == 0);
    CHECK_THAT(same.out, Contains("identical"));
    const auto diff = run_cli(dir, {"compare", "a.h5", "b.h5"});
    CHECK(diff.code == 1);
    CHECK_THAT(diff.out, Contains("first difference"));

    const auto ex = run_cli(dir, {"export-sonata", "a.h5", "sonata"});
    CHECK(ex.code == 0);
    CHECK(fs::is_regular_file(dir.work / "sonata" / "spikes.h5"));
}

TEST_CASE("plot: the script writes readable PNGs of the right size", "[cli][plot]") {
    if (std::system("/usr/bin/python3 -c 'import h5py, matplotlib' >/dev/null 2>&1") != 0) {
        WARN(
            "skipped: /usr/bin/python3 lacks h5py or matplotlib (apt-get install python3-h5py "
            "python3-matplotlib)");
        return;
    }
    temp_dir dir;
    dir.write("tw.toml", R"(
[simulation]
duration = 300

[[twin]]
name = "tw"
size = 6
inputs = [ { rate = 20.0, weight = 1.0 } ]
bias = { linspace = [-20.0, 10.0] }
rate_filter = 50.0
)");
    dir.write("scan.toml", good(500.0) + "\n[sweep]\n\"population.exc.params.tau_m\" = [10, 20]\n");
    REQUIRE(run_cli(dir, {"run", "tw.toml", "-q"}).code == 0);
    REQUIRE(run_cli(dir, {"batch", "scan.toml", "-o", "b"}).code == 0);
    const auto r = run_cli(dir, {"plot", "tw.h5", "b/batch.json", "-o", "png"});
    INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
    REQUIRE(r.code == 0);
    const std::vector<std::string> expected{
        "tw_raster_tw.biological.png", "tw_isi_rate_tw.biological.png",
        "tw_traces_tw.biological.png", "tw_twin_tw_overlay.png",
        "tw_twin_tw_tuning.png",       "sweep_scan_tau_m.png"};
    for (const auto& name : expected) {
        INFO(name);
        const auto bytes = read_file(dir.work / "png" / name);
        REQUIRE(bytes.size() > 10000);  // a real figure, not an empty canvas
        // PNG signature, then the IHDR chunk: width and height, big-endian, at bytes 16..23.
        REQUIRE(bytes.compare(1, 3, "PNG") == 0);
        const auto be32 = [&](std::size_t at) {
            return (std::uint32_t(std::uint8_t(bytes[at])) << 24) |
                   (std::uint32_t(std::uint8_t(bytes[at + 1])) << 16) |
                   (std::uint32_t(std::uint8_t(bytes[at + 2])) << 8) |
                   std::uint32_t(std::uint8_t(bytes[at + 3]));
        };
        CHECK(be32(16) == 1200);
        CHECK(be32(20) == 750);
    }
    // A missing script is a clear error.
    const auto missing = run_cli(dir, {"plot", "tw.h5", "-o", "png", "--script", "nope.py"});
    CHECK(missing.code != 0);
}

TEST_CASE("plot: compartment reports and subthreshold twins are drawn", "[cli][plot][mc_cell]") {
    if (std::system("/usr/bin/python3 -c 'import h5py, matplotlib' >/dev/null 2>&1") != 0) {
        WARN("skipped: /usr/bin/python3 lacks h5py or matplotlib");
        return;
    }
    temp_dir dir;
    // a passive two-section cell as the biological side of a linear twin: no spikes, so the
    // overlay shows the soma V_m; its compartment report has several columns per neuron
    dir.write("dt.toml", data_text("scenarios/passive_dendrite_linear_twin.toml"));
    REQUIRE(run_cli(dir, {"run", "dt.toml", "-q"}).code == 0);
    // the summary compares the silent biological side through its soma V_m: the linear
    // twin's activation and the passive cell's depolarisation rise together (Spearman 1)
    const auto sum = run_cli(dir, {"summary", "dt.h5"});
    CHECK(sum.code == 0);
    CHECK_THAT(sum.out, Contains("d 1.000 (vs V_m)"));
    const auto r = run_cli(dir, {"plot", "dt.h5", "-o", "png"});
    INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
    REQUIRE(r.code == 0);
    for (const char* name : {"dt_traces_d.biological.png", "dt_twin_d_overlay.png",
                             "dt_twin_d_tuning.png"}) {
        INFO(name);
        CHECK(read_file(dir.work / "png" / name).size() > 10000);
    }
}

TEST_CASE("batch: SIGTERM stops the running children cleanly and waits for them", "[batch][cli]") {
    temp_dir dir;
    const auto long_run = data_text("scenarios/lif_tonic_long.toml");  // 100 s, never finished
    for (const char* name : {"in/a.toml", "in/b.toml", "in/c.toml"}) {
        dir.write(name, long_run);
    }
    child batch(dir, {"batch", "in", "-o", "out", "-j", "2"});
    const auto children = wait_for_children(batch, dir.work / "out", 2);
    REQUIRE(::kill(batch.pid(), SIGTERM) == 0);
    const int code = batch.wait(std::chrono::seconds(60));
    INFO("stderr:\n" << batch.stderr_text());
    // No child outlives the batch: each was stopped and reaped by it (a pid that still exists
    // is an orphan, killed here so that it does not run on for 100 s).
    for (const pid_t pid : children) {
        INFO("child " << pid);
        const bool orphan = process_exists(pid);
        if (orphan) {
            ::kill(pid, SIGKILL);
        }
        CHECK_FALSE(orphan);
    }
    CHECK(code == 130);
    // The stopped runs kept their files, marked incomplete; the third never started.
    CHECK(dir.listing("out") == std::vector<std::string>{"a.h5", "b.h5", "batch.json"});
    for (const char* f : {"a.h5", "b.h5"}) {
        INFO(f);
        CHECK(neurotwin::analysis::h5_file((dir.work / "out" / f).string())
                  .attr_u64("/neurotwin", "completed") == 0);
    }
    const auto runs = runs_of(read_file(dir.work / "out" / "batch.json"));
    CHECK_THAT(run_entry(runs, "a"),
               Contains("\"status\": \"interrupted\"") && Contains("\"exit_code\": 130"));
    CHECK_THAT(run_entry(runs, "c"),
               Contains("\"status\": \"skipped\"") && Contains("not started: interrupted"));
}

TEST_CASE("batch: a second batch on a folder in use is refused and names the lock and its pid",
          "[batch][cli]") {
    temp_dir dir;
    dir.write("in/long.toml", data_text("scenarios/lif_tonic_long.toml"));
    dir.write("small/a.toml", good(500.0));
    child first(dir, {"batch", "in", "-o", "out"});
    wait_for_children(first, dir.work / "out", 1);

    // What a --resume started while the first batch runs would do: the same points again.
    const auto second = run_cli(dir, {"batch", "small", "-o", "out", "--resume"});
    INFO("stdout:\n" << second.out << "\nstderr:\n" << second.err);
    CHECK(second.code == 3);
    CHECK_THAT(second.err, Contains("output folder 'out' is in use by another batch") &&
                               Contains("'out/.batch.lock'") &&
                               Contains("pid " + std::to_string(first.pid())));
    CHECK_FALSE(fs::exists(dir.work / "out" / "a.h5"));

    REQUIRE(::kill(first.pid(), SIGTERM) == 0);
    CHECK(first.wait(std::chrono::seconds(60)) == 130);
    // Released with the batch (and removed): the folder is free again.
    CHECK_FALSE(fs::exists(dir.work / "out" / ".batch.lock"));
    const auto third = run_cli(dir, {"batch", "small", "-o", "out"});
    INFO("third stderr:\n" << third.err);
    CHECK(third.code == 0);
    CHECK(fs::is_regular_file(dir.work / "out" / "a.h5"));
}

TEST_CASE("batch: the lock of a batch killed with SIGKILL does not block the next one",
          "[batch][cli]") {
    temp_dir dir;
    dir.write("in/a.toml", good(500.0));
    fs::create_directories(dir.work / "out");
    // A lock file left by a batch that died: present, but nobody holds it.
    dir.write("out/.batch.lock", "12345\n");
    const auto r = run_cli(dir, {"batch", "in", "-o", "out"});
    INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
    CHECK(r.code == 0);
    CHECK(fs::is_regular_file(dir.work / "out" / "a.h5"));
}

TEST_CASE("batch: an output folder that is not writable is named up front", "[batch][cli]") {
    temp_dir dir;
    dir.write("in/a.toml", good(500.0));
    const auto ro = dir.work / "ro";
    fs::create_directories(ro);
    // Read-only for the user running the batch: root ignores the mode bits, so a root test
    // runs the batch as 'nobody' (uid 65534), for whom the folder (owned by root) is
    // read-only too.
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                            fs::perms::group_exec | fs::perms::others_read |
                            fs::perms::others_exec);
    const int uid = ::geteuid() == 0 ? 65534 : -1;
    child batch(dir, {"batch", "in", "-o", "ro"}, {.uid = uid});
    const int code = batch.wait(std::chrono::seconds(60));
    const auto err = batch.stderr_text();
    INFO("stderr:\n" << err);
    if (code == 126) {
        FAIL("the test could not switch to uid " << uid << " (setuid failed)");
    }
    CHECK(code == 3);
    CHECK_THAT(err, Contains("the output folder 'ro' is not writable: Permission denied"));
    CHECK(fs::is_empty(ro));
    fs::permissions(ro, fs::perms::owner_all);

    // A folder below a regular file cannot be created: named too.
    dir.write("some_file", "x");
    const auto r = run_cli(dir, {"batch", "in", "-o", "some_file/sub"});
    CHECK(r.code == 3);
    CHECK_THAT(r.err, Contains("'some_file/sub'"));
}
