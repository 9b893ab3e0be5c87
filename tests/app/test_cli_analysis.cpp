// SPDX-License-Identifier: BSD-3-Clause
// The reading side of the executable end to end (summary, analyze, plot) and what a full disk
// does to run and analyze (issue 10, items 7, 9, 10, 18, 19). A full disk is simulated without
// root and without a special file system: the child gets RLIMIT_FSIZE (setrlimit between fork
// and exec, tests/test_util.hpp: child_options::file_size) with SIGXFSZ ignored, so every write
// past the limit fails with EFBIG, the way a full disk makes it fail with ENOSPC.
#include <hdf5.h>
#include <sys/resource.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "tests/test_util.hpp"

using Catch::Matchers::Contains;
using namespace neurotwin::test;
namespace fs = std::filesystem;

namespace {

// tests/data/scenarios/relu_lif_twin_12.toml: a relu/lif twin of 12 pairs, 500 ms.
std::string twin_toml() {
    return data_text("scenarios/relu_lif_twin_12.toml");
}

}  // namespace

TEST_CASE("cli: a run onto a full disk exits 3 with the reason and leaves no file",
          "[cli][io][errors]") {
    // Before: the clean message, then SIGSEGV in HDF5's atexit handler (exit 139), because
    // the file HDF5 could not flush stayed open. 64 KiB is less than the run writes.
    temp_dir dir;
    dir.write("twin.toml", twin_toml());
    const auto r =
        run_cli(dir, {"run", "twin.toml", "-o", "out.h5", "-q"}, {.file_size = 64 * 1024});
    INFO("stderr: " << r.err);
    CHECK(r.code == 3);
    CHECK_THAT(r.err, Contains("error: ") && Contains("out.h5.tmp-") && Contains("File too large"));
    for (const auto& name : dir.listing()) {
        CHECK_FALSE(name.starts_with("out.h5"));
    }
}

TEST_CASE("cli: analyze onto a full disk exits 3 and leaves the run file as it was",
          "[cli][io][errors]") {
    // Before: exit 139 and a dangling /analysis link; every later analyze of the file failed
    // ("len not positive after adjustment for EOA").
    temp_dir dir;
    dir.write("twin.toml", twin_toml());
    REQUIRE(run_cli(dir, {"run", "twin.toml", "-o", "out.h5", "-q"}).code == 0);
    const auto before = read_file(dir.work / "out.h5");
    // Room for the copy of the file, not for the analysis written into it.
    const auto r = run_cli(dir, {"analyze", "out.h5"}, {.file_size = before.size() + 1024});
    INFO("stderr: " << r.err);
    CHECK(r.code == 3);
    CHECK_THAT(r.err, Contains("out.h5") && Contains("File too large") &&
                          Contains("the file is unchanged"));
    CHECK(read_file(dir.work / "out.h5") == before);
    for (const auto& name : dir.listing()) {
        CHECK_FALSE(name.starts_with("out.h5.tmp"));
    }
    // With room, the same file is analysed.
    const auto again = run_cli(dir, {"analyze", "out.h5"});
    INFO("stderr: " << again.err);
    CHECK(again.code == 0);
    CHECK_THAT(again.out, Contains("-> /analysis in out.h5"));
}

TEST_CASE("cli: export-sonata onto a full disk exits 3 and leaves no temporary file",
          "[cli][io][errors]") {
    // Before: SIGSEGV inside HDF5's H5Ocopy when a write failed (exit 139), and the
    // temporary spikes.h5.tmp-<pid> stayed behind.
    temp_dir dir;
    dir.write("twin.toml", twin_toml());
    REQUIRE(run_cli(dir, {"run", "twin.toml", "-o", "out.h5", "-q"}).code == 0);
    for (const rlim_t limit : {rlim_t(16 * 1024), rlim_t(200 * 1024)}) {
        const auto r = run_cli(dir, {"export-sonata", "out.h5", "sonata"}, {.file_size = limit});
        INFO("limit " << limit << " B, stderr: " << r.err);
        CHECK(r.code == 3);
        CHECK_THAT(r.err, Contains("File too large"));
        for (const auto& name : dir.listing("sonata")) {
            CHECK(name.find(".tmp") == std::string::npos);
        }
    }
    // With room, every file is written.
    const auto ok = run_cli(dir, {"export-sonata", "out.h5", "sonata"});
    CHECK(ok.code == 0);
    CHECK_THAT(ok.out, Contains("sonata/spikes.h5") && Contains("sonata/V_m.h5"));
}

TEST_CASE("cli: summary names sweep points and analyze tabulates a batch.json", "[cli][analysis]") {
    temp_dir dir;
    // the same twin, swept over two values of tau_m
    dir.write("scan.toml", twin_toml() + "\n[sweep]\n\"twin.tw.params.tau_m\" = [10.0, 20.0]\n");
    const auto b = run_cli(dir, {"batch", "scan.toml", "-o", "out", "-j", "1"});
    INFO("batch stderr: " << b.err);
    REQUIRE(b.code == 0);
    const std::string p10 = "scan__tau_m=10.0", p20 = "scan__tau_m=20.0";

    // Before: both rows said "scan".
    const auto s = run_cli(dir, {"summary", "out/" + p10 + ".h5", "out/" + p20 + ".h5"});
    INFO("summary: " << s.out << s.err);
    REQUIRE(s.code == 0);
    CHECK(std::regex_search(s.out, std::regex("\n" + p10 + " +500\\.0 ")));
    CHECK(std::regex_search(s.out, std::regex("\n" + p20 + " +500\\.0 ")));

    // Before: exit 3 ("not an HDF5 file"). One row per point: the swept value, the mean
    // rate of the biological side, the twin's agreement.
    const auto a = run_cli(dir, {"analyze", "out/batch.json"});
    INFO("analyze: " << a.out << a.err);
    REQUIRE(a.code == 0);
    CHECK(std::regex_search(a.out, std::regex("\nrun +tau_m +tw\\.biological \\[Hz\\] +tw rho\n")));
    CHECK(std::regex_search(a.out, std::regex("\n" + p10 + " +10 +[0-9.]+ +-?[0-9.]+\n")));
    CHECK(std::regex_search(a.out, std::regex("\n" + p20 + " +20 +[0-9.]+ +-?[0-9.]+\n")));

    const auto j = run_cli(dir, {"analyze", "--json", "out/batch.json"});
    REQUIRE(j.code == 0);
    CHECK_THAT(j.out, Contains("\"" + p10 + "\": {") &&
                          Contains("\"sweep.twin.tw.params.tau_m\": 10,") &&
                          Contains("\"agreement.tw\": "));
    // A batch.json that is not JSON: file, line and column.
    dir.write("bad.json", "{\n  \"runs\": [ oops ]\n}\n");
    const auto bad = run_cli(dir, {"analyze", "bad.json"});
    CHECK(bad.code == 2);
    CHECK_THAT(bad.err, Contains("bad.json:2:13: error: batch.json: expected a value"));
}

TEST_CASE("cli: analyze warns about a file whose run did not complete", "[cli][analysis]") {
    temp_dir dir;
    dir.write("twin.toml", twin_toml());
    REQUIRE(run_cli(dir, {"run", "twin.toml", "-o", "out.h5", "-q"}).code == 0);
    {
        // what an interrupted run leaves: completed = 0 (the writer's last word)
        const hid_t f = H5Fopen((dir.work / "out.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        REQUIRE(f >= 0);
        const hid_t g = H5Gopen2(f, "/neurotwin", H5P_DEFAULT);
        const hid_t a = H5Aopen(g, "completed", H5P_DEFAULT);
        const std::uint8_t zero = 0;
        REQUIRE(H5Awrite(a, H5T_NATIVE_UINT8, &zero) >= 0);
        H5Aclose(a);
        H5Gclose(g);
        H5Fclose(f);
    }
    for (const bool json : {false, true}) {
        auto args = std::vector<std::string>{"analyze", "out.h5"};
        if (json) {
            args.push_back("--json");
        }
        const auto r = run_cli(dir, args);
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK_THAT(r.err, Contains("warning: out.h5: incomplete run (completed = 0, stopped at "
                                   "500 of 500 ms)"));
    }
}

TEST_CASE("cli: analyze and summary report the same agreement for a twin that never fires",
          "[cli][analysis]") {
    // dendritic_twin: a passive cell, compared through its soma V_m. Before: analyze said n/a.
    temp_dir dir;
    const std::string scenario = source_path("scenarios/dendritic_twin.toml");
    REQUIRE(run_cli(dir, {"run", scenario, "-o", "d.h5", "-q", "--threads", "1"}).code == 0);
    const auto s = run_cli(dir, {"summary", "d.h5"});
    std::smatch m;
    REQUIRE(std::regex_search(s.out, m, std::regex("dendrite (-?[0-9.]+) \\(vs V_m\\)")));
    const auto a = run_cli(dir, {"analyze", "d.h5"});
    INFO("analyze: " << a.out);
    REQUIRE(a.code == 0);
    std::smatch n;
    REQUIRE(std::regex_search(a.out, n,
                              std::regex("twin dendrite +agreement: Spearman ([-0-9.]+) "
                                         "\\(activation vs mean soma V_m")));
    // summary prints 3 decimals, analyze 4 significant digits: the same number
    CHECK(std::stod(n[1].str()) == Approx(std::stod(m[1].str())).margin(5e-4));
}

TEST_CASE("cli: plot reports a damaged file or an unusable folder in one line, exit 3",
          "[cli][plot][errors]") {
    // Before: Python tracebacks (an AttributeError for /spikes that is not a group, a
    // FileExistsError for an output folder that is a file).
    temp_dir dir;
    dir.write("twin.toml", twin_toml());
    REQUIRE(run_cli(dir, {"run", "twin.toml", "-o", "out.h5", "-q"}).code == 0);
    fs::copy_file(dir.work / "out.h5", dir.work / "damaged.h5");
    {
        const hid_t f = H5Fopen((dir.work / "damaged.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        REQUIRE(f >= 0);
        REQUIRE(H5Ldelete(f, "/spikes", H5P_DEFAULT) >= 0);
        const hsize_t n = 3;
        const hid_t space = H5Screate_simple(1, &n, nullptr);
        const hid_t ds =
            H5Dcreate2(f, "/spikes", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        REQUIRE(ds >= 0);
        H5Dclose(ds);
        H5Sclose(space);
        H5Fclose(f);
    }
    dir.write("not_a_folder", "");
    dir.write("truncated.h5", read_file(dir.work / "out.h5").substr(0, 4096));
    const std::vector<std::vector<std::string>> cases = {
        {"plot", "damaged.h5", "-o", "png"},
        {"plot", "truncated.h5", "-o", "png"},
        {"plot", "out.h5", "-o", "not_a_folder"},
    };
    for (const auto& args : cases) {
        const auto r = run_cli(dir, args);
        INFO(args[1] << " -o " << args[3] << ": stderr " << r.err);
        CHECK(r.code == 3);
        CHECK_THAT(r.err, !Contains("Traceback"));
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        CHECK_THAT(r.err, Catch::Matchers::StartsWith("error: "));
    }
}

TEST_CASE("cli: plot helpers: ordinals, several labels on a short log axis, sec(x) names",
          "[cli][plot]") {
    // Before: "every 3th" in the raster label, one tick label on an ISI axis spanning less
    // than a decade, compartments labelled by number.
    temp_dir dir;
    const std::string scenario = source_path("scenarios/ball_and_stick.toml");
    REQUIRE(run_cli(dir, {"run", scenario, "-o", "bs.h5", "-q"}).code == 0);
    dir.write("check.py", R"(import sys
sys.path.insert(0, sys.argv[1])
import h5py
import plot
assert [plot.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111)] == \
    ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st",
     "111th"]
fig, ax = plot.plt.subplots()
for lo, hi in ((16.0, 100.0), (3.0, 9.0), (0.5, 4000.0)):
    ax.set_xlim(lo, hi)
    plot.log_axis(ax, lo, hi)
    ticks = [t for t in ax.xaxis.get_major_locator().tick_values(lo, hi) if lo <= t <= hi]
    assert len(ticks) >= 2, (lo, hi, ticks)
with h5py.File("bs.h5", "r") as f:
    names = plot.compartment_names(f, "cells", [0, 1, 51])
print(names)
)");
    const auto r =
        run_cli(dir, {"check.py", source_path("analysis")}, {.program = "/usr/bin/python3"});
    INFO("stderr: " << r.err);
    REQUIRE(r.code == 0);
    // ball_and_stick: soma (nseg 1) then dend (nseg 51): compartment 1 is the centre of
    // dend's first of 51 segments, x = 0.5 / 51 = 0.0098, shown with 3 digits.
    CHECK(r.out == "['soma(0.5)', 'dend(0.0098)', 'dend(0.99)']\n");
}

TEST_CASE("cli: plot and analyze count the spiking neurons the file lists, and an old file's "
          "by its scenario",
          "[cli][plot]") {
    // tests/data/record_rule.toml: `neurons` beside `variables` selects traces only, so the
    // spikes of all 10 cells of 'a' are in the file and the rate histogram has 10 neurons (it
    // had 2, and a rate five times too high). A spikes-only record with `neurons` ('b') still
    // selects its cells. The file lists them (/neurotwin/records); old.h5 is the same file
    // without the lists, as neurotwin wrote it before, which both readers judge by the
    // scenario it keeps.
    temp_dir dir;
    REQUIRE(run_cli(dir, {"run", data_path("record_rule.toml"), "-o", "rec.h5", "-q"}).code == 0);
    dir.write("check.py", R"(import shutil, sys
sys.path.insert(0, sys.argv[1])
import h5py
import plot
shutil.copy("rec.h5", "old.h5")
with h5py.File("old.h5", "r+") as f:
    del f["neurotwin/records"]
for name in ("rec.h5", "old.h5"):
    with h5py.File(name, "r") as f:
        print([int(i) for i in plot.recorded_ids(f, "a", 10)],
              [int(i) for i in plot.recorded_ids(f, "b", 10)])
)");
    const auto r =
        run_cli(dir, {"check.py", source_path("analysis")}, {.program = "/usr/bin/python3"});
    INFO("stderr: " << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out ==
          "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9] [1, 2]\n[0, 1, 2, 3, 4, 5, 6, 7, 8, 9] [1, 2]\n");
    for (const char* file : {"rec.h5", "old.h5"}) {
        INFO(file);
        const auto a = run_cli(dir, {"analyze", file, "--json", "--population", "b"});
        REQUIRE(a.code == 0);
        CHECK_THAT(a.out, Contains("\"n_recorded\": 2"));
    }
}
