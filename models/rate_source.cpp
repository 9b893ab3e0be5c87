// SPDX-License-Identifier: BSD-3-Clause
#include "models/rate_source.hpp"

#include <cmath>

namespace neurotwin {

namespace {
class rate_source_population final : public population {
public:
    explicit rate_source_population(const population_init& init)
        : population(rate_source_info, init.name, init.size),
          base_(init.param("rate")),
          a_(to_column(base_)) {
        bind("activation", a_);
        bind("rate", a_);
        set_output(a_.data());
    }

    void prepare(double) override {}

    void update(step_t, index_t lo, index_t hi, const step_inputs& in,
                update_status& status) override {
        for (index_t i = lo; i < hi; ++i) {
            const double a = base_[i] + in.cont[i];
            status.output_changed |= (a != a_[i]);
            a_[i] = a;
            if (!std::isfinite(a)) {
                status.note_fault(i, "activation", a);
            }
        }
    }

private:
    std::vector<double> base_;
    aligned_column a_;  // written by the threads, each its own neurons
};
}  // namespace

const model_info rate_source_info{
    .name = "rate_source",
    .summary = "input channel: activation = rate + stimuli (Hz or unitless)",
    .kind = model_kind::source,
    .params = {{"rate", dimension::rate, 0.0, range::any(),
                "baseline activation; stimuli add to it"}},
    .state = {{"activation", dimension::rate, "current activation", false},
              {"rate", dimension::rate, "same as activation", false}},
    .check = {},
    .create = [](const population_init& init) -> std::unique_ptr<population> {
        return std::make_unique<rate_source_population>(init);
    },
    .rest_param = {},
    .calibrate = {},
    .stateless = true,
    .precise_spike_times = false,
    .synapses = {},
    .presets = {},
    .compartmental = false,
    .integrators = {},
};

}  // namespace neurotwin
