// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <string>

#include "models/registry.hpp"
#include "sim/scenario/desc.hpp"
#include "tests/test_util.hpp"

using namespace neurotwin;
using Catch::Matchers::Contains;

namespace {

const population_desc& pop(const scenario_desc& d, const std::string& name) {
    for (const auto& p : d.populations) {
        if (p.name == name) {
            return p;
        }
    }
    FAIL("no population " << name);
    throw;
}

}  // namespace

TEST_CASE("loader: a full scenario parses into the description, in canonical units",
          "[scenario]") {
    const auto path = test::data_path("scenarios/full_scenario.toml");
    const auto d = load_scenario_file(path, builtin_models());
    CHECK(d.file == path);
    CHECK(d.text == test::read_file(path));

    // [simulation]: "2 s" -> 2000 ms, 2000 / 0.05 steps.
    CHECK(d.simulation.duration_ms == Approx(2000.0));
    CHECK(d.simulation.dt_ms == Approx(0.05));
    CHECK(d.simulation.n_steps == 40000);
    CHECK(d.simulation.seed == 42);
    CHECK(d.simulation.threads == 2);
    CHECK(d.simulation.where.line == 3);

    REQUIRE(d.populations.size() == 3);
    const auto& exc = pop(d, "exc");
    CHECK(exc.model == "lif");
    CHECK(exc.size == 4);
    CHECK(exc.rate_filter_ms == Approx(200.0));
    CHECK(exc.where.file == path);
    CHECK(exc.where.line == 9);
    CHECK(exc.where.column == 1);
    REQUIRE(exc.params.size() == 4);
    CHECK(exc.params.at("tau_m").k == value_spec::kind::constant);
    CHECK(exc.params.at("tau_m").a == Approx(20.0));
    CHECK(exc.params.at("tau_m").where.line == 17);
    CHECK(exc.params.at("tau_m").where.column == 9);
    CHECK(exc.params.at("I_e").a == Approx(500.0));
    CHECK(exc.params.at("V_th").k == value_spec::kind::linspace);
    CHECK(exc.params.at("V_th").a == Approx(-55.0));
    CHECK(exc.params.at("V_th").b == Approx(-50.0));
    CHECK(exc.params.at("C_m").k == value_spec::kind::normal);
    CHECK(exc.params.at("C_m").a == Approx(250.0));
    CHECK(exc.params.at("C_m").b == Approx(10.0));
    REQUIRE(exc.init.size() == 2);
    CHECK(exc.init.at("V_m").k == value_spec::kind::uniform);
    CHECK(exc.init.at("V_m").a == Approx(-70.0));
    CHECK(exc.init.at("V_m").b == Approx(-60.0));
    CHECK(exc.init.at("I_syn_ex").k == value_spec::kind::array);
    CHECK(exc.init.at("I_syn_ex").values == std::vector<double>{0, 1, 2, 3});

    const auto& drive = pop(d, "drive");
    CHECK(drive.model == "rate_source");
    CHECK(drive.params.at("rate").values == std::vector<double>{5, 10});
    const auto& out = pop(d, "out");
    CHECK(out.model == "sigmoid");
    CHECK(out.params.empty());
    CHECK(out.rate_filter_ms == Approx(100.0));

    REQUIRE(d.twins.size() == 1);
    const auto& tw = d.twins[0];
    CHECK(tw.name == "tw");
    CHECK(tw.size == 3);
    CHECK(tw.activation == "leaky_relu");
    CHECK(tw.biological == "lif");
    CHECK(tw.encoding == twin_encoding::poisson);
    REQUIRE(tw.inputs.size() == 2);
    CHECK(tw.inputs[0].rate.a == Approx(20.0));
    CHECK(tw.inputs[0].weight == Approx(1.5));
    CHECK(tw.inputs[1].rate.values == std::vector<double>{1, 2, 3});
    CHECK(tw.inputs[1].weight == Approx(-1.0));
    CHECK(tw.bias.k == value_spec::kind::normal);
    CHECK(tw.bias.b == Approx(0.1));
    CHECK(tw.activation_params.at("alpha").a == Approx(0.2));
    CHECK(tw.params.at("tau_m").a == Approx(15.0));
    CHECK(tw.params.at("V_th").a == Approx(-50.0));
    CHECK(tw.rate_filter_ms == Approx(50.0));
    CHECK(tw.current_scale.value() == Approx(20.0));
    CHECK(tw.bias_scale.value() == Approx(4.0));
    CHECK(tw.E_ref.value() == Approx(-52.0));
    CHECK(tw.record_interval_ms == Approx(0.5));
    CHECK_FALSE(tw.record);

    REQUIRE(d.stimuli.size() == 5);
    const auto& kick = d.stimuli[0];
    CHECK(kick.name == "kick");
    CHECK(kick.type == stimulus_type::dc);
    CHECK(kick.target == "exc");
    CHECK(kick.params.at("amplitude").a == Approx(1000.0));
    CHECK(kick.start_ms == Approx(100.0));
    CHECK(kick.stop_ms == Approx(1500.0));
    CHECK_FALSE(kick.channel.has_value());
    const auto& step = d.stimuli[1];
    CHECK(step.name == "stimulus2");
    CHECK(step.type == stimulus_type::step);
    CHECK(step.target == "tw.inputs");
    CHECK(step.channel == index_t(1));
    CHECK(step.times == std::vector<double>{10, 20});
    CHECK(step.amplitudes == std::vector<double>{5, 0});
    CHECK(std::isinf(step.stop_ms));
    const auto& sine = d.stimuli[2];
    CHECK(sine.type == stimulus_type::sine);
    CHECK(sine.params.at("amplitude").a == Approx(2.0));
    CHECK(sine.params.at("frequency").a == Approx(10.0));
    CHECK(sine.params.at("phase").a == Approx(1.5));
    CHECK(sine.params.count("offset") == 0);  // default 0, left to the engine
    const auto& ramp = d.stimuli[3];
    CHECK(ramp.type == stimulus_type::ramp);
    CHECK(ramp.target == "tw.biological");
    CHECK(ramp.params.at("to").a == Approx(100.0));
    CHECK(ramp.stop_ms == Approx(100.0));
    const auto& poisson = d.stimuli[4];
    CHECK(poisson.type == stimulus_type::poisson);
    CHECK(poisson.params.at("rate").a == Approx(1000.0));
    CHECK(poisson.params.at("weight").values == std::vector<double>{10, 20, 30, -40});

    REQUIRE(d.projections.size() == 3);
    const auto& p0 = d.projections[0];
    CHECK(p0.source == "drive");
    CHECK(p0.target == "exc");
    CHECK(p0.rule == connection_rule::all_to_all);
    CHECK(p0.weight.a == Approx(100.0));
    CHECK(p0.encoding == projection_encoding::poisson);
    CHECK(p0.delay.k == value_spec::kind::linspace);
    CHECK(p0.delay.a == Approx(0.05));
    CHECK(p0.delay.b == Approx(0.2));
    const auto& p1 = d.projections[1];
    CHECK(p1.rule == connection_rule::fixed_probability);
    CHECK(p1.p == Approx(0.1));
    CHECK(p1.weight.k == value_spec::kind::uniform);
    CHECK(p1.delay.a == Approx(1.0));
    CHECK_FALSE(p1.autapses);
    const auto& p2 = d.projections[2];
    CHECK(p2.rule == connection_rule::one_to_one);
    CHECK(p2.weight.a == Approx(-0.5));  // unitless: the target is artificial
    CHECK(p2.delay.a == Approx(0.05));    // default: dt

    REQUIRE(d.records.size() == 3);
    CHECK(d.records[0].population == "exc");
    CHECK(d.records[0].spikes);
    CHECK(d.records[0].variables == std::vector<std::string>{"V_m", "I_syn_ex"});
    CHECK(d.records[0].neurons.k == neuron_selection::kind::list);
    CHECK(d.records[0].neurons.ids == std::vector<index_t>{0, 2, 3});  // sorted
    CHECK(d.records[0].interval_ms == Approx(0.1));
    CHECK(d.records[1].population == "tw.artificial");
    CHECK_FALSE(d.records[1].spikes);
    CHECK(d.records[1].neurons.k == neuron_selection::kind::first);
    CHECK(d.records[1].neurons.first == 2);
    CHECK(d.records[1].interval_ms == Approx(0.05));  // default: dt
    CHECK(d.records[2].neurons.k == neuron_selection::kind::all);
}

TEST_CASE("loader: defaults are filled in", "[scenario]") {
    const auto d =
        load_scenario_file(test::data_path("scenarios/required_keys_only.toml"), builtin_models());
    CHECK(d.simulation.dt_ms == Approx(0.1));
    CHECK(d.simulation.n_steps == 100);
    CHECK(d.simulation.seed == 0);
    CHECK(d.simulation.threads == 0);
    CHECK(d.populations[0].rate_filter_ms == Approx(100.0));
    CHECK(d.populations[0].params.empty());
    CHECK(d.populations[0].init.empty());

    const auto& t = d.twins[0];
    CHECK(t.activation == "relu");
    CHECK(t.biological == "lif");
    CHECK(t.encoding == twin_encoding::current);
    CHECK(t.bias.k == value_spec::kind::constant);
    CHECK(t.bias.a == 0.0);
    CHECK(t.activation_params.empty());
    CHECK(t.params.empty());
    CHECK_FALSE(t.current_scale.has_value());
    CHECK_FALSE(t.bias_scale.has_value());
    CHECK_FALSE(t.E_ref.has_value());
    CHECK(t.record_interval_ms == Approx(1.0));
    CHECK(t.record);
    CHECK(t.rate_filter_ms == Approx(100.0));

    const auto& s = d.stimuli[0];
    CHECK(s.name == "stimulus1");
    CHECK(s.start_ms == 0.0);
    CHECK(std::isinf(s.stop_ms));
    CHECK_FALSE(s.channel.has_value());

    const auto& p = d.projections[0];
    CHECK(p.rule == connection_rule::all_to_all);
    CHECK(p.autapses);
    CHECK(p.encoding == projection_encoding::rate);
    CHECK(p.delay.k == value_spec::kind::constant);
    CHECK(p.delay.a == Approx(0.1));

    const auto& r = d.records[0];
    CHECK(r.variables.empty());
    CHECK(r.neurons.k == neuron_selection::kind::all);
    CHECK(r.interval_ms == Approx(0.1));
}

TEST_CASE("loader: a twin records every dt when dt does not divide 1 ms", "[scenario]") {
    const auto d = load_scenario_text(R"([simulation]
duration = 9
dt = 0.3
[[twin]]
name = "t"
size = 1
inputs = [{ rate = 5, weight = 1 }]
)",
                                      "dt.toml", builtin_models());
    CHECK(d.simulation.n_steps == 30);
    CHECK(d.twins[0].record_interval_ms == Approx(0.3));
}

TEST_CASE("loader: duration and delays within 1e-9 of a multiple of dt are accepted",
          "[scenario]") {
    // 0.3 / 0.1 = 2.9999999999999996 in binary floating point.
    const auto d = load_scenario_text(R"([simulation]
duration = 0.3
dt = 0.1
[[population]]
name = "a"
model = "lif"
size = 1
[[projection]]
source = "a"
target = "a"
weight = 1
delay = 0.3
)",
                                      "round.toml", builtin_models());
    CHECK(d.simulation.n_steps == 3);
    CHECK(d.projections[0].delay.a == Approx(0.3));
}

TEST_CASE("loader: random delays need only reach dt (draws are rounded to the step grid)",
          "[scenario]") {
    const auto d = load_scenario_text(R"([simulation]
duration = 1
[[population]]
name = "a"
model = "lif"
size = 2
[[projection]]
source = "a"
target = "a"
weight = { normal = ["0.1 nA", 5] }
delay = { uniform = [0.1, 0.25] }
)",
                                      "delay.toml", builtin_models());
    CHECK(d.projections[0].delay.k == value_spec::kind::uniform);
    CHECK(d.projections[0].delay.b == Approx(0.25));
    CHECK(d.projections[0].weight.a == Approx(100.0));
}

TEST_CASE("loader: a deterministic sweep that satisfies the cross-parameter rules is accepted",
          "[scenario]") {
    const auto d = load_scenario_text(R"([simulation]
duration = 1
[[population]]
name = "a"
model = "lif"
size = 3
params = { V_reset = { linspace = [-80, -60] }, V_th = [-70, -55, -50] }
)",
                                      "sweep.toml", builtin_models());
    CHECK(d.populations[0].params.at("V_reset").k == value_spec::kind::linspace);
}

TEST_CASE("loader: a scenario file is read with its path and verbatim text", "[scenario]") {
    const auto path = test::temp_path("loader.toml");
    const std::string text = "[simulation]\nduration = 5 # ms\n";
    {
        std::ofstream out(path, std::ios::binary);
        out << text;
    }
    const auto d = load_scenario_file(path, builtin_models());
    CHECK(d.file == path);
    CHECK(d.text == text);
    CHECK(d.simulation.n_steps == 50);
}

TEST_CASE("loader: a missing scenario file is an io_error naming the path", "[scenario]") {
    REQUIRE_THROWS_AS(load_scenario_file("/nonexistent/dir/x.toml", builtin_models()), io_error);
    REQUIRE_THROWS_WITH(load_scenario_file("/nonexistent/dir/x.toml", builtin_models()),
                        Contains("cannot open scenario file '/nonexistent/dir/x.toml'") &&
                            Contains("No such file"));
}
