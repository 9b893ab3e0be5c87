// SPDX-License-Identifier: BSD-3-Clause
#include "models/artificial.hpp"

#include <cmath>

namespace neurotwin {

double activate(activation_fn f, double z, double alpha) {
    switch (f) {
        case activation_fn::perceptron: return z > 0.0 ? 1.0 : 0.0;
        case activation_fn::sigmoid:
            // 1/(1+e^-z) for z >= 0 and e^z/(1+e^z) for z < 0: no overflow of e^-z.
            if (z >= 0.0) {
                return 1.0 / (1.0 + std::exp(-z));
            } else {
                const double e = std::exp(z);
                return e / (1.0 + e);
            }
        case activation_fn::tanh: return std::tanh(z);
        case activation_fn::relu: return z > 0.0 ? z : 0.0;
        case activation_fn::leaky_relu: return z > 0.0 ? z : alpha * z;
        case activation_fn::linear: return z;
    }
    return 0.0;
}

namespace {

class artificial_population final : public population {
public:
    artificial_population(const model_info& info, activation_fn f, const population_init& init)
        : population(info, init.name, init.size),
          f_(f),
          bias_(init.param("bias")),
          alpha_(f == activation_fn::leaky_relu ? init.param("alpha")
                                                : std::vector<double>(init.size, 0.0)),
          z_(to_column(bias_)),
          a_(init.size) {
        for (index_t i = 0; i < init.size; ++i) {
            a_[i] = activate(f_, z_[i], alpha_[i]);
        }
        bind("activation", a_);
        bind("preactivation", z_);
        bind("rate", a_);
        set_output(a_.data());
    }

    void prepare(double) override {}

    void update(step_t, index_t lo, index_t hi, const step_inputs& in,
                update_status& status) override {
        for (index_t i = lo; i < hi; ++i) {
            z_[i] = in.cont[i] + bias_[i];  // z = sum_j w_j x_j + b
            const double a = activate(f_, z_[i], alpha_[i]);
            status.output_changed |= (a != a_[i]);
            a_[i] = a;
            if (!std::isfinite(z_[i])) {
                status.note_fault(i, "preactivation", z_[i]);
            }
        }
    }

private:
    activation_fn f_;
    std::vector<double> bias_, alpha_;
    aligned_column z_, a_;  // written by the threads, each its own neurons
};

std::vector<state_info> artificial_state() {
    return {
        {"activation", dimension::none, "output f(z)", false},
        {"preactivation", dimension::none, "z = sum w x + bias", false},
        {"rate", dimension::none, "same as activation (an artificial neuron's output is its rate)",
         false},
    };
}

param_info bias_param() {
    return {"bias", dimension::none, 0.0, range::any(),
            "bias b (a twin maps it onto the resting potential)"};
}

// `self`: the descriptor being initialised with the result (its address is what the
// populations it creates refer to).
model_info make_info(const model_info* self, std::string name, std::string summary, activation_fn f,
                     std::vector<param_info> params) {
    model_info info;
    info.name = std::move(name);
    info.summary = std::move(summary);
    info.kind = model_kind::artificial;
    info.params = std::move(params);
    info.state = artificial_state();
    info.stateless = true;
    info.create = [self, f](const population_init& init) -> std::unique_ptr<population> {
        return std::make_unique<artificial_population>(*self, f, init);
    };
    return info;
}

}  // namespace

const model_info perceptron_info = make_info(
    &perceptron_info, "perceptron", "artificial neuron, Heaviside step: a = 1 if z > 0 else 0",
    activation_fn::perceptron, {bias_param()});
const model_info sigmoid_info =
    make_info(&sigmoid_info, "sigmoid", "artificial neuron, logistic a = 1/(1+e^-z)",
              activation_fn::sigmoid, {bias_param()});
const model_info tanh_info = make_info(&tanh_info, "tanh", "artificial neuron, a = tanh(z)",
                                       activation_fn::tanh, {bias_param()});
const model_info relu_info =
    make_info(&relu_info, "relu", "artificial neuron, rectified linear a = max(0, z)",
              activation_fn::relu, {bias_param()});
const model_info leaky_relu_info = make_info(
    &leaky_relu_info, "leaky_relu",
    "artificial neuron, leaky rectifier a = z if z > 0 else alpha z", activation_fn::leaky_relu,
    {bias_param(), {"alpha", dimension::none, 0.01, range::at_least(0.0), "slope for z <= 0"}});

const model_info linear_info =
    make_info(&linear_info, "linear", "artificial neuron, identity a = z (the weighted sum itself)",
              activation_fn::linear, {bias_param()});

}  // namespace neurotwin
