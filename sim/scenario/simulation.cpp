// SPDX-License-Identifier: BSD-3-Clause
// [simulation]: duration, dt, seed, threads.
#include "sim/scenario/reader.hpp"

namespace neurotwin::detail {

// ---------------------------------------------------------------------------------------
// [simulation]

void loader::simulation(const toml::table& root) {
    auto& sim = desc_.simulation;
    const auto* node = root.get("simulation");
    if (node == nullptr) {
        error({file_, 1, 1}, "missing table [simulation] (it needs at least 'duration')");
        return;
    }
    const auto* t = table_of(*node, "[simulation]");
    if (t == nullptr) {
        dt_ok_ = false;
        return;
    }
    sim.where = pos(*t);
    const auto& schema = schema_of("simulation");
    check_keys(*t, schema.names(), "[simulation]");
    if (const auto* n = t->get("dt")) {
        const auto v = ranged(*n, schema.key("dt"), "[simulation] dt");
        dt_ok_ = v.has_value();
        if (v) {
            dt_ = *v;
        }
    }
    sim.dt_ms = dt_;
    std::optional<double> duration;
    if (const auto* n = required(*t, "duration", "[simulation]")) {
        duration = ranged(*n, schema.key("duration"), "[simulation] duration");
        if (duration && dt_ok_) {
            if (!is_multiple(*duration, dt_)) {
                error(pos(*n), fmt::format("[simulation]: duration {} ms is not a multiple of dt "
                                           "{} ms",
                                           number_text(*duration), number_text(dt_)));
            } else if (const auto steps = steps_of(*duration, dt_, step_rounding::nearest)) {
                sim.duration_ms = *duration;
                sim.n_steps = *steps;
            } else {
                error(pos(*n), steps_range_message("[simulation] duration", *duration, dt_));
            }
        }
    }
    if (const auto* n = t->get("seed")) {
        if (const auto v = integer_of(*n, "[simulation] seed", 0,
                                      std::numeric_limits<std::int64_t>::max())) {
            sim.seed = static_cast<std::uint64_t>(*v);
        }
    }
    if (const auto* n = t->get("threads")) {
        if (const auto v =
                integer_of(*n, "[simulation] threads", 0, std::numeric_limits<int>::max())) {
            sim.threads = static_cast<int>(*v);
            sim.threads_where = pos(*n);  // the thread limit depends on the machine: run.cpp
        }
    }
}

}  // namespace neurotwin::detail
