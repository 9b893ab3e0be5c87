// SPDX-License-Identifier: BSD-3-Clause
// gif_psc_exp: the membrane and the kernels against their closed forms, the escape noise
// against the Bernoulli probability of a step, its random stream against the thread count;
// and list parameters (the kernels) through the loader, the network, sweeps, the output
// file and `neurotwin models`.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "analysis/h5_reader.hpp"
#include "models/gif_psc_exp.hpp"
#include "models/registry.hpp"
#include "sim/memory.hpp"
#include "sim/scenario/sweep.hpp"
#include "tests/test_util.hpp"

using namespace neurotwin;
using Catch::Matchers::Contains;

namespace {

using overrides = std::map<std::string, double, std::less<>>;

// Every parameter of gif_psc_exp for n neurons: the defaults, `scalars` and `lists` replacing
// them.
population_init gif_init(index_t n, const overrides& scalars, const param_lists& lists = {}) {
    population_init init;
    init.name = "gif";
    init.size = n;
    init.seed = 7;
    init.stream = 11;
    for (const auto& p : gif_psc_exp_info.params) {
        if (p.is_list) {
            const auto it = lists.find(p.name);
            init.lists[p.name] = it != lists.end() ? it->second : p.default_list;
            continue;
        }
        const auto it = scalars.find(p.name);
        init.params[p.name] =
            std::vector<double>(n, it != scalars.end() ? it->second : p.default_value);
    }
    return init;
}

// One step of neurons [0, n) with a continuous current `I` (pA) and no synaptic jumps.
void step_once(population& pop, step_t t, double I) {
    const std::vector<double> zero(pop.size(), 0.0);
    const std::vector<double> cont(pop.size(), I);
    step_inputs in{zero.data(), zero.data(), cont.data()};
    update_status st;
    pop.update(t, 0, pop.size(), in, st);
    REQUIRE_FALSE(st.fault);
}

// Lines 1-6: [simulation] and population 'g' of 10 gif_psc_exp neurons; line 7 is `extra`.
std::string gif_scenario(const std::string& extra, int size = 10) {
    return fmt::format(
        "[simulation]\nduration = 10\n[[population]]\nname = \"g\"\n"
        "model = \"gif_psc_exp\"\nsize = {}\n{}\n",
        size, extra);
}

scenario_desc load(const std::string& text) {
    return load_scenario_text(text, "bad.toml", builtin_models());
}

}  // namespace

TEST_CASE("gif_psc_exp: without escape the membrane relaxes exactly as the linear ODE",
          "[models][gif_psc_exp][physics]") {
    // lambda_0 = 0: no spikes. From V_0, under a held current I,
    //   V(t) = E_L + I / g_L + (V_0 - E_L - I / g_L) e^{-t / tau_m},  tau_m = C_m / g_L,
    // for two membranes (tau_m = 20 ms and 5 ms). The propagators are exact, so only rounding
    // (about 1e-14 mV per step, 2000 steps) separates the two: 1e-9 mV.
    for (const auto& [C_m, g_L] : {std::pair{80.0, 4.0}, std::pair{50.0, 10.0}}) {
        auto init = gif_init(1, {{"lambda_0", 0.0}, {"C_m", C_m}, {"g_L", g_L}});
        init.init["V_m"] = {-60.0};
        auto pop = gif_psc_exp_info.create(init);
        pop->prepare(0.1);
        const double I = 40.0, tau_m = C_m / g_L, V_inf = -70.0 + I / g_L;
        double max_dev = 0.0;
        for (int k = 0; k < 2000; ++k) {
            step_once(*pop, k, I);
            const double t = (k + 1) * 0.1;
            const double expected = V_inf + (-60.0 - V_inf) * std::exp(-t / tau_m);
            max_dev = std::max(max_dev, std::abs(pop->column("V_m")[0] - expected));
            REQUIRE(pop->spiked()[0] == 0);
        }
        INFO("tau_m = " << tau_m);
        CHECK(max_dev < 1e-9);
        CHECK(pop->column("I_stc")[0] == 0.0);
        CHECK(pop->column("E_sfa")[0] == -35.0);
    }
}

TEST_CASE("gif_psc_exp: after a spike eta and gamma jump by q and decay with their taus",
          "[models][gif_psc_exp][physics]") {
    // lambda_0 = 1e6 Hz at V_m = V_T_star = E_L: the spike probability of step 0 is
    // 1 - e^{-100}, exactly 1 in double precision. The threshold kernels then lift V_T by
    // 150 mV, and are still 25 mV above at 200 ms, where lambda = 1e6 e^{-50} Hz < 1e-15 Hz:
    // no second spike. After step k the kernels are, exactly up to rounding,
    //   I_stc = sum_j q_stc[j] e^{-k h / tau_stc[j]},  E_sfa = V_T_star + sum_k (same).
    // V_m is V_reset through t_ref = 2 ms (20 steps after the spike step), then relaxes under
    // the spike-triggered currents eta_j(s) = eta_j0 e^{-s / tau_j} from V_reset:
    //   V - E_L = (V_reset - E_L) e^{-s/tau_m}
    //             - sum_j eta_j0 / C_m tau_m tau_j / (tau_j - tau_m) (e^{-s/tau_j} - e^{-s/tau_m}).
    const std::vector<double> tau_stc{10.0, 100.0}, q_stc{20.0, -5.0};
    const std::vector<double> tau_sfa{30.0, 300.0}, q_sfa{100.0, 50.0};
    auto init =
        gif_init(1, {{"lambda_0", 1e6}, {"V_T_star", -70.0}, {"V_reset", -65.0}, {"t_ref", 2.0}},
                 {{"tau_stc", tau_stc}, {"q_stc", q_stc}, {"tau_sfa", tau_sfa}, {"q_sfa", q_sfa}});
    auto pop = gif_psc_exp_info.create(init);
    const double h = 0.1, C_m = 80.0, tau_m = 20.0;
    pop->prepare(h);
    double dev_stc = 0.0, dev_sfa = 0.0, dev_v = 0.0;
    int spikes = 0;
    for (int k = 0; k < 2000; ++k) {
        step_once(*pop, k, 0.0);
        spikes += pop->spiked()[0];
        REQUIRE(pop->spiked()[0] == (k == 0 ? 1 : 0));
        double stc = 0.0, sfa = -70.0;
        for (std::size_t j = 0; j < 2; ++j) {
            stc += q_stc[j] * std::exp(-k * h / tau_stc[j]);
            sfa += q_sfa[j] * std::exp(-k * h / tau_sfa[j]);
        }
        dev_stc = std::max(dev_stc, std::abs(pop->column("I_stc")[0] - stc));
        dev_sfa = std::max(dev_sfa, std::abs(pop->column("E_sfa")[0] - sfa));
        double v = -65.0;
        if (k > 20) {
            const double s = (k - 20) * h;  // since the end of the refractory period
            v = -70.0 + 5.0 * std::exp(-s / tau_m);
            for (std::size_t j = 0; j < 2; ++j) {
                const double eta0 = q_stc[j] * std::exp(-20 * h / tau_stc[j]);
                v -= eta0 / C_m * tau_m * tau_stc[j] / (tau_stc[j] - tau_m) *
                     (std::exp(-s / tau_stc[j]) - std::exp(-s / tau_m));
            }
        }
        dev_v = std::max(dev_v, std::abs(pop->column("V_m")[0] - v));
    }
    CHECK(spikes == 1);
    // products of 2000 rounded decay factors against exp(): about 2000 ulp of 150 mV
    CHECK(dev_stc < 1e-10);
    CHECK(dev_sfa < 1e-10);
    CHECK(dev_v < 1e-9);
}

TEST_CASE("gif_psc_exp: at a stationary V_m each step fires with probability 1 - e^{-lambda h}",
          "[models][gif_psc_exp][physics]") {
    // I_e = 0, V_reset = E_L, t_ref = 0, no kernels: V_m stays at E_L exactly, so every step
    // of every neuron is a Bernoulli trial of p = 1 - exp(-lambda h) with
    // lambda = lambda_0 e^{(E_L - V_T_star) / Delta_V}: 10 e^2 = 73.9 Hz (population a) and
    // 10 e^4 = 546 Hz (b), over 500 neurons x 10,000 steps each.
    const std::string toml = R"(
[simulation]
duration = 1000.0
dt = 0.1
seed = 5
[[population]]
name = "a"
model = "gif_psc_exp"
size = 500
params = { lambda_0 = 10.0, V_T_star = -71.0, V_reset = -70.0, t_ref = 0.0 }
[[population]]
name = "b"
model = "gif_psc_exp"
size = 500
params = { lambda_0 = 10.0, V_T_star = -72.0, V_reset = -70.0, t_ref = 0.0 }
[[record]]
population = "a"
spikes = true
[[record]]
population = "b"
spikes = true
)";
    const auto out = test::run_text(toml);
    const double trials = 500.0 * 10000.0;
    for (const auto& [pop, dv] : {std::pair{"a", 1.0}, std::pair{"b", 2.0}}) {
        const double p = -std::expm1(-10.0 * std::exp(dv / 0.5) * 0.1e-3);
        const double mean = trials * p, sd = std::sqrt(trials * p * (1.0 - p));
        const double count = double(out.sink.spikes(pop).times.size());
        INFO(pop << ": " << count << " spikes, expected " << mean << " +- " << sd);
        // a binomial count is outside 5 sd with probability below 1e-6
        CHECK(std::abs(count - mean) < 5.0 * sd);
    }
}

TEST_CASE("gif_psc_exp: no spike is drawn while refractory (a renewal of dead time t_ref)",
          "[models][gif_psc_exp][physics]") {
    // As above with t_ref = 2 ms (D = 20 steps): an interval is D + G steps, G geometric of
    // mean 1/p, so the rate is 1000 / ((D + 1/p) h) Hz; no interval is shorter than D + 1.
    const double h = 0.1, D = 20.0;
    const double p = -std::expm1(-10.0 * std::exp(4.0) * h * 1e-3);
    const auto out = test::run_text(gif_scenario(
        "params = { lambda_0 = 10.0, V_T_star = -72.0, V_reset = -70.0, t_ref = 2.0 }\n"
        "[[record]]\npopulation = \"g\"\nspikes = true",
        1000));
    const auto& s = out.sink.spikes("g");
    // 1000 neurons x 10 ms: ~2,560 spikes of a renewal process with CV ~0.9: relative sd of
    // the count ~1.8 %; 9 % is 5 sd.
    const double rate = double(s.times.size()) / 1000.0 / 10e-3;
    CHECK(rate == Approx(1000.0 / ((D + 1.0 / p) * h)).epsilon(0.09));
    double min_isi = 1e9;
    for (std::uint64_t i = 0; i < 1000; ++i) {
        const auto t = test::spike_times_of(s, i);
        for (std::size_t k = 1; k < t.size(); ++k) {
            min_isi = std::min(min_isi, t[k] - t[k - 1]);
        }
    }
    CHECK(min_isi >= (D + 1.0) * h - 1e-9);
}

TEST_CASE("gif_psc_exp: the random stream is the population's, not a thread's",
          "[models][gif_psc_exp][determinism]") {
    // Poisson drive and both kinds of kernel, so that the spikes depend on the whole state.
    const std::string toml = R"(
[simulation]
duration = 300.0
seed = 3
[[population]]
name = "g"
model = "gif_psc_exp"
size = 1001
params = { I_e = 100.0, tau_stc = [10.0, 100.0], q_stc = [20.0, 5.0], tau_sfa = [30.0, 300.0], q_sfa = [5.0, 2.0], V_T_star = -50.0 }
[[stimulus]]
type = "poisson"
target = "g"
rate = 2000.0
weight = 20.0
[[record]]
population = "g"
spikes = true
)";
    const auto one = test::run_text(toml, 1);
    REQUIRE(one.sink.spikes("g").times.size() > 1000);
    for (const int threads : {2, 3}) {
        const auto more = test::run_text(toml, threads);
        CHECK(more.sink.spikes("g").times == one.sink.spikes("g").times);
        CHECK(more.sink.spikes("g").ids == one.sink.spikes("g").ids);
    }
    const auto& s = one.sink.spikes("g");
    CHECK(test::spike_times_of(s, 0) != test::spike_times_of(s, 1));
    // The threshold kernels adapt: the same drive without them fires more.
    const auto plain = test::run_text(
        test::replace_once(toml, "tau_sfa = [30.0, 300.0], q_sfa = [5.0, 2.0], ", ""));
    CHECK(plain.sink.spikes("g").times.size() > 1.5 * double(s.times.size()));
}

TEST_CASE("list parameters: arrays of numbers or unit strings, defaults where not given",
          "[scenario][gif_psc_exp][lists]") {
    const auto desc = load(gif_scenario(
        "params = { tau_sfa = [30, \"0.3 s\"], q_sfa = [\"10 mV\", 5.5], C_m = [80, 90, 80, 90, "
        "80, 90, 80, 90, 80, 90] }"));
    const auto& p = desc.populations.at(0).params;
    REQUIRE(p.at("tau_sfa").k == value_spec::kind::list);
    CHECK(p.at("tau_sfa").values == std::vector<double>{30.0, 300.0});
    CHECK(p.at("q_sfa").values == std::vector<double>{10.0, 5.5});
    // a TOML array of a scalar parameter is still one value per neuron
    CHECK(p.at("C_m").k == value_spec::kind::array);
    const auto net = build_network(desc);
    const auto& lists = net.list_params.at(0);
    CHECK(lists.at("tau_sfa") == std::vector<double>{30.0, 300.0});
    CHECK(lists.at("q_stc").empty());  // the default: no kernel
    CHECK(lists.at("tau_stc").empty());
    CHECK(net.params.at(0).count("tau_sfa") == 0);  // not a per-neuron column
    CHECK(net.params.at(0).at("C_m").at(1) == 90.0);
    // An empty list is a list too.
    CHECK(load(gif_scenario("params = { tau_stc = [], q_stc = [] }"))
              .populations.at(0)
              .params.at("tau_stc")
              .values.empty());
}

TEST_CASE("list parameters: each element is checked, and errors say which",
          "[scenario][gif_psc_exp][lists][errors]") {
    // a unit of another dimension
    REQUIRE_THROWS_WITH(
        load(gif_scenario("params = { tau_sfa = [30, \"10 mV\"], q_sfa = [1, 2] }")),
        Contains("bad.toml:7:27: error: population 'g', parameter 'tau_sfa', element 1: "
                 "expected a duration (ms), found \"10 mV\" (a voltage)"));
    // out of the parameter's range
    REQUIRE_THROWS_WITH(
        load(gif_scenario("params = { tau_stc = [10, 20, -5], q_stc = [1, 2, 3] }")),
        Contains("bad.toml:7:31: error: population 'g', parameter 'tau_stc', element 2: "
                 "expected a positive duration (ms), found -5"));
    REQUIRE_THROWS_WITH(load(gif_scenario("params = { q_sfa = [1, true] }")),
                        Contains("bad.toml:7:24: error: population 'g', parameter 'q_sfa', "
                                 "element 1: expected a voltage (mV)") &&
                            Contains("found a boolean (true)"));
}

TEST_CASE("list parameters: the model's rules compare list lengths",
          "[scenario][gif_psc_exp][lists][errors]") {
    REQUIRE_THROWS_WITH(
        load(gif_scenario("params = { tau_sfa = [30, 300], q_sfa = [10] }")),
        Contains("bad.toml:7:41: error: population 'g', parameter 'q_sfa': expected as many "
                 "values as tau_sfa (2: one jump per kernel), found [10]"));
    // a missing list is its default, reported at the population
    REQUIRE_THROWS_WITH(load(gif_scenario("params = { tau_stc = [10] }")),
                        Contains("bad.toml:3:1: error: population 'g', parameter 'q_stc': "
                                 "expected as many values as tau_stc (1: one jump per "
                                 "kernel), found [] (the default)"));
    // the builder checks the same rule (a scenario_desc need not come from the loader)
    auto desc = load(gif_scenario("params = { tau_sfa = [30], q_sfa = [10] }"));
    desc.populations[0].params["q_sfa"].values.push_back(5.0);
    REQUIRE_THROWS_WITH(build_network(desc),
                        Contains("population 'g', parameter 'q_sfa': expected as many values "
                                 "as tau_sfa (1: one jump per kernel), found [10, 5]"));
}

TEST_CASE("list parameters: the same for every neuron, so per-neuron forms are errors",
          "[scenario][gif_psc_exp][lists][errors]") {
    REQUIRE_THROWS_WITH(
        load(gif_scenario("params = { tau_sfa = { uniform = [10, 20] }, q_sfa = [1] }")),
        Contains("bad.toml:7:22: error: population 'g', parameter 'tau_sfa': expected a list "
                 "of positive durations (ms) as an array, e.g. [10, 100], found a table; a "
                 "list parameter is the same for every neuron: per-neuron forms do not "
                 "apply"));
    REQUIRE_THROWS_WITH(load(gif_scenario("params = { q_stc = \"5 pA\" }")),
                        Contains("bad.toml:7:20: error: population 'g', parameter 'q_stc': "
                                 "expected a list of currents (pA) as an array, e.g. [10, "
                                 "100], found a string (\"5 pA\")"));
    // scalar parameters keep their per-neuron forms and the size check of arrays
    CHECK_NOTHROW(load(gif_scenario("params = { C_m = { uniform = [70, 90] } }")));
    REQUIRE_THROWS_WITH(load(gif_scenario("params = { C_m = [80, 90] }")),
                        Contains("expected 10 values (one per neuron), found 2"));
}

TEST_CASE("list parameters: a sweep varies a whole list or one element",
          "[scenario][gif_psc_exp][lists][sweep]") {
    const auto base = gif_scenario("params = { tau_sfa = [30, 300], q_sfa = [10, 5] }");
    const auto plan = expand_sweep(base + R"(
[sweep]
"population.g.params.tau_sfa" = [[20, 200], ["50 ms", "0.5 s"]]
"population.g.params.q_sfa.1" = [1, 2.5]
)",
                                   "dir/gif.toml");
    REQUIRE(plan.points.size() == 4);
    // lists are named by their position among the values, elements by their index
    CHECK(plan.points[0].name == "gif__tau_sfa=v1__1=1");
    const auto desc = load_sweep_point(plan, plan.points[3], builtin_models());
    const auto& p = desc.populations.at(0).params;
    CHECK(p.at("tau_sfa").values == std::vector<double>{50.0, 500.0});
    CHECK(p.at("q_sfa").values == std::vector<double>{10.0, 2.5});
    // a swept list is checked like any other
    const auto bad = expand_sweep(
        base + "[sweep]\n\"population.g.params.tau_sfa\" = [[1], [1, 2]]\n", "dir/gif.toml");
    REQUIRE_THROWS_WITH(load_sweep_point(bad, bad.points[0], builtin_models()),
                        Contains("parameter 'q_sfa': expected as many values as tau_sfa (1"));
}

TEST_CASE("list parameters: every preset names scalar parameters only",
          "[models][gif_psc_exp][lists]") {
    // presets fill in numbers (preset_info::values); a list parameter has no place there
    for (const auto* m : builtin_models().all()) {
        for (const auto& preset : m->presets) {
            for (const auto& [key, value] : preset.values) {
                INFO(m->name << " preset " << preset.name << ": " << key);
                REQUIRE(m->find_param(key) != nullptr);
                CHECK_FALSE(m->find_param(key)->is_list);
            }
        }
    }
}

TEST_CASE("list parameters: the memory estimate counts 8 bytes per element and neuron",
          "[sim][memory][gif_psc_exp][lists]") {
    const auto bytes = [](const std::string& params) {
        return estimate_memory(load(gif_scenario(params, 1000))).parts.at(0).bytes;
    };
    CHECK(bytes("params = { tau_stc = [1, 2], q_stc = [1, 2], tau_sfa = [3], q_sfa = [3] }") -
              bytes("") ==
          Approx(1000.0 * 8.0 * 6.0));
}

TEST_CASE(
    "list parameters: `neurotwin models` shows them with their type and default, and "
    "the output file holds them",
    "[cli][gif_psc_exp][lists]") {
    test::temp_dir dir;
    const auto r = test::run_cli(dir, {"models", "gif_psc_exp"});
    INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
    REQUIRE(r.code == 0);
    CHECK_THAT(r.out, Contains("gif_psc_exp (spiking): generalized integrate-and-fire"));
    CHECK_THAT(r.out, Contains("    tau_sfa              [] ms      a list of positive "
                               "durations (ms)"));
    CHECK_THAT(r.out, Contains("    q_stc                [] pA      a list of currents (pA)"));
    CHECK_THAT(r.out, Contains("recordable: V_m [mV], I_stc [pA], E_sfa [mV]"));
    CHECK(r.out.find("lif (") == std::string::npos);  // only the model asked for
    const auto bad = test::run_cli(dir, {"models", "gif_psc_ex"});
    CHECK(bad.code == exit_input);
    CHECK_THAT(bad.err, Contains("unknown model 'gif_psc_ex'; did you mean 'gif_psc_exp'?"));

    // The example scenario runs; its lists are in /neurotwin/populations/<name>/param_lists.
    const auto run = test::run_cli(dir, {"run", test::source_path("scenarios/gif_adaptation.toml"),
                                         "-o", "gif.h5", "-q", "--threads", "1"});
    INFO("run stderr:\n" << run.err);
    REQUIRE(run.code == 0);
    const analysis::h5_file f((dir.work / "gif.h5").string());
    const std::string g = "/neurotwin/populations/adapting/";
    CHECK(f.read_vector(g + "param_lists/tau_sfa") == std::vector<double>{30.0, 300.0});
    CHECK(f.attr_string(g + "param_lists/q_stc", "units") == "pA");
    CHECK(f.read_vector(g + "params/C_m").size() == 100);
    CHECK(f.read_vector("/neurotwin/populations/plain/param_lists/tau_sfa").empty());
}
