// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>
#include <cstring>

#include "tests/test_util.hpp"

using namespace neurotwin;

namespace {
// tests/data/scenarios/determinism_network.toml: a recurrent excitatory/inhibitory network
// with Poisson drive and random initial V_m, plus a Poisson-encoded twin: every source of
// thread-count dependence at once.
std::string recurrent() {
    return test::data_text("scenarios/determinism_network.toml");
}

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
    const auto text = recurrent();
    auto one = test::run_text(text, 1);
    auto two = test::run_text(text, 2);
    auto three = test::run_text(text, 3);
    REQUIRE(one.result.total_spikes() > 1000);  // the network is active
    REQUIRE(one.sink.spikes("izh").times.size() > 20);
    require_identical(one.sink, two.sink);
    require_identical(one.sink, three.sink);
}

TEST_CASE("determinism: a different seed gives a different network activity", "[determinism]") {
    const auto text = recurrent();
    auto a = test::run_text(text, 2);
    auto b = test::run_text(test::replace_once(text, "seed = 12345", "seed = 54321"), 2);
    CHECK(a.sink.spikes("exc").ids != b.sink.spikes("exc").ids);
}

TEST_CASE("determinism: synchronising every min-delay steps gives the step-by-step output",
          "[determinism][engine]") {
    // Only spikes connect the neurons and the shortest delay is 1.2 ms = 12 steps, so the
    // threads synchronise every 12 steps; Poisson drive, delays from 1.2 to 4 ms,
    // refractoriness, spike times inside the step (izhikevich) and a V_m recording in several
    // chunks, each written while the threads record the next interval.
    const auto spikes_only = test::data_text("scenarios/determinism_spikes_only.toml");
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
    const auto with_rate = test::run_text(recurrent(), 2);
    CHECK(with_rate.result.sync_interval == 1);
}

TEST_CASE("determinism: per-step Poisson counts and oversubscribed threads give the same output",
          "[determinism]") {
    // Poisson channels of many events per step drawn as counts (a stimulus of mixed rates, a
    // rate-driven projection, a large mean drawn by PTRS), on 1, 2, 3 and 5 threads: 5 is more
    // than the cores of the test machines, so the barrier's waiters sleep as well as spin.
    const auto toml = test::data_text("scenarios/determinism_poisson_counts.toml");
    auto one = test::run_text(toml, 1);
    REQUIRE(one.result.total_spikes() > 100);
    for (const int threads : {2, 3, 5}) {
        INFO(threads << " threads");
        auto other = test::run_text(toml, threads);
        require_identical(one.sink, other.sink);
    }
}
