// SPDX-License-Identifier: BSD-3-Clause
#include "sim/population_buffers.hpp"

#include <cmath>

#include "sim/partition.hpp"
#include "sim/poisson.hpp"

namespace neurotwin {

namespace {

// Slots of a spike ring for delays up to max_delay steps (see population_buffers).
std::size_t ring_slots(const network& net, step_t max_delay) {
    return std::size_t(std::max<step_t>(1, std::min(max_delay, net.n_steps)));
}

// Which inputs each population receives, and how many ring slots its delays need.
void size_inputs(const network& net, engine_buffers& b) {
    b.coupled.resize(net.spike_projections.size());
    for (std::size_t k = 0; k < net.spike_projections.size(); ++k) {
        const auto& sp = net.spike_projections[k];
        auto& r = b.pops[sp.target];
        if (sp.rate_coupled) {
            b.coupled[k].n_slots = ring_slots(net, sp.max_delay);
            r.has_gather = true;
            r.has_coupled = true;
            continue;
        }
        r.n_slots = std::max<std::size_t>(r.n_slots, ring_slots(net, sp.max_delay));
    }
    for (const auto& gp : net.gather_projections) {
        b.pops[gp.target].has_gather = true;
    }
    for (const auto& st : net.stimuli) {
        b.pops[st.target].has_stimuli = true;
    }
}

// What is kept of each output: the history length of delayed readers, the populations read
// without delay (`direct`), and whether the rate estimate is needed.
void size_outputs(const network& net, engine_buffers& b) {
    auto& rt = b.pops;
    for (const auto& gp : net.gather_projections) {
        rt[gp.source].hist_len = std::max<std::size_t>(rt[gp.source].hist_len, gp.max_delay);
    }
    for (const auto& g : net.poisson_groups) {
        if (is_rate_driven(g)) {
            for (const auto d : g.channel_delay) {
                rt[g.source].hist_len = std::max<std::size_t>(rt[g.source].hist_len, d);
            }
        }
    }
    // History rings get one slot more than the longest delay: the slot an update writes,
    // (t + 1) mod L, is then never one the same step's input phase reads (t - d + 1 for
    // 1 <= d < L), so delayed reads need no barrier. Sources read without delay (hist_len 1)
    // are read straight from output(), which their update overwrites: `direct` lists them.
    // n_steps + 1 slots hold the whole run without wrapping, so no delay needs more.
    for (auto& r : rt) {
        if (r.hist_len > 1) {
            r.hist_len = std::min(r.hist_len + 1, std::size_t(net.n_steps) + 1);
        }
    }
    for (const auto& gp : net.gather_projections) {
        rt[gp.source].needs_rate = true;
        if (rt[gp.source].hist_len == 1) {
            b.direct.push_back(gp.source);
        }
    }
    for (const auto& g : net.poisson_groups) {
        if (is_rate_driven(g)) {
            rt[g.source].needs_rate = true;
            if (rt[g.source].hist_len == 1) {
                b.direct.push_back(g.source);
            }
        }
    }
    std::sort(b.direct.begin(), b.direct.end());
    b.direct.erase(std::unique(b.direct.begin(), b.direct.end()), b.direct.end());
    for (const auto& rd : net.records) {
        if (rd.variable == "rate") {
            rt[rd.population].needs_rate = true;
        }
    }
}

void allocate(const network& net, engine_buffers& b) {
    std::size_t max_n = 0;
    for (const auto& pop : net.populations) {
        max_n = std::max<std::size_t>(max_n, input_size(*pop));
    }
    b.zeros.assign(max_n, 0.0);
    for (std::size_t p = 0; p < net.populations.size(); ++p) {
        auto& r = b.pops[p];
        const auto& pop = *net.populations[p];
        const std::size_t n = pop.size();
        const std::size_t n_in = input_size(pop);
        r.stride = line_stride<double>(n_in);
        if (pop.kind() == model_kind::spiking) {
            r.ring_ex.assign(r.n_slots * r.stride, 0.0);
            r.ring_in.assign(r.n_slots * r.stride, 0.0);
            const double tau = net.rate_filter_ms[p];
            r.rate_decay = std::exp(-net.dt / tau);
            r.rate_gain = 1000.0 / tau;  // [Hz]: each spike adds 1/tau (1/ms)
        }
        if (r.has_gather) {
            r.gather.assign(n_in, 0.0);
        }
        if (r.has_stimuli) {
            r.cont.assign(n_in, 0.0);
            r.cont_ptr = r.cont.data();
        } else {
            r.cont_ptr = r.has_gather ? r.gather.data() : b.zeros.data();
        }
        if (r.hist_len > 1) {
            r.hist.assign(r.hist_len * n, 0.0);
            std::copy_n(pop.output(), n, r.hist.begin());  // output at time 0 in slot 0
        }
    }
    for (std::size_t k = 0; k < net.spike_projections.size(); ++k) {
        const auto& sp = net.spike_projections[k];
        if (sp.rate_coupled) {
            auto& c = b.coupled[k];
            c.stride = b.pops[sp.target].stride;
            c.ring.assign(c.n_slots * c.stride, 0.0);
            c.sum.assign(input_size(*net.populations[sp.target]), 0.0);
        }
    }
}

}  // namespace

std::size_t engine_buffers::ring_bytes() const {
    std::size_t bytes = 0;
    for (const auto& r : pops) {
        bytes += (r.ring_ex.size() + r.ring_in.size() + r.hist.size()) * sizeof(double);
    }
    for (const auto& c : coupled) {
        bytes += c.ring.size() * sizeof(double);
    }
    return bytes;
}

engine_buffers make_population_buffers(const network& net) {
    engine_buffers b;
    b.pops.resize(net.populations.size());
    for (std::size_t p = 0; p < net.populations.size(); ++p) {
        b.pops[p].pop = net.populations[p].get();
    }
    size_inputs(net, b);
    size_outputs(net, b);
    allocate(net, b);
    return b;
}

}  // namespace neurotwin
