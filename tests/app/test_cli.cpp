// SPDX-License-Identifier: BSD-3-Clause
// The neurotwin executable, end to end: the real binary (NEUROTWIN_BINARY) is started with
// fork/exec (no shell, tests/test_util.hpp: child), its stdout and stderr go to files, and its
// exit code and output files are checked. Output files are read with the raw HDF5 C API
// (tests/h5_raw.hpp), not analysis/h5_reader, so a bug shared by the writer and the reader
// cannot hide.
//
// Every wait is bounded: a child that outlives its deadline is killed with SIGKILL and the
// test fails. The only polling loop (waitpid / the temporary file) sleeps a few milliseconds
// per turn; no assertion depends on wall-clock time.
#include <fmt/format.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "models/registry.hpp"
#include "sim/model_api.hpp"
#include "tests/h5_raw.hpp"
#include "tests/test_util.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using namespace neurotwin::test;

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

// Entries of `dir` whose name starts with `prefix` (e.g. "out.h5" also finds out.h5.tmp-123).
std::vector<std::string> entries_starting_with(const fs::path& dir, const std::string& prefix) {
    std::vector<std::string> found;
    for (const auto& e : fs::directory_iterator(dir)) {
        const auto name = e.path().filename().string();
        if (name.rfind(prefix, 0) == 0) {
            found.push_back(name);
        }
    }
    return found;
}

// tests/data/scenarios/twin_and_lif_layout.toml runs for 200 ms.
constexpr double layout_duration_ms = 200.0;

// Checks the spike group of `pop`; returns the number of spikes.
std::size_t check_spikes(hid_t f, const std::string& pop, std::uint64_t n_nodes) {
    INFO("spikes of " << pop);
    const std::string g = "/spikes/" + pop;
    REQUIRE(exists(f, g + "/timestamps"));
    REQUIRE(exists(f, g + "/node_ids"));
    CHECK(dataset_type_is(f, g + "/timestamps", H5T_IEEE_F64LE));
    CHECK(dataset_type_is(f, g + "/node_ids", H5T_STD_U64LE));
    CHECK(string_attr(f, g + "/timestamps", "units") == "ms");

    // `sorting`: a SONATA enum over uint8, value by_time (2).
    raw a(H5Aopen_by_name(f, g.c_str(), "sorting", H5P_DEFAULT, H5P_DEFAULT));
    raw t(H5Aget_type(a));
    REQUIRE(H5Tget_class(t) == H5T_ENUM);
    raw super(H5Tget_super(t));
    CHECK(H5Tequal(super, H5T_STD_U8LE) > 0);
    std::uint8_t sorting = 99;
    REQUIRE(H5Aread(a, t, &sorting) >= 0);
    CHECK(sorting == 2);
    char label[16] = {};
    REQUIRE(H5Tenum_nameof(t, &sorting, label, sizeof label) >= 0);
    CHECK(std::string(label) == "by_time");

    const auto times = read_all<double>(f, g + "/timestamps", H5T_NATIVE_DOUBLE);
    const auto ids = read_all<std::uint64_t>(f, g + "/node_ids", H5T_NATIVE_UINT64);
    REQUIRE(dims_of(f, g + "/timestamps").size() == 1);
    REQUIRE(times.size() == ids.size());
    CHECK(std::is_sorted(times.begin(), times.end()));  // what by_time promises
    CHECK(std::all_of(ids.begin(), ids.end(), [&](std::uint64_t id) { return id < n_nodes; }));
    return times.size();
}

struct report_axis {
    double start, stop, step;
    hsize_t frames;
};

// Checks /report/<pop>/<var> of a report over all `n` nodes of the population.
report_axis check_report(hid_t f, const std::string& pop, const std::string& var,
                         std::uint64_t n) {
    INFO("report " << pop << "/" << var);
    const std::string r = "/report/" + pop + "/" + var;
    const std::string m = r + "/mapping";
    REQUIRE(exists(f, r + "/data"));
    CHECK(dataset_type_is(f, r + "/data", H5T_IEEE_F32LE));
    const auto dims = dims_of(f, r + "/data");
    REQUIRE(dims.size() == 2);
    CHECK(dims[1] == n);

    CHECK(dataset_type_is(f, m + "/node_ids", H5T_STD_U64LE));
    const auto ids = read_all<std::uint64_t>(f, m + "/node_ids", H5T_NATIVE_UINT64);
    REQUIRE(ids.size() == n);
    for (std::uint64_t i = 0; i < n; ++i) {
        CHECK(ids[i] == i);
    }
    CHECK(dataset_type_is(f, m + "/index_pointers", H5T_STD_U64LE));
    const auto ptr = read_all<std::uint64_t>(f, m + "/index_pointers", H5T_NATIVE_UINT64);
    REQUIRE(ptr.size() == n + 1);
    for (std::uint64_t i = 0; i <= n; ++i) {
        CHECK(ptr[i] == i);
    }
    CHECK(dataset_type_is(f, m + "/element_ids", H5T_STD_U32LE));
    const auto el = read_all<std::uint32_t>(f, m + "/element_ids", H5T_NATIVE_UINT32);
    CHECK(el.size() == n);
    CHECK(std::all_of(el.begin(), el.end(), [](std::uint32_t e) { return e == 0; }));

    CHECK(dataset_type_is(f, m + "/time", H5T_IEEE_F64LE));
    CHECK(string_attr(f, m + "/time", "units") == "ms");
    const auto time = read_all<double>(f, m + "/time", H5T_NATIVE_DOUBLE);
    REQUIRE(time.size() == 3);
    // SONATA's interval is open on the right: frame k is at start + k step, k < frames.
    CHECK(time[2] > 0.0);
    CHECK(time[1] == Approx(time[0] + double(dims[0]) * time[2]).epsilon(1e-12));

    // The data are finite numbers (float32, row-major [frames x N]).
    const auto data = read_all<float>(f, r + "/data", H5T_NATIVE_FLOAT);
    CHECK(data.size() == dims[0] * dims[1]);
    CHECK(std::all_of(data.begin(), data.end(), [](float x) { return std::isfinite(x); }));
    return {time[0], time[1], time[2], dims[0]};
}

// Exit code 2, the positioned message, the key text, and no output or temporary file.
void check_rejected(const temp_dir& dir, const std::string& toml, const std::string& position,
                    const std::string& key_text) {
    dir.write("bad.toml", toml);
    const std::string where = "bad.toml:" + position + ": error:";
    {
        const auto r = run_cli(dir, {"run", "bad.toml", "-o", "out.h5"});
        INFO("run, stderr:\n" << r.err);
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Contains(where) && Contains(key_text));
        CHECK(entries_starting_with(dir.work, "out.h5").empty());
        CHECK(entries_starting_with(dir.work, "bad.h5").empty());
    }
    {
        const auto r = run_cli(dir, {"validate", "bad.toml"});
        INFO("validate, stderr:\n" << r.err);
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Contains(where) && Contains(key_text));
    }
    CHECK(dir.listing() == std::vector<std::string>{"bad.toml"});
}

}  // namespace

TEST_CASE("cli: a bad scenario exits with code 2, a positioned message and no output file",
          "[cli]") {
    temp_dir dir;
    SECTION("TOML syntax error") {
        check_rejected(dir, "[simulation]\nduration = 10\ndt = = 0.1\n", "3:6",
                       "TOML syntax error");
    }
    SECTION("unknown key with a did-you-mean hint") {
        check_rejected(dir, "[simulation]\nduration = 10\ndurration = 5\n", "3:1",
                       "unknown key 'durration'; did you mean 'duration'?");
    }
    SECTION("unknown model") {
        check_rejected(dir,
                       "[simulation]\nduration = 10\n[[population]]\nname = \"exc\"\n"
                       "model = \"liff\"\nsize = 10\n",
                       "5:9", "found \"liff\"; did you mean 'lif'?");
    }
    SECTION("a unit of the wrong dimension") {
        check_rejected(dir,
                       "[simulation]\nduration = 10\n[[population]]\nname = \"exc\"\n"
                       "model = \"lif\"\nsize = 10\nparams = { tau_m = \"2 mV\" }\n",
                       "7:20", "parameter 'tau_m': expected a duration (ms), found \"2 mV\"");
    }
    SECTION("a reference to a missing population") {
        check_rejected(dir,
                       "[simulation]\nduration = 10\n[[population]]\nname = \"exc\"\n"
                       "model = \"lif\"\nsize = 10\n[[projection]]\nsource = \"exc\"\n"
                       "target = \"exx\"\nweight = 1\n",
                       "9:10", "unknown population 'exx'; did you mean 'exc'?");
    }
    SECTION("a duration that is not a multiple of dt") {
        check_rejected(dir, "[simulation]\nduration = 10.05\ndt = 0.1\n", "2:12",
                       "duration 10.05 ms is not a multiple of dt 0.1 ms");
    }
}

TEST_CASE("cli: a missing scenario file exits with code 3 and names the path", "[cli]") {
    temp_dir dir;
    for (const auto& args :
         {std::vector<std::string>{"run", "no_such.toml", "-o", "out.h5"},
          std::vector<std::string>{"validate", "no_such.toml"}}) {
        INFO(args[0]);
        const auto r = run_cli(dir, args);
        INFO("stderr:\n" << r.err);
        CHECK(r.code == 3);
        CHECK_THAT(r.err, Contains("error: cannot open scenario file 'no_such.toml'") &&
                              Contains("No such file or directory"));
        CHECK(dir.listing().empty());
    }
}

TEST_CASE("cli: a numerical fault exits with code 4, names where, and leaves no file",
          "[cli]") {
    // A rate of 1e308 Hz is valid input; times a weight of 10 the pre-activation overflows
    // to infinity in the first step.
    temp_dir dir;
    dir.write("fault.toml", data_text("scenarios/overflow_fault.toml"));
    const auto r = run_cli(dir, {"run", "fault.toml", "-o", "out.h5"});
    INFO("stderr:\n" << r.err);
    CHECK(r.code == 4);
    CHECK_THAT(r.err, Contains("error: numerical fault:") && Contains("preactivation") &&
                          Contains("of 'out'") && Contains("at t = "));
    CHECK(dir.listing() == std::vector<std::string>{"fault.toml"});
}

TEST_CASE("cli: an output path in a missing directory exits with code 3 and leaves nothing",
          "[cli]") {
    temp_dir dir;
    dir.write("ok.toml", data_text("scenarios/lif_tiny.toml"));
    const auto r = run_cli(dir, {"run", "ok.toml", "-o", "nodir/sub/out.h5", "-q"});
    INFO("stderr:\n" << r.err);
    CHECK(r.code == 3);
    CHECK_THAT(r.err, StartsWith("error: ") && Contains("nodir/sub/out.h5") &&
                          Contains("directory 'nodir/sub' does not exist"));
    CHECK(dir.listing() == std::vector<std::string>{"ok.toml"});
}

TEST_CASE("cli: a run writes the complete SONATA layout and the provenance", "[cli]") {
    temp_dir dir;
    const auto scenario =
        dir.write("layout.toml", data_text("scenarios/twin_and_lif_layout.toml"));
    // --threads overrides the scenario's threads = 2; the file must say what was used.
    const auto r = run_cli(dir, {"run", "layout.toml", "-o", "out.h5", "--threads", "1"});
    INFO("stderr:\n" << r.err);
    REQUIRE(r.code == 0);
    CHECK_THAT(r.err, Contains("simulated 200.0 ms") && Contains("-> out.h5"));
    CHECK(dir.listing() == std::vector<std::string>{"layout.toml", "out.h5"});

    hdf5_quiet quiet;
    raw f(H5Fopen((dir.work / "out.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));

    SECTION("root attributes magic and version") {
        check_magic_and_version(f);
    }

    SECTION("spikes of the plain population and of the twin's biological side") {
        CHECK(children_of(f, "/spikes") == std::vector<std::string>{"exc", "tw.biological"});
        const auto n_exc = check_spikes(f, "exc", 20);
        const auto n_bio = check_spikes(f, "tw.biological", 8);
        CHECK(n_exc > 0);  // up to 1 nA, well above the 375 pA rheobase
        CHECK(n_bio > 0);  // the largest biases drive the twin above threshold
        CHECK(u64_attr(f, "/neurotwin", "spikes") == n_exc + n_bio);
        // Spikes happen inside the simulated interval.
        for (const char* pop : {"exc", "tw.biological"}) {
            const auto t =
                read_all<double>(f, std::string("/spikes/") + pop + "/timestamps",
                                 H5T_NATIVE_DOUBLE);
            CHECK(std::all_of(t.begin(), t.end(),
                              [](double x) { return x >= 0.0 && x <= layout_duration_ms; }));
        }
    }

    SECTION("reports: one per recorded variable, twin reports on one time axis") {
        CHECK(children_of(f, "/report") ==
              std::vector<std::string>{"exc", "tw.artificial", "tw.biological", "tw.inputs"});
        CHECK(children_of(f, "/report/tw.artificial") ==
              std::vector<std::string>{"activation", "preactivation"});
        CHECK(children_of(f, "/report/tw.biological") ==
              std::vector<std::string>{"V_m", "rate"});
        CHECK(children_of(f, "/report/tw.inputs") == std::vector<std::string>{"activation"});
        CHECK(children_of(f, "/report/exc") == std::vector<std::string>{"V_m"});

        const auto exc = check_report(f, "exc", "V_m", 20);
        CHECK(string_attr(f, "/report/exc/V_m/data", "units") == "mV");
        CHECK(exc.start == 0.0);
        CHECK(exc.step == Approx(0.5));
        CHECK(exc.frames == 400);
        CHECK(exc.stop == Approx(layout_duration_ms));

        const auto n_inputs = u64_attr(f, "/neurotwin/populations/tw.inputs", "size");
        const std::vector<std::pair<std::string, std::string>> twin_reports{
            {"tw.inputs", "activation"},
            {"tw.artificial", "activation"},
            {"tw.artificial", "preactivation"},
            {"tw.biological", "rate"},
            {"tw.biological", "V_m"}};
        std::vector<report_axis> axes;
        for (const auto& [pop, var] : twin_reports) {
            axes.push_back(check_report(f, pop, var, pop == "tw.inputs" ? n_inputs : 8));
        }
        for (const auto& a : axes) {
            CHECK(a.start == axes[0].start);
            CHECK(a.stop == axes[0].stop);
            CHECK(a.step == axes[0].step);
            CHECK(a.frames == axes[0].frames);
        }
        CHECK(axes[0].step == Approx(2.0));
        CHECK(axes[0].frames == 100);
        CHECK(axes[0].stop == Approx(layout_duration_ms));
    }

    SECTION("/neurotwin: run attributes, verbatim scenario, populations and twins") {
        const std::string nt = "/neurotwin";
        CHECK(scalar_attr<std::uint8_t>(f, nt, "completed", H5T_STD_U8LE, H5T_NATIVE_UINT8) ==
              1);
        CHECK(f64_attr(f, nt, "t_reached_ms") == Approx(layout_duration_ms));
        CHECK(u64_attr(f, nt, "seed") == 7);
        CHECK(scalar_attr<std::int64_t>(f, nt, "threads", H5T_STD_I64LE, H5T_NATIVE_INT64) == 1);
        CHECK_FALSE(string_attr(f, nt, "neurotwin_version").empty());
        CHECK_FALSE(string_attr(f, nt, "git_revision").empty());
        CHECK(string_attr(f, nt, "scenario_file") == "layout.toml");
        CHECK(std::regex_match(string_attr(f, nt, "start_time"),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
        CHECK(f64_attr(f, nt, "wall_time_s") >= 0.0);

        CHECK(scalar_string_dataset(f, nt + "/scenario") == read_file(scenario));

        CHECK(children_of(f, nt + "/populations") ==
              std::vector<std::string>{"exc", "tw.artificial", "tw.biological", "tw.inputs"});
        CHECK(string_attr(f, nt + "/populations/exc", "model") == "lif");
        CHECK(string_attr(f, nt + "/populations/tw.artificial", "model") == "relu");
        CHECK(string_attr(f, nt + "/populations/tw.biological", "model") == "lif");
        CHECK(string_attr(f, nt + "/populations/tw.inputs", "model") == "rate_source");
        // Every parameter of the model is stored, one value per neuron, with its unit.
        const auto* lif = neurotwin::builtin_models().find("lif");
        REQUIRE(lif != nullptr);
        for (const auto& p : lif->params) {
            const auto path = nt + "/populations/exc/params/" + p.name;
            INFO(path);
            REQUIRE(exists(f, path));
            CHECK(read_all<double>(f, path, H5T_NATIVE_DOUBLE).size() == 20);
        }
        const auto I_e = read_all<double>(f, nt + "/populations/exc/params/I_e",
                                          H5T_NATIVE_DOUBLE);
        REQUIRE(I_e.size() == 20);
        CHECK(I_e.front() == Approx(300.0));
        CHECK(I_e.back() == Approx(1000.0));
        CHECK(string_attr(f, nt + "/populations/exc/params/I_e", "units") == "pA");
        CHECK(string_attr(f, nt + "/populations/exc/params/tau_m", "units") == "ms");

        CHECK(children_of(f, nt + "/twins") == std::vector<std::string>{"tw"});
        REQUIRE(exists(f, nt + "/twins/tw/weights"));
        CHECK(dataset_type_is(f, nt + "/twins/tw/weights", H5T_IEEE_F64LE));
        CHECK_FALSE(read_all<double>(f, nt + "/twins/tw/weights", H5T_NATIVE_DOUBLE).empty());
        const auto bias = read_all<double>(f, nt + "/twins/tw/bias", H5T_NATIVE_DOUBLE);
        REQUIRE(bias.size() == 8);
        CHECK(bias.front() == Approx(-20.0));
        CHECK(bias.back() == Approx(10.0));
    }
}

TEST_CASE("cli: without -o the output is <scenario stem>.h5 in the working directory",
          "[cli]") {
    temp_dir dir;
    dir.write("sub/x.toml", data_text("scenarios/lif_tiny.toml"));
    const auto r = run_cli(dir, {"run", "sub/x.toml", "--quiet"});
    INFO("stderr:\n" << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.err.empty());  // --quiet
    CHECK(fs::is_regular_file(dir.work / "x.h5"));
    CHECK(dir.listing() == std::vector<std::string>{"sub", "x.h5"});
    CHECK_FALSE(fs::exists(dir.work / "sub" / "x.h5"));
}

TEST_CASE("cli: 1 and 2 threads write identical spikes and reports, --seed changes them",
          "[cli][determinism]") {
    temp_dir dir;
    dir.write("net.toml", data_text("scenarios/determinism_network.toml"));
    for (const auto& [threads, out] : {std::pair{"1", "t1.h5"}, std::pair{"2", "t2.h5"}}) {
        const auto r = run_cli(dir, {"run", "net.toml", "-o", out, "--threads", threads, "-q"});
        INFO("stderr:\n" << r.err);
        REQUIRE(r.code == 0);
    }
    {
        const auto r =
            run_cli(dir, {"run", "net.toml", "-o", "s1.h5", "--threads", "1", "--seed", "54321",
                          "-q"});
        INFO("stderr:\n" << r.err);
        REQUIRE(r.code == 0);
    }

    hdf5_quiet quiet;
    raw f1(H5Fopen((dir.work / "t1.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    raw f2(H5Fopen((dir.work / "t2.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    raw fs1(H5Fopen((dir.work / "s1.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    CHECK(u64_attr(f1, "/neurotwin", "spikes") > 1000);  // the network is active

    for (const char* group : {"/spikes", "/report"}) {
        INFO(group);
        const auto a = datasets_below(f1, group);
        const auto b = datasets_below(f2, group);
        REQUIRE(a.size() >= 4);
        REQUIRE(a.size() == b.size());
        for (const auto& [path, bytes] : a) {
            INFO(path);
            REQUIRE(b.count(path) == 1);
            CHECK(bytes.size() == b.at(path).size());
            CHECK(bytes == b.at(path));  // byte-identical, not approximately equal
        }
    }
    CHECK(u64_attr(fs1, "/neurotwin", "seed") == 54321);
    CHECK(raw_bytes(f1, "/spikes/exc/node_ids") != raw_bytes(fs1, "/spikes/exc/node_ids"));
    CHECK(raw_bytes(f1, "/spikes/tw.biological/node_ids") !=
          raw_bytes(fs1, "/spikes/tw.biological/node_ids"));
}

namespace {

// Sends `sig` to a running `run` once it has started writing; checks that it stops with code
// 130, leaves no temporary file and keeps a valid file marked incomplete.
// Waits (at most 10 s) until the run of `c` has created its temporary file `temp`. The file is
// created after the signal handlers are installed and before the first step, so its existence
// says the run is underway and can be interrupted.
void wait_for_temp_file(child& c, const fs::path& temp) {
    const auto deadline = clock_type::now() + std::chrono::seconds(10);
    while (!fs::exists(temp)) {
        if (c.poll()) {
            FAIL("neurotwin ended before the run started; stderr:\n" << c.stderr_text());
        }
        if (clock_type::now() > deadline) {
            FAIL("no temporary file " << temp << " within 10 s; stderr:\n" << c.stderr_text());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

void check_stopped_by(int sig) {
    INFO("signal " << sig << " (" << strsignal(sig) << ")");
    temp_dir dir;
    dir.write("long.toml", data_text("scenarios/lif_tonic_long.toml"));
    constexpr double duration_ms = 100000.0;

    child c(dir, {"run", "long.toml", "-o", "out.h5", "--threads", "2"});
    wait_for_temp_file(c, dir.work / ("out.h5.tmp-" + std::to_string(c.pid())));
    REQUIRE(::kill(c.pid(), sig) == 0);
    const int code = c.wait(std::chrono::seconds(30));
    const auto err = c.stderr_text();
    INFO("stderr:\n" << err);
    REQUIRE(code == 130);
    CHECK_THAT(err, Contains("interrupted: simulated"));

    CHECK(dir.listing() == std::vector<std::string>{"long.toml", "out.h5"});  // no temp file

    hdf5_quiet quiet;
    raw f(H5Fopen((dir.work / "out.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    CHECK(scalar_attr<std::uint8_t>(f, "/neurotwin", "completed", H5T_STD_U8LE,
                                    H5T_NATIVE_UINT8) == 0);
    const double t_reached = f64_attr(f, "/neurotwin", "t_reached_ms");
    CHECK(t_reached > 0.0);
    CHECK(t_reached < duration_ms);
    const auto n = check_spikes(f, "big", 2000);
    CHECK(n >= 2000);  // every cell spikes in the first step
    CHECK(u64_attr(f, "/neurotwin", "spikes") == n);
    const auto t = read_all<double>(f, "/spikes/big/timestamps", H5T_NATIVE_DOUBLE);
    CHECK(std::all_of(t.begin(), t.end(), [&](double x) { return x <= t_reached + 1e-9; }));
}

}  // namespace

TEST_CASE("cli: SIGINT stops a run with code 130 and keeps a valid, incomplete file",
          "[cli][interrupt]") {
    check_stopped_by(SIGINT);
}

// What a cluster scheduler (SIGTERM) and a closed terminal (SIGHUP) send: the same clean stop.
TEST_CASE("cli: SIGTERM and SIGHUP stop a run like SIGINT with code 130 and an incomplete file",
          "[cli][interrupt]") {
    check_stopped_by(GENERATE(SIGTERM, SIGHUP));
}

TEST_CASE("cli: a run started with SIGHUP ignored (nohup) goes on after a SIGHUP",
          "[cli][interrupt]") {
    temp_dir dir;
    // 2 s of 2,000 tonically firing cells: far longer than the signal takes to arrive.
    dir.write("run.toml",
              replace_once(data_text("scenarios/lif_tonic_long.toml"),
                                            "\"100 s\"", "\"2 s\""));
    child c(dir, {"run", "run.toml", "-o", "out.h5", "--threads", "1"}, {.ignore_hup = true});
    wait_for_temp_file(c, dir.work / ("out.h5.tmp-" + std::to_string(c.pid())));
    REQUIRE(::kill(c.pid(), SIGHUP) == 0);
    const int code = c.wait(std::chrono::seconds(120));
    INFO("stderr:\n" << c.stderr_text());
    CHECK(code == 0);
    hdf5_quiet quiet;
    raw f(H5Fopen((dir.work / "out.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    CHECK(scalar_attr<std::uint8_t>(f, "/neurotwin", "completed", H5T_STD_U8LE,
                                    H5T_NATIVE_UINT8) == 1);
}

TEST_CASE("cli: models lists every model with its parameters and units", "[cli]") {
    temp_dir dir;
    const auto r = run_cli(dir, {"models"});
    INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
    REQUIRE(r.code == 0);
    for (const char* word : {"lif", "tau_m", "ms", "rate_source", "leaky_relu", "alpha"}) {
        CHECK_THAT(r.out, Contains(word));
    }
    // Every model of the registry, each parameter on a line with its unit ("-" if none).
    for (const auto* m : neurotwin::builtin_models().all()) {
        INFO(m->name);
        CHECK(std::regex_search(r.out, std::regex("(^|\n)" + m->name + " \\(")));
        for (const auto& p : m->params) {
            const auto unit = neurotwin::unit_symbol(p.dim);
            const std::string u = unit.empty() ? "-" : std::string(unit);
            INFO(p.name << " [" << u << "]");
            CHECK(std::regex_search(
                r.out, std::regex("\n +" + p.name + " +[^ \n]+ +" +
                                  std::regex_replace(u, std::regex(R"([.^$|()\[\]{}*+?\\/])"),
                                                     R"(\$&)") +
                                  " ")));
        }
    }
}

TEST_CASE("cli: summary prints the scenario, the spikes and the twin agreement", "[cli]") {
    temp_dir dir;
    dir.write("layout.toml", data_text("scenarios/twin_and_lif_layout.toml"));
    const auto run = run_cli(dir, {"run", "layout.toml", "-q", "--threads", "1"});
    INFO("run stderr:\n" << run.err);
    REQUIRE(run.code == 0);
    std::uint64_t spikes = 0;
    {
        hdf5_quiet quiet;
        raw f(H5Fopen((dir.work / "layout.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
        spikes = u64_attr(f, "/neurotwin", "spikes");
    }
    const auto r = run_cli(dir, {"summary", "layout.h5"});
    INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
    REQUIRE(r.code == 0);
    // One header line, then: stem, simulated ms, wall s, spikes, "<twin> <Spearman rho>".
    const std::regex row("\nlayout +200\\.0 +[0-9.]+ +" + std::to_string(spikes) +
                         " +tw (-?[01]\\.[0-9]{3})\n");
    std::smatch m;
    REQUIRE(std::regex_search(r.out, m, row));
    const double rho = std::stod(m[1].str());
    CHECK(rho >= -1.0);
    CHECK(rho <= 1.0);
}

TEST_CASE("cli: an absurd thread count is rejected naming the option or the key position",
          "[cli]") {
    // 4 threads per core at most (sim/run.cpp max_threads): 100000 is beyond it on any machine
    // with fewer than 25,000 cores, and above the absolute bound of 1024 anyway.
    temp_dir dir;
    dir.write("ok.toml", "[simulation]\nduration = 1\n[[population]]\nname = \"p\"\n"
                         "model = \"lif\"\nsize = 2\n");
    {
        const auto r = run_cli(dir, {"run", "ok.toml", "-o", "out.h5", "--threads", "100000"});
        INFO("stderr:\n" << r.err);
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Contains("error: --threads: expected at most") &&
                              Contains("found 100000"));
        CHECK(entries_starting_with(dir.work, "out.h5").empty());
    }
    dir.write("bad.toml", "[simulation]\nduration = 1\nthreads = 100000\n[[population]]\n"
                          "name = \"p\"\nmodel = \"lif\"\nsize = 2\n");
    {
        const auto r = run_cli(dir, {"run", "bad.toml", "-o", "out.h5"});
        INFO("stderr:\n" << r.err);
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Contains("bad.toml:3:11: error: [simulation] threads: expected at "
                                   "most") &&
                              Contains("found 100000"));
        CHECK(entries_starting_with(dir.work, "out.h5").empty());
    }
}

TEST_CASE("cli: hostile times, names and sweep sizes exit with code 2 before anything is "
          "written",
          "[cli]") {
    temp_dir dir;
    SECTION("a duration of 1e300 ms (ran as INT64_MIN steps, exit 130 with a file)") {
        check_rejected(dir, "[simulation]\nduration = 1e300\n", "2:12",
                       "[simulation] duration: expected at most 9.0072e+14 ms");
    }
    SECTION("a population name with a dot (failed late: internal error)") {
        check_rejected(dir,
                       "[simulation]\nduration = 10\n[[population]]\nname = \"a.b\"\n"
                       "model = \"lif\"\nsize = 1\n",
                       "4:8", "population #1, name: expected a name of letters, digits");
    }
    SECTION("a sweep of 16 keys x 16 values (the count wrapped to 0: SIGSEGV)") {
        std::string text = "[simulation]\nduration = 10\n";
        std::string sweep = "[sweep]\n";
        for (int p = 0; p < 16; ++p) {
            text += fmt::format("[[population]]\nname = \"p{}\"\nmodel = \"lif\"\nsize = 1\n",
                                p);
            sweep += fmt::format("\"population.p{}.size\" = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, "
                                 "12, 13, 14, 15, 16]\n",
                                 p);
        }
        check_rejected(dir, text + sweep, "72:1",
                       "[sweep] 'population.p4.size': more than 100000 points");
    }
    SECTION("delay rings of 1.6 EB (std::bad_alloc in an OpenMP region: SIGABRT)") {
        check_rejected(dir,
                       "[simulation]\nduration = 1e13\n[[population]]\nname = \"a\"\n"
                       "model = \"lif\"\nsize = 10000\n[[projection]]\nsource = \"a\"\n"
                       "target = \"a\"\nrule = \"one_to_one\"\nweight = 1\n"
                       "delay = \"1000000000 s\"\n",
                       "7:1",
                       "this scenario needs an estimated 1.6 EB of memory, more than the");
    }
}

TEST_CASE("cli: validate prints the memory estimate", "[cli]") {
    temp_dir dir;
    // 1000 neurons x 100 steps of ring x 16 bytes = 1.6 MB, plus 1000 neurons of about 300
    // bytes and 1000 connections of 44 bytes while built
    dir.write("ok.toml", "[simulation]\nduration = 10\n[[population]]\nname = \"a\"\n"
                         "model = \"lif\"\nsize = 1000\n[[projection]]\nsource = \"a\"\n"
                         "target = \"a\"\nrule = \"one_to_one\"\nweight = 1\n"
                         "delay = \"100 s\"\n");
    const auto r = run_cli(dir, {"validate", "ok.toml"});
    INFO("stderr:\n" << r.err);
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Contains("ok.toml: ok (1 populations, 0 twins, 100 steps, estimated "
                               "memory 1.") &&
                          Contains(" MB)"));
}

TEST_CASE("cli: a failed allocation while building is a clear error, not a crash", "[cli]") {
#if defined(__SANITIZE_ADDRESS__)
    WARN("skipped: AddressSanitizer needs more address space than the limit");
    return;
#endif
    // 2000 x 2000 all-to-all connections (estimated 177 MB: below any machine's memory, so
    // the estimate lets it through) under an address-space limit of 64 MB: the builder's
    // allocations fail, some inside OpenMP regions on 2 threads, which was std::terminate
    // (SIGABRT, exit 134) or "internal error (please report): std::bad_alloc" (exit 5).
    temp_dir dir;
    constexpr rlim_t limit = 64u << 20;
    dir.write("tiny.toml", "[simulation]\nduration = 1\n");
    dir.write("big.toml", "[simulation]\nduration = 10\n[[population]]\nname = \"a\"\n"
                          "model = \"lif\"\nsize = 2000\n[[projection]]\nsource = \"a\"\n"
                          "target = \"a\"\nweight = 1\n");
    {
        child c(dir, {"validate", "tiny.toml"}, {.address_space = limit});
        if (c.wait() != 0) {
            WARN("skipped: the binary cannot start within " << limit << " bytes of address "
                                                             "space here");
            return;
        }
    }
    for (const char* cmd : {"validate", "run"}) {
        INFO(cmd);
        std::vector<std::string> args{cmd, "big.toml"};
        if (std::string(cmd) == "run") {
            args.insert(args.end(), {"-o", "out.h5", "--threads", "2"});
        }
        child c(dir, args, {.address_space = limit});
        const int code = c.wait();
        const auto err = c.stderr_text();
        INFO("stderr:\n" << err);
        CHECK(code == 2);
        CHECK_THAT(err, Contains("big.toml: error: out of memory while building the network "
                                 "(estimated 177 MB, "));
        CHECK(entries_starting_with(dir.work, "out.h5").empty());
    }
}

TEST_CASE("cli: neurons beside variables select traces, spikes stay whole, the closing line "
          "counts the spikes written",
          "[cli][record]") {
    // tests/data/record_rule.toml: three populations of 10 LIF cells under 1 nA (far above
    // the 375 pA rheobase: every cell fires); 'c' is not recorded. In 'a', `neurons = [0, 3]`
    // beside `variables` selects the traces; the spikes are those of all 10 cells. A
    // spikes-only record with `neurons` still selects the spiking neurons (the way to ask for
    // a subset). The closing line and the `spikes` attribute count what the file holds;
    // `spikes_fired` counts every spike.
    temp_dir dir;
    const auto r =
        run_cli(dir, {"run", data_path("record_rule.toml"), "-o", "rec.h5"});
    INFO("stderr:\n" << r.err);
    REQUIRE(r.code == 0);
    hdf5_quiet quiet;
    raw f(H5Fopen((dir.work / "rec.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    const auto n_a = check_spikes(f, "a", 10);
    const auto n_b = check_spikes(f, "b", 10);
    auto ids = read_all<std::uint64_t>(f, "/spikes/a/node_ids", H5T_NATIVE_UINT64);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    CHECK(ids == std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    CHECK(read_all<std::uint64_t>(f, "/report/a/V_m/mapping/node_ids", H5T_NATIVE_UINT64) ==
          std::vector<std::uint64_t>{0, 3});
    ids = read_all<std::uint64_t>(f, "/spikes/b/node_ids", H5T_NATIVE_UINT64);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    CHECK(ids == std::vector<std::uint64_t>{1, 2});
    // Identical cells fire identically: c fired as many as a, b's two cells a fifth of that.
    REQUIRE(n_a % 10 == 0);
    CHECK(n_b == n_a / 5);
    const auto written = n_a + n_b, fired = 3 * n_a;
    CHECK(u64_attr(f, "/neurotwin", "spikes") == written);
    CHECK(u64_attr(f, "/neurotwin", "spikes_fired") == fired);
    CHECK_THAT(r.err, Contains(fmt::format("), {} spikes recorded (of {} fired), 1 threads -> ",
                                           written, fired)));
    H5Fclose(f.id);
    f.id = -1;
    // analyze takes the same rule: all 10 cells of a hold spikes (it counted 2, the traces'
    // neurons, and so a rate five times too high), two of b.
    const auto a = run_cli(dir, {"analyze", "rec.h5"});
    INFO("analyze stderr:\n" << a.err);
    REQUIRE(a.code == 0);
    raw g(H5Fopen((dir.work / "rec.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    CHECK(scalar_attr<std::int64_t>(g, "/analysis/populations/a", "n_recorded", H5T_STD_I64LE,
                                     H5T_NATIVE_INT64) == 10);
    CHECK(scalar_attr<std::int64_t>(g, "/analysis/populations/b", "n_recorded", H5T_STD_I64LE,
                                     H5T_NATIVE_INT64) == 2);
}

TEST_CASE("cli: validate and run print the loader's warnings on stderr with their position",
          "[cli]") {
    temp_dir dir;
    dir.write("late.toml", data_text("scenarios/late_stimulus.toml"));
    const std::string warning =
        "late.toml:15:9: warning: stimulus 'kick', start: 600 ms is not before the end of the "
        "run (duration 50 ms); the stimulus never acts\n";
    const auto v = run_cli(dir, {"validate", "late.toml"});
    CHECK(v.code == 0);
    CHECK(v.err == warning);
    const auto r = run_cli(dir, {"run", "late.toml", "-q", "-o", "late.h5"});
    CHECK(r.code == 0);
    CHECK(r.err == warning);  // -q silences the closing line, not the warning
}
