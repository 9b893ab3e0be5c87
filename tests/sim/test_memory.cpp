// SPDX-License-Identifier: BSD-3-Clause
// The memory estimate of a scenario (sim/memory.cpp) and the refusal of scenarios that
// cannot fit, before anything is allocated.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <string>

#include "models/registry.hpp"
#include "sim/memory.hpp"
#include "sim/network.hpp"

using namespace neurotwin;
using Catch::Matchers::Contains;

namespace {
// `n` LIF neurons, one all-to-all projection onto themselves with `delay`; [[projection]] on
// line 7.
scenario_desc recurrent(const std::string& duration, std::uint64_t n, const std::string& delay,
                        const std::string& extra = "") {
    return load_scenario_text(fmt::format("[simulation]\nduration = {}\n[[population]]\n"
                                          "name = \"a\"\nmodel = \"lif\"\nsize = {}\n"
                                          "[[projection]]\nsource = \"a\"\ntarget = \"a\"\n"
                                          "weight = 1\ndelay = {}\n{}",
                                          duration, n, delay, extra),
                              "mem.toml", builtin_models());
}

const memory_part& part(const memory_estimate& e, const std::string& start) {
    for (const auto& p : e.parts) {
        if (p.what.rfind(start, 0) == 0) {
            return p;
        }
    }
    FAIL("no part starting with '" << start << "'");
    return e.parts.front();
}
}  // namespace

TEST_CASE("memory: delay rings are counted up to the run length, not the delay",
          "[sim][memory]") {
    // 1000 neurons, a 100 s delay, a 10 ms run (100 steps of 0.1 ms): the rings (ex and in,
    // 8 bytes each per slot) need 1000 x 100 x 16 bytes, not 1000 x 1e6 x 16 (16 GB, what
    // they were allocated before the cap).
    const auto e = estimate_memory(recurrent("10", 1000, "\"100 s\""));
    const auto& rings = part(e, "the delay rings of projection 'a' -> 'a'");
    CHECK(rings.bytes == 1000.0 * 100.0 * 16.0);
    CHECK(rings.where.line == 7);
    // 1e6 connections: 12 bytes each once built, 32 more while the projection is built
    CHECK(part(e, "the 1000000 connections of projection 'a' -> 'a'").bytes == 12e6);
    CHECK(part(e, "building projection 'a' -> 'a'").bytes == 32e6);
    CHECK(e.total < 50e6);
    CHECK(e.total > 1000.0 * 100.0 * 16.0 + 44e6);
}

TEST_CASE("memory: a scenario that needs more than the available memory is refused naming "
          "its largest part",
          "[sim][memory][errors]") {
    // size = 2^32 - 1 lif neurons: about 300 bytes each (parameter and state columns), over a
    // terabyte; `size = 1e9` filled 7.8 GB for 37 s before failing as an internal error.
    const auto big = load_scenario_text(
        "[simulation]\nduration = 10\n[[population]]\n"
        "name = \"huge\"\nmodel = \"lif\"\nsize = 4294967295\n",
        "mem.toml", builtin_models());
    const auto e = estimate_memory(big);
    CHECK(e.total > 1e12);
    REQUIRE_THROWS_WITH(check_memory(e, 8e9, "a stated 8 GB", "mem.toml"),
                        Contains("mem.toml:3:1: error: this scenario needs an estimated") &&
                            Contains("TB of memory, more than the 8 GB available (a stated 8 "
                                     "GB); the largest part:") &&
                            Contains("for the 4294967295 neurons of population 'huge'"));
    CHECK_NOTHROW(check_memory(e, 0.0, "unknown", "mem.toml"));  // unknown: no check

    // 10^4 neurons, a delay of 1e12 ms within a run of 1e13 ms: rings of 10^4 x 1e13 steps x
    // 16 bytes = 1.6e18 bytes; build_network refuses before allocating (it ran into
    // std::bad_alloc inside an OpenMP region: SIGABRT)
    const auto rings = recurrent("1e13", 10000, "1e12");
    REQUIRE_THROWS_WITH(build_network(rings),
                        Contains("mem.toml:7:1: error: this scenario needs an estimated 1.6 EB "
                                 "of memory, more than the") &&
                            Contains("the largest part: 1.6 EB for the delay rings of projection "
                                     "'a' -> 'a' (10000 inputs of 'a' x 10000000000000 steps"));
}

TEST_CASE("memory: byte counts are printed in powers of 1000", "[sim][memory]") {
    CHECK(format_bytes(512) == "512 B");
    CHECK(format_bytes(812e3) == "812 kB");
    CHECK(format_bytes(7.8e9) == "7.8 GB");
    CHECK(format_bytes(8e13) == "80 TB");
    CHECK(available_memory() >= 0.0);
}
