// SPDX-License-Identifier: BSD-3-Clause
#include <fmt/format.h>
#include <hdf5.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <tuple>

#include "models/registry.hpp"
#include "sim/io/edges.hpp"
#include "sim/network.hpp"
#include "sim/scenario/desc.hpp"
#include "tests/test_util.hpp"

using namespace neurotwin;
using Catch::Matchers::Contains;

namespace {

struct synapse_view {
    std::uint32_t source, target;
    float weight;
    step_t delay;
};

// Two LIF populations and one projection between them (or onto itself when `self`).
network build(const std::string& projection, index_t n_src = 200, index_t n_tgt = 300,
              bool self = false, int threads = 1, const std::string& file = "test.toml") {
    const std::string toml = fmt::format(R"(
[simulation]
duration = 1.0
seed = 99
[[population]]
name = "a"
model = "lif"
size = {}
[[population]]
name = "b"
model = "lif"
size = {}
[[projection]]
source = "a"
target = "{}"
{}
)",
                                         n_src, n_tgt, self ? "a" : "b", projection);
    return build_network(load_scenario_text(toml, file, builtin_models()), threads);
}

std::vector<synapse_view> synapses(const network& net) {
    std::vector<synapse_view> out;
    const auto& p = net.spike_projections.at(0);
    const std::size_t ns = (p.row_ptr.size() - 1) / std::size_t(p.parts);
    for (std::size_t j = 0; j < ns; ++j) {
        for (auto k = p.row_begin(j); k < p.row_end(j); ++k) {
            out.push_back({std::uint32_t(j), p.target_of(p.synapses[k]), p.synapses[k].weight,
                           p.delay_of(k)});
        }
    }
    return out;
}

std::vector<int> in_degrees(const std::vector<synapse_view>& s, std::size_t n) {
    std::vector<int> d(n, 0);
    for (const auto& e : s) {
        ++d.at(e.target);
    }
    return d;
}

std::vector<int> out_degrees(const std::vector<synapse_view>& s, std::size_t n) {
    std::vector<int> d(n, 0);
    for (const auto& e : s) {
        ++d.at(e.source);
    }
    return d;
}

bool has_multapses(const std::vector<synapse_view>& s) {
    std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
    for (const auto& e : s) {
        if (!seen.insert({e.source, e.target}).second) {
            return true;
        }
    }
    return false;
}

bool has_autapses(const std::vector<synapse_view>& s) {
    for (const auto& e : s) {
        if (e.source == e.target) {
            return true;
        }
    }
    return false;
}

// sub-rows are sorted by (delay, target) (delivery walks one ring slot per delay segment)
bool rows_sorted(const network& net) {
    const auto& p = net.spike_projections.at(0);
    for (std::size_t r = 0; r + 1 < p.row_ptr.size(); ++r) {
        for (auto k = p.row_ptr[r] + 1; k < p.row_ptr[r + 1]; ++k) {
            const auto a = std::make_pair(p.delay_of(k - 1), p.target_of(p.synapses[k - 1]));
            const auto b = std::make_pair(p.delay_of(k), p.target_of(p.synapses[k]));
            if (a > b) {
                return false;
            }
        }
    }
    return true;
}

// SONATA files the writer cannot make: signed ids with a negative one (neg.h5), a NaN weight
// (nan.h5), and 6e8 declared edges whose chunks were never written (big.h5: a few kB).
void hdf5_ids_file(const std::filesystem::path& dir) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const auto dataset = [](hid_t file, const char* name, hid_t type, hsize_t n, const void* data) {
        const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
        H5Pset_create_intermediate_group(lcpl, 1);
        const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        const hsize_t chunk = std::min<hsize_t>(n, 1024);
        H5Pset_chunk(dcpl, 1, &chunk);
        const hid_t space = H5Screate_simple(1, &n, nullptr);
        const hid_t ds = H5Dcreate2(file, name, type, space, lcpl, dcpl, H5P_DEFAULT);
        REQUIRE(ds >= 0);
        if (data != nullptr) {
            REQUIRE(H5Dwrite(ds, type == H5T_STD_I64LE ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE,
                             H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
        }
        H5Dclose(ds);
        H5Sclose(space);
        H5Pclose(dcpl);
        H5Pclose(lcpl);
    };
    const std::int64_t ids[] = {1, -1};
    const std::int64_t good[] = {1, 2};
    const double w[] = {std::nan(""), 1.0};
    for (const char* name : {"neg.h5", "nan.h5", "big.h5"}) {
        const hid_t f =
            H5Fcreate((dir / name).string().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        REQUIRE(f >= 0);
        const std::string n(name);
        if (n == "big.h5") {
            dataset(f, "/edges/p/source_node_id", H5T_STD_I64LE, 600000000, nullptr);
            dataset(f, "/edges/p/target_node_id", H5T_STD_I64LE, 600000000, nullptr);
        } else {
            dataset(f, "/edges/p/source_node_id", H5T_STD_I64LE, 2, n == "neg.h5" ? ids : good);
            dataset(f, "/edges/p/target_node_id", H5T_STD_I64LE, 2, good);
            dataset(f, "/edges/p/0/syn_weight", H5T_IEEE_F64LE, 2, w);
        }
        H5Fclose(f);
    }
}

}  // namespace

TEST_CASE("connectivity: deterministic rules give exact counts", "[sim][connectivity]") {
    CHECK(synapses(build("rule = \"all_to_all\"\nweight = 1.0")).size() == 200u * 300u);
    const auto self = synapses(build("rule = \"all_to_all\"\nweight = 1.0\nautapses = false", 200, 300, true));
    CHECK(self.size() == 200u * 199u);
    CHECK_FALSE(has_autapses(self));
    const auto one = synapses(build("rule = \"one_to_one\"\nweight = 1.0", 300, 300));
    REQUIRE(one.size() == 300);
    for (const auto& e : one) {
        CHECK(e.source == e.target);
    }
}

TEST_CASE("connectivity: fixed_indegree and fixed_outdegree fix every degree exactly",
          "[sim][connectivity]") {
    for (const bool multapses : {true, false}) {
        INFO("multapses " << multapses);
        const auto in = build(fmt::format("rule = \"fixed_indegree\"\nk = 37\nweight = 1.0\n"
                                          "autapses = false\nmultapses = {}",
                                          multapses),
                              200, 200, true);
        const auto s_in = synapses(in);
        for (const int d : in_degrees(s_in, 200)) {
            REQUIRE(d == 37);
        }
        CHECK_FALSE(has_autapses(s_in));
        CHECK(rows_sorted(in));
        if (!multapses) {
            CHECK_FALSE(has_multapses(s_in));
        }
        const auto out = synapses(build(fmt::format("rule = \"fixed_outdegree\"\nk = 250\n"
                                                    "weight = 1.0\nmultapses = {}",
                                                    multapses)));
        for (const int d : out_degrees(out, 200)) {
            REQUIRE(d == 250);
        }
        if (!multapses) {
            CHECK_FALSE(has_multapses(out));
        }
    }
    // k = all available sources without multapses: every other neuron exactly once
    const auto all = synapses(build("rule = \"fixed_indegree\"\nk = 199\nweight = 1.0\n"
                                    "autapses = false\nmultapses = false",
                                    200, 200, true));
    CHECK(all.size() == 200u * 199u);
    CHECK_FALSE(has_multapses(all));
    CHECK_FALSE(has_autapses(all));
}

TEST_CASE("connectivity: fixed_total_number draws exactly n connections", "[sim][connectivity]") {
    const auto with = synapses(build("rule = \"fixed_total_number\"\nn = 12345\nweight = 1.0"));
    CHECK(with.size() == 12345);
    const auto without = build("rule = \"fixed_total_number\"\nn = 50000\nweight = 1.0\n"
                               "multapses = false\nautapses = false",
                               250, 250, true);
    const auto s = synapses(without);
    CHECK(s.size() == 50000);
    CHECK_FALSE(has_multapses(s));
    CHECK_FALSE(has_autapses(s));
    CHECK(rows_sorted(without));
    // sources and targets are uniform: each in-degree ~ Binomial(50000, 1/250), mean 200,
    // sd 14.1; the extreme of 250 degrees stays within 5 sd
    for (const int d : in_degrees(s, 250)) {
        CHECK(std::abs(d - 200) < 71);
    }
}

TEST_CASE("connectivity: fixed_probability stays within binomial bounds", "[sim][connectivity]") {
    // 200 x 300 pairs at p = 0.1: mean 6000, sd sqrt(6000 * 0.9) = 73.5; 5 sd bounds.
    const auto s = synapses(build("rule = \"fixed_probability\"\np = 0.1\nweight = 1.0"));
    CHECK(std::abs(double(s.size()) - 6000.0) < 5 * 73.5);
    CHECK_FALSE(has_multapses(s));
    const auto self = synapses(build("rule = \"fixed_probability\"\np = 1.0\nweight = 1.0\n"
                                     "autapses = false",
                                     200, 300, true));
    CHECK(self.size() == 200u * 199u);
    CHECK(synapses(build("rule = \"fixed_probability\"\np = 0.0\nweight = 1.0")).empty());
}

TEST_CASE("connectivity: the same seed gives the same network for any thread count",
          "[sim][connectivity][determinism]") {
    for (const char* rule :
         {"rule = \"fixed_probability\"\np = 0.05", "rule = \"fixed_indegree\"\nk = 20",
          "rule = \"fixed_outdegree\"\nk = 20\nmultapses = false",
          "rule = \"fixed_total_number\"\nn = 5000\nmultapses = false"}) {
        const std::string p = std::string(rule) +
                              "\nweight = { normal = [10.0, 3.0], min = 0.0 }\n"
                              "delay = { uniform = [0.1, 5.0] }";
        // the storage order follows the per-thread partition; the set of synapses must not
        const auto sorted = [](std::vector<synapse_view> v) {
            std::sort(v.begin(), v.end(), [](const synapse_view& a, const synapse_view& b) {
                return std::tie(a.source, a.target, a.delay, a.weight) <
                       std::tie(b.source, b.target, b.delay, b.weight);
            });
            return v;
        };
        const auto one = sorted(synapses(build(p, 400, 500, false, 1)));
        const auto two = sorted(synapses(build(p, 400, 500, false, 2)));
        const auto three = sorted(synapses(build(p, 400, 500, false, 3)));
        REQUIRE(one.size() == two.size());
        REQUIRE(one.size() == three.size());
        for (std::size_t k = 0; k < one.size(); ++k) {
            REQUIRE(one[k].source == two[k].source);
            REQUIRE(one[k].target == two[k].target);
            REQUIRE(one[k].weight == two[k].weight);
            REQUIRE(one[k].delay == two[k].delay);
            REQUIRE(one[k].target == three[k].target);
            REQUIRE(one[k].weight == three[k].weight);
        }
    }
}

TEST_CASE("connectivity: weight and delay distributions respect their bounds and moments",
          "[sim][connectivity]") {
    const auto net = build("rule = \"all_to_all\"\n"
                           "weight = { normal = [20.0, 10.0], min = 0.0, max = 30.0 }\n"
                           "delay = { uniform = [0.5, 2.0] }");
    const auto s = synapses(net);
    double wmin = 1e9, wmax = -1e9;
    step_t dmin = 1000, dmax = 0;
    for (const auto& e : s) {
        wmin = std::min<double>(wmin, e.weight);
        wmax = std::max<double>(wmax, e.weight);
        dmin = std::min(dmin, e.delay);
        dmax = std::max(dmax, e.delay);
    }
    CHECK(wmin >= 0.0);
    CHECK(wmax <= 30.0);
    CHECK(dmin == 5);   // 0.5 ms at dt 0.1
    CHECK(dmax == 20);  // 2.0 ms
    // delays packed beside the 9-bit target index: still 8 bytes per synapse
    const auto& p = net.spike_projections.at(0);
    CHECK(p.delay_shift > 0);
    CHECK(p.delay_steps.empty());
    CHECK(p.bytes() == 8 * p.synapses.size());

    // lognormal parameterised by the mean and sd of the value: 60000 draws, the standard error
    // of the mean is 0.5/sqrt(60000) ~ 0.002, bounds of 5 standard errors (and 3% on the sd)
    const auto ln = synapses(build("rule = \"all_to_all\"\nweight = { lognormal = [-2.0, 0.5] }"));
    double sum = 0, sum2 = 0;
    for (const auto& e : ln) {
        REQUIRE(e.weight < 0.0f);  // negative mean: mirrored, for inhibition
        sum += e.weight;
        sum2 += double(e.weight) * e.weight;
    }
    const double mean = sum / double(ln.size());
    const double sd = std::sqrt(sum2 / double(ln.size()) - mean * mean);
    CHECK(mean == Approx(-2.0).margin(5 * 0.5 / std::sqrt(60000.0)));
    CHECK(sd == Approx(0.5).epsilon(0.03));
}

TEST_CASE("connectivity: randomly delayed spikes arrive exactly d steps later",
          "[sim][connectivity][engine]") {
    // One source fires once; every target's I_syn_ex jumps exactly at t_spike + its delay.
    auto out = test::run_text(test::data_text("scenarios/one_spike_random_delays.toml"));
    const double t_spike = out.sink.spikes("src").times.at(0);
    const auto& p = out.net.spike_projections.at(0);
    const auto& I = out.sink.report("tgt", "I_syn_ex");
    for (auto k = p.row_begin(0); k < p.row_end(0); ++k) {
        const auto i = p.target_of(p.synapses[k]);
        const auto arrival = std::size_t(std::llround(t_spike / 0.1)) + std::size_t(p.delay_of(k));
        INFO("target " << i << " delay " << p.delay_of(k));
        CHECK(I.at(arrival - 1, i) == 0.0f);
        CHECK(I.at(arrival, i) == 10.0f);
    }
}

TEST_CASE("connectivity: SONATA and CSV edge files round-trip", "[sim][connectivity][io]") {
    const auto dir = std::filesystem::path(test::temp_path("edges"));
    std::filesystem::create_directories(dir);
    edge_list e;
    e.source = {5, 0, 3, 3, 199};
    e.target = {7, 299, 1, 0, 2};
    e.weight = {1.5, -2.0, 3.25, 4.0, 5.0};
    e.delay_ms = {0.1, 0.5, 2.0, 1.0, 0.3};
    e.source_population = std::string("a");
    e.target_population = std::string("b");
    write_sonata_edges((dir / "e.h5").string(), "a_to_b", e);
    {
        std::ofstream csv(dir / "e.csv");
        csv << "# an edge list\nsource,target,weight,delay\n";
        for (std::size_t k = 0; k < e.source.size(); ++k) {
            csv << e.source[k] << "," << e.target[k] << "," << e.weight[k] << "," << e.delay_ms[k]
                << "\n";
        }
    }
    const auto back = read_sonata_edges((dir / "e.h5").string(), "");
    CHECK(back.source == e.source);
    CHECK(back.target == e.target);
    CHECK(back.weight == e.weight);
    CHECK(back.delay_ms == e.delay_ms);
    CHECK(back.source_population == "a");
    const auto scenario = (dir / "s.toml").string();
    for (const char* file : {"e.h5", "e.csv"}) {
        INFO(file);
        const auto net = build(fmt::format("rule = \"from_file\"\nfile = \"{}\"", file), 200, 300,
                               false, 1, scenario);
        const auto s = synapses(net);
        REQUIRE(s.size() == 5);
        // source-major, targets ascending
        CHECK(s[0].source == 0);
        CHECK(s[0].target == 299);
        CHECK(s[0].weight == -2.0f);
        CHECK(s[0].delay == 5);
        CHECK(s[1].source == 3);
        CHECK(s[1].target == 0);
        CHECK(s[1].delay == 10);
        CHECK(s[2].target == 1);
        CHECK(s[2].weight == 3.25f);
        CHECK(s[4].source == 199);
    }
    // a weight given in the scenario overrides the file's
    const auto over = synapses(build("rule = \"from_file\"\nfile = \"e.h5\"\nweight = 9.0", 200,
                                     300, false, 1, scenario));
    CHECK(over[0].weight == 9.0f);
    std::filesystem::remove_all(dir);
}

TEST_CASE("connectivity: malformed edge files are rejected with a clear message",
          "[sim][connectivity][io][errors]") {
    const auto dir = std::filesystem::path(test::temp_path("bad-edges"));
    std::filesystem::create_directories(dir);
    const auto scenario = (dir / "s.toml").string();
    const auto write = [&](const char* name, const char* text) {
        std::ofstream(dir / name) << text;
    };
    write("bad_field.csv", "source,target,weight\n1,2,3\n4,x,5\n");
    write("bad_header.csv", "from,to\n1,2\n");
    write("short.csv", "source,target\n1,2\n3\n");
    write("range.csv", "source,target,weight\n1,2,1\n250,0,1\n");
    write("delay.csv", "source,target,weight,delay\n1,2,1.0,0.01\n");
    write("noweight.csv", "source,target\n1,2\n");
    write("not_hdf5.h5", "hello");
    const auto fails = [&](const char* file, const char* what) {
        INFO(file);
        REQUIRE_THROWS_WITH(
            build(fmt::format("rule = \"from_file\"\nfile = \"{}\"", file), 200, 300, false, 1,
                  scenario),
            Contains("s.toml:13:1") && Contains(file) && Contains(what));
    };
    fails("bad_field.csv", "bad_field.csv:3: target: expected a number, found \"x\"");
    fails("bad_header.csv", "unknown column 'from'");
    fails("short.csv", "short.csv:3: expected 2 fields, found 1");
    fails("range.csv", "source node id 250, but 'a' has 200 neurons");
    fails("delay.csv", "delay 0.01 ms, shorter than dt 0.1 ms");
    fails("noweight.csv", "has no weights; give 'weight'");
    fails("not_hdf5.h5", "not an HDF5 file");
    fails("missing.h5", "no such file");
    // SONATA file with mismatched lengths and a missing dataset
    edge_list e;
    e.source = {1, 2};
    e.target = {3};
    write_sonata_edges((dir / "len.h5").string(), "p", e);
    fails("len.h5", "source_node_id has 2 entries but target_node_id 1");
    e.target = {3, 4};
    e.weight = {1.0, 2.0};
    write_sonata_edges((dir / "two.h5").string(), "p", e);
    write_sonata_edges((dir / "two.h5.tmp").string(), "q", e);
    REQUIRE_THROWS_WITH(build("rule = \"from_file\"\nfile = \"two.h5\"\nedge_population = \"zz\"",
                              200, 300, false, 1, scenario),
                        Contains("no edge population 'zz'") && Contains("found: p"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("connectivity: rule parameters are checked when the scenario is loaded",
          "[sim][connectivity][scenario][errors]") {
    REQUIRE_THROWS_WITH(build("rule = \"fixed_indegree\"\nk = 201\nweight = 1.0\nmultapses = false"),
                        Contains("test.toml:17:5") && Contains("expected at most 200 without multapses"));
    REQUIRE_THROWS_WITH(build("rule = \"fixed_outdegree\"\nweight = 1.0"),
                        Contains("missing required key 'k'"));
    REQUIRE_THROWS_WITH(build("rule = \"fixed_total_number\"\nn = 60001\nweight = 1.0\nmultapses = false"),
                        Contains("expected at most 60000 without multapses"));
    REQUIRE_THROWS_WITH(build("rule = \"all_to_all\"\nk = 3\nweight = 1.0"),
                        Contains("k: applies to rule 'fixed_indegree' or 'fixed_outdegree' only"));
    REQUIRE_THROWS_WITH(build("rule = \"fixed_indgree\"\nk = 3\nweight = 1.0"),
                        Contains("did you mean 'fixed_indegree'"));
    REQUIRE_THROWS_WITH(build("rule = \"all_to_all\"\nweight = { normal = [1.0, 2.0], min = 3.0, max = 1.0 }"),
                        Contains("expected min < max"));
    REQUIRE_THROWS_WITH(build("rule = \"all_to_all\"\nweight = { uniform = [1.0, 2.0], min = 0.0 }"),
                        Contains("apply to normal and lognormal only"));
}

TEST_CASE("connectivity: edge files with ids out of range or non-finite values are rejected "
          "with the line or dataset",
          "[sim][connectivity][io][errors]") {
    // 'a' has 200 neurons, 'b' 300. Before: a CSV id of 1e30 was cast to uint64 (undefined)
    // and became a real edge; SONATA ids of -1 became 0 and NaN weights were accepted.
    const auto dir = std::filesystem::path(test::temp_path("hostile-edges"));
    std::filesystem::create_directories(dir);
    const auto scenario = (dir / "s.toml").string();
    const auto write = [&](const char* name, const char* text) {
        std::ofstream(dir / name) << text;
    };
    const auto fails = [&](const char* file, const std::string& what) {
        INFO(file);
        REQUIRE_THROWS_WITH(
            build(fmt::format("rule = \"from_file\"\nfile = \"{}\"", file), 200, 300, false, 1,
                  scenario),
            Contains("s.toml:13:1") && Contains(what));
    };
    write("huge.csv", "source,target,weight\n1,2,1\n1e30,0,1\n");
    write("negative.csv", "source,target,weight\n-1,2,1\n");
    write("target.csv", "source,target,weight\n# comment\n1,2,1\n\n199,300,1\n");
    write("exact.csv", "source,target,weight\n1.0,2e2,1\n");
    fails("huge.csv", "huge.csv:3: source: expected a node id (an integer >= 0), found \"1e30\"");
    fails("negative.csv",
          "negative.csv:2: source: expected a node id (an integer >= 0), found \"-1\"");
    fails("target.csv", "target.csv:5: target node id 300, but 'b' has 300 neurons");
    const auto net =
        build("rule = \"from_file\"\nfile = \"exact.csv\"", 200, 300, false, 1, scenario);
    const auto s = synapses(net);
    REQUIRE(s.size() == 1);
    CHECK((s[0].source == 1 && s[0].target == 200));

    hdf5_ids_file(dir);  // writes neg.h5, nan.h5, big.h5
    fails("neg.h5", "neg.h5: /edges/p/source_node_id[1]: expected a node id (an integer >= 0), "
                    "found -1");
    fails("nan.h5", "nan.h5: /edges/p/0/syn_weight[0]: expected a finite number, found nan");
    fails("big.h5", "big.h5: /edges/p/source_node_id declares 600000000 entries (4.8e+09 bytes) "
                    "but the file holds 0 bytes of it (unwritten or damaged)");
    edge_list e;
    e.source = {1, 2};
    e.target = {3, 300};
    e.weight = {1.0, 1.0};
    write_sonata_edges((dir / "range.h5").string(), "p", e);
    fails("range.h5", "range.h5: /edges/p/target_node_id[1]: node id 300, but 'b' has 300 "
                      "neurons");
    e.target = {3, 4};
    e.delay_ms = {1.0, std::numeric_limits<double>::infinity()};
    write_sonata_edges((dir / "inf.h5").string(), "p", e);
    fails("inf.h5", "inf.h5: /edges/p/0/delay[1]: expected a finite number, found inf");
    std::filesystem::remove_all(dir);
}
