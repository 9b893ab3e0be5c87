// SPDX-License-Identifier: BSD-3-Clause
// analyze / compare / export-sonata on real files: one written by another simulator's layout
// (bmtk: string `sorting`, no /neurotwin), twins with a known answer, and our own runs. The
// SONATA export is read back with the raw HDF5 C API.
#include <fmt/format.h>
#include <hdf5.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "analysis/analyze.hpp"
#include "analysis/compare.hpp"
#include "analysis/h5_output.hpp"
#include "analysis/h5_reader.hpp"
#include "app/old_files.hpp"
#include "models/registry.hpp"
#include "sim/run.hpp"
#include "sim/scenario/desc.hpp"
#include "tests/test_util.hpp"

using Catch::Matchers::Contains;
using namespace neurotwin;
using namespace neurotwin::analysis;
namespace fs = std::filesystem;

namespace {

// A spike file as bmtk writes it: /spikes/<pop>/{timestamps, node_ids}, `sorting` a string
// attribute, no magic, no /neurotwin. Poisson trains of `rate` Hz for `n` neurons.
void write_bmtk_file(const std::string& path, std::size_t n, double rate_hz, double t_ms,
                     bool shuffled) {
    std::mt19937_64 rng(99);
    std::exponential_distribution<double> isi(rate_hz / 1000.0);
    std::vector<std::pair<double, std::uint64_t>> spikes;
    for (std::size_t i = 0; i < n; ++i) {
        for (double t = isi(rng); t < t_ms; t += isi(rng)) {
            spikes.emplace_back(t, i);
        }
    }
    std::sort(spikes.begin(), spikes.end());
    if (shuffled) {
        std::shuffle(spikes.begin(), spikes.end(), rng);
    }
    std::vector<double> ts;
    std::vector<std::uint64_t> ids;
    for (const auto& [t, i] : spikes) {
        ts.push_back(t);
        ids.push_back(i);
    }
    const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(f >= 0);
    const hid_t g1 = H5Gcreate2(f, "/spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const hid_t g = H5Gcreate2(f, "/spikes/v1", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, H5T_VARIABLE);
    const hid_t scalar = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(g, "sorting", st, scalar, H5P_DEFAULT, H5P_DEFAULT);
    const char* sorting = shuffled ? "none" : "by_time";
    REQUIRE(H5Awrite(a, st, &sorting) >= 0);
    const hsize_t dims[1] = {ts.size()};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    const hid_t dt =
        H5Dcreate2(g, "timestamps", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const hid_t di =
        H5Dcreate2(g, "node_ids", H5T_STD_U64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(H5Dwrite(dt, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, ts.data()) >= 0);
    REQUIRE(H5Dwrite(di, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, ids.data()) >= 0);
    for (const hid_t id : {dt, di}) {
        H5Dclose(id);
    }
    H5Sclose(space);
    H5Sclose(scalar);
    H5Aclose(a);
    H5Tclose(st);
    H5Gclose(g);
    H5Gclose(g1);
    H5Fclose(f);
}

const result_node& child(const result_node& n, const std::string& key) {
    const auto* c = n.find(key);
    INFO(key);
    REQUIRE(c != nullptr);
    return *c;
}

const std::vector<double>& array(const result_node& n, const std::string& key) {
    for (const auto& [k, v] : n.arrays) {
        if (k == key) {
            return v;
        }
    }
    FAIL("no array " << key);
    throw;
}

std::string run_to_file(const std::string& toml, const std::string& name) {
    const auto path = test::temp_path(name);
    run_options o;
    o.output_path = path;
    o.threads = 1;
    const auto s = run_scenario(load_scenario_text(toml, name + ".toml", builtin_models()), o);
    REQUIRE(s.completed);
    return path;
}

// tests/data/scenarios/relu_lif_twin_31.toml: relu <-> lif, current encoding, constant
// inputs: the LIF cell is silent exactly where z = w.x + b <= 0 (docs/scenario.md, "The
// mapping"). z = 0.8*20 - 0.5*15 + b = 8.5 + b, b from -20 to 10 over 31 pairs (spacing 1): z
// from -11.5 to 18.5.
std::string relu_twin() {
    return test::data_text("scenarios/relu_lif_twin_31.toml");
}

}  // namespace

TEST_CASE("analyze: a bmtk-style SONATA spike file (string sorting, no metadata) is analysed",
          "[analysis][sonata]") {
    // 20 neurons at 10 Hz for 100 s. Rate: 1000 spikes per neuron, standard error ~3 %;
    // CV and Fano of a Poisson process are 1 (see test_metrics for the bounds).
    const auto sorted = test::temp_path("bmtk_sorted.h5");
    const auto shuffled = test::temp_path("bmtk_shuffled.h5");
    write_bmtk_file(sorted, 20, 10.0, 1e5, false);
    write_bmtk_file(shuffled, 20, 10.0, 1e5, true);
    CHECK(h5_file(sorted).read_sorting("v1") == spike_sorting::by_time);
    CHECK(h5_file(shuffled).read_sorting("v1") == spike_sorting::none);

    analyze_options o;
    const auto r = analyze_file(sorted, o);
    const auto& p = child(child(r, "populations"), "v1");
    CHECK(p.number("n_neurons") == 20);
    CHECK(p.number("rate_hz_mean") == Approx(10.0).epsilon(0.03));
    CHECK(p.number("fraction_active") == 1.0);
    CHECK(p.number("cv_isi_mean") == Approx(1.0).margin(0.05));
    CHECK(p.number("fano_mean") == Approx(1.0).margin(0.1));
    CHECK(std::abs(p.number("correlation_mean")) < 0.05);  // independent trains
    CHECK(p.number("correlation_pairs") == 190);
    // Independent neurons: chi ~ 1/sqrt(N) = 0.22.
    CHECK(p.number("synchrony_chi") == Approx(1.0 / std::sqrt(20.0)).margin(0.05));
    // The window [0, last spike] and a window given by hand.
    CHECK(p.number("window_stop_ms") > 99000.0);

    // Out of order (sorting "none"): the same answers, exactly.
    const auto r2 = analyze_file(shuffled, o);
    const auto& p2 = child(child(r2, "populations"), "v1");
    for (const char* k : {"spikes", "rate_hz_mean", "cv_isi_mean", "fano_mean", "synchrony_chi",
                          "correlation_mean"}) {
        INFO(k);
        CHECK(p2.number(k) == Approx(p.number(k)).epsilon(1e-12));
    }

    o.window = std::pair{0.0, 50000.0};
    const auto r3 = analyze_file(sorted, o);
    const auto& p3 = child(child(r3, "populations"), "v1");
    CHECK(p3.number("window_stop_ms") == 50000.0);
    CHECK(p3.number("spikes") < p.number("spikes") * 0.6);
    CHECK(p3.number("rate_hz_mean") == Approx(10.0).epsilon(0.05));
}

TEST_CASE("analyze: a relu/lif twin starts firing at z = 0 and tracks the ReLU across pairs",
          "[analysis][twin]") {
    const auto path = run_to_file(relu_twin(), "relu_twin_analyze");
    const auto r = analyze_file(path, analyze_options{});
    const auto& tw = child(child(r, "twins"), "tw");
    const auto& th = child(tw, "threshold");
    CHECK(th.number("artificial_z") == 0.0);
    // The mean pre-activation includes frame 0 (z = 0 before any input), so pair values sit a
    // little closer to 0 than w.x + b; the onset lies within one pair spacing (1) of z = 0.
    CHECK(std::abs(th.number("biological_z")) <= 1.0);
    const auto& ac = child(tw, "across_pairs");
    CHECK(ac.number("spearman") > 0.99);
    CHECK(ac.number("pearson") > 0.95);
    CHECK(ac.number("gain") > 0.0);
    CHECK(ac.number("r2") > 0.9);
    const auto& tc = child(tw, "tuning");
    const auto& z = array(tc, "preactivation");
    const auto& rate = array(tc, "rate_hz");
    REQUIRE(z.size() == 31);
    CHECK(std::is_sorted(z.begin(), z.end()));
    for (std::size_t i = 0; i < z.size(); ++i) {
        INFO("pair at z = " << z[i]);
        if (z[i] < -0.5) {
            CHECK(rate[i] == 0.0);
        } else if (z[i] > 0.5) {
            CHECK(rate[i] > 1.0);
        }
    }
    // Constant inputs: a(t) is constant, so per-pair correlations are undefined (NaN), not 0.
    CHECK(std::isnan(array(child(tw, "per_pair"), "pearson")[0]));
}

TEST_CASE("analyze: with time-varying input r(t) follows a(t) with a positive lag",
          "[analysis][twin]") {
    const auto path = run_to_file(test::data_text("scenarios/twin_4_pairs_sine_input.toml"),
                                  "sine_twin_analyze");
    const auto r = analyze_file(path, analyze_options{});
    const auto& pp = child(child(child(r, "twins"), "tw"), "per_pair");
    // The rate estimate is a causal filter of the spikes (tau = 50 ms): it lags the input,
    // by less than a quarter period (125 ms) of the 2 Hz modulation.
    CHECK(pp.number("pearson_median") > 0.7);
    CHECK(pp.number("lag_ms_median") > 0.0);
    CHECK(pp.number("lag_ms_median") < 125.0);
    for (const double g : array(pp, "gain")) {
        CHECK(g > 0.0);
    }
}

TEST_CASE("analyze: /analysis is written, replaced on re-run, and raw data stay untouched",
          "[analysis][io]") {
    const auto path = run_to_file(relu_twin(), "relu_twin_rewrite");
    const auto spikes_before = h5_file(path).read_spikes("tw.biological");
    analyze_options o;
    write_analysis_group(path, analyze_file(path, o));
    o.count_window_ms = 50.0;
    write_analysis_group(path, analyze_file(path, o));
    const h5_file f(path);
    CHECK(f.attr_f64("/analysis", "count_window_ms") == 50.0);
    CHECK(f.exists("/analysis/populations/tw.biological/rate_hz"));
    CHECK(f.exists("/analysis/twins/tw/tuning/preactivation"));
    CHECK(f.attr_string("/analysis/populations/tw.artificial", "model") == "relu");
    const auto spikes_after = f.read_spikes("tw.biological");
    CHECK(spikes_after.timestamps == spikes_before.timestamps);
    CHECK(spikes_after.node_ids == spikes_before.node_ids);
    CHECK(f.attr_u64("/neurotwin", "completed") == 1);
}

TEST_CASE("export-sonata: spikes.h5 and one strict report file per variable, read back",
          "[analysis][sonata]") {
    const auto path = run_to_file(relu_twin(), "relu_twin_export");
    const auto dir = test::temp_path("sonata_export");
    fs::remove_all(dir);
    const auto files = export_sonata(path, dir);
    std::vector<std::string> names;
    for (const auto& f : files) {
        names.push_back(fs::path(f).filename().string());
    }
    CHECK(names == std::vector<std::string>{"spikes.h5", "V_m.h5", "activation.h5",
                                            "preactivation.h5", "rate.h5"});
    const h5_file run(path);
    {
        const hid_t f = H5Fopen((dir + "/spikes.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
        REQUIRE(f >= 0);
        std::uint32_t magic = 0;
        const hid_t a = H5Aopen(f, "magic", H5P_DEFAULT);
        REQUIRE(H5Aread(a, H5T_NATIVE_UINT32, &magic) >= 0);
        CHECK(magic == 0x0A7A);
        H5Aclose(a);
        H5Fclose(f);
        const h5_file s(dir + "/spikes.h5");
        CHECK(s.read_sorting("tw.biological") == spike_sorting::by_time);
        CHECK(s.read_spikes("tw.biological").timestamps ==
              run.read_spikes("tw.biological").timestamps);
    }
    // <variable>.h5: /report/<population>/data directly (no variable level), float32,
    // time-major, for every population that recorded the variable.
    for (const auto& [var, pop] :
         std::vector<std::pair<std::string, std::string>>{{"activation", "tw.inputs"},
                                                          {"activation", "tw.artificial"},
                                                          {"rate", "tw.biological"},
                                                          {"V_m", "tw.biological"}}) {
        INFO(var << " of " << pop);
        const hid_t f = H5Fopen((dir + "/" + var + ".h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
        REQUIRE(f >= 0);
        const std::string base = std::string("/report/") + pop;
        const hid_t ds = H5Dopen2(f, (base + "/data").c_str(), H5P_DEFAULT);
        REQUIRE(ds >= 0);
        const hid_t t = H5Dget_type(ds);
        CHECK(H5Tequal(t, H5T_IEEE_F32LE) > 0);
        const hid_t sp = H5Dget_space(ds);
        hsize_t dims[2] = {0, 0};
        REQUIRE(H5Sget_simple_extent_ndims(sp) == 2);
        H5Sget_simple_extent_dims(sp, dims, nullptr);
        const auto original = run.read_report(pop, var);
        CHECK(dims[0] == original.frames);
        CHECK(dims[1] == original.columns);
        std::vector<float> data(dims[0] * dims[1]);
        REQUIRE(H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) >= 0);
        CHECK(data == original.data);
        for (const char* m :
             {"node_ids", "index_pointers", "index_pointer", "element_ids", "time"}) {
            INFO(m);
            CHECK(H5Lexists(f, (base + "/mapping/" + m).c_str(), H5P_DEFAULT) > 0);
        }
        H5Sclose(sp);
        H5Tclose(t);
        H5Dclose(ds);
        H5Fclose(f);
    }
}

TEST_CASE("compare: a file equals itself, and another seed differs at a named spike",
          "[analysis][compare]") {
    const auto net = test::data_text("scenarios/poisson_driven_lif.toml");  // seed = 1
    const auto a = run_to_file(net, "cmp_a");
    const auto a2 = run_to_file(net, "cmp_a2");
    const auto b = run_to_file(test::replace_once(net, "seed = 1", "seed = 2"), "cmp_b");
    const auto same = compare_files(a, a2, {});
    CHECK(same.identical);
    CHECK_THAT(same.report, Contains("identical"));
    const auto diff = compare_files(a, b, {});
    CHECK_FALSE(diff.identical);
    CHECK_THAT(diff.report, Contains("exc: first difference at spike #") &&
                                Contains("mean rate A") && Contains("KS distance"));
}

TEST_CASE("analyze: bias-only hh and hh_traub twins start firing at z = 0",
          "[analysis][twin][hh]") {
    // The bias alone (one input of rate 0) sets E_L = E_ref + bias_scale b with E_ref the
    // calibrated onset of repetitive firing from the model's initial state, so the cells fire
    // from b = 0 on. The window starts at 100 ms: the E_L step at t = 0 from the initial
    // state gives one transient spike below the onset too (as the same current step does).
    // b from -10 to 10 in steps of 1: the onset within one spacing of 0. (Before the fix
    // hh's cells started on their rest, never fired for any bias, and the onset was NaN.)
    for (const std::string model : {"hh", "hh_traub"}) {
        CAPTURE(model);
        const auto path = run_to_file(fmt::format(R"(
[simulation]
duration = 600
dt = 0.05
[[twin]]
name = "tw"
size = 21
biological = "{}"
inputs = [ {{ rate = 0.0, weight = 1.0 }} ]
bias = {{ linspace = [-10.0, 10.0] }}
)",
                                                  model),
                                      "hh_onset_" + model);
        analyze_options o;
        o.window = std::pair{100.0, 600.0};
        const auto r = analyze_file(path, o);
        const auto& th = child(child(child(r, "twins"), "tw"), "threshold");
        CHECK(std::abs(th.number("biological_z")) <= 1.0);
    }
}

TEST_CASE("analyze: the recorded neurons come from the file, and an old file without them "
          "from its scenario",
          "[analysis][record]") {
    // tests/data/record_rule.toml: 'a' records all 10 cells' spikes (its `neurons` select V_m
    // traces), 'b' a spikes-only subset of 2. Every cell fires alike.
    const auto path = test::temp_path("record_rule_lists.h5");
    run_options o;
    o.output_path = path;
    o.threads = 1;
    REQUIRE(
        run_scenario(load_scenario_file(test::data_path("record_rule.toml"), builtin_models()), o)
            .completed);
    const auto recorded = [](const std::string& file, const analyze_options& options) {
        const auto r = analyze_file(file, options);
        const auto& pops = child(r, "populations");
        return std::pair{child(pops, "a").number("n_recorded"),
                         child(pops, "b").number("n_recorded")};
    };
    const auto rate_b = [](const std::string& file, const analyze_options& options) {
        return child(child(analyze_file(file, options), "populations"), "b")
            .number("rate_hz_mean");
    };
    // A new file says it itself: no scenario is read (no rule given).
    CHECK(recorded(path, {}) == std::pair{10.0, 2.0});
    const double rate = rate_b(path, {});
    CHECK(rate > 0.0);

    // The same file as neurotwin wrote it before the lists existed.
    const auto old = test::temp_path("record_rule_old.h5");
    fs::copy_file(path, old);
    {
        const hid_t f = H5Fopen(old.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        REQUIRE(f >= 0);
        CHECK(H5Ldelete(f, "/neurotwin/records", H5P_DEFAULT) >= 0);
        H5Fclose(f);
    }
    CHECK_FALSE(h5_file(old).recorded_spikes("b").has_value());
    analyze_options with_rule;
    with_rule.recorded_in_old_files = spikes_recorded_by_scenario;
    CHECK(recorded(old, with_rule) == std::pair{10.0, 2.0});
    CHECK(rate_b(old, with_rule) == rate);
    // Without the rule (the analysis library alone), every neuron counts as recorded, as in
    // another simulator's file: b's rate is spread over 10 cells.
    CHECK(recorded(old, {}) == std::pair{10.0, 10.0});
    CHECK(rate_b(old, {}) == Approx(rate / 5.0));
    // The rule itself: a scenario that no longer loads tells nothing.
    CHECK_FALSE(spikes_recorded_by_scenario("[[nope]]\n", "b", 10).has_value());
    CHECK(spikes_recorded_by_scenario("[simulation]\nduration = 1\n", "b", 3) ==
          std::vector<std::size_t>{0, 1, 2});
}
