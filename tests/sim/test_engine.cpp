// SPDX-License-Identifier: BSD-3-Clause
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "models/registry.hpp"
#include "sim/run.hpp"
#include "tests/test_util.hpp"

using namespace neurotwin;

namespace {
// Mean of the first `columns` columns of a report over its frames from `first` on.
template <class Report>
double mean_from_frame(const Report& r, std::size_t first, std::size_t columns) {
    double sum = 0.0;
    std::size_t count = 0;
    for (std::size_t f = first; f < r.frames; ++f) {
        for (std::size_t c = 0; c < columns; ++c) {
            sum += r.at(f, c);
            ++count;
        }
    }
    return sum / double(count);
}

// One source neuron that fires once (strong current, refractory longer than the run) and
// `targets` quiet ones; the source's first spike time is the first grid time after
// T = tau_m ln(V_inf - E_L)/(V_inf - V_th)).
std::string one_spike(double delay, double weight, int targets = 3, double duration = 50.0) {
    return fmt::format(R"(
[simulation]
duration = {}
dt = 0.1
[[population]]
name = "src"
model = "lif"
size = 1
params = {{ I_e = 10000.0, t_ref = 1000.0 }}
[[population]]
name = "tgt"
model = "lif"
size = {}
[[projection]]
source = "src"
target = "tgt"
rule = "all_to_all"
weight = {}
delay = {}
[[record]]
population = "src"
spikes = true
[[record]]
population = "tgt"
variables = ["I_syn_ex", "I_syn_in", "V_m"]
)",
                       duration, targets, weight, delay);
}
}  // namespace

TEST_CASE("engine: a spike emitted at step t arrives at step t + d exactly", "[sim][engine]") {
    for (const double delay : {0.1, 0.5, 1.5, 7.3}) {
        auto out = test::run_text(one_spike(delay, 100.0));
        const auto& s = out.sink.spikes("src");
        REQUIRE(s.times.size() == 1);
        const double t_spike = s.times[0];  // end of the step in which the source fired
        const auto& I = out.sink.report("tgt", "I_syn_ex");
        // Frame k holds the state at time k*dt. The spike's step ends at t_spike; its jump
        // is added at the end of the step that starts at t_spike + delay - dt, i.e. it is
        // first visible at time t_spike + delay.
        const auto arrival = static_cast<std::size_t>(std::llround((t_spike + delay) / 0.1));
        INFO("delay " << delay << " spike at " << t_spike);
        for (std::size_t c = 0; c < 3; ++c) {
            CHECK(I.at(arrival - 1, c) == 0.0f);
            CHECK(I.at(arrival, c) == 100.0f);
        }
    }
}

TEST_CASE("engine: negative weights are inhibitory", "[sim][engine]") {
    auto out = test::run_text(one_spike(1.0, -50.0));
    const auto& in = out.sink.report("tgt", "I_syn_in");
    const auto& ex = out.sink.report("tgt", "I_syn_ex");
    const auto& V = out.sink.report("tgt", "V_m");
    float min_in = 0.0f, max_ex = 0.0f, min_V = 0.0f;
    for (std::size_t f = 0; f < in.frames; ++f) {
        min_in = std::min(min_in, in.at(f, 0));
        max_ex = std::max(max_ex, ex.at(f, 0));
        min_V = std::min(min_V, V.at(f, 0));
    }
    CHECK(min_in == -50.0f);
    CHECK(max_ex == 0.0f);
    CHECK(min_V < -70.0f);
}

TEST_CASE("engine: the causal rate estimate converges to the firing rate", "[sim][engine]") {
    // Regular firing with ISI = t_ref + T (see test_lif); an exponential filter with time
    // constant 100 ms averages over ~6 ISIs; its time average over the last 500 ms equals the
    // rate up to the filter's ripple, which averages out: 2% tolerance.
    const std::string toml = R"(
[simulation]
duration = 1000.0
[[population]]
name = "cell"
model = "lif"
size = 1
params = { I_e = 500.0 }
[[record]]
population = "cell"
spikes = true
variables = ["rate"]
)";
    auto out = test::run_text(toml);
    const auto s = test::spike_times_of(out.sink.spikes("cell"), 0);
    REQUIRE(s.size() > 10);
    const double isi = s.back() - s[s.size() - 2];
    const double f = 1000.0 / isi;
    const auto& r = out.sink.report("cell", "rate");
    double mean = 0.0;
    for (std::size_t k = 5000; k < 10000; ++k) {
        mean += r.at(k, 0);
    }
    mean /= 5000.0;
    CHECK(mean == Approx(f).epsilon(0.02));
}

TEST_CASE("engine: poisson stimulus delivers the requested rate", "[sim][engine]") {
    // 200 neurons x 2 s at 50 Hz = 20000 expected events (sd 141): 4 sd bound of 3%.
    auto out = test::run_text(test::data_text("scenarios/poisson_50hz_on_silent_lif.toml"));
    // Reconstruct event counts from neuron 0's synaptic current: each event is a jump of 1 pA
    // on top of a decaying current, so count the positive jumps of I(t) - I(t - dt) e^{-dt/tau}.
    const auto& I = out.sink.report("n", "I_syn_ex");
    const double decay = std::exp(-0.1 / 2.0);
    double events = 0.0;
    for (std::size_t k = 1; k < I.frames; ++k) {
        events += std::round(I.at(k, 0) - I.at(k - 1, 0) * decay);
    }
    // one neuron: 100 events expected, sd 10: 5 sd bounds
    CHECK(events > 50.0);
    CHECK(events < 150.0);
    CHECK(out.result.spikes[0] == 0);
}

TEST_CASE("engine: rate projections carry the source output with their delay", "[sim][engine]") {
    // relu output at step t is 2 * x(t - d + 1) + 1 with x a step from 0 to 5 at 10 ms.
    auto out = test::run_text(test::data_text("scenarios/rate_projection_delay.toml"));
    const auto& x = out.sink.report("x", "activation");
    const auto& y = out.sink.report("y", "activation");
    // x changes in the update of step 10 -> visible at frame 11; y sees x(t-d+1) in step t
    // and shows it one frame later: y frame k = 2 x(frame k - d) + 1.
    for (std::size_t k = 5; k < 30; ++k) {
        INFO("frame " << k);
        CHECK(y.at(k, 0) == Approx(2.0 * x.at(k - 4, 0) + 1.0));
    }
    CHECK(x.at(10, 0) == 0.0f);
    CHECK(x.at(11, 0) == 5.0f);
}

TEST_CASE("engine: high-rate poisson stimulus (per-step counts) delivers the requested rate",
          "[sim][engine]") {
    // 20 kHz at dt 0.1 ms: lambda = 2 events per step on average, drawn as one Poisson count
    // per step. Sampled on the grid right after the jumps, I(t+dt) = I(t) e^{-dt/tau} + J k_t,
    // so the mean is J lambda / (1 - e^{-dt/tau}) = 2 / (1 - e^{-0.05}) = 41.0 pA (the
    // continuous-time mean J rate tau = 40 pA is its dt -> 0 limit). Averaged over 100 neurons
    // x 1800 ms (after a 200 ms transient) the standard error is far below 0.1 pA: 0.5%.
    auto out = test::run_text(test::data_text("scenarios/poisson_20khz_on_silent_lif.toml"));
    CHECK(mean_from_frame(out.sink.report("n", "I_syn_ex"), 200, 100) == Approx(2.0 / -std::expm1(-0.05)).epsilon(0.005));
}

TEST_CASE("engine: spiking sources drive artificial targets through their rate estimate",
          "[sim][engine]") {
    // z_i(t) = sum_j w_ij r_j(t - d + 1) + b, computed per spike (a decaying sum) instead of
    // per synapse and step: it must equal the sum over the recorded rates. Frames are float32
    // (relative resolution 6e-8) and the weights w * 1000/tau are stored as float: 1e-5
    // relative tolerance.
    auto out = test::run_text(test::data_text("scenarios/spiking_to_relu.toml"));
    const auto& r = out.sink.report("src", "rate");
    const auto& z = out.sink.report("out", "preactivation");
    const double w[2] = {0.3, -0.2};
    double max_rate = 0.0;
    for (std::size_t k = 20; k < z.frames; ++k) {
        for (std::size_t i = 0; i < 2; ++i) {
            double expected = 0.5;
            for (std::size_t j = 0; j < 3; ++j) {
                expected += w[i] * r.at(k - 20, j);  // d = 20 steps
                max_rate = std::max<double>(max_rate, r.at(k - 20, j));
            }
            INFO("frame " << k << " target " << i);
            REQUIRE(z.at(k, i) == Approx(expected).epsilon(1e-5).margin(1e-4));
        }
    }
    CHECK(max_rate > 10.0);  // the sources fire
}

TEST_CASE("engine: a numerical fault stops a run on any number of threads with the same message",
          "[sim][engine]") {
    // Neuron 37 of 40 (owned by the last thread for 2 and 3 threads) overflows in its first
    // step: 10 * 1e308 is infinite. The threads decide to stop together after the step that
    // faulted, so the run ends (no hang) and reports the same neuron and time.
    const std::string toml = test::data_text("scenarios/overflow_fault_neuron_37.toml");
    std::string first;
    for (const int threads : {1, 2, 3}) {
        INFO(threads << " threads");
        try {
            test::run_text(toml, threads);
            FAIL("the run did not stop");
        } catch (const runtime_fault& e) {
            const std::string what = e.what();
            CHECK_THAT(what, Catch::Contains("neuron 37 of 'r'"));
            if (first.empty()) {
                first = what;
            }
            CHECK(what == first);
        }
    }
}

namespace {
// One poisson stimulus of the given rate on 4 lif cells that never fire; its jumps (1 pA
// each) are visible in I_syn_ex.
std::string poisson_on_lif(const std::string& rate, double duration_ms = 10.0) {
    return fmt::format(R"(
[simulation]
duration = {}
dt = 0.1
[[population]]
name = "n"
model = "lif"
size = 4
params = {{ V_th = 1000.0 }}
[[stimulus]]
name = "s"
type = "poisson"
target = "n"
rate = {}
weight = 1.0
[[record]]
population = "n"
variables = ["I_syn_ex"]
)",
                       duration_ms, rate);
}
}  // namespace

TEST_CASE("engine: a poisson stimulus of rate 1e-20 Hz runs and gives no events",
          "[sim][engine][errors]") {
    // The first event lies ~1e23 ms away: beyond step_t's range. It was converted to
    // INT64_MIN, delivered at step 0 and pushed into the bucket being iterated (a
    // use-after-free under ASan); now it is past the end of the run, never scheduled.
    for (const int threads : {1, 2}) {
        auto out = test::run_text(poisson_on_lif("1e-20"), threads);
        const auto& I = out.sink.report("n", "I_syn_ex");
        REQUIRE(I.frames == 100);
        for (std::size_t f = 0; f < I.frames; ++f) {
            for (std::size_t c = 0; c < 4; ++c) {
                REQUIRE(I.at(f, c) == 0.0f);
            }
        }
    }
}

TEST_CASE("engine: a poisson rate beyond 1e9 events per step is rejected with its position",
          "[sim][engine][errors]") {
    using Catch::Matchers::Contains;
    // 1e19 Hz at dt = 0.1 ms is 1e15 events per step: it hung (a stimulus in its per-step
    // count, a twin input in the calendar queue). 1e13 Hz (1e9 per step) is the limit.
    REQUIRE_THROWS_WITH(load_scenario_text(poisson_on_lif("1e19"), "p.toml", builtin_models()),
                        Contains("p.toml:14:8") && Contains("stimulus 's', rate") &&
                            Contains("expected at most 1e+13 Hz (1e+09 events per step of "
                                     "0.1 ms), found 1e+19"));
    REQUIRE_NOTHROW(load_scenario_text(poisson_on_lif("1e13"), "p.toml", builtin_models()));
    const std::string twin = R"(
[simulation]
duration = 1.0
[[twin]]
name = "tw"
size = 2
activation = "relu"
encoding = "poisson"
inputs = [ { rate = 1e19, weight = 0.1 } ]
)";
    REQUIRE_THROWS_WITH(load_scenario_text(twin, "t.toml", builtin_models()),
                        Contains("t.toml:9:") && Contains("rate") &&
                            Contains("expected at most 1e+13 Hz") && Contains("found 1e+19"));
    // Random rates are known once drawn: checked when the network is built.
    const auto drawn =
        load_scenario_text(poisson_on_lif("{ normal = [1e13, 1e12] }"), "d.toml", builtin_models());
    REQUIRE_THROWS_WITH(build_network(drawn),
                        Contains("d.toml:10:1") && Contains("stimulus 's': the rate of neuron") &&
                            Contains("expected at most 1e+13 Hz"));
    // A rate source's rate is known once its stimuli are: checked when the network is built.
    const auto desc = load_scenario_file(
        test::data_path("scenarios/poisson_projection_1e19_hz.toml"), builtin_models());
    REQUIRE_THROWS_WITH(build_network(desc),
                        Contains("poisson_projection_1e19_hz.toml:14:1") &&
                            Contains("poisson encoding") &&
                            Contains("reaches 1e+19 Hz; expected at most 1e+13 Hz"));
}

TEST_CASE("engine: rate-driven poisson channels of many events per step deliver their rate",
          "[sim][engine]") {
    // A rate source at 20 kHz drives a lif cell through a poisson projection: lambda = 2 events
    // per step, drawn as one count per step (no longer one calendar entry per event). As in
    // the per-step stimulus test above, the mean of I_syn_ex sampled after the jumps is
    // J lambda / (1 - e^{-dt/tau}) = 41.0 pA; 50 cells x 1800 ms: standard error < 0.1%, 0.5%
    // allowed.
    auto out = test::run_text(test::data_text("scenarios/poisson_projection_20khz.toml"), 2);
    CHECK(mean_from_frame(out.sink.report("n", "I_syn_ex"), 200, 50) == Approx(2.0 / -std::expm1(-0.05)).epsilon(0.005));
}

TEST_CASE("engine: a delay longer than the run costs rings of the run's length only",
          "[sim][engine]") {
    // 1,000 targets, 100 s delay, 10 ms run: rings of 1e6 slots were 16 GB. A spike arriving
    // after the run is not stored, so the rings hold at most the run's 100 steps: 2 rings x
    // 100 slots x 1,000 doubles = 1.6 MB, and the output equals that of a 20 ms delay (which
    // does not arrive either).
    for (const int threads : {1, 2}) {
        auto long_delay = test::run_text(one_spike(100000.0, 100.0, 1000, 10.0), threads);
        auto short_delay = test::run_text(one_spike(20.0, 100.0, 1000, 10.0), threads);
        REQUIRE(long_delay.sink.spikes("src").times.size() == 1);  // the spike is sent
        CHECK(long_delay.result.ring_bytes <= 2 * 100 * 1000 * sizeof(double) + 4096);
        CHECK(long_delay.result.ring_bytes == short_delay.result.ring_bytes);
        for (const char* v : {"I_syn_ex", "V_m"}) {
            const auto& a = long_delay.sink.report("tgt", v).data;
            const auto& b = short_delay.sink.report("tgt", v).data;
            CHECK(a == b);
        }
    }
}

TEST_CASE("engine: the default thread count follows the work and says why", "[sim][engine]") {
    using Catch::Matchers::Contains;
    // A shipped example (101 lif cells, ~0.6 us per step) gets one thread on any machine.
    const auto small =
        load_scenario_file(test::source_path("scenarios/fi_curve.toml"), builtin_models());
    const auto one = choose_threads(small, 0, false, 8);
    CHECK(one.threads == 1);
    CHECK_THAT(one.reason, Contains("101 lif") && Contains("too little to share"));
    CHECK(one.warning.empty());
    // CUBA (4,000 lif, 320,000 synapses, ~26 us per step, one barrier per step) is worth two.
    const auto cuba =
        load_scenario_file(test::source_path("scenarios/benchmarks/cuba.toml"), builtin_models());
    CHECK(choose_threads(cuba, 0, false, 2).threads == 2);
    CHECK(choose_threads(cuba, 0, false, 1).threads == 1);
    // What counts is the work between synchronisations: 81 hh cells meeting once per 64
    // steps share well; 21 hh twins meeting twice per step do not, and populations of one
    // cell (the engine splits on multiples of 8) cannot be shared at all.
    const auto hh =
        load_scenario_file(test::source_path("scenarios/hh_fi_curve.toml"), builtin_models());
    CHECK(choose_threads(hh, 0, false, 2).threads == 2);
    const auto twin =
        load_scenario_file(test::source_path("scenarios/sigmoid_hh_twin.toml"), builtin_models());
    CHECK(choose_threads(twin, 0, false, 2).threads == 1);
    const auto adex =
        load_scenario_file(test::source_path("scenarios/adex_patterns.toml"), builtin_models());
    CHECK(choose_threads(adex, 0, false, 8).threads == 1);
    // An explicit count is obeyed; more threads than cores gives a warning.
    const auto three = choose_threads(small, 3, true, 2);
    CHECK(three.threads == 3);
    CHECK_THAT(three.warning, Contains("3 threads on 2 cores"));
    CHECK(choose_threads(small, 2, false, 2).warning.empty());
    CHECK(choose_threads(small, 8, true, 2).threads == 8);  // 4 per core: still allowed
    REQUIRE_THROWS_WITH(choose_threads(small, 9, true, 2),
                        Contains("--threads: expected at most 8 threads") && Contains("found 9"));
}

TEST_CASE("engine: a stimulus starting after the end of the run never acts, however late",
          "[sim][engine]") {
    // 1000 pA into a lif cell (C_m 250 pF, tau_m 10 ms) drives it far past threshold: it
    // fires within the 20 ms run whenever the current is on. A start of 1e300 ms wrapped to
    // step 0 (the float -> int64 conversion overflowed) and drove the cell from the start.
    const auto run = [](const std::string& timing) {
        const auto toml = fmt::format(R"([simulation]
duration = 20.0
[[population]]
name = "a"
model = "lif"
size = 1
[[stimulus]]
name = "drive"
type = "dc"
target = "a"
amplitude = 1000.0
{}
[[record]]
population = "a"
spikes = true
)",
                                      timing);
        auto out = test::run_text(toml);
        return out.sink.spikes("a").times.size();
    };
    const auto always = run("");
    REQUIRE(always > 0);
    CHECK(run("start = 1e300") == 0);
    CHECK(run("start = 30.0") == 0);
    CHECK(run("stop = 1e300") == always);  // a stop after the end: until the end
}

TEST_CASE("engine: a ramp whose stop lies after the end of the run keeps its slope",
          "[sim][engine]") {
    // from 0 to 1000 pA between 0 and 200 ms, in a 100 ms run: the ramp is cut off at the
    // end, at 500 pA. Its stop was clamped to the end of the run, so it reached 1000 pA there
    // (twice the slope the scenario states).
    const std::string text = test::data_text("scenarios/ramp_past_end.toml");
    const auto net = build_network(load_scenario_text(text, "ramp.toml", builtin_models()));
    REQUIRE(net.stimuli.size() == 1);
    const auto& r = net.stimuli[0];
    // at step t the ramp is 1000 pA * t / 2000 steps (exact in binary floating point here)
    CHECK(r.value(0, 0, net.dt) == 0.0);
    CHECK(r.value(0, 1000, net.dt) == 500.0);
    CHECK(r.value(0, 999, net.dt) == Approx(499.5).epsilon(1e-12));
    // within the run the ramp ends where it says: half way through, at 1000 pA
    const auto inside = build_network(load_scenario_text(
        test::replace_once(text, "stop = 200.0", "stop = 50.0"), "ramp.toml", builtin_models()));
    CHECK(inside.stimuli[0].value(0, 250, inside.dt) == 500.0);
}
