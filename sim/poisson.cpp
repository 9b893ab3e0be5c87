// SPDX-License-Identifier: BSD-3-Clause
#include "sim/poisson.hpp"

#include <cmath>

#include "sim/partition.hpp"

namespace neurotwin {

// Small means: inversion of the cumulative distribution from one uniform of block
// (c, t << 8) -- O(lambda), exact, and the draw every run before large means were handled
// made. Large means: Hoermann's PTRS (transformed rejection with squeeze, W. Hoermann, "The
// transformed rejection method for generating Poisson random variables", Insurance:
// Mathematics and Economics 12, 1993), exact for lambda >= 10 and O(1): each trial uses the
// two uniforms of block (c, (t << 8) | trial) and is accepted with probability > 0.9, so 256
// trials (the counter's room) all fail with probability < 1e-250.
std::uint64_t poisson_count(const counter_rng& rng, std::uint64_t c, std::uint64_t t,
                            double lambda) {
    if (!(lambda > 0.0)) {
        return 0;
    }
    if (lambda <= poisson_inversion_max) {
        const double u = rng.uniform2(c, t << 8)[0];
        double p = std::exp(-lambda);
        double F = p;
        std::uint64_t k = 0;
        while (u > F && k < 1000) {
            ++k;
            p *= lambda / double(k);
            F += p;
        }
        return k;
    }
    const double slam = std::sqrt(lambda);
    const double loglam = std::log(lambda);
    const double b = 0.931 + 2.53 * slam;
    const double a = -0.059 + 0.02483 * b;
    const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    const double v_r = 0.9277 - 3.6224 / (b - 2.0);
    for (std::uint64_t trial = 0; trial < 256; ++trial) {
        const auto u = rng.uniform2(c, (t << 8) | trial);
        const double U = u[0] - 0.5;
        const double V = u[1];
        const double us = 0.5 - std::abs(U);
        const double k = std::floor((2.0 * a / us + b) * U + lambda + 0.43);
        if (us >= 0.07 && V <= v_r) {
            return static_cast<std::uint64_t>(k);  // the squeeze: k >= 0 here
        }
        if (k < 0.0 || (us < 0.013 && V > us)) {
            continue;
        }
        int sign = 0;
        const double log_k_factorial = ::lgamma_r(k + 1.0, &sign);  // not lgamma: no global
        if (std::log(V * inv_alpha / (a / (us * us) + b)) <=
            -lambda + k * loglam - log_k_factorial) {
            return static_cast<std::uint64_t>(k);
        }
    }
    return static_cast<std::uint64_t>(std::floor(lambda));  // the mode; probability < 1e-250
}

// Constant-rate groups (stimuli) whose channels average half an event per step or more
// draw a count per step instead; channels must then be sorted by target (stimuli are).
// In the other groups, each such channel does the same (busy_): a channel's events then
// cost O(1) per step whatever its rate, not O(rate * dt) calendar entries.
poisson_input::poisson_input(const network& net, int threads) : net_(net), T_(threads) {
    const auto G = net_.poisson_groups.size();
    next_time_.resize(G);
    next_index_.resize(G);
    for (std::size_t g = 0; g < G; ++g) {
        const auto& grp = net_.poisson_groups[g];
        next_time_[g].assign(grp.channel_target.size(), 0.0);
        next_index_[g].assign(grp.channel_target.size(), 0);
        rng_.emplace_back(net_.seed, stream_id(grp.name));
    }
    wheels_.assign(std::size_t(T_), std::vector<event_wheel>(G));
    dense_.assign(G, 0);
    busy_.assign(std::size_t(T_), std::vector<std::vector<std::uint32_t>>(G));
    cdf_.assign(G, {});
    for (std::size_t g = 0; g < G; ++g) {
        const auto& grp = net_.poisson_groups[g];
        if (is_rate_driven(grp) || grp.rate_max.empty() ||
            !std::is_sorted(grp.channel_target.begin(), grp.channel_target.end())) {
            continue;
        }
        const double min_rate = *std::min_element(grp.rate_max.begin(), grp.rate_max.end());
        dense_[g] = min_rate * net_.dt * 1e-3 >= 0.5 ? 1 : 0;
        const double max_rate = *std::max_element(grp.rate_max.begin(), grp.rate_max.end());
        const double lambda = max_rate * net_.dt * 1e-3;
        if (dense_[g] && min_rate == max_rate && lambda <= poisson_inversion_max) {
            // P(K <= k) for k = 0, 1, ... until 1 - 1e-16 (the inversion stops at the end,
            // so the table's last entry stands for the far tail, probability < 1e-16)
            double p = std::exp(-lambda);
            double F = p;
            for (int k = 0; k < 200 && F < 1.0 - 1e-16; ++k) {
                cdf_[g].push_back(F);
                p *= lambda / double(k + 1);
                F += p;
            }
            cdf_[g].push_back(1.0);
        }
    }
    for (std::size_t g = 0; g < G; ++g) {
        const auto& grp = net_.poisson_groups[g];
        if (dense_[g]) {
            continue;
        }
        for (int tid = 0; tid < T_; ++tid) {
            const auto rg = owned_inputs(*net_.populations[grp.target], T_, tid);
            for (std::uint32_t c = 0; c < grp.channel_target.size(); ++c) {
                if (grp.channel_target[c] >= rg.lo && grp.channel_target[c] < rg.hi &&
                    grp.rate_max[c] * net_.dt * 1e-3 >= 0.5) {
                    busy_[std::size_t(tid)][g].push_back(c);
                }
            }
        }
    }
}

void poisson_input::start(int tid) {
    for (std::size_t g = 0; g < net_.poisson_groups.size(); ++g) {
        const auto& grp = net_.poisson_groups[g];
        if (dense_[g]) {
            continue;
        }
        const auto rg = owned_inputs(*net_.populations[grp.target], T_, tid);
        const auto& busy = busy_[std::size_t(tid)][g];
        for (std::uint32_t c = 0; c < grp.channel_target.size(); ++c) {
            if (grp.channel_target[c] >= rg.lo && grp.channel_target[c] < rg.hi &&
                !std::binary_search(busy.begin(), busy.end(), c)) {
                next_time_[g][c] = double(grp.start) * net_.dt;
                const step_t first = advance_channel(g, c);
                if (first < grp.stop) {
                    wheels_[std::size_t(tid)][g].push(0, first, c);
                }
            }
        }
    }
}

// Candidate events of a channel are a Poisson process of rate rate_max (exponential gaps
// from counter block (c, m) for event m); each is accepted at its step with probability
// rate(t) / rate_max (thinning), using the block's second uniform.
step_t poisson_input::advance_channel(std::size_t g, std::uint32_t c) {
    const auto& grp = net_.poisson_groups[g];
    const double r_max = grp.rate_max[c];
    if (!(r_max > 0.0)) {
        return grp.stop;
    }
    const auto m = next_index_[g][c];
    const double gap = rng_[g].exponential(c, m) / r_max * 1000.0;  // [ms]
    next_time_[g][c] += gap;
    // Saturated before the conversion: a tiny rate puts the next event (and its step) beyond
    // what step_t holds (rate 1e-20 Hz: ~1e23 ms), and such an event -- like any at or after
    // `stop` -- is simply never scheduled.
    const double step = std::floor(next_time_[g][c] / net_.dt);
    if (!(step < double(grp.stop))) {
        return grp.stop;
    }
    return static_cast<step_t>(step);
}

// Channel by channel in ascending order, all of a channel's events of this step together.
void poisson_input::deposit(std::size_t g, step_t t, int tid, double* ex, double* in,
                            const population_buffers* source) {
    const auto& grp = net_.poisson_groups[g];
    if (dense_[g]) {
        // Many events per step: one Poisson count per channel and step is cheaper than
        // one calendar entry per event (the count is drawn from block (c, t)).
        if (t < grp.start || t >= grp.stop) {
            return;
        }
        const auto rg = owned_inputs(*net_.populations[grp.target], T_, tid);
        const auto& tg = grp.channel_target;
        const auto& cdf = cdf_[g];
        auto c = std::size_t(std::lower_bound(tg.begin(), tg.end(), rg.lo) - tg.begin());
        for (; c < tg.size() && tg[c] < rg.hi; ++c) {
            std::uint64_t k = 0;
            if (!cdf.empty()) {
                // one rate for the whole group: invert its tabulated CDF
                const double u = rng_[g].uniform2(c, std::uint64_t(t) << 8)[0];
                while (k + 1 < cdf.size() && u > cdf[k]) {
                    ++k;
                }
            } else {
                const double lambda = grp.rate_max[c] * net_.dt * 1e-3;
                k = poisson_count(rng_[g], c, std::uint64_t(t), lambda);
            }
            if (k > 0) {
                const double J = grp.jump[c];
                (J >= 0.0 ? ex : in)[tg[c]] += J * double(k);
            }
        }
        return;
    }
    if (t >= grp.start && t < grp.stop) {
        for (const auto c : busy_[std::size_t(tid)][g]) {
            // the thinned rate is min(rate, rate_max): see advance_channel
            double rate = grp.rate_max[c];
            if (source != nullptr) {
                rate = std::clamp(source->output_at(grp.channel_source[c], t, grp.channel_delay[c]),
                                  0.0, rate);
            }
            const auto k = poisson_count(rng_[g], c, std::uint64_t(t), rate * net_.dt * 1e-3);
            if (k > 0) {
                const double J = grp.jump[c];
                (J >= 0.0 ? ex : in)[grp.channel_target[c]] += J * double(k);
            }
        }
    }
    auto& wheel = wheels_[std::size_t(tid)][g];
    auto& due = wheel.take(t);
    for (const auto c : due) {
        step_t next = t;
        // Every event at or before t is taken here, so the channel's next one is pushed
        // into a later bucket, never into `due` (which a push could reallocate).
        while (next <= t) {
            bool accept = true;
            if (source != nullptr) {
                const double rate =
                    source->output_at(grp.channel_source[c], t, grp.channel_delay[c]);
                const double u = rng_[g].uniform2(c, next_index_[g][c])[1];
                accept = u * grp.rate_max[c] < rate;
            }
            if (accept) {
                const double J = grp.jump[c];
                (J >= 0.0 ? ex : in)[grp.channel_target[c]] += J;
            }
            ++next_index_[g][c];
            next = advance_channel(g, c);
        }
        if (next < grp.stop) {
            wheel.push(t, next, c);
        }
    }
    due.clear();
}

}  // namespace neurotwin
