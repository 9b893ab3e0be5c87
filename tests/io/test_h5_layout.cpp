// SPDX-License-Identifier: BSD-3-Clause
// The writer's output is checked with the raw HDF5 C API (tests/h5_raw.hpp, not
// analysis/h5_reader), so a bug shared by writer and reader cannot hide; the reader gets its
// own tests on the same file.
#include <hdf5.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "analysis/h5_reader.hpp"
#include "models/registry.hpp"
#include "sim/errors.hpp"
#include "sim/io/h5_writer.hpp"
#include "sim/io/sonata_names.hpp"
#include "sim/network.hpp"
#include "sim/run.hpp"
#include "sim/scenario/desc.hpp"
#include "tests/h5_raw.hpp"
#include "tests/test_util.hpp"

using namespace neurotwin;
using namespace neurotwin::test;
using Catch::Matchers::Contains;

namespace {

namespace fs = std::filesystem;

// A unique path in the temp directory, removed (with any leftover temp file) at scope exit.
struct temp_file {
    fs::path path;
    temp_file() {
        static std::atomic<int> counter{0};
        path = fs::temp_directory_path() / ("neurotwin_h5_test_" + std::to_string(::getpid()) +
                                            "_" + std::to_string(counter++) + ".h5");
    }
    ~temp_file() {
        std::error_code ec;
        fs::remove(path, ec);
        fs::remove(path.string() + ".tmp-" + std::to_string(::getpid()), ec);
    }
    std::string str() const { return path.string(); }
};

bool link_exists(hid_t f, const char* path) { return H5Lexists(f, path, H5P_DEFAULT) > 0; }

// A scalar variable-length UTF-8 string attribute, checked for exactly that type.
std::string vl_utf8_attr(hid_t f, const char* object, const char* name) {
    raw a(H5Aopen_by_name(f, object, name, H5P_DEFAULT, H5P_DEFAULT));
    raw t(H5Aget_type(a));
    raw s(H5Aget_space(a));
    REQUIRE(H5Tget_class(t) == H5T_STRING);
    REQUIRE(H5Tis_variable_str(t) > 0);
    REQUIRE(H5Tget_cset(t) == H5T_CSET_UTF8);
    REQUIRE(H5Sget_simple_extent_type(s) == H5S_SCALAR);
    char* p = nullptr;
    REQUIRE(H5Aread(a, t, &p) >= 0);
    std::string out = p;
    H5free_memory(p);
    return out;
}

// The test file: two spike populations (one empty), a 3-node report of 2+1+1 columns with
// frames appended in uneven calls, a zero-column report, attributes, a vector and a string.
constexpr std::size_t report_columns = 4;
constexpr std::size_t report_frames = 10;

float frame_value(std::size_t frame, std::size_t column) {
    return static_cast<float>(frame) * 10.0f + static_cast<float>(column) * 0.25f - 70.0f;
}

void write_test_file(const std::string& path) {
    h5_writer w(path);
    const int exc = w.add_spike_population("relu_lif.biological", {0, 1, 2, 3});
    const int inh = w.add_spike_population("inh", {0, 1});
    (void)inh;  // stays empty: two recorded neurons that never fire
    const std::vector<double> t = {0.1, 0.1, 0.5, 1.25, 2.0};
    const std::vector<std::uint64_t> ids = {0, 3, 1, 2, 0};
    w.append_spikes(exc, t.data(), ids.data(), 2);
    w.append_spikes(exc, t.data() + 2, ids.data() + 2, 0);
    w.append_spikes(exc, t.data() + 2, ids.data() + 2, 3);

    const int rep = w.add_report("relu_lif.biological", "V_m", "mV", {5, 7, 9}, {0, 2, 3, 4},
                                 {0, 1, 0, 0}, 0.5, 0.1);
    std::vector<float> frames(report_frames * report_columns);
    for (std::size_t k = 0; k < report_frames; ++k) {
        for (std::size_t c = 0; c < report_columns; ++c) {
            frames[k * report_columns + c] = frame_value(k, c);
        }
    }
    w.append_frames(rep, frames.data(), 3);
    w.append_frames(rep, frames.data() + 3 * report_columns, 1);
    w.append_frames(rep, frames.data() + 4 * report_columns, 6);
    const int empty = w.add_report("inh", "rate", "Hz", {}, {0}, {}, 0.0, 1.0);
    w.append_frames(empty, nullptr, 4);
    w.append_frames(empty, nullptr, 3);

    w.write_attributes("/neurotwin", {h5_attr::str("scenario", "fi.toml"),
                                      h5_attr::real("dt_ms", 0.1), h5_attr::integer("threads", -2),
                                      h5_attr::uinteger("seed", 12345678901234ULL),
                                      h5_attr::reals("window_ms", {1.0, 2.5, 4.0})});
    w.write_attributes("/neurotwin", {h5_attr::integer("threads", 4)});  // overwrites
    w.write_attributes("/neurotwin/pairs/deep", {h5_attr::str("kind", "ann↔bio")});
    w.write_vector("/neurotwin/pairs/weights", {0.5, -1.0, 2.0}, "pA");
    w.write_vector("/neurotwin/empty", {});
    w.write_vector("neurotwin/relative/", {1.0});  // taken as "/neurotwin/relative"
    w.write_string("/neurotwin/scenario_text", "[run]\nduration = \"1 s\"\n");
    w.finish(true, 1000.0);
}

}  // namespace

TEST_CASE("h5_writer: the file has the SONATA layout, types and attributes", "[io][hdf5]") {
    temp_file tmp;
    write_test_file(tmp.str());
    REQUIRE(fs::exists(tmp.path));
    REQUIRE_FALSE(fs::exists(tmp.str() + ".tmp-" + std::to_string(::getpid())));

    raw f(H5Fopen(tmp.str().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));

    SECTION("root attributes magic and version") {
        check_magic_and_version(f);
    }

    SECTION("spikes: groups, dtypes, values, units and the sorting enum") {
        for (const char* pop : {"/spikes/relu_lif.biological", "/spikes/inh"}) {
            INFO(pop);
            const std::string p = pop;
            REQUIRE(link_exists(f, "/spikes"));
            REQUIRE(link_exists(f, pop));
            CHECK(dataset_type_is(f, (p + "/timestamps").c_str(), H5T_IEEE_F64LE));
            CHECK(dataset_type_is(f, (p + "/node_ids").c_str(), H5T_STD_U64LE));
            CHECK(vl_utf8_attr(f, (p + "/timestamps").c_str(), "units") == "ms");

            raw a(H5Aopen_by_name(f, pop, "sorting", H5P_DEFAULT, H5P_DEFAULT));
            raw t(H5Aget_type(a));
            raw s(H5Aget_space(a));
            REQUIRE(H5Tget_class(t) == H5T_ENUM);
            raw base(H5Tget_super(t));
            CHECK(H5Tequal(base, H5T_STD_U8LE) > 0);
            REQUIRE(H5Tget_nmembers(t) == 3);
            const char* names[3] = {"none", "by_id", "by_time"};
            for (unsigned i = 0; i < 3; ++i) {
                char* name = H5Tget_member_name(t, i);
                std::uint8_t value = 99;
                REQUIRE(H5Tget_member_value(t, i, &value) >= 0);
                CHECK(std::string(name) == names[i]);
                CHECK(value == i);
                H5free_memory(name);
            }
            CHECK(H5Sget_simple_extent_type(s) == H5S_SCALAR);
            std::uint8_t value = 99;
            REQUIRE(H5Aread(a, t, &value) >= 0);
            CHECK(value == 2);  // by_time
        }
        raw ts(H5Dopen2(f, "/spikes/relu_lif.biological/timestamps", H5P_DEFAULT));
        CHECK(dims_of(ts) == std::vector<hsize_t>{5});
        // Extendable and chunked, so a run can append.
        raw dcpl(H5Dget_create_plist(ts));
        CHECK(H5Pget_layout(dcpl) == H5D_CHUNKED);
        CHECK(read_all<double>(f, "/spikes/relu_lif.biological/timestamps", H5T_NATIVE_DOUBLE) ==
              std::vector<double>{0.1, 0.1, 0.5, 1.25, 2.0});
        CHECK(
            read_all<std::uint64_t>(f, "/spikes/relu_lif.biological/node_ids", H5T_NATIVE_UINT64) ==
            std::vector<std::uint64_t>{0, 3, 1, 2, 0});
        raw empty_ts(H5Dopen2(f, "/spikes/inh/timestamps", H5P_DEFAULT));
        raw empty_ids(H5Dopen2(f, "/spikes/inh/node_ids", H5P_DEFAULT));
        CHECK(dims_of(empty_ts) == std::vector<hsize_t>{0});
        CHECK(dims_of(empty_ids) == std::vector<hsize_t>{0});
    }

    SECTION("spikes: the recorded neurons, also those that never fired") {
        const char* exc = "/neurotwin/records/relu_lif.biological/spikes/node_ids";
        const char* inh = "/neurotwin/records/inh/spikes/node_ids";
        CHECK(dataset_type_is(f, exc, H5T_STD_U64LE));
        CHECK(read_all<std::uint64_t>(f, exc, H5T_NATIVE_UINT64) ==
              std::vector<std::uint64_t>{0, 1, 2, 3});
        CHECK(read_all<std::uint64_t>(f, inh, H5T_NATIVE_UINT64) ==
              std::vector<std::uint64_t>{0, 1});
        CHECK(recorded_spikes_path("inh") == inh);
    }

    SECTION("report: data, mapping, index_pointer link and time") {
        const std::string r = "/report/relu_lif.biological/V_m";
        const std::string m = r + "/mapping";
        REQUIRE(link_exists(f, "/report/relu_lif.biological"));
        REQUIRE(link_exists(f, r.c_str()));
        raw data(H5Dopen2(f, (r + "/data").c_str(), H5P_DEFAULT));
        CHECK(dataset_type_is(f, (r + "/data").c_str(), H5T_IEEE_F32LE));
        CHECK(dims_of(data) == std::vector<hsize_t>{report_frames, report_columns});
        CHECK(vl_utf8_attr(f, (r + "/data").c_str(), "units") == "mV");
        raw dcpl(H5Dget_create_plist(data));
        REQUIRE(H5Pget_layout(dcpl) == H5D_CHUNKED);
        hsize_t chunk[2] = {0, 0};
        REQUIRE(H5Pget_chunk(dcpl, 2, chunk) == 2);
        CHECK(chunk[1] == report_columns);  // a chunk holds whole frames
        const auto values = read_all<float>(f, (r + "/data").c_str(), H5T_NATIVE_FLOAT);
        REQUIRE(values.size() == report_frames * report_columns);
        for (std::size_t k = 0; k < report_frames; ++k) {
            for (std::size_t c = 0; c < report_columns; ++c) {
                CHECK(values[k * report_columns + c] == frame_value(k, c));
            }
        }

        CHECK(dataset_type_is(f, (m + "/node_ids").c_str(), H5T_STD_U64LE));
        CHECK(read_all<std::uint64_t>(f, (m + "/node_ids").c_str(), H5T_NATIVE_UINT64) ==
              std::vector<std::uint64_t>{5, 7, 9});
        CHECK(scalar_attr<std::uint8_t>(f, (m + "/node_ids").c_str(), "sorted", H5T_STD_U8LE,
                                        H5T_NATIVE_UINT8) == 1);
        CHECK(dataset_type_is(f, (m + "/index_pointers").c_str(), H5T_STD_U64LE));
        const auto ip =
            read_all<std::uint64_t>(f, (m + "/index_pointers").c_str(), H5T_NATIVE_UINT64);
        CHECK(ip == std::vector<std::uint64_t>{0, 2, 3, 4});  // N + 1 entries

        // index_pointer is a hard link: the same object, not a copy.
        H5L_info_t info;
        REQUIRE(H5Lget_info(f, (m + "/index_pointer").c_str(), &info, H5P_DEFAULT) >= 0);
        CHECK(info.type == H5L_TYPE_HARD);
        H5L_info_t info_plural;
        REQUIRE(H5Lget_info(f, (m + "/index_pointers").c_str(), &info_plural, H5P_DEFAULT) >= 0);
        CHECK(info.u.address == info_plural.u.address);

        CHECK(dataset_type_is(f, (m + "/element_ids").c_str(), H5T_STD_U32LE));
        CHECK(read_all<std::uint32_t>(f, (m + "/element_ids").c_str(), H5T_NATIVE_UINT32) ==
              std::vector<std::uint32_t>{0, 1, 0, 0});

        CHECK(dataset_type_is(f, (m + "/time").c_str(), H5T_IEEE_F64LE));
        const auto time = read_all<double>(f, (m + "/time").c_str(), H5T_NATIVE_DOUBLE);
        REQUIRE(time.size() == 3);
        // stop = start + frames * step, computed the same way (no tolerance needed).
        CHECK(time[0] == 0.5);
        CHECK(time[1] == 0.5 + 10.0 * 0.1);
        CHECK(time[2] == 0.1);
        CHECK(vl_utf8_attr(f, (m + "/time").c_str(), "units") == "ms");
    }

    SECTION("a report with no columns keeps its frame count") {
        const std::string r = "/report/inh/rate";
        raw data(H5Dopen2(f, (r + "/data").c_str(), H5P_DEFAULT));
        CHECK(dims_of(data) == std::vector<hsize_t>{7, 0});
        CHECK(read_all<std::uint64_t>(f, (r + "/mapping/index_pointers").c_str(),
                                      H5T_NATIVE_UINT64) == std::vector<std::uint64_t>{0});
        const auto time = read_all<double>(f, (r + "/mapping/time").c_str(), H5T_NATIVE_DOUBLE);
        CHECK(time == std::vector<double>{0.0, 7.0, 1.0});
    }

    SECTION("/neurotwin attributes, vector and string") {
        CHECK(scalar_attr<std::uint8_t>(f, "/neurotwin", "completed", H5T_STD_U8LE,
                                        H5T_NATIVE_UINT8) == 1);
        CHECK(scalar_attr<double>(f, "/neurotwin", "t_reached_ms", H5T_IEEE_F64LE,
                                  H5T_NATIVE_DOUBLE) == 1000.0);
        CHECK(vl_utf8_attr(f, "/neurotwin", "scenario") == "fi.toml");
        CHECK(scalar_attr<double>(f, "/neurotwin", "dt_ms", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE) ==
              0.1);
        CHECK(scalar_attr<std::int64_t>(f, "/neurotwin", "threads", H5T_STD_I64LE,
                                        H5T_NATIVE_INT64) == 4);
        CHECK(scalar_attr<std::uint64_t>(f, "/neurotwin", "seed", H5T_STD_U64LE,
                                         H5T_NATIVE_UINT64) == 12345678901234ULL);
        {
            raw a(H5Aopen_by_name(f, "/neurotwin", "window_ms", H5P_DEFAULT, H5P_DEFAULT));
            raw t(H5Aget_type(a));
            raw s(H5Aget_space(a));
            CHECK(H5Tequal(t, H5T_IEEE_F64LE) > 0);
            REQUIRE(H5Sget_simple_extent_npoints(s) == 3);
            double v[3] = {};
            REQUIRE(H5Aread(a, H5T_NATIVE_DOUBLE, v) >= 0);
            CHECK(v[0] == 1.0);
            CHECK(v[1] == 2.5);
            CHECK(v[2] == 4.0);
        }
        CHECK(vl_utf8_attr(f, "/neurotwin/pairs/deep", "kind") == "ann↔bio");
        CHECK(dataset_type_is(f, "/neurotwin/pairs/weights", H5T_IEEE_F64LE));
        CHECK(read_all<double>(f, "/neurotwin/pairs/weights", H5T_NATIVE_DOUBLE) ==
              std::vector<double>{0.5, -1.0, 2.0});
        CHECK(vl_utf8_attr(f, "/neurotwin/pairs/weights", "units") == "pA");
        CHECK(read_all<double>(f, "/neurotwin/empty", H5T_NATIVE_DOUBLE).empty());
        CHECK(H5Aexists_by_name(f, "/neurotwin/empty", "units", H5P_DEFAULT) == 0);
        CHECK(read_all<double>(f, "/neurotwin/relative", H5T_NATIVE_DOUBLE) ==
              std::vector<double>{1.0});

        raw ds(H5Dopen2(f, "/neurotwin/scenario_text", H5P_DEFAULT));
        raw t(H5Dget_type(ds));
        raw s(H5Dget_space(ds));
        REQUIRE(H5Tis_variable_str(t) > 0);
        CHECK(H5Tget_cset(t) == H5T_CSET_UTF8);
        CHECK(H5Sget_simple_extent_type(s) == H5S_SCALAR);
        char* p = nullptr;
        REQUIRE(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p) >= 0);
        CHECK(std::string(p) == "[run]\nduration = \"1 s\"\n");
        H5free_memory(p);
    }
}

TEST_CASE("h5_writer: a writer destroyed without finish() leaves no file", "[io][hdf5]") {
    temp_file tmp;
    std::string temp_path;
    {
        h5_writer w(tmp.str());
        temp_path = w.temp_path();
        const int pop = w.add_spike_population("exc", {0});
        const double t = 1.0;
        const std::uint64_t id = 0;
        w.append_spikes(pop, &t, &id, 1);
        REQUIRE(fs::exists(temp_path));
    }
    CHECK_FALSE(fs::exists(temp_path));
    CHECK_FALSE(fs::exists(tmp.path));
}

TEST_CASE("h5_writer: the final file appears only at finish()", "[io][hdf5]") {
    temp_file tmp;
    h5_writer w(tmp.str());
    CHECK(w.final_path() == tmp.str());
    CHECK(w.temp_path() == tmp.str() + ".tmp-" + std::to_string(::getpid()));
    w.add_spike_population("exc", {});
    CHECK(fs::exists(w.temp_path()));
    CHECK_FALSE(fs::exists(tmp.path));
    w.finish(false, 12.5);
    CHECK(fs::exists(tmp.path));
    CHECK_FALSE(fs::exists(w.temp_path()));

    analysis::h5_file r(tmp.str());
    CHECK(r.attr_u64("/neurotwin", "completed") == 0);
    CHECK(r.attr_f64("/neurotwin", "t_reached_ms") == 12.5);
}

TEST_CASE("h5_writer: abandon() removes the temporary file", "[io][hdf5]") {
    temp_file tmp;
    h5_writer w(tmp.str());
    w.abandon();
    CHECK_FALSE(fs::exists(w.temp_path()));
    CHECK_FALSE(fs::exists(tmp.path));
    w.abandon();  // idempotent
}

TEST_CASE("h5_writer: an unwritable path is an io_error naming the file", "[io][hdf5]") {
    const std::string path =
        (fs::temp_directory_path() / "neurotwin_no_such_dir_x" / "out.h5").string();
    REQUIRE_THROWS_AS(h5_writer(path), io_error);
    REQUIRE_THROWS_WITH(h5_writer(path), Contains("neurotwin_no_such_dir_x/out.h5.tmp-") &&
                                             Contains("cannot create the file"));
}

TEST_CASE("h5_writer: out-of-order spike times are not labelled by_time", "[io][hdf5]") {
    temp_file tmp;
    {
        h5_writer w(tmp.str());
        const int pop = w.add_spike_population("exc", {0, 1});
        const std::vector<double> t = {2.0, 1.0};
        const std::vector<std::uint64_t> ids = {0, 1};
        w.append_spikes(pop, t.data(), ids.data(), 2);
        w.finish(true, 3.0);
    }
    analysis::h5_file r(tmp.str());
    CHECK(r.read_sorting("exc") == analysis::spike_sorting::none);
}

TEST_CASE("h5_writer: the same content gives a byte-identical file", "[io][hdf5][determinism]") {
    // Object modification times are off and partial chunks are zero-filled, so the bytes
    // depend only on what was written (and a run can be compared by checksum).
    temp_file a;
    temp_file b;
    write_test_file(a.str());
    write_test_file(b.str());
    const std::string first = read_file(a.path);
    CHECK(first.size() > 0);
    CHECK(first == read_file(b.path));
}

namespace {

// Every reader call on the file of write_test_file().
void check_reader(const analysis::h5_file& r) {
    CHECK(r.exists("/"));
    CHECK(r.exists("/report/relu_lif.biological/V_m/mapping/index_pointer"));
    CHECK_FALSE(r.exists("/report/relu_lif.biological/I_ex"));
    CHECK_FALSE(r.exists("/nothing/below"));

    CHECK(r.spike_populations() == std::vector<std::string>{"inh", "relu_lif.biological"});
    const auto s = r.read_spikes("relu_lif.biological");
    CHECK(s.timestamps == std::vector<double>{0.1, 0.1, 0.5, 1.25, 2.0});
    CHECK(s.node_ids == std::vector<std::uint64_t>{0, 3, 1, 2, 0});
    CHECK(r.spike_count("inh") == 0);
    CHECK(r.read_spikes("inh").timestamps.empty());
    CHECK(r.read_sorting("relu_lif.biological") == analysis::spike_sorting::by_time);
    CHECK(r.recorded_spikes("relu_lif.biological") == std::vector<std::uint64_t>{0, 1, 2, 3});
    CHECK(r.recorded_spikes("inh") == std::vector<std::uint64_t>{0, 1});
    CHECK_FALSE(r.recorded_spikes("nothing").has_value());

    CHECK(r.report_populations() == std::vector<std::string>{"inh", "relu_lif.biological"});
    CHECK(r.report_variables("relu_lif.biological") == std::vector<std::string>{"V_m"});
    const auto rep = r.read_report("relu_lif.biological", "V_m");
    CHECK(rep.frames == report_frames);
    CHECK(rep.columns == report_columns);
    CHECK(rep.at(7, 3) == frame_value(7, 3));
    CHECK(rep.units == "mV");
    CHECK(rep.node_ids == std::vector<std::uint64_t>{5, 7, 9});
    CHECK(rep.index_pointers == std::vector<std::uint64_t>{0, 2, 3, 4});
    CHECK(rep.element_ids == std::vector<std::uint32_t>{0, 1, 0, 0});
    CHECK(rep.time[0] == 0.5);
    CHECK(rep.time[1] == 0.5 + 10.0 * 0.1);
    CHECK(rep.time[2] == 0.1);
    CHECK(rep.time_units == "ms");
    const auto empty = r.read_report("inh", "rate");
    CHECK(empty.frames == 7);
    CHECK(empty.columns == 0);

    CHECK(r.attr_u64("/", "magic") == 0x0A7A);
    CHECK(r.attr_i64("/neurotwin", "threads") == 4);
    CHECK(r.attr_u64("/neurotwin", "seed") == 12345678901234ULL);
    CHECK(r.attr_f64("/neurotwin", "dt_ms") == 0.1);
    CHECK(r.attr_string("/neurotwin", "scenario") == "fi.toml");
    CHECK(r.attr_f64_array("/neurotwin", "window_ms") == std::vector<double>{1.0, 2.5, 4.0});
    CHECK(r.has_attr("/neurotwin", "completed"));
    CHECK_FALSE(r.has_attr("/neurotwin", "nope"));
    CHECK(r.read_vector("/neurotwin/pairs/weights") == std::vector<double>{0.5, -1.0, 2.0});
    CHECK(r.read_string("/neurotwin/scenario_text") == "[run]\nduration = \"1 s\"\n");
    CHECK(r.list("/neurotwin/pairs") == std::vector<std::string>{"deep", "weights"});
}

}  // namespace

TEST_CASE("h5_reader: reads back what the writer wrote", "[io][hdf5]") {
    temp_file tmp;
    write_test_file(tmp.str());
    // The writer closed every HDF5 object it opened.
    CHECK(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) == 0);
    {
        analysis::h5_file r(tmp.str());
        check_reader(r);
    }
    CHECK(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) == 0);  // and so did the reader
}

TEST_CASE("h5_reader: failures are io_errors naming the file and the object", "[io][hdf5]") {
    temp_file tmp;
    write_test_file(tmp.str());
    analysis::h5_file r(tmp.str());
    REQUIRE_THROWS_WITH(r.attr_f64("/neurotwin", "nope"), Contains(tmp.str()) &&
                                                              Contains("/neurotwin@nope") &&
                                                              Contains("attribute not found"));
    REQUIRE_THROWS_WITH(r.attr_f64("/neurotwin", "threads"),
                        Contains("/neurotwin@threads") && Contains("expected a floating-point"));
    REQUIRE_THROWS_WITH(r.attr_string("/neurotwin", "seed"), Contains("expected a string"));
    REQUIRE_THROWS_WITH(r.attr_u64("/neurotwin", "dt_ms"), Contains("expected an integer"));
    REQUIRE_THROWS_WITH(r.read_spikes("exc"), Contains("'/spikes/exc/timestamps': not found"));
    REQUIRE_THROWS_AS(r.read_vector("/neurotwin/scenario_text"), io_error);

    temp_file missing;
    REQUIRE_THROWS_WITH(analysis::h5_file(missing.str()),
                        Contains(missing.str()) && Contains("no such file"));
    temp_file text;
    std::ofstream(text.path) << "not hdf5\n";
    REQUIRE_THROWS_WITH(analysis::h5_file(text.str()),
                        Contains(text.str()) && Contains("not an HDF5 file"));
}

TEST_CASE("h5_reader: spikes stream in blocks and match a whole read", "[io][hdf5]") {
    // Many small appends cross the writer's buffer limit (64k) several times; one append is
    // larger than the limit and goes straight to the file.
    temp_file tmp;
    constexpr std::size_t n_small = 150000;
    constexpr std::size_t n_big = 70000;
    {
        h5_writer w(tmp.str());
        std::vector<std::uint64_t> recorded(1000);
        std::iota(recorded.begin(), recorded.end(), 0);
        const int pop = w.add_spike_population("exc", recorded);
        std::vector<double> t(n_big);
        std::vector<std::uint64_t> ids(n_big);
        for (std::size_t i = 0; i < n_small; i += 7) {
            const std::size_t k = std::min<std::size_t>(7, n_small - i);
            for (std::size_t j = 0; j < k; ++j) {
                t[j] = 0.1 * static_cast<double>(i + j);
                ids[j] = (i + j) % 1000;
            }
            w.append_spikes(pop, t.data(), ids.data(), k);
        }
        for (std::size_t j = 0; j < n_big; ++j) {
            t[j] = 0.1 * static_cast<double>(n_small + j);
            ids[j] = (n_small + j) % 1000;
        }
        w.append_spikes(pop, t.data(), ids.data(), n_big);
        w.finish(true, 0.1 * (n_small + n_big));
    }
    analysis::h5_file r(tmp.str());
    const auto all = r.read_spikes("exc");
    REQUIRE(all.timestamps.size() == n_small + n_big);
    for (std::size_t i = 0; i < all.timestamps.size(); i += 997) {
        REQUIRE(all.timestamps[i] == 0.1 * static_cast<double>(i));
        REQUIRE(all.node_ids[i] == i % 1000);
    }
    CHECK(r.read_sorting("exc") == analysis::spike_sorting::by_time);

    std::size_t seen = 0;
    std::size_t blocks = 0;
    r.for_each_spike_block("exc", 40000,
                           [&](std::span<const double> ts, std::span<const std::uint64_t> ids) {
                               REQUIRE(ts.size() == ids.size());
                               REQUIRE(ts.size() <= 40000);
                               for (std::size_t j = 0; j < ts.size(); ++j) {
                                   REQUIRE(ts[j] == all.timestamps[seen + j]);
                                   REQUIRE(ids[j] == all.node_ids[seen + j]);
                               }
                               seen += ts.size();
                               ++blocks;
                           });
    CHECK(seen == n_small + n_big);
    CHECK(blocks == 6);  // ceil(220000 / 40000)

    std::size_t calls = 0;
    analysis::h5_file(tmp.str()).for_each_spike_block("exc", n_small + n_big + 5,
                                                      [&](auto, auto) { ++calls; });
    CHECK(calls == 1);
}

TEST_CASE("h5_writer: frames appended one at a time cross chunk boundaries intact", "[io][hdf5]") {
    // 3 columns -> chunk of 21845 rows; 50000 single-frame appends fill two chunks and leave a
    // partial one for finish(); one large append afterwards is split at a chunk boundary.
    temp_file tmp;
    constexpr std::size_t cols = 3;
    constexpr std::size_t n_single = 50000;
    constexpr std::size_t n_block = 30000;
    {
        h5_writer w(tmp.str());
        const int rep =
            w.add_report("exc", "V_m", "mV", {0, 1, 2}, {0, 1, 2, 3}, {0, 0, 0}, 0.0, 0.1);
        std::vector<float> row(cols);
        for (std::size_t k = 0; k < n_single; ++k) {
            for (std::size_t c = 0; c < cols; ++c) {
                row[c] = static_cast<float>(k * cols + c);
            }
            w.append_frames(rep, row.data(), 1);
        }
        std::vector<float> block(n_block * cols);
        for (std::size_t k = 0; k < n_block; ++k) {
            for (std::size_t c = 0; c < cols; ++c) {
                block[k * cols + c] = static_cast<float>((n_single + k) * cols + c);
            }
        }
        w.append_frames(rep, block.data(), n_block);
        w.finish(true, 0.0);
    }
    analysis::h5_file r(tmp.str());
    const auto rep = r.read_report("exc", "V_m");
    REQUIRE(rep.frames == n_single + n_block);
    bool all_equal = true;
    for (std::size_t i = 0; i < rep.data.size(); ++i) {
        all_equal = all_equal && rep.data[i] == static_cast<float>(i);
    }
    CHECK(all_equal);
    CHECK(rep.time[1] == Approx(0.1 * (n_single + n_block)));
}

TEST_CASE("h5_writer: a failed rename is an io_error and leaves no temporary file",
          "[io][hdf5]") {
    temp_file tmp;
    fs::create_directory(tmp.path);  // the final name is taken by a directory
    h5_writer w(tmp.str());
    w.add_spike_population("exc", {});
    REQUIRE_THROWS_WITH(w.finish(true, 1.0),
                        Contains("cannot rename to " + tmp.str()));
    CHECK_FALSE(fs::exists(w.temp_path()));
    CHECK(fs::is_directory(tmp.path));
    fs::remove(tmp.path);
}

TEST_CASE("h5_writer: misuse by the caller is an internal_error", "[io][hdf5]") {
    temp_file tmp;
    h5_writer w(tmp.str());
    REQUIRE_THROWS_AS(w.add_report("exc", "V_m", "mV", {0, 1}, {0, 1}, {0}, 0.0, 0.1),
                      internal_error);  // index_pointers needs N + 1 entries
    REQUIRE_THROWS_AS(w.add_report("exc", "V_m", "mV", {0}, {0, 2}, {0}, 0.0, 0.1),
                      internal_error);  // last pointer != number of columns
    REQUIRE_THROWS_AS(w.add_report("exc", "V_m", "mV", {0}, {0, 1}, {0}, 0.0, 0.0),
                      internal_error);  // zero step
    REQUIRE_THROWS_AS(w.add_spike_population("a/b", {}), internal_error);
    REQUIRE_THROWS_WITH(w.add_spike_population("inh", {2, 1}),
                        Contains("recorded node ids must be ascending and distinct"));
    REQUIRE_THROWS_AS(w.add_spike_population("inh", {1, 1}), internal_error);
    w.add_spike_population("exc", {});
    REQUIRE_THROWS_AS(w.add_spike_population("exc", {}), internal_error);
    REQUIRE_THROWS_AS(w.append_spikes(3, nullptr, nullptr, 0), internal_error);
    w.finish(true, 0.0);
    REQUIRE_THROWS_WITH(w.add_spike_population("inh", {}),
                        Contains("after finish() or abandon()"));
}

namespace {

// A recorder of each kind: a spikes-only subset, traces of listed neurons at an interval,
// compartments of an mc_cell beside its spikes, and a twin (which records all of itself).
const char* recorders_scenario = R"(
[simulation]
duration = 5
dt = 0.025

[[morphology]]
name = "bs"
[[morphology.section]]
name = "soma"
length = "20 um"
diam = "20 um"
hh = true
[[morphology.section]]
name = "dend"
parent = "soma"
length = "200 um"
diam = "2 um"
nseg = 5

[[population]]
name = "cells"
model = "mc_cell"
size = 3
morphology = "bs"

[[population]]
name = "exc"
model = "lif"
size = 10
params = { I_e = 1000.0 }

[[twin]]
name = "tw"
size = 4
activation = "relu"
inputs = [ { rate = 20.0, weight = 0.8 } ]
record_interval = 0.5

[[record]]
population = "exc"
spikes = true
neurons = { first = 3 }

[[record]]
population = "exc"
variables = ["V_m"]
neurons = [7, 2]
interval = 0.5

[[record]]
population = "cells"
spikes = true
variables = ["V_m"]
neurons = [1]
compartments = [ { section = "dend", x = 0.5 }, { section = "soma", x = 0.5 } ]
)";

}  // namespace

TEST_CASE("output: the file says what every recorder of the network recorded",
          "[io][hdf5][record]") {
    // The builder's resolution of the records (network::records) is what the file holds: a
    // spike recorder's neurons in /neurotwin/records/<pop>/spikes/node_ids, a variable
    // recorder's in its report's mapping (node_ids, element_ids = compartments, time step =
    // interval). Readers need not know the rule that made them.
    const auto desc = load_scenario_text(recorders_scenario, "recorders.toml", builtin_models());
    const auto net = build_network(desc);
    temp_file tmp;
    run_options o;
    o.output_path = tmp.str();
    o.threads = 1;
    REQUIRE(run_scenario(desc, o).completed);
    raw f(H5Fopen(tmp.str().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));

    std::size_t spike_recorders = 0, reports = 0;
    for (const auto& rd : net.records) {
        const auto& pop = net.populations[rd.population]->name();
        INFO(pop << " " << (rd.variable.empty() ? "spikes" : rd.variable));
        const std::vector<std::uint64_t> ids(rd.neurons.begin(), rd.neurons.end());
        if (rd.variable.empty()) {
            CHECK(read_all<std::uint64_t>(f, recorded_spikes_path(pop).c_str(),
                                          H5T_NATIVE_UINT64) == ids);
            ++spike_recorders;
            continue;
        }
        const auto r = sonata::report_group(pop, rd.variable);
        const auto in_mapping = [&](const char* name) { return sonata::mapping_path(r, name); };
        CHECK(read_all<std::uint64_t>(f, in_mapping(sonata::node_ids).c_str(),
                                      H5T_NATIVE_UINT64) == ids);
        std::vector<std::uint32_t> elements;
        for (std::size_t k = 0; k < ids.size(); ++k) {
            if (rd.compartments.empty()) {
                elements.push_back(0);
            }
            elements.insert(elements.end(), rd.compartments.begin(), rd.compartments.end());
        }
        CHECK(read_all<std::uint32_t>(f, in_mapping(sonata::element_ids).c_str(),
                                      H5T_NATIVE_UINT32) == elements);
        const auto time = read_all<double>(f, in_mapping(sonata::time).c_str(), H5T_NATIVE_DOUBLE);
        REQUIRE(time.size() == 3);
        CHECK(time[2] == double(rd.interval) * net.dt);
        ++reports;
    }
    // exc, cells and the twin's biological cells record spikes; exc V_m, cells V_m and the
    // twin's five traces are reports.
    CHECK(spike_recorders == 3);
    CHECK(reports == 7);
    // What the scenario asked for, spelled out.
    const auto u64s = [&](const std::string& path) {
        return read_all<std::uint64_t>(f, path.c_str(), H5T_NATIVE_UINT64);
    };
    CHECK(u64s(recorded_spikes_path("exc")) == std::vector<std::uint64_t>{0, 1, 2});
    CHECK(u64s(recorded_spikes_path("cells")) == std::vector<std::uint64_t>{0, 1, 2});
    CHECK(u64s(recorded_spikes_path("tw.biological")) == std::vector<std::uint64_t>{0, 1, 2, 3});
    CHECK(u64s("/report/exc/V_m/mapping/node_ids") == std::vector<std::uint64_t>{2, 7});
    CHECK(u64s("/report/cells/V_m/mapping/node_ids") == std::vector<std::uint64_t>{1});
    // soma is compartment 0; dend(0.5) the centre of dend's 5 segments, 1 + 2
    CHECK(read_all<std::uint32_t>(f, "/report/cells/V_m/mapping/element_ids",
                                  H5T_NATIVE_UINT32) == std::vector<std::uint32_t>{0, 3});
    CHECK(read_all<double>(f, "/report/exc/V_m/mapping/time", H5T_NATIVE_DOUBLE)[2] == 0.5);
}
