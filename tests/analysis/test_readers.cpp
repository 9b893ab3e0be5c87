// SPDX-License-Identifier: BSD-3-Clause
// The readers of output files (analysis/h5_reader and everything built on it: analyze, summary,
// compare) against damaged files: a real run's file is altered with the raw HDF5 C API (one
// node id, one time, one mapping entry) and every reader must stop with an io_error that names
// the dataset, never index past its arrays, abort or compute from garbage (issue 10, items 19
// and 23).
#include <hdf5.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "analysis/analyze.hpp"
#include "analysis/compare.hpp"
#include "analysis/h5_reader.hpp"
#include "analysis/summary.hpp"
#include "models/registry.hpp"
#include "sim/errors.hpp"
#include "sim/run.hpp"
#include "sim/scenario/desc.hpp"
#include "tests/test_util.hpp"

using Catch::Matchers::Contains;
using namespace neurotwin;
using namespace neurotwin::analysis;
namespace fs = std::filesystem;

namespace {

// A fresh copy of one run's output (the run is made once per test program) of
// tests/data/scenarios/relu_lif_twin_8.toml: 8 pairs, most of them firing; 300 ms.
std::string damaged_copy(const std::string& name) {
    static const std::string original = [] {
        const auto path = test::temp_path("readers_original.h5");
        run_options o;
        o.output_path = path;
        o.threads = 1;
        const auto s =
            run_scenario(load_scenario_text(test::data_text("scenarios/relu_lif_twin_8.toml"),
                                            "readers.toml", builtin_models()),
                         o);
        REQUIRE(s.completed);
        return path;
    }();
    const auto copy = test::temp_path(name);
    fs::copy_file(original, copy, fs::copy_options::overwrite_existing);
    return copy;
}

// Opens a file read-write with HDF5's error printing off; closes it at scope exit.
struct rw_file {
    hid_t id;
    H5E_auto2_t func = nullptr;
    void* data = nullptr;
    explicit rw_file(const std::string& path) {
        H5Eget_auto2(H5E_DEFAULT, &func, &data);
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        id = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        REQUIRE(id >= 0);
    }
    ~rw_file() {
        H5Fclose(id);
        H5Eset_auto2(H5E_DEFAULT, func, data);
    }
    rw_file(const rw_file&) = delete;
    rw_file& operator=(const rw_file&) = delete;
};

// Overwrites element `index` of the 1-D dataset `path` (memory type `mtype`).
template <class T>
void poke(const std::string& file, const std::string& path, hsize_t index, T value, hid_t mtype) {
    rw_file f(file);
    const hid_t ds = H5Dopen2(f.id, path.c_str(), H5P_DEFAULT);
    REQUIRE(ds >= 0);
    const hid_t fspace = H5Dget_space(ds);
    const hsize_t one = 1;
    REQUIRE(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &index, nullptr, &one, nullptr) >= 0);
    const hid_t mspace = H5Screate_simple(1, &one, nullptr);
    REQUIRE(H5Dwrite(ds, mtype, mspace, fspace, H5P_DEFAULT, &value) >= 0);
    H5Sclose(mspace);
    H5Sclose(fspace);
    H5Dclose(ds);
}

template <class T>
T peek(const std::string& file, const std::string& path, hsize_t index, hid_t mtype) {
    const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(f >= 0);
    const hid_t ds = H5Dopen2(f, path.c_str(), H5P_DEFAULT);
    const hid_t fspace = H5Dget_space(ds);
    const hsize_t one = 1;
    REQUIRE(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &index, nullptr, &one, nullptr) >= 0);
    const hid_t mspace = H5Screate_simple(1, &one, nullptr);
    T value{};
    REQUIRE(H5Dread(ds, mtype, mspace, fspace, H5P_DEFAULT, &value) >= 0);
    H5Sclose(mspace);
    H5Sclose(fspace);
    H5Dclose(ds);
    H5Fclose(f);
    return value;
}

// Replaces the u64 attribute `name` of `object`.
void set_u64_attr(const std::string& file, const std::string& object, const std::string& name,
                  std::uint64_t value) {
    rw_file f(file);
    const hid_t obj = H5Oopen(f.id, object.c_str(), H5P_DEFAULT);
    REQUIRE(obj >= 0);
    H5Adelete(obj, name.c_str());
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(obj, name.c_str(), H5T_STD_U64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(H5Awrite(a, H5T_NATIVE_UINT64, &value) >= 0);
    H5Aclose(a);
    H5Sclose(space);
    H5Oclose(obj);
}

// The message of the io_error `f` throws (the test fails if it throws nothing or another type).
template <class F>
std::string io_error_of(F&& f) {
    try {
        f();
    } catch (const io_error& e) {
        return e.what();
    }
    FAIL("no io_error thrown");
    return {};
}
#define ERROR_OF(expr) io_error_of([&] { (void)(expr); })

const std::string bio_spikes = "/spikes/tw.biological";
const std::string act_time = "/report/tw.artificial/activation/mapping/time";

}  // namespace

TEST_CASE("readers: a spike node id beyond the population is an error naming the dataset",
          "[analysis][io][errors]") {
    // Before: summary counted the spike into rate_hz[id], past the end of the per-pair array.
    const auto path = damaged_copy("readers_node_id.h5");
    poke<std::uint64_t>(path, bio_spikes + "/node_ids", 3, 1000, H5T_NATIVE_UINT64);
    const h5_file f(path);
    CHECK_THAT(ERROR_OF(compare_twins(f)),
               Contains("'" + bio_spikes + "/node_ids'") &&
                   Contains("node id 1000 of spike 3 is not below the population's size 8"));
    CHECK_THAT(ERROR_OF(analyze_file(path, {})),
               Contains("'" + bio_spikes + "/node_ids'") &&
                   Contains("node id 1000 of spike 3 is not below the population's size 8"));
    CHECK_THAT(ERROR_OF(f.read_spikes("tw.biological")),
               Contains("'" + bio_spikes + "/node_ids'") &&
                   Contains("node id 1000 of spike 3 is not below the population's size 8"));
    CHECK_THAT(ERROR_OF(overview(path)),
               Contains("'" + bio_spikes + "/node_ids'") &&
                   Contains("node id 1000 of spike 3 is not below the population's size 8"));
}

TEST_CASE("readers: spikes marked by_time whose times go back are an error, not an abort",
          "[analysis][io][errors]") {
    // Before: analyze and compare threw an internal out_of_order struct nobody caught.
    const auto path = damaged_copy("readers_by_time.h5");
    // spike 5 moved to before the start: earlier than spike 4, whatever the run gave
    const double t4 = peek<double>(path, bio_spikes + "/timestamps", 4, H5T_NATIVE_DOUBLE);
    REQUIRE(t4 >= 0.0);
    poke<double>(path, bio_spikes + "/timestamps", 5, -1.0, H5T_NATIVE_DOUBLE);
    REQUIRE(h5_file(path).read_sorting("tw.biological") == spike_sorting::by_time);
    CHECK_THAT(ERROR_OF(analyze_file(path, {})), Contains("'" + bio_spikes + "/timestamps'") &&
                                                     Contains("sorting = by_time, but spike 5"));
    // compare finds the difference, then computes the statistics of both files
    CHECK_THAT(
        ERROR_OF(compare_files(damaged_copy("readers_by_time_ok.h5"), path, {})),
        Contains("'" + bio_spikes + "/timestamps'") && Contains("sorting = by_time, but spike 5"));
}

TEST_CASE("readers: a non-finite spike time is an error naming the dataset",
          "[analysis][io][errors]") {
    const auto path = damaged_copy("readers_nan_time.h5");
    poke<double>(path, bio_spikes + "/timestamps", 2, std::numeric_limits<double>::quiet_NaN(),
                 H5T_NATIVE_DOUBLE);
    CHECK_THAT(ERROR_OF(analyze_file(path, {})),
               Contains("'" + bio_spikes + "/timestamps'") && Contains("spike 2 has time nan"));
}

TEST_CASE("readers: a report with a negative or NaN time step is rejected with the dataset",
          "[analysis][io][errors]") {
    // Before: analyze converted 3 tau / step to an unsigned integer (undefined behaviour).
    for (const double step : {-2.0, std::numeric_limits<double>::quiet_NaN(), 0.0}) {
        INFO("step " << step);
        const auto path = damaged_copy("readers_step.h5");
        poke<double>(path, act_time, 2, step, H5T_NATIVE_DOUBLE);
        CHECK_THAT(ERROR_OF(analyze_file(path, {})),
                   Contains("'" + act_time + "'") && Contains("a positive, finite step (ms)"));
        CHECK_THAT(ERROR_OF(h5_file(path).read_report("tw.artificial", "activation")),
                   Contains("'" + act_time + "'") && Contains("a positive, finite step (ms)"));
    }
}

TEST_CASE("readers: index pointers past the data's columns are rejected with the dataset",
          "[analysis][io][errors]") {
    // Before: summary read column ptr[k] of every frame, past the end of the data.
    const auto path = damaged_copy("readers_pointers.h5");
    const std::string ptr = "/report/tw.artificial/activation/mapping/index_pointers";
    poke<std::uint64_t>(path, ptr, 4, 5000, H5T_NATIVE_UINT64);
    CHECK_THAT(ERROR_OF(compare_twins(h5_file(path))),
               Contains("'" + ptr + "'") &&
                   Contains("rising from 0 to the number of columns (8)") &&
                   Contains("found 5000 at index 4"));
    CHECK_THAT(ERROR_OF(analyze_file(path, {})),
               Contains("'" + ptr + "'") &&
                   Contains("rising from 0 to the number of columns (8)") &&
                   Contains("found 5000 at index 4"));
}

TEST_CASE("readers: a report node id beyond the twin is rejected with the dataset",
          "[analysis][io][errors]") {
    // Before: summary stored the time average at avg[node id], past the per-pair array.
    const auto path = damaged_copy("readers_report_node.h5");
    const std::string ids = "/report/tw.biological/rate/mapping/node_ids";
    poke<std::uint64_t>(path, ids, 1, 99, H5T_NATIVE_UINT64);
    CHECK_THAT(ERROR_OF(analyze_file(path, {})),
               Contains("'" + ids + "'") && Contains("node id 99 at index 1"));
}

TEST_CASE("readers: an absurd declared population size is an error, not an allocation",
          "[analysis][io][errors]") {
    // 2^60 neurons: the per-neuron arrays would need exabytes (std::bad_alloc before).
    const auto path = damaged_copy("readers_size.h5");
    set_u64_attr(path, "/neurotwin/populations/tw.biological", "size", std::uint64_t(1) << 60);
    CHECK_THAT(ERROR_OF(analyze_file(path, {})),
               Contains("'/neurotwin/populations/tw.biological@size'") &&
                   Contains("more than analyze handles"));
}

TEST_CASE("readers: an undamaged file reads as before", "[analysis][io]") {
    // The checks above must not reject what the writer writes.
    const auto path = damaged_copy("readers_intact.h5");
    const auto r = analyze_file(path, {});
    const auto* tw = r.find("twins");
    REQUIRE(tw != nullptr);
    REQUIRE(tw->find("tw") != nullptr);
    CHECK(compare_files(path, path, {}).identical);
    CHECK(compare_twins(h5_file(path)).size() == 1);
}
