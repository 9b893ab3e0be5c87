// SPDX-License-Identifier: BSD-3-Clause
// Sweep expansion: counts (product vs zip), run names, the concrete text of a point, and
// errors positioned in the original file.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "models/registry.hpp"
#include "sim/scenario/sweep.hpp"
#include "tests/test_util.hpp"

using Catch::Matchers::Contains;
using namespace neurotwin;

namespace {

// tests/data/scenarios/sweep_base.toml: two LIF populations; a [sweep] appended to it starts
// at line 15. [simulation] has no seed (so sweeping it inserts a line).
std::string base() {
    return test::data_text("scenarios/sweep_base.toml");
}

std::vector<std::string> names(const sweep_plan& p) {
    std::vector<std::string> out;
    for (const auto& pt : p.points) {
        out.push_back(pt.name);
    }
    return out;
}

}  // namespace

TEST_CASE("sweep: a product runs every combination, the last key fastest, with readable names",
          "[scenario][sweep]") {
    const auto plan = expand_sweep(base() + R"(
[sweep]
"population.exc.params.tau_m" = [10, 20.5]
"simulation.seed" = [1, 2, 3]
)",
                                   "dir/cuba.toml");
    REQUIRE(plan.is_sweep);
    CHECK(plan.mode == "product");
    CHECK(names(plan) ==
          std::vector<std::string>{"cuba__tau_m=10__seed=1", "cuba__tau_m=10__seed=2",
                                   "cuba__tau_m=10__seed=3", "cuba__tau_m=20.5__seed=1",
                                   "cuba__tau_m=20.5__seed=2", "cuba__tau_m=20.5__seed=3"});
    const auto& p = plan.points[4];
    REQUIRE(p.values.size() == 2);
    CHECK(p.values[0].key == "population.exc.params.tau_m");
    CHECK(p.values[0].t == sweep_value::type::real);
    CHECK(p.values[0].number == 20.5);
    CHECK(p.values[1].t == sweep_value::type::integer);
    CHECK(p.values[1].number == 2.0);
    // The point is the file with the values changed: comments kept, [sweep] commented out.
    CHECK_THAT(p.text, Contains("# a comment that must survive"));
    CHECK_THAT(p.text, Contains("params = { tau_m = 20.5, I_e = 400.0 }"));
    CHECK_THAT(p.text, Contains("[simulation]\nseed = 2\nduration = 20"));
    CHECK_THAT(p.text, Contains("# [sweep]"));
    const auto desc = load_sweep_point(plan, p, builtin_models());
    CHECK(desc.simulation.seed == 2);
    REQUIRE(desc.populations.size() == 2);
    CHECK(desc.populations[0].params.at("tau_m").a == 20.5);
    CHECK(desc.file == "dir/cuba.toml");
}

TEST_CASE("sweep: zip pairs the lists element by element and needs equal lengths",
          "[scenario][sweep]") {
    const auto plan = expand_sweep(base() + R"(
[sweep]
mode = "zip"
"population.exc.params.tau_m" = [10, 20, 30]
"population.inh.params.tau_m" = [5, 6, 7]
)",
                                   "z.toml");
    CHECK(plan.mode == "zip");
    // Both keys end in tau_m: the names use the shortest unambiguous suffix.
    CHECK(names(plan) == std::vector<std::string>{"z__exc.params.tau_m=10__inh.params.tau_m=5",
                                                  "z__exc.params.tau_m=20__inh.params.tau_m=6",
                                                  "z__exc.params.tau_m=30__inh.params.tau_m=7"});
    // inh has no params table: the key is inserted below its header.
    const auto desc = load_sweep_point(plan, plan.points[2], builtin_models());
    CHECK(desc.populations[1].params.at("tau_m").a == 7.0);

    REQUIRE_THROWS_WITH(
        expand_sweep(base() + R"(
[sweep]
mode = "zip"
"population.exc.params.tau_m" = [10, 20, 30]
"simulation.seed" = [1, 2]
)",
                     "z.toml"),
        Contains("z.toml:20:1") && Contains("equal length") && Contains("3 values, this one 2"));
}

TEST_CASE("sweep: strings are swept and named by their text, and dotted keys work too",
          "[scenario][sweep]") {
    const auto plan = expand_sweep(base() + R"(
[sweep]
population.exc.model = ["lif", "izhikevich"]
)",
                                   "m.toml");
    CHECK(names(plan) == std::vector<std::string>{"m__model=lif", "m__model=izhikevich"});
    CHECK(plan.points[1].values[0].t == sweep_value::type::string);
    CHECK(plan.points[1].values[0].text == "izhikevich");
    CHECK_THAT(plan.points[1].text, Contains("model = \"izhikevich\""));
}

TEST_CASE("sweep: a wrong key is reported at its position in the sweep table",
          "[scenario][sweep]"
          "[errors]") {
    REQUIRE_THROWS_WITH(expand_sweep(base() + R"(
[sweep]
"population.exx.params.tau_m" = [1, 2]
"stimuli.x.amplitude" = [1]
"population.exc.params.tau_m" = 5
)",
                                     "e.toml"),
                        Contains("e.toml:18:1: error: [sweep] 'population.exx.params.tau_m': no "
                                 "[[population]] named 'exx'; did you mean 'exc'?") &&
                            Contains("e.toml:19:1: error: [sweep] 'stimuli.x.amplitude': unknown "
                                     "section 'stimuli'; did you mean 'stimulus'?") &&
                            Contains("e.toml:20:33: error: [sweep] "
                                     "'population.exc.params.tau_m': expected a list of values"));
    // A parameter the model does not have: found by the loader, reported at the sweep key.
    const auto plan = expand_sweep(base() + R"(
[sweep]
"population.exc.params.tau_mm" = [1, 2]
)",
                                   "p.toml");
    REQUIRE_THROWS_WITH(
        load_sweep_point(plan, plan.points[0], builtin_models()),
        Contains("p.toml:18:1: error: [sweep] 'population.exc.params.tau_mm' = 1") &&
            Contains("did you mean 'tau_m'?"));
}

TEST_CASE("sweep: a bad swept value points at its key, other errors keep their lines",
          "[scenario][sweep][errors]") {
    // seed is inserted as a new line: the error in size (line 15 of the file) must still be
    // reported at line 15.
    const auto text = R"([simulation]
duration = 20

[[population]]
name = "exc"
model = "lif"
size = 4
params = { tau_m = 10.0 }

[sweep]
"population.exc.params.tau_m" = [-5]
"simulation.seed" = [1]
)";
    const auto plan = expand_sweep(test::replace_once(text, "size = 4", "size = 0"), "v.toml");
    REQUIRE(plan.points.size() == 1);
    try {
        (void)load_sweep_point(plan, plan.points[0], builtin_models());
        FAIL("no error");
    } catch (const input_error& e) {
        const std::string msg = e.what();
        CHECK_THAT(msg, Contains("v.toml:7:8: error: population 'exc'"));
        CHECK_THAT(msg, Contains("v.toml:11:1: error: [sweep] 'population.exc.params.tau_m' = "
                                 "-5 (run v__tau_m=-5__seed=1): population 'exc', parameter "
                                 "'tau_m'"));
    }
}

TEST_CASE("sweep: a file without a sweep table is one point with its text unchanged",
          "[scenario][sweep]") {
    const auto plan = expand_sweep(base(), "plain.toml");
    CHECK_FALSE(plan.is_sweep);
    REQUIRE(plan.points.size() == 1);
    CHECK(plan.points[0].name == "plain");
    CHECK(plan.points[0].text == base());
    CHECK(plan.points[0].values.empty());
}

TEST_CASE("sweep: keys vary in file order, not alphabetically, and the example expands",
          "[scenario][sweep]") {
    const auto plan = expand_sweep(base() + R"(
[sweep]
"simulation.seed" = [1, 2]
"population.exc.params.tau_m" = [10, 20]
)",
                                   "o.toml");
    CHECK(names(plan) == std::vector<std::string>{"o__seed=1__tau_m=10", "o__seed=1__tau_m=20",
                                                  "o__seed=2__tau_m=10", "o__seed=2__tau_m=20"});
    const auto example =
        expand_sweep_file(test::source_path("scenarios/sweeps/relu_lif_sweep.toml"));
    REQUIRE(example.points.size() == 6);
    CHECK(example.points[1].name == "relu_lif_sweep__tau_m=10.0__encoding=poisson");
    for (const auto& p : example.points) {
        INFO(p.name);
        CHECK_NOTHROW(load_sweep_point(example, p, builtin_models()));
    }
}

TEST_CASE("sweep: a product beyond 100000 points is an error at the key that passes it",
          "[scenario][sweep][errors]") {
    // 16 keys of 16 values are 2^64 points: the size_t product wrapped to 0 and `run`
    // dereferenced the first of no points (SIGSEGV). The count now stops at the fifth key
    // (16^5 = 1048576 > 100000). Populations p0 ... p15 on lines 3 to 66, [sweep] on 67.
    std::string text = "[simulation]\nduration = 10\n";
    std::string sweep = "[sweep]\n";
    for (int p = 0; p < 16; ++p) {
        text += fmt::format("[[population]]\nname = \"p{}\"\nmodel = \"lif\"\nsize = 1\n", p);
        sweep += fmt::format("\"population.p{}.size\" = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, "
                             "13, 14, 15, 16]\n",
                             p);
    }
    REQUIRE_THROWS_WITH(expand_sweep(text + sweep, "big.toml"),
                        Contains("big.toml:72:1: error: [sweep] 'population.p4.size': more than "
                                 "100000 points (this key multiplies 65536 points by 16 values); "
                                 "at most 100000 are allowed"));
    // 4 keys: 65536 points, allowed (counted, not expanded here)
    CHECK_THROWS_WITH(expand_sweep(text + sweep, "big.toml"),
                      !Contains("'population.p3.size': more than"));
}
