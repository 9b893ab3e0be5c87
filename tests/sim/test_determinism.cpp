// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>
#include <cstring>

#include "tests/test_util.hpp"

using namespace neurotwin;

namespace {
// A recurrent excitatory/inhibitory network with Poisson drive and random initial V_m,
// plus a Poisson-encoded twin: every source of thread-count dependence at once.
const char* recurrent = R"(
[simulation]
duration = 300.0
seed = 12345
[[population]]
name = "exc"
model = "lif"
size = 400
init = { V_m = { uniform = [-70.0, -55.0] } }
[[population]]
name = "inh"
model = "lif"
size = 100
[[stimulus]]
type = "poisson"
target = "exc"
rate = 8000.0
weight = 30.0
[[stimulus]]
type = "poisson"
target = "inh"
rate = 8000.0
weight = 30.0
[[projection]]
source = "exc"
target = "exc"
rule = "fixed_probability"
p = 0.1
weight = { normal = [20.0, 5.0] }
delay = { uniform = [0.5, 3.0] }
autapses = false
[[projection]]
source = "exc"
target = "inh"
rule = "fixed_probability"
p = 0.1
weight = 20.0
delay = 1.0
[[projection]]
source = "inh"
target = "exc"
rule = "fixed_probability"
p = 0.2
weight = -80.0
delay = 0.8
[[projection]]
source = "exc"
target = "readout"
rule = "all_to_all"
weight = 0.01
[[population]]
name = "readout"
model = "sigmoid"
size = 3
[[twin]]
name = "tw"
size = 50
activation = "relu"
encoding = "poisson"
inputs = [ { rate = 300.0, weight = 0.1 }, { rate = 100.0, weight = -0.1 } ]
bias = { linspace = [-10.0, 20.0] }
[[record]]
population = "exc"
spikes = true
variables = ["V_m", "I_syn_ex", "I_syn_in", "rate"]
[[record]]
population = "inh"
spikes = true
[[record]]
population = "readout"
variables = ["activation"]
# spike times inside the step (precise_spike_times): recorded sorted by time
[[population]]
name = "izh"
model = "izhikevich"
size = 40
[[projection]]
source = "exc"
target = "izh"
rule = "fixed_indegree"
k = 40
weight = 60.0
delay = 1.0
[[record]]
population = "izh"
spikes = true
)";

void require_identical(const memory_sink& a, const memory_sink& b) {
    REQUIRE(a.spike_sets.size() == b.spike_sets.size());
    for (std::size_t k = 0; k < a.spike_sets.size(); ++k) {
        INFO(a.spike_sets[k].population);
        REQUIRE(a.spike_sets[k].ids == b.spike_sets[k].ids);
        REQUIRE(a.spike_sets[k].times == b.spike_sets[k].times);
    }
    REQUIRE(a.reports.size() == b.reports.size());
    for (std::size_t k = 0; k < a.reports.size(); ++k) {
        INFO(a.reports[k].population << "/" << a.reports[k].variable);
        REQUIRE(a.reports[k].data.size() == b.reports[k].data.size());
        // byte-identical, not approximately equal
        REQUIRE(std::memcmp(a.reports[k].data.data(), b.reports[k].data.data(),
                            a.reports[k].data.size() * sizeof(float)) == 0);
    }
}
}  // namespace

TEST_CASE("determinism: same scenario and seed give bit-identical output for 1, 2 and 3 threads",
          "[determinism]") {
    auto one = test::run_text(recurrent, 1);
    auto two = test::run_text(recurrent, 2);
    auto three = test::run_text(recurrent, 3);
    REQUIRE(one.result.total_spikes() > 1000);  // the network is active
    REQUIRE(one.sink.spikes("izh").times.size() > 20);
    require_identical(one.sink, two.sink);
    require_identical(one.sink, three.sink);
}

TEST_CASE("determinism: a different seed gives a different network activity", "[determinism]") {
    std::string other = recurrent;
    other.replace(other.find("seed = 12345"), 12, "seed = 54321");
    auto a = test::run_text(recurrent, 2);
    auto b = test::run_text(other, 2);
    CHECK(a.sink.spikes("exc").ids != b.sink.spikes("exc").ids);
}

namespace {
// Only spikes connect the neurons and the shortest delay is 1.2 ms = 12 steps, so the threads
// synchronise every 12 steps; Poisson drive, delays from 1.2 to 4 ms, refractoriness, spike
// times inside the step (izhikevich) and a V_m recording in several chunks, each written
// while the threads record the next interval.
const char* spikes_only = R"(
[simulation]
duration = 200.0
seed = 7
[[population]]
name = "exc"
model = "lif"
size = 800
init = { V_m = { uniform = [-70.0, -55.0] } }
[[population]]
name = "inh"
model = "izhikevich"
size = 200
[[stimulus]]
type = "poisson"
target = "exc"
rate = 9000.0
weight = 30.0
[[stimulus]]
type = "poisson"
target = "inh"
rate = 2000.0
weight = 30.0
[[projection]]
source = "exc"
target = "exc"
rule = "fixed_indegree"
k = 40
weight = 20.0
delay = { uniform = [1.2, 4.0] }
[[projection]]
source = "exc"
target = "inh"
rule = "fixed_probability"
p = 0.1
weight = 40.0
delay = 1.2
[[projection]]
source = "inh"
target = "exc"
rule = "fixed_probability"
p = 0.2
weight = -80.0
delay = 2.0
[[record]]
population = "exc"
spikes = true
variables = ["V_m"]
[[record]]
population = "inh"
spikes = true
)";
}  // namespace

TEST_CASE("determinism: synchronising every min-delay steps gives the step-by-step output",
          "[determinism][engine]") {
    const auto reference = test::run_text(spikes_only, 1, 1);
    CHECK(reference.result.sync_interval == 1);
    REQUIRE(reference.result.total_spikes() > 2000);
    REQUIRE(reference.sink.spikes("inh").times.size() > 100);
    for (const int threads : {1, 2, 3}) {
        INFO(threads << " threads");
        const auto batched = test::run_text(spikes_only, threads);
        CHECK(batched.result.sync_interval == 12);
        CHECK(batched.result.steps_done == reference.result.steps_done);
        CHECK(batched.result.events_delivered == reference.result.events_delivered);
        require_identical(reference.sink, batched.sink);
    }
    // A rate projection reads the outputs of the last step: one-step intervals.
    const auto with_rate = test::run_text(recurrent, 2);
    CHECK(with_rate.result.sync_interval == 1);
}

TEST_CASE("determinism: per-step Poisson counts and oversubscribed threads give the same output",
          "[determinism]") {
    // Poisson channels of many events per step drawn as counts (a stimulus of mixed rates, a
    // rate-driven projection, a large mean drawn by PTRS), on 1, 2, 3 and 5 threads: 5 is more
    // than the cores of the test machines, so the barrier's waiters sleep as well as spin.
    const char* toml = R"(
[simulation]
duration = 200.0
seed = 77
[[population]]
name = "n"
model = "lif"
size = 200
init = { V_m = { uniform = [-70.0, -55.0] } }
[[stimulus]]
type = "poisson"
target = "n"
rate = { linspace = [0.0, 20000.0] }
weight = 2.0
[[stimulus]]
type = "poisson"
target = "n"
rate = 1e6
weight = 0.001
[[population]]
name = "src"
model = "rate_source"
size = 20
params = { rate = 15000.0 }
[[stimulus]]
type = "sine"
target = "src"
amplitude = 5000.0
frequency = 10.0
[[projection]]
source = "src"
target = "n"
rule = "fixed_indegree"
k = 5
encoding = "poisson"
weight = 3.0
[[projection]]
source = "n"
target = "n"
rule = "fixed_probability"
p = 0.05
weight = -20.0
delay = 1.0
[[record]]
population = "n"
spikes = true
variables = ["V_m", "I_syn_ex"]
)";
    auto one = test::run_text(toml, 1);
    REQUIRE(one.result.total_spikes() > 100);
    for (const int threads : {2, 3, 5}) {
        INFO(threads << " threads");
        auto other = test::run_text(toml, threads);
        require_identical(one.sink, other.sink);
    }
}
