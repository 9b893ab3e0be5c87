// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "models/artificial.hpp"

using namespace neurotwin;

TEST_CASE("artificial: every activation function matches its formula", "[models][artificial]") {
    for (const double z : {-50.0, -3.0, -0.5, -1e-12, 0.0, 1e-12, 0.5, 3.0, 50.0}) {
        INFO("z = " << z);
        CHECK(activate(activation_fn::perceptron, z, 0) == (z > 0 ? 1.0 : 0.0));
        CHECK(activate(activation_fn::sigmoid, z, 0) == Approx(1.0 / (1.0 + std::exp(-z))).epsilon(1e-15));
        CHECK(activate(activation_fn::tanh, z, 0) == std::tanh(z));
        CHECK(activate(activation_fn::relu, z, 0) == std::max(0.0, z));
        CHECK(activate(activation_fn::leaky_relu, z, 0.1) == (z > 0 ? z : 0.1 * z));
    }
}

TEST_CASE("artificial: edge cases do not overflow or produce NaN", "[models][artificial]") {
    // e^{800} overflows a double: the sigmoid must use e^{z}/(1+e^{z}) for z < 0.
    CHECK(activate(activation_fn::sigmoid, -800.0, 0) == 0.0);
    CHECK(activate(activation_fn::sigmoid, 800.0, 0) == 1.0);
    CHECK(activate(activation_fn::sigmoid, 0.0, 0) == 0.5);
    CHECK(activate(activation_fn::tanh, 1e6, 0) == 1.0);
    CHECK(activate(activation_fn::tanh, -1e6, 0) == -1.0);
    // Heaviside with H(0) = 0, so a perceptron at z = 0 is silent, like its biological twin.
    CHECK(activate(activation_fn::perceptron, 0.0, 0) == 0.0);
    CHECK(activate(activation_fn::perceptron, -0.0, 0) == 0.0);
    CHECK(activate(activation_fn::relu, -0.0, 0) == 0.0);
    CHECK(activate(activation_fn::leaky_relu, -2.0, 0.0) == 0.0);
    const double inf = std::numeric_limits<double>::infinity();
    CHECK(activate(activation_fn::relu, inf, 0) == inf);
    CHECK(activate(activation_fn::sigmoid, inf, 0) == 1.0);
    CHECK(activate(activation_fn::sigmoid, -inf, 0) == 0.0);
}

TEST_CASE("artificial: a population computes f(sum w x + bias) per neuron", "[models][artificial]") {
    population_init init;
    init.name = "a";
    init.size = 3;
    init.params["bias"] = {-1.0, 0.0, 2.0};
    init.params["alpha"] = {0.5, 0.5, 0.5};
    auto pop = leaky_relu_info.create(init);
    pop->prepare(0.1);
    // before any input: z = bias, a = f(bias)
    CHECK(pop->column("preactivation")[0] == -1.0);
    CHECK(pop->column("activation")[0] == -0.5);
    const double cont[3] = {0.5, -3.0, 1.0};
    const double zero[3] = {0, 0, 0};
    update_status st;
    pop->update(0, 0, 3, step_inputs{zero, zero, cont}, st);
    CHECK(pop->column("preactivation")[0] == -0.5);
    CHECK(pop->column("activation")[0] == -0.25);
    CHECK(pop->column("activation")[1] == -1.5);
    CHECK(pop->column("activation")[2] == 3.0);
    CHECK(pop->output()[2] == 3.0);
    CHECK(st.output_changed);
    CHECK_FALSE(st.fault);
}
