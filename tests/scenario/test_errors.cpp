// SPDX-License-Identifier: BSD-3-Clause
// Every class of bad scenario input is reported as an input_error whose message names the
// file, line and column, what was expected and what was found. Positions are those of the
// inline texts below (line 1 is the line of the opening quote) or of the files of
// tests/data/bad.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "models/registry.hpp"
#include "sim/network.hpp"
#include "sim/scenario/desc.hpp"
#include "tests/test_util.hpp"

using namespace neurotwin;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {
scenario_desc load(const std::string& text) {
    return load_scenario_text(text, "bad.toml", builtin_models());
}

// Lines 1-6: [simulation] and a population 'exc' of 10 lif neurons.
const std::string head = R"([simulation]
duration = 10
[[population]]
name = "exc"
model = "lif"
size = 10
)";
}  // namespace

TEST_CASE("scenario: a TOML syntax error is reported with its position", "[scenario][errors]") {
    REQUIRE_THROWS_AS(load("[simulation]\nduration = 10\ndt = = 0.1\n"), input_error);
    REQUIRE_THROWS_WITH(load("[simulation]\nduration = 10\ndt = = 0.1\n"),
                        Contains("bad.toml:3:6: error: TOML syntax error"));
}

TEST_CASE("scenario: an unknown key is an error with a did-you-mean hint",
          "[scenario][errors]") {
    REQUIRE_THROWS_WITH(load("[simulation]\nduration = 10\ndurration = 5\n"),
                        Contains("bad.toml:3:1: error: [simulation]: unknown key 'durration'; "
                                 "did you mean 'duration'?"));
    REQUIRE_THROWS_WITH(load(head + "[[populaton]]\nname = \"x\"\n"),
                        Contains("bad.toml:7:3") && Contains("unknown key 'populaton'") &&
                            Contains("did you mean 'population'?"));
    REQUIRE_THROWS_WITH(load(head + "rate_filtre = 5\n"),
                        Contains("bad.toml:7:1: error: population 'exc': unknown key "
                                 "'rate_filtre'; did you mean 'rate_filter'?"));
}

TEST_CASE("scenario: an unknown parameter names the model and the closest parameter",
          "[scenario][errors]") {
    REQUIRE_THROWS_WITH(load(head + "params = { tau_mm = 5 }\n"),
                        Contains("bad.toml:7:12: error: population 'exc': unknown parameter "
                                 "'tau_mm' for model 'lif'; did you mean 'tau_m'?"));
}

TEST_CASE("scenario: a value of the wrong TOML type is an error naming both types",
          "[scenario][errors]") {
    REQUIRE_THROWS_WITH(load("[simulation]\nduration = 10\n[[population]]\nname = 5\n"
                             "model = \"lif\"\nsize = 10\n"),
                        Contains("bad.toml:4:8: error: population #1, name: expected a string, "
                                 "found an integer (5)"));
    REQUIRE_THROWS_WITH(load("[simulation]\nduration = 10\n[[population]]\nname = \"a\"\n"
                             "model = \"lif\"\nsize = 2.0\n"),
                        Contains("bad.toml:6:8") &&
                            Contains("expected an integer, found a floating-point number (2.0)"));
    REQUIRE_THROWS_WITH(load(head + "params = { tau_m = true }\n"),
                        Contains("bad.toml:7:20") && Contains("parameter 'tau_m'") &&
                            Contains("found a boolean (true)"));
}

TEST_CASE("scenario: an unknown model lists the models and suggests the closest",
          "[scenario][errors]") {
    REQUIRE_THROWS_WITH(load("[simulation]\nduration = 10\n[[population]]\nname = \"exc\"\n"
                             "model = \"liff\"\nsize = 10\n"),
                        Contains("bad.toml:5:9: error: population 'exc', model: expected one of "
                                 "lif, rate_source") &&
                            Contains("found \"liff\"; did you mean 'lif'?"));
}

TEST_CASE("scenario: out-of-range values are rejected with the valid range",
          "[scenario][errors]") {
    SECTION("dt <= 0") {
        REQUIRE_THROWS_WITH(load("[simulation]\nduration = 10\ndt = 0\n"),
                            Contains("bad.toml:3:6: error: [simulation] dt: expected a positive "
                                     "duration (ms), found 0"));
        REQUIRE_THROWS_WITH(load("[simulation]\nduration = 10\ndt = \"-0.1 ms\"\n"),
                            Contains("bad.toml:3:6") && Contains("found \"-0.1 ms\""));
    }
    SECTION("negative size") {
        REQUIRE_THROWS_WITH(load("[simulation]\nduration = 10\n[[population]]\nname = \"exc\"\n"
                                 "model = \"lif\"\nsize = -3\n"),
                            Contains("bad.toml:6:8: error: population 'exc', size: expected an "
                                     "integer of at least 1, found -3"));
    }
    SECTION("size 0") {
        REQUIRE_THROWS_WITH(load("[simulation]\nduration = 10\n[[population]]\nname = \"exc\"\n"
                                 "model = \"lif\"\nsize = 0\n"),
                            Contains("bad.toml:6:8") && Contains("found 0"));
    }
    SECTION("delay shorter than dt") {
        REQUIRE_THROWS_WITH(
            load(head + "[[projection]]\nsource = \"exc\"\ntarget = \"exc\"\nweight = 1\n"
                        "delay = 0.05\n"),
            Contains("bad.toml:11:9: error: projection 'exc' -> 'exc': delay 0.05 ms is shorter "
                     "than dt 0.1 ms"));
    }
    SECTION("delay not a multiple of dt") {
        REQUIRE_THROWS_WITH(
            load(head + "[[projection]]\nsource = \"exc\"\ntarget = \"exc\"\nweight = 1\n"
                        "delay = [0.1, 0.1, 0.1, 0.25, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]\n"),
            Contains("bad.toml:11:25") && Contains("delay 0.25 ms is not a multiple of dt 0.1 ms"));
    }
    SECTION("a random delay that can be shorter than dt") {
        REQUIRE_THROWS_WITH(
            load(head + "[[projection]]\nsource = \"exc\"\ntarget = \"exc\"\nweight = 1\n"
                        "delay = { uniform = [0.05, 1] }\n"),
            Contains("bad.toml:11:22") && Contains("delay 0.05 ms is shorter than dt 0.1 ms"));
    }
    SECTION("p outside [0, 1]") {
        REQUIRE_THROWS_WITH(
            load(head + "[[projection]]\nsource = \"exc\"\ntarget = \"exc\"\nweight = 1\n"
                        "rule = \"fixed_probability\"\np = 1.5\n"),
            Contains("bad.toml:12:5: error: projection 'exc' -> 'exc', p: expected a number in "
                     "[0, 1], found 1.5"));
    }
    SECTION("negative tau_m") {
        REQUIRE_THROWS_WITH(load(head + "[population.params]\ntau_m = -5\n"),
                            Contains("bad.toml:8:9") && Contains("tau_m") &&
                                Contains("expected a positive duration (ms), found -5"));
    }
    SECTION("negative tau_m as a lower bound of a uniform draw") {
        REQUIRE_THROWS_WITH(load(head + "params = { tau_m = { uniform = [-5, 10] } }\n"),
                            Contains("bad.toml:7:33") && Contains("found -5"));
    }
    SECTION("negative tau_m inside an array, with the neuron") {
        REQUIRE_THROWS_WITH(load(head + "params = { tau_m = [1, 1, 1, -5, 1, 1, 1, 1, 1, 1] }\n"),
                            Contains("bad.toml:7:30") && Contains("found -5 (neuron 3)"));
    }
}

TEST_CASE("scenario: a rule across parameters is checked per neuron", "[scenario][errors]") {
    REQUIRE_THROWS_WITH(
        load(head + "params = { V_th = -55, V_reset = { linspace = [-70, -45] } }\n"),
        Contains("bad.toml:7:34: error: population 'exc', parameter 'V_reset': expected a value "
                 "below V_th, found -53.3") &&
            Contains("(neuron 6)"));
    // A constant violation names no neuron; a default is marked as such.
    REQUIRE_THROWS_WITH(load(head + "params = { V_th = -75 }\n"),
                        Contains("bad.toml:3:1") && Contains("parameter 'V_reset'") &&
                            Contains("found -70 (the default)"));
}

TEST_CASE("scenario: a reference to a nonexistent population suggests the closest name",
          "[scenario][errors]") {
    REQUIRE_THROWS_WITH(
        load(head + "[[projection]]\nsource = \"exc\"\ntarget = \"exx\"\nweight = 1\n"),
        Contains("bad.toml:9:10: error: projection: unknown population 'exx'; did you mean "
                 "'exc'?"));
    REQUIRE_THROWS_WITH(load(head + "[[record]]\npopulation = \"inh\"\nspikes = true\n"),
                        Contains("bad.toml:8:14: error: record: unknown population 'inh'"));
    REQUIRE_THROWS_WITH(
        load(head + "[[twin]]\nname = \"tw\"\nsize = 1\ninputs = [{ rate = 1, weight = 1 }]\n"
                    "[[stimulus]]\ntype = \"dc\"\ntarget = \"tw\"\namplitude = 1\n"),
        Contains("bad.toml:13:10") && Contains("'tw' is a twin; use 'tw.inputs'"));
}

TEST_CASE("scenario: a unit of the wrong dimension names the dimension found",
          "[scenario][errors]") {
    REQUIRE_THROWS_WITH(load(head + "params = { tau_m = \"2 mV\" }\n"),
                        Contains("bad.toml:7:20: error: population 'exc', parameter 'tau_m': "
                                 "expected a duration (ms), found \"2 mV\" (a voltage)"));
    REQUIRE_THROWS_WITH(load("[simulation]\nduration = \"10 pA\"\n"),
                        Contains("bad.toml:2:12") && Contains("found \"10 pA\" (a current)"));
    REQUIRE_THROWS_WITH(load(head + "params = { C_m = \"5 xF\" }\n"),
                        Contains("bad.toml:7:18") && Contains("(unknown unit 'xF')"));
}

TEST_CASE("scenario: a duration that is not a multiple of dt is rejected",
          "[scenario][errors]") {
    REQUIRE_THROWS_WITH(load("[simulation]\nduration = 10.05\ndt = 0.1\n"),
                        Contains("bad.toml:2:12: error: [simulation]: duration 10.05 ms is not a "
                                 "multiple of dt 0.1 ms"));
}

TEST_CASE("scenario: an array of the wrong length states the expected length",
          "[scenario][errors]") {
    REQUIRE_THROWS_WITH(load("[simulation]\nduration = 10\n[[population]]\nname = \"exc\"\n"
                             "model = \"lif\"\nsize = 50\nparams = { tau_m = [10, 20, 30] }\n"),
                        Contains("bad.toml:7:20: error: population 'exc', parameter 'tau_m': "
                                 "expected 50 values (one per neuron), found 3"));
}

TEST_CASE("scenario: spikes cannot be recorded from an artificial population",
          "[scenario][errors]") {
    REQUIRE_THROWS_WITH(load("[simulation]\nduration = 10\n[[population]]\nname = \"out\"\n"
                             "model = \"relu\"\nsize = 3\n[[record]]\npopulation = \"out\"\n"
                             "spikes = true\n"),
                        Contains("bad.toml:9:10: error: record of 'out', spikes: expected false "
                                 "('out' is artificial") &&
                            Contains("found true"));
}

TEST_CASE("scenario: an unknown record variable suggests the closest state variable",
          "[scenario][errors]") {
    REQUIRE_THROWS_WITH(load(head + "[[record]]\npopulation = \"exc\"\nvariables = [\"V_mm\"]\n"),
                        Contains("bad.toml:9:14: error: record of 'exc', variables: unknown "
                                 "variable 'V_mm' for model 'lif'; did you mean 'V_m'?"));
}

TEST_CASE("scenario: twins, stimuli and projections check what they connect",
          "[scenario][errors]") {
    SECTION("the resting potential of a twin's biological side belongs to the bias") {
        REQUIRE_THROWS_WITH(
            load("[simulation]\nduration = 10\n[[twin]]\nname = \"tw\"\nsize = 2\n"
                 "inputs = [{ rate = 1, weight = 1 }]\nparams = { E_L = -60 }\n"),
            Contains("bad.toml:7:12: error: twin 'tw', parameter 'E_L': E_L of a twin's "
                     "biological side is set by the bias; use E_ref to move the reference"));
    }
    SECTION("stimuli on artificial populations") {
        REQUIRE_THROWS_WITH(
            load("[simulation]\nduration = 10\n[[twin]]\nname = \"tw\"\nsize = 2\n"
                 "inputs = [{ rate = 1, weight = 1 }]\n[[stimulus]]\ntype = \"dc\"\n"
                 "target = \"tw.artificial\"\namplitude = 1\n"),
            Contains("bad.toml:9:10: error: stimulus 'stimulus1': stimuli drive spiking "
                     "populations and rate sources; 'tw.artificial' is artificial"));
    }
    SECTION("a channel beyond the twin's inputs") {
        REQUIRE_THROWS_WITH(
            load("[simulation]\nduration = 10\n[[twin]]\nname = \"tw\"\nsize = 2\n"
                 "inputs = [{ rate = 1, weight = 1 }]\n[[stimulus]]\ntype = \"dc\"\n"
                 "target = \"tw.inputs\"\namplitude = 1\nchannel = 1\n"),
            Contains("bad.toml:11:11") && Contains("expected an integer in [0, 0], found 1"));
    }
    SECTION("rate sources take no projections") {
        REQUIRE_THROWS_WITH(
            load(head + "[[population]]\nname = \"src\"\nmodel = \"rate_source\"\nsize = 1\n"
                        "[[projection]]\nsource = \"exc\"\ntarget = \"src\"\nweight = 1\n"),
            Contains("bad.toml:13:10") &&
                Contains("rate sources take no inputs; use a stimulus"));
    }
    SECTION("poisson encoding from a spiking source") {
        REQUIRE_THROWS_WITH(
            load(head + "[[projection]]\nsource = \"exc\"\ntarget = \"exc\"\nweight = 1\n"
                        "encoding = \"poisson\"\n"),
            Contains("bad.toml:11:12") && Contains("found a spiking source"));
    }
    SECTION("a uniform draw with low > high and a negative sd") {
        REQUIRE_THROWS_WITH(load(head + "init = { V_m = { uniform = [-50, -70] } }\n"),
                            Contains("bad.toml:7:28") && Contains("found [-50, -70]"));
        REQUIRE_THROWS_WITH(load(head + "init = { V_m = { normal = [-50, -1] } }\n"),
                            Contains("bad.toml:7:33") &&
                                Contains("expected a non-negative standard deviation, found -1"));
    }
    SECTION("stop before start") {
        REQUIRE_THROWS_WITH(load(head + "[[stimulus]]\ntype = \"dc\"\ntarget = \"exc\"\n"
                                        "amplitude = 1\nstart = 5\nstop = 5\n"),
                            Contains("bad.toml:12:8") &&
                                Contains("expected a time after start (5 ms), found 5"));
    }
    SECTION("a missing required key") {
        REQUIRE_THROWS_WITH(load(head + "[[stimulus]]\ntype = \"dc\"\ntarget = \"exc\"\n"),
                            Contains("bad.toml:7:1: error: stimulus 'stimulus1': missing "
                                     "required key 'amplitude'"));
    }
    SECTION("a duplicate population name") {
        REQUIRE_THROWS_WITH(load(head + "[[population]]\nname = \"exc\"\nmodel = \"lif\"\n"
                                        "size = 1\n"),
                            Contains("bad.toml:8:8") &&
                                Contains("the name 'exc' is already used (line 3)"));
    }
    SECTION("record neurons outside the population") {
        REQUIRE_THROWS_WITH(
            load(head + "[[record]]\npopulation = \"exc\"\nspikes = true\nneurons = [2, 10]\n"),
            Contains("bad.toml:10:15") && Contains("expected an integer in [0, 9], found 10"));
    }
}

TEST_CASE("scenario: all errors are reported together, in file order", "[scenario][errors]") {
    const auto path = test::data_path("bad/several_errors.toml");
    try {
        load_scenario_file(path, builtin_models());
        FAIL("no error");
    } catch (const input_error& e) {
        // The projection comes first in the file although populations are checked first.
        CHECK_THAT(std::string(e.what()),
                   Equals(path + ":8:10: error: projection: unknown population 'nowhere'\n" +
                          path + ":14:20: error: population 'exc', parameter 'tau_m': expected "
                                 "a positive duration (ms), found -5\n" +
                          path + ":14:31: error: population 'exc', parameter 'V_th': expected "
                                 "a voltage (mV), found \"3 ms\" (a duration)\n" +
                          path + ":17:14: error: record of 'exc', variables: unknown variable "
                                 "'V' for model 'lif'; did you mean 'V_m'?"));
        REQUIRE(e.diagnostics().size() == 4);
        CHECK(e.diagnostics()[0].where.line == 8);
        CHECK(e.diagnostics()[3].where.column == 14);
    }
}

TEST_CASE("scenario: every file in tests/data/bad is rejected with a position",
          "[scenario][errors]") {
    const auto dir = std::filesystem::path(test::data_path("bad"));
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".toml") {
            continue;
        }
        ++files;
        const auto path = entry.path().string();
        INFO(path);
        REQUIRE_THROWS_AS(load_scenario_file(path, builtin_models()), input_error);
        REQUIRE_THROWS_WITH(load_scenario_file(path, builtin_models()), Contains(path + ":"));
    }
    CHECK(files >= 2);
}

TEST_CASE("scenario: a bad file reports positions in that file", "[scenario][errors]") {
    const auto path = test::data_path("bad/unknown_model.toml");
    REQUIRE_THROWS_WITH(
        load_scenario_file(path, builtin_models()),
        Contains(path + ":6:9: error: population 'exc', model") && Contains("did you mean 'lif'?"));
}

TEST_CASE("scenario: times beyond 2^53 steps are rejected with their position",
          "[scenario][errors]") {
    // 2^53 steps of dt = 0.1 ms are 9.0072e14 ms. Beyond 2^63 steps the conversion to an
    // integer was undefined behaviour (in practice INT64_MIN): a delay of 1e20 ms became one
    // step, a duration of 1e300 ms "-9223372036854775808 steps".
    REQUIRE_THROWS_WITH(load("[simulation]\nduration = 1e300\n"),
                        Contains("bad.toml:2:12: error: [simulation] duration: expected at most "
                                 "9.0072e+14 ms (2^53 steps of dt = 0.1 ms), found 1e+300 ms"));
    REQUIRE_THROWS_WITH(
        load(head + "[[projection]]\nsource = \"exc\"\ntarget = \"exc\"\nweight = 1\n"
                    "delay = 1e20\n"),
        Contains("bad.toml:11:9: error: projection 'exc' -> 'exc': delay 1e+20 ms is longer "
                 "than the longest time neurotwin represents, 9.0072e+14 ms (2^53 steps of dt "
                 "0.1 ms)"));
    REQUIRE_THROWS_WITH(
        load(head + "[[projection]]\nsource = \"exc\"\ntarget = \"exc\"\nweight = 1\n"
                    "delay = { uniform = [0.1, 1e20] }\n"),
        Contains("bad.toml:11:") && Contains("delay 1e+20 ms is longer than the longest time"));
    REQUIRE_THROWS_WITH(load(head + "[[record]]\npopulation = \"exc\"\nvariables = [\"V_m\"]\n"
                                    "interval = 1e300\n"),
                        Contains("bad.toml:10:12: error: record of 'exc', interval: interval "
                                 "1e+300 ms is longer than the longest time"));
    // A time just inside the range is accepted (it is the memory estimate's business).
    CHECK_NOTHROW(load(head + "[[projection]]\nsource = \"exc\"\ntarget = \"exc\"\n"
                              "weight = 1\ndelay = \"1000000000 s\"\n"));
}

TEST_CASE("scenario: an h_max needing more than 2^20 substeps per step is rejected",
          "[scenario][errors]") {
    // dt / h_max = 1e11 substeps: cast to int it was undefined (one substep in practice).
    const std::string izh = "[simulation]\nduration = 10\n[[population]]\nname = \"izh\"\n"
                            "model = \"izhikevich\"\nsize = 1\n";
    REQUIRE_THROWS_WITH(load(izh + "params = { h_max = 1e-12 }\n"),
                        Contains("bad.toml:7:20: error: population 'izh', parameter 'h_max': "
                                 "expected at least 9.53674e-08 ms (dt / 1048576: at most "
                                 "1048576 substeps per step of dt = 0.1 ms), found 1e-12"));
    CHECK_NOTHROW(load(izh + "params = { h_max = 1e-4 }\n"));
}

TEST_CASE("scenario: names that cannot be HDF5 paths or sweep keys are rejected with their "
          "position",
          "[scenario][errors]") {
    // Population names become /spikes/<name> and /report/<name>; '.', '..', '/' and NUL
    // validated, then `run` failed late with "internal error (please report)".
    const auto pop = [](const std::string& name) {
        return "[simulation]\nduration = 10\n[[population]]\nname = \"" + name +
               "\"\nmodel = \"lif\"\nsize = 1\n";
    };
    const std::string rule = "expected a name of letters, digits, '_' and '-' that starts with "
                             "a letter or '_' (it becomes an HDF5 path and a part of sweep keys)";
    for (const auto* bad : {"a.b", "..", "a/b", "1st", "a b", ""}) {
        INFO(bad);
        REQUIRE_THROWS_WITH(load(pop(bad)),
                            Contains("bad.toml:4:8: error: population #1, name: " + rule +
                                     ", found \"" + bad + "\""));
    }
    // TOML's "\u0000": shown escaped
    REQUIRE_THROWS_WITH(load(pop("a\\u0000x")),
                        Contains("bad.toml:4:8: error: population #1, name: " + rule +
                                 ", found \"a\\x00x\""));
    REQUIRE_THROWS_WITH(
        load(pop("exc") + "[[twin]]\nname = \"t.w\"\nsize = 1\n"
                          "inputs = [{ rate = 1, weight = 1 }]\n"),
        Contains("bad.toml:8:8: error: twin #1, name: " + rule + ", found \"t.w\""));
    REQUIRE_THROWS_WITH(load(pop("exc") + "[[stimulus]]\nname = \"s/1\"\ntype = \"dc\"\n"
                                          "target = \"exc\"\namplitude = 1\n"),
                        Contains("bad.toml:8:8: error: stimulus #1, name: " + rule +
                                 ", found \"s/1\""));
    CHECK_NOTHROW(load(pop("Exc_2-b")));
}

TEST_CASE("scenario: a rate connection's delay beyond 2^32 steps is an error, not a wrapped "
          "delay",
          "[scenario][errors]") {
    // Rate connections keep 32-bit delays: 2^32 + 1 steps became 1 step (the input arrived
    // after 1 ms instead of never within the run).
    const auto desc = load("[simulation]\nduration = 10\ndt = 1\n[[population]]\nname = \"x\"\n"
                           "model = \"rate_source\"\nsize = 1\n[[population]]\nname = \"y\"\n"
                           "model = \"relu\"\nsize = 1\n[[projection]]\nsource = \"x\"\n"
                           "target = \"y\"\nweight = 1\ndelay = 4294967297\n");
    REQUIRE_THROWS_WITH(build_network(desc),
                        Contains("bad.toml:12:1: error: projection 'x' -> 'y': delays above "
                                 "4294967295 steps are not supported for rate or Poisson "
                                 "connections, found 4294967297 steps"));
}

TEST_CASE("scenario: a choice that differs only in case gets a did-you-mean hint",
          "[scenario][errors]") {
    // Edit distance ignores case: "LIF" is 'lif' (3 substitutions otherwise, too many for
    // a three-letter word), "Tau_M" is 'tau_m'.
    REQUIRE_THROWS_WITH(load("[simulation]\nduration = 10\n[[population]]\nname = \"a\"\n"
                             "model = \"LIF\"\nsize = 1\n"),
                        Contains("bad.toml:5:9: error: population 'a', model: expected one of "
                                 "lif, ") &&
                            Contains("found \"LIF\"; did you mean 'lif'?"));
    REQUIRE_THROWS_WITH(load(head + "params = { Tau_M = 10.0 }\n"),
                        Contains("bad.toml:7:12: error: ") && Contains("'Tau_M'") &&
                            Contains("did you mean 'tau_m'?"));
}

TEST_CASE("scenario: a stimulus that starts after the run ends is a warning with its position",
          "[scenario][errors]") {
    // The run covers [0, duration): a stimulus starting at or after its end never acts.
    // Accepted (it may be on purpose while a scenario is edited), but said.
    const auto stim = [](const std::string& start) {
        return head + "[[stimulus]]\nname = \"kick\"\ntype = \"dc\"\ntarget = \"exc\"\n"
                      "amplitude = 500.0\nstart = " +
               start + "\n";
    };
    const auto late = load(stim("\"20 ms\""));
    REQUIRE(late.warnings.size() == 1);
    CHECK(format_warning(late.warnings[0]) ==
          "bad.toml:12:9: warning: stimulus 'kick', start: 20 ms is not before the end of the "
          "run (duration 10 ms); the stimulus never acts");
    CHECK(load(stim("10.0")).warnings.size() == 1);  // at the end: never acts either
    CHECK(load(stim("9.9")).warnings.empty());
    CHECK(load(head).warnings.empty());
}
