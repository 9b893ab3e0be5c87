// SPDX-License-Identifier: BSD-3-Clause
// The model registry is injected: the loader and the builder know only the models they are
// given. A fake model registered here (a clock that fires neuron i at every step s with
// s % period == i % period) is loaded, built and run like a built-in one; the built-in
// registry does not know it; and what the core needs of a registry is checked.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "models/artificial.hpp"
#include "models/lif.hpp"
#include "models/rate_source.hpp"
#include "models/registry.hpp"
#include "sim/engine.hpp"
#include "sim/network.hpp"
#include "sim/output_sink.hpp"
#include "sim/scenario/desc.hpp"
#include "tests/test_util.hpp"

using namespace neurotwin;
using Catch::Matchers::Contains;

namespace {

extern const model_info clock_info;

class clock_population final : public population {
public:
    explicit clock_population(const population_init& init)
        : population(clock_info, init.name, init.size), period_(init.param("period")) {}

    void prepare(double /*dt_ms*/) override {}
    void update(step_t step, index_t lo, index_t hi, const step_inputs& /*in*/,
                update_status& /*status*/) override {
        auto spiked = this->spiked();
        for (index_t i = lo; i < hi; ++i) {
            const auto p = static_cast<step_t>(period_[i]);
            spiked[i] = step % p == step_t(i) % p ? 1 : 0;
        }
    }

private:
    std::vector<double> period_;
};

const model_info clock_info{
    .name = "clock",
    .summary = "test model: neuron i fires at the steps s with s % period == i % period",
    .kind = model_kind::spiking,
    .params = {{"period", dimension::none, 4.0, range::at_least(1.0), "steps between spikes"}},
    .state = {{"rate", dimension::rate, "causal firing-rate estimate", false}},
    .check = {},
    .create = [](const population_init& init) -> std::unique_ptr<population> {
        return std::make_unique<clock_population>(init);
    },
    .rest_param = {},
    .calibrate = {},
    .stateless = false,
    .precise_spike_times = false,
    .synapses = {synapse_type::exp_current},
    .presets = {},
    .compartmental = false,
    .integrators = {},
};

std::string clock_scenario(const std::string& period) {
    return fmt::format(R"([simulation]
duration = 10.0
dt = 0.1
[[population]]
name = "c"
model = "clock"
size = 6
params = {{ period = {} }}
[[record]]
population = "c"
spikes = true
)",
                       period);
}

}  // namespace

TEST_CASE("registry: a model registered by the caller is loaded, checked, built and run",
          "[scenario][registry]") {
    const model_registry models({&clock_info});
    const auto desc = load_scenario_text(clock_scenario("5"), "clock.toml", models);
    REQUIRE(desc.populations.size() == 1);
    CHECK(&desc.registry() == &models);
    auto net = build_network(desc);
    memory_sink sink;
    run_network(net, &sink, run_control{});
    // 100 steps, period 5: each neuron fires at 20 steps, so 6 * 20 spikes (exact counting).
    CHECK(sink.spikes("c").times.size() == 120);

    // The registry's range applies to its parameters, with the usual message.
    CHECK_THROWS_WITH(load_scenario_text(clock_scenario("0.5"), "clock.toml", models),
                      Contains("parameter 'period'") && Contains("at least 1"));
}

TEST_CASE("registry: a scenario may name only the models of its registry",
          "[scenario][registry]") {
    // The built-in models do not include the fake one; the message lists the built-in names.
    CHECK_THROWS_WITH(load_scenario_text(clock_scenario("5"), "clock.toml", builtin_models()),
                      Contains("clock.toml:6:9") && Contains("model") && Contains("lif"));
    // A registry of the fake model alone does not know lif, and says what it has.
    const model_registry only_clock({&clock_info});
    const std::string lif = "[simulation]\nduration = 1.0\n[[population]]\nname = \"p\"\n"
                            "model = \"lif\"\nsize = 1\n";
    CHECK_THROWS_WITH(load_scenario_text(lif, "lif.toml", only_clock),
                      Contains("lif.toml:5:9: error: population 'p', model: expected one of clock, found \"lif\""));
}

TEST_CASE("registry: duplicates are refused, a twin needs rate_source, a desc needs a registry",
          "[scenario][registry]") {
    model_registry models({&clock_info});
    CHECK_THROWS_AS(models.add(clock_info), std::logic_error);
    CHECK(models.all().size() == 1);
    CHECK(models.find("clock") == &clock_info);
    CHECK(models.find("lif") == nullptr);
    CHECK(builtin_models().find("rate_source") == &rate_source_info);

    // A desc built by hand (not by the loader) has no registry: building it is a
    // programming error, not a crash.
    scenario_desc hand_made;
    CHECK_THROWS_AS(hand_made.registry(), std::logic_error);

    // A twin's inputs are rate sources: a registry without them refuses the twin at build
    // time with a message, not a null dereference.
    const model_registry no_source({&relu_info, &lif_info});
    const auto twin = load_scenario_text(test::data_text("scenarios/relu_lif_twin_8.toml"),
                                         "twin.toml", no_source);
    CHECK_THROWS_WITH(build_network(twin), Contains("rate_source"));
}
