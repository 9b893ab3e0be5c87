// SPDX-License-Identifier: BSD-3-Clause
// Artificial neurons: activation = f(z), z = sum_j w_j x_j + bias (the preactivation).
//   perceptron  f(z) = 1 if z > 0 else 0      (Heaviside with H(0) = 0)
//   sigmoid     f(z) = 1 / (1 + e^-z)         (evaluated without overflow for any z)
//   tanh        f(z) = tanh(z)
//   relu        f(z) = max(0, z)
//   leaky_relu  f(z) = z if z > 0 else alpha z
//   linear      f(z) = z                      (the bare weighted sum: dendritic-integration twins)
// Inputs are other populations' outputs (activations, or firing rates of spiking
// populations) through projections. Before the first step, z = bias and a = f(bias).
// The activation is the population's output; `rate` is the same column.
#pragma once

#include "sim/model_api.hpp"

namespace neurotwin {

extern const model_info perceptron_info;
extern const model_info sigmoid_info;
extern const model_info tanh_info;
extern const model_info relu_info;
extern const model_info leaky_relu_info;
extern const model_info linear_info;

enum class activation_fn { perceptron, sigmoid, tanh, relu, leaky_relu, linear };
// f(z); alpha is used by leaky_relu only.
double activate(activation_fn f, double z, double alpha);

}  // namespace neurotwin
