// SPDX-License-Identifier: BSD-3-Clause
#include "sim/network.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <filesystem>
#include <fmt/format.h>
#include <limits>
#include <new>
#include <numbers>

#include "sim/io/edges.hpp"
#include "sim/memory.hpp"
#include "sim/random.hpp"
#include "sim/twin.hpp"
#include "sim/values.hpp"

namespace neurotwin {

using namespace detail;

namespace {

constexpr std::size_t npos = static_cast<std::size_t>(-1);

// The first exception thrown by any thread of an OpenMP region, rethrown after it: an
// exception may not leave a region (a failed allocation in one was std::terminate, SIGABRT).
class region_errors {
public:
    template <class F>
    void run(F&& f) noexcept {
        try {
            f();
        } catch (...) {
            #pragma omp critical(neurotwin_region_errors)
            {
                if (!first_) {
                    first_ = std::current_exception();
                }
            }
            failed_.store(true, std::memory_order_relaxed);
        }
    }
    bool failed() const { return failed_.load(std::memory_order_relaxed); }
    void rethrow() const {
        if (first_) {
            std::rethrow_exception(first_);
        }
    }

private:
    std::exception_ptr first_;
    std::atomic<bool> failed_{false};
};

// `per`: what the values are of ("neuron", "element" of a list parameter).
void check_range(const std::string& context, const param_info& p, const std::vector<double>& v,
                 const source_pos& where, diagnostics_list& diags, const char* per = "neuron") {
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (!p.valid.contains(v[i])) {
            diags.add(where, fmt::format("{}, parameter '{}': expected {}, found {} ({} {})",
                                         context, p.name, p.valid.describe(p.dim), v[i], per, i));
            return;
        }
    }
}

// A list parameter's value: the scenario's list (range-checked per element) or the default.
std::vector<double> list_value(const param_info& p, const std::map<std::string, value_spec>& given,
                               const std::string& context, diagnostics_list& diags) {
    const auto it = given.find(p.name);
    if (it == given.end()) {
        return p.default_list;
    }
    if (it->second.k != value_spec::kind::list) {
        throw internal_error(
            fmt::format("{}: list parameter '{}' given per neuron", context, p.name));
    }
    check_range(context, p, it->second.values, it->second.where, diags, "element");
    return it->second.values;
}

}  // namespace

namespace detail {

void expand_params(pop_plan& plan, const std::map<std::string, value_spec>& given,
                   const std::map<std::string, value_spec>& init, std::uint64_t seed,
                   const std::string& context, diagnostics_list& diags) {
    plan.init.name = plan.name;
    plan.init.size = plan.size;
    plan.init.seed = seed;
    plan.init.stream = stream_id(fmt::format("population/{}/model", plan.name));
    for (const auto& p : plan.info->params) {
        if (p.is_list) {
            plan.init.lists[p.name] = list_value(p, given, context, diags);
            continue;
        }
        const auto it = given.find(p.name);
        if (it == given.end()) {
            plan.init.params[p.name] = std::vector<double>(plan.size, p.default_value);
            continue;
        }
        auto col = expand(it->second, plan.size, seed,
                          stream_id(fmt::format("population/{}/param/{}", plan.name, p.name)));
        check_range(context, p, col, it->second.where, diags);
        plan.init.params[p.name] = std::move(col);
    }
    for (const auto& [var, spec] : init) {
        plan.init.init[var] = expand(
            spec, plan.size, seed, stream_id(fmt::format("population/{}/init/{}", plan.name, var)));
    }
    if (plan.info->check) {
        std::vector<double> values(plan.info->params.size());
        std::vector<rule_violation> out;
        for (index_t i = 0; i < plan.size && out.empty(); ++i) {
            for (std::size_t k = 0; k < values.size(); ++k) {
                const auto& p = plan.info->params[k];
                values[k] = p.is_list ? 0.0 : plan.init.params[p.name][i];
            }
            plan.info->check(param_lookup(plan.info->params, values, nullptr, &plan.init.lists),
                             out);
            for (const auto& v : out) {
                const auto it = given.find(v.param);
                const auto& where = it != given.end() ? it->second.where : plan.where;
                const auto list = plan.init.lists.find(v.param);
                diags.add(where,
                          list != plan.init.lists.end()
                              ? fmt::format("{}, parameter '{}': expected {}, found {}", context,
                                            v.param, v.expected, list_text(list->second))
                              : fmt::format("{}, parameter '{}': expected {}, found {} "
                                            "(neuron {})",
                                            context, v.param, v.expected,
                                            plan.init.params[v.param][i], i));
            }
        }
    }
}

}  // namespace detail

namespace {

// Orders edges source-major, targets ascending within a source (stable counting sort by
// source after a sort by target: O(E) plus the per-row order that the rules already give).
void to_source_major(std::vector<edge>& edges, index_t ns) {
    std::vector<std::uint64_t> start(std::size_t(ns) + 1, 0);
    for (const auto& e : edges) {
        ++start[e.source + 1];
    }
    for (std::size_t j = 0; j < ns; ++j) {
        start[j + 1] += start[j];
    }
    std::vector<edge> out(edges.size());
    for (const auto& e : edges) {
        out[start[e.source]++] = e;
    }
    edges.swap(out);
}

// Draws k distinct values from [0, m) (Floyd's algorithm), or k values with repetition, with
// `skip` (an index excluded from the range, or m for none) removed; draws come from counter
// block (row, d). `mark` is scratch of size >= m + 1, all zero on entry and on exit.
void draw_row(const counter_rng& rng, std::uint64_t row, std::uint64_t k, index_t m, index_t skip,
              bool distinct, std::vector<std::uint8_t>& mark, std::vector<std::uint32_t>& out) {
    out.clear();
    const index_t range = skip < m ? m - 1 : m;  // candidates after removing `skip`
    const auto pick = [&](std::uint64_t d, index_t below) {
        return static_cast<index_t>(std::min<double>(below - 1, std::floor(rng.uniform(row, d) * below)));
    };
    const auto unskip = [&](index_t v) { return skip < m && v >= skip ? v + 1 : v; };
    if (!distinct) {
        for (std::uint64_t d = 0; d < k; ++d) {
            out.push_back(unskip(pick(d, range)));
        }
    } else {
        // Floyd: for r = range - k .. range - 1, take t in [0, r]; if taken, take r instead.
        std::uint64_t d = 0;
        for (index_t r = static_cast<index_t>(range - k); r < range; ++r, ++d) {
            const index_t t = pick(d, r + 1);
            const index_t v = mark[t] ? r : t;
            mark[v] = 1;
            out.push_back(v);
        }
        for (auto& v : out) {
            mark[v] = 0;
            v = unskip(v);
        }
    }
    std::sort(out.begin(), out.end());
}

// Connections of a rule, source-major with targets ascending. Every random draw is keyed on
// what it decides (row, k) in a counter-based generator, and rows are generated in parallel
// into per-block lists concatenated in block order: the same seed gives the same network for
// any thread count.
std::vector<edge> connect(const projection_desc& pd, index_t ns, index_t nt, bool same_pop,
                          std::uint64_t seed, std::uint64_t stream, int threads) {
    const bool skip_self = same_pop && !pd.autapses;
    const counter_rng rng(seed, stream);
    // row-wise rules: rows are sources, or targets for fixed_indegree
    const bool by_target = pd.rule == connection_rule::fixed_indegree;
    const index_t rows = by_target ? nt : ns;
    const index_t cols = by_target ? ns : nt;
    if (pd.rule == connection_rule::fixed_total_number) {
        // n uniform pairs (block m: source from the first uniform, target from the second);
        // without multapses duplicates are dropped and redrawn with further blocks.
        std::vector<edge> edges;
        std::uint64_t next = 0;
        while (edges.size() < pd.n) {
            const std::uint64_t need = pd.n - edges.size();
            const std::size_t base = edges.size();
            edges.resize(base + need);
            #pragma omp parallel for num_threads(threads) schedule(static)
            for (std::int64_t q = 0; q < std::int64_t(need); ++q) {
                const auto u = rng.uniform2(next + std::uint64_t(q), 0);
                const auto j = static_cast<index_t>(std::min<double>(ns - 1, std::floor(u[0] * ns)));
                const index_t range = skip_self ? nt - 1 : nt;
                auto i = static_cast<index_t>(std::min<double>(range - 1, std::floor(u[1] * range)));
                if (skip_self && i >= j) {
                    ++i;
                }
                edges[base + std::size_t(q)] = {j, i};
            }
            next += need;
            // source-major by counting sort, then each row by target (in parallel): O(E)
            // plus small sorts instead of one sort of all E edges
            to_source_major(edges, ns);
            std::vector<std::uint64_t> start(std::size_t(ns) + 1, 0);
            for (const auto& e : edges) {
                ++start[e.source + 1];
            }
            for (std::size_t j = 0; j < ns; ++j) {
                start[j + 1] += start[j];
            }
            #pragma omp parallel for num_threads(threads) schedule(dynamic, 256)
            for (std::int64_t j = 0; j < std::int64_t(ns); ++j) {
                std::sort(edges.begin() + std::int64_t(start[std::size_t(j)]),
                          edges.begin() + std::int64_t(start[std::size_t(j) + 1]),
                          [](const edge& a, const edge& b) { return a.target < b.target; });
            }
            if (!pd.multapses) {
                edges.erase(std::unique(edges.begin(), edges.end(),
                                        [](const edge& a, const edge& b) {
                                            return a.source == b.source && a.target == b.target;
                                        }),
                            edges.end());
            }
        }
        return edges;
    }
    constexpr index_t block = 256;
    const std::size_t n_blocks = (std::size_t(rows) + block - 1) / block;
    std::vector<std::vector<edge>> parts(n_blocks);
    region_errors errors;
    #pragma omp parallel num_threads(threads)
    {
        std::vector<std::uint8_t> mark;
        std::vector<std::uint32_t> picked;
        errors.run([&] { mark.assign(std::size_t(cols) + 1, 0); });
        #pragma omp for schedule(dynamic)
        for (std::int64_t b = 0; b < std::int64_t(n_blocks); ++b) {
            if (errors.failed()) {
                continue;  // every thread still takes part in the loop
            }
            errors.run([&] {
                auto& out = parts[std::size_t(b)];
                const index_t r0 = static_cast<index_t>(b) * block;
                const index_t r1 = std::min(rows, r0 + block);
                for (index_t r = r0; r < r1; ++r) {
                    const index_t self = skip_self && r < cols ? r : cols;  // excluded column
                    const auto emit = [&](index_t c) {
                        out.push_back(by_target ? edge{c, r} : edge{r, c});
                    };
                    switch (pd.rule) {
                        case connection_rule::all_to_all:
                            for (index_t c = 0; c < cols; ++c) {
                                if (c != self) {
                                    emit(c);
                                }
                            }
                            break;
                        case connection_rule::one_to_one:
                            if (r < cols && r != self) {
                                emit(r);
                            }
                            break;
                        case connection_rule::fixed_probability: {
                            if (pd.p <= 0.0) {
                                break;
                            }
                            // gaps between successive connections are geometric: one draw per
                            // connection, not per pair
                            const double log_q = std::log1p(-pd.p);  // -inf for p == 1
                            double pos = -1.0;
                            for (std::uint64_t k = 0;; ++k) {
                                const double gap =
                                    pd.p >= 1.0 ? 0.0
                                                : std::floor(std::log(rng.uniform(r, k)) / log_q);
                                pos += 1.0 + gap;
                                if (pos >= cols) {
                                    break;
                                }
                                const auto c = static_cast<index_t>(pos);
                                if (c != self) {
                                    emit(c);
                                }
                            }
                            break;
                        }
                        case connection_rule::fixed_indegree:
                        case connection_rule::fixed_outdegree:
                            draw_row(rng, r, pd.k, cols, self, !pd.multapses, mark, picked);
                            for (const auto c : picked) {
                                emit(c);
                            }
                            break;
                        case connection_rule::fixed_total_number:
                        case connection_rule::from_file: break;
                    }
                }
            });
        }
    }
    errors.rethrow();
    std::size_t total = 0;
    for (const auto& p : parts) {
        total += p.size();
    }
    std::vector<edge> edges;
    edges.reserve(total);
    for (auto& p : parts) {
        edges.insert(edges.end(), p.begin(), p.end());
        std::vector<edge>().swap(p);
    }
    if (by_target) {
        to_source_major(edges, ns);  // rows were targets in ascending order
    }
    return edges;
}

// Value of a per-connection spec for the m-th connection of source j, to target i: random
// forms keyed on (j, m) - so multapses get independent draws -, linspace and arrays run over
// the target neuron.
double connection_value(const value_spec& spec, std::uint32_t j, std::uint64_t m, std::uint32_t i,
                        index_t nt, const counter_rng& rng) {
    switch (spec.k) {
        case value_spec::kind::uniform:
        case value_spec::kind::normal:
        case value_spec::kind::lognormal: return draw(spec, rng, (std::uint64_t(j) << 32) | m);
        default: return element(spec, i, nt, 0, 0);
    }
}

}  // namespace

double stimulus_rt::value(std::size_t k, step_t t, double dt) const {
    const double time = static_cast<double>(t) * dt;  // [ms], start of the step
    switch (type) {
        case stimulus_type::dc: return p0[k];
        case stimulus_type::ramp: {
            // linear from `from` at start to `to` at stop
            const double span = ramp_stop - double(start);
            const double frac = span > 0.0 ? double(t - start) / span : 0.0;
            return p0[k] + (p1[k] - p0[k]) * frac;
        }
        case stimulus_type::sine:
            // offset + amplitude sin(2 pi f t + phase), t in s (absolute time, as NEST's
            // ac_generator)
            return p3[k] + p0[k] * std::sin(2.0 * std::numbers::pi * p1[k] * time * 1e-3 + p2[k]);
        case stimulus_type::step: {
            const auto it = std::upper_bound(times.begin(), times.end(), t);
            if (it == times.begin()) {
                return 0.0;
            }
            return amplitudes[std::size_t(it - times.begin()) - 1];
        }
        case stimulus_type::poisson: return 0.0;
    }
    return 0.0;
}

double stimulus_rt::max_value(std::size_t k) const {
    switch (type) {
        case stimulus_type::dc: return p0[k];
        case stimulus_type::ramp: return std::max(p0[k], p1[k]);
        case stimulus_type::sine: return p3[k] + std::abs(p0[k]);
        case stimulus_type::step: {
            double m = 0.0;
            for (const double a : amplitudes) {
                m = std::max(m, a);
            }
            return m;
        }
        case stimulus_type::poisson: return 0.0;
    }
    return 0.0;
}

std::size_t network::find(const std::string& name) const {
    for (std::size_t k = 0; k < populations.size(); ++k) {
        if (populations[k]->name() == name) {
            return k;
        }
    }
    return npos;
}

std::uint64_t network::spike_synapse_count() const {
    std::uint64_t n = 0;
    for (const auto& p : spike_projections) {
        n += p.synapses.size();
    }
    return n;
}

std::size_t network::spike_synapse_bytes() const {
    std::size_t n = 0;
    for (const auto& p : spike_projections) {
        n += p.bytes();
    }
    return n;
}

std::size_t network::spike_index_bytes() const {
    std::size_t n = 0;
    for (const auto& p : spike_projections) {
        n += p.index_bytes();
    }
    return n;
}

std::uint64_t network::synapse_count() const {
    std::uint64_t n = 0;
    for (const auto& p : spike_projections) {
        n += p.synapses.size();
    }
    for (const auto& p : gather_projections) {
        n += p.synapses.size();
    }
    for (const auto& g : poisson_groups) {
        if (g.source != npos) {
            n += g.channel_target.size();
        }
    }
    return n;
}

namespace {

unsigned bit_width(std::uint64_t v) {
    unsigned b = 0;
    while (v > 0) {
        ++b;
        v >>= 1;
    }
    return b;
}

}  // namespace

// Builds the delivery structure of a spiking projection from source-major edges (targets
// ascending within a source). Each source row is split into `parts` sub-rows, one per
// thread's target range (the engine's split()), and each sub-row is ordered by (delay,
// target): a thread then walks only its own synapses, and each delay segment writes one ring
// slot in ascending target order (cache-friendly). The per-target order of additions is the
// same for any `parts` (stable sorts of a fixed order), so results do not depend on it.
spike_projection make_spike_projection(const projection_desc& pd, std::size_t src,
                                       std::size_t tgt, index_t ns, index_t nt,
                                       const std::vector<edge>& edges,
                                       const std::vector<double>& weights,
                                       const std::vector<step_t>& delays, int parts,
                                       int threads, index_t ports) {
    spike_projection p;
    p.source = src;
    p.target = tgt;
    p.parts = std::max(1, parts);
    const auto P = std::size_t(p.parts);
    p.max_delay = delays.empty() ? 1 : *std::max_element(delays.begin(), delays.end());
    p.min_delay = delays.empty() ? p.max_delay : *std::min_element(delays.begin(), delays.end());
    p.delay = delays.empty() ? 1 : delays.front();
    const bool uniform_delay =
        std::all_of(delays.begin(), delays.end(), [&](step_t d) { return d == p.delay; });
    if (!uniform_delay) {
        // pack (delay - 1) above the target index when both fit in 32 bits (8 bytes per
        // synapse), else keep 16-bit delays beside the synapses (10 bytes)
        const unsigned target_bits =
            std::max(1u, bit_width(std::uint64_t(nt) * ports - 1));
        const unsigned delay_bits = bit_width(std::uint64_t(p.max_delay - 1));
        if (target_bits + delay_bits <= 32) {
            p.delay_shift = target_bits;
            p.target_mask = target_bits >= 32 ? 0xffffffffu : (1u << target_bits) - 1u;
        } else if (p.max_delay > std::numeric_limits<std::uint16_t>::max()) {
            throw input_error(pd.where, fmt::format("projection '{}' -> '{}': delays above "
                                                    "65535 steps are not supported",
                                                    pd.source, pd.target));
        } else {
            p.delay_steps.resize(edges.size());
        }
    }
    // row starts (edges are source-major)
    std::vector<std::uint64_t> row(std::size_t(ns) + 1, 0);
    for (const auto& e : edges) {
        ++row[e.source + 1];
    }
    for (std::size_t j = 0; j < ns; ++j) {
        row[j + 1] += row[j];
    }
    std::vector<index_t> bound(P + 1);
    for (std::size_t q = 0; q <= P; ++q) {
        // the engine's split() of the neurons, in ports
        bound[q] = static_cast<index_t>(split_point(nt, int(P), int(q)) * ports);
    }
    // sub-row sizes, then offsets
    p.row_ptr.assign(std::size_t(ns) * P + 1, 0);
    #pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t jj = 0; jj < std::int64_t(ns); ++jj) {
        const auto j = std::size_t(jj);
        std::size_t q = 0;
        for (auto e = row[j]; e < row[j + 1]; ++e) {
            while (edges[e].target >= bound[q + 1]) {
                ++q;
            }
            ++p.row_ptr[j * P + q + 1];
        }
    }
    for (std::size_t k = 0; k < std::size_t(ns) * P; ++k) {
        p.row_ptr[k + 1] += p.row_ptr[k];
    }
    p.synapses.resize(edges.size());
    // counting sort by delay - min_delay: a long uniform delay needs 2 counters, not delay + 2
    region_errors errors;
    #pragma omp parallel num_threads(threads)
    {
        std::vector<std::uint64_t> count;
        errors.run([&] { count.resize(std::size_t(p.max_delay - p.min_delay) + 2); });
        #pragma omp for schedule(dynamic, 64)
        for (std::int64_t jj = 0; jj < std::int64_t(ns); ++jj) {
            if (errors.failed()) {
                continue;  // every thread still takes part in the loop
            }
            errors.run([&] {

                const auto j = std::size_t(jj);
                auto e = row[j];
                for (std::size_t q = 0; q < P; ++q) {
                    const auto first = p.row_ptr[j * P + q];
                    const auto last = p.row_ptr[j * P + q + 1];
                    // stable counting sort of this sub-row by delay
                    std::fill(count.begin(), count.end(), 0);
                    for (auto k = e; k < e + (last - first); ++k) {
                        ++count[std::size_t(delays[k] - p.min_delay) + 1];
                    }
                    for (std::size_t d = 1; d < count.size(); ++d) {
                        count[d] += count[d - 1];
                    }
                    for (auto k = e; k < e + (last - first); ++k) {
                        const auto d = delays[k];
                        const auto pos = first + count[std::size_t(d - p.min_delay)]++;
                        std::uint32_t field = edges[k].target;
                        if (p.delay_shift > 0) {
                            field |= std::uint32_t(d - 1) << p.delay_shift;
                        } else if (!p.delay_steps.empty()) {
                            p.delay_steps[pos] = static_cast<std::uint16_t>(d);
                        }
                        p.synapses[pos] = {field, static_cast<float>(weights[k])};
                    }
                    e += last - first;
                }
            });
        }
    }
    errors.rethrow();
    return p;
}

namespace {

// Everything build_network needs while it works.
struct builder {
    const scenario_desc& desc;
    int threads = 1;
    network net;
    std::vector<pop_plan> plans;
    diagnostics_list diags;

    builder(const scenario_desc& d, int n_threads) : desc(d), threads(std::max(1, n_threads)) {}

    std::size_t plan_index(const std::string& name) const {
        for (std::size_t k = 0; k < plans.size(); ++k) {
            if (plans[k].name == name) {
                return k;
            }
        }
        return npos;
    }

    const pop_plan& plan_of(const std::string& name, const source_pos& where) {
        const auto k = plan_index(name);
        if (k == npos) {
            throw input_error(where, fmt::format("unknown population '{}'", name));
        }
        return plans[k];
    }

    // Derived items (twins), lowered into plain ones: their projections and records are
    // added after the scenario's projections and before its records.
    std::vector<wired_projection> wired;
    std::vector<record_plan> derived_records;

    void plan_populations();
    void plan_twins();
    void make_populations();
    void add_stimuli();
    // `edge_ports`: input port of each edge's target (compartmental targets; nullptr = the
    // port of pd.site for every edge).
    void add_projection(const projection_desc& pd, std::size_t src, std::size_t tgt,
                        const std::vector<edge>& edges, const std::vector<double>& weights,
                        const std::vector<step_t>& delays,
                        const std::vector<index_t>* edge_ports = nullptr);
    void add_projections();
    void add_wired_projections();
    void add_records();
    // Upper bound of the output of a rate source's neuron j (Poisson thinning).
    double source_bound(std::size_t pop, std::uint32_t j) const;
};

}  // namespace

namespace detail {

void plan_cell(pop_plan& plan, const scenario_desc& desc, const std::string& morphology,
               const source_pos& where, std::vector<std::optional<location>> used) {
    for (const auto& sd : desc.stimuli) {
        if (sd.target == plan.name) {
            used.push_back(sd.site);
        }
    }
    for (const auto& prj : desc.projections) {
        if (prj.target == plan.name) {
            used.push_back(prj.site);
        }
    }
    const auto* m = desc.find_morphology(morphology);
    if (m == nullptr || m->sections.empty()) {
        throw input_error(where, fmt::format("population '{}': morphology '{}' is not usable",
                                             plan.name, morphology));
    }
    plan.init.morphology = m;
    plan.init.sites = {location{m->sections.front().name, 0.5, {}}};
    for (const auto& u : used) {
        if (u && std::find(plan.init.sites.begin(), plan.init.sites.end(), *u) ==
                     plan.init.sites.end()) {
            plan.init.sites.push_back(*u);
        }
    }
}

index_t port_of(const pop_plan& plan, const std::optional<location>& site) {
    if (!site) {
        return 0;
    }
    const auto& sites = plan.init.sites;
    const auto it = std::find(sites.begin(), sites.end(), *site);
    if (it == sites.end()) {
        throw internal_error(fmt::format("no input port for {}({}) on '{}'", site->section,
                                         site->x, plan.name));
    }
    return static_cast<index_t>(it - sites.begin());
}

std::string integrator_of(const model_info& m, const std::string& given) {
    if (m.integrators.empty()) {
        return "";
    }
    return given.empty() ? m.integrators.front().first : given;
}

}  // namespace detail

namespace {

void builder::plan_populations() {
    for (const auto& pd : desc.populations) {
        pop_plan plan;
        plan.name = pd.name;
        plan.info = desc.registry().find(pd.model);
        plan.size = pd.size;
        plan.rate_filter_ms = pd.rate_filter_ms;
        plan.where = pd.where;
        if (plan.info == nullptr) {
            throw input_error(pd.where, fmt::format("unknown model '{}'", pd.model));
        }
        expand_params(plan, pd.params, pd.init, desc.simulation.seed,
                      fmt::format("population '{}'", pd.name), diags);
        if (!plan.info->synapses.empty()) {
            plan.init.synapse = pd.synapse.value_or(plan.info->synapses.front());
        }
        plan.init.integrator = integrator_of(*plan.info, pd.integrator);
        if (plan.info->compartmental) {
            plan_cell(plan, desc, pd.morphology, pd.where, {});
        }
        plans.push_back(std::move(plan));
    }
}

void builder::plan_twins() {
    for (const auto& td : desc.twins) {
        auto t = lower_twin(td, desc, net.dt, diags);
        for (auto& p : t.populations) {
            plans.push_back(std::move(p));
        }
        for (auto& w : t.projections) {
            wired.push_back(std::move(w));
        }
        for (auto& r : t.records) {
            derived_records.push_back(std::move(r));
        }
        net.twins.push_back(std::move(t.info));
    }
}

void builder::make_populations() {
    for (auto& plan : plans) {
        auto pop = plan.info->create(plan.init);
        pop->prepare(net.dt);
        net.populations.push_back(std::move(pop));
        net.rate_filter_ms.push_back(plan.rate_filter_ms);
        net.params.emplace_back(plan.init.params.begin(), plan.init.params.end());
        net.list_params.emplace_back(plan.init.lists.begin(), plan.init.lists.end());
    }
}

void builder::add_stimuli() {
    const auto seed = desc.simulation.seed;
    for (std::size_t s = 0; s < desc.stimuli.size(); ++s) {
        const auto& sd = desc.stimuli[s];
        const auto tgt = net.find(sd.target);
        if (tgt == npos) {
            diags.add(sd.where, fmt::format("stimulus '{}': unknown population '{}'", sd.name,
                                            sd.target));
            continue;
        }
        const auto& pop = *net.populations[tgt];
        std::vector<std::uint32_t> neurons;
        if (sd.channel) {
            // one channel of every group of input channels (a twin's inputs)
            const index_t K = plans[tgt].channels;
            if (K == 0 || *sd.channel >= K) {
                diags.add(sd.where, fmt::format("stimulus '{}': channel {} does not exist", sd.name,
                                                *sd.channel));
                continue;
            }
            for (index_t i = 0; i < pop.size() / K; ++i) {
                neurons.push_back(static_cast<std::uint32_t>(i * K + *sd.channel));
            }
        } else {
            // compartmental targets: the input port of the stimulus' site on every neuron
            const index_t P = pop.ports();
            const index_t port = port_of(plans[tgt], sd.site);
            for (index_t i = 0; i < pop.size(); ++i) {
                neurons.push_back(i * P + port);
            }
        }
        const auto n = neurons.size();
        const auto col = [&](const char* key, double fallback) {
            const auto it = sd.params.find(key);
            if (it == sd.params.end()) {
                return std::vector<double>(n, fallback);
            }
            return expand(it->second, n, seed,
                          stream_id(fmt::format("stimulus/{}/{}", s, key)));
        };
        const step_t start = event_step(sd.start_ms, net.dt, net.n_steps);
        const step_t stop = event_step(sd.stop_ms, net.dt, net.n_steps);
        if (sd.type == stimulus_type::poisson) {
            if (pop.kind() != model_kind::spiking) {
                diags.add(sd.where, fmt::format("stimulus '{}': poisson input needs a spiking "
                                                "target, '{}' is {}",
                                                sd.name, sd.target, kind_name(pop.kind())));
                continue;
            }
            poisson_group g;
            g.name = fmt::format("stimulus/{}", s);
            g.target = tgt;
            g.channel_target = neurons;
            g.jump = col("weight", 0.0);
            g.rate_max = col("rate", 0.0);
            // random draws (normal, lognormal) are bounded only now; the loader checked the rest
            for (std::size_t k = 0; k < g.rate_max.size(); ++k) {
                if (g.rate_max[k] * net.dt * 1e-3 > max_poisson_events_per_step) {
                    diags.add(sd.where,
                              fmt::format("stimulus '{}': the rate of neuron {} is {:g} Hz; "
                                          "expected at most {:g} Hz ({:g} events per step of "
                                          "{:g} ms)",
                                          sd.name, g.channel_target[k], g.rate_max[k],
                                          max_poisson_events_per_step / (net.dt * 1e-3),
                                          max_poisson_events_per_step, net.dt));
                    break;
                }
            }
            g.start = start;
            g.stop = stop;
            net.poisson_groups.push_back(std::move(g));
            continue;
        }
        stimulus_rt st;
        st.type = sd.type;
        st.target = tgt;
        st.start = start;
        st.stop = stop;
        st.neurons = std::move(neurons);
        switch (sd.type) {
            case stimulus_type::dc: st.p0 = col("amplitude", 0.0); break;
            case stimulus_type::ramp:
                if (!std::isfinite(sd.stop_ms)) {
                    diags.add(sd.where, fmt::format("stimulus '{}': a ramp needs a finite 'stop'",
                                                    sd.name));
                    continue;
                }
                st.p0 = col("from", 0.0);
                st.p1 = col("to", 0.0);
                if (const auto s_stop = steps_of(sd.stop_ms, net.dt, step_rounding::at_or_after)) {
                    st.ramp_stop = double(*s_stop);  // == stop when the ramp ends within the run
                } else {
                    st.ramp_stop = sd.stop_ms / net.dt;  // beyond 2^53 steps: only its slope counts
                }
                break;
            case stimulus_type::sine:
                st.p0 = col("amplitude", 0.0);
                st.p1 = col("frequency", 0.0);
                st.p2 = col("phase", 0.0);
                st.p3 = col("offset", 0.0);
                break;
            case stimulus_type::step:
                for (const double t : sd.times) {
                    st.times.push_back(event_step(t, net.dt, net.n_steps));
                }
                st.amplitudes = sd.amplitudes;
                break;
            case stimulus_type::poisson: break;
        }
        net.stimuli.push_back(std::move(st));
    }
}

double builder::source_bound(std::size_t pop, std::uint32_t j) const {
    double bound = net.params[pop].at("rate")[j];
    for (const auto& st : net.stimuli) {
        if (st.target != pop) {
            continue;
        }
        const auto it = std::lower_bound(st.neurons.begin(), st.neurons.end(), j);
        if (it != st.neurons.end() && *it == j) {
            bound += std::max(0.0, st.max_value(std::size_t(it - st.neurons.begin())));
        }
    }
    return std::max(0.0, bound);
}

void builder::add_projection(const projection_desc& pd, std::size_t src, std::size_t tgt,
                             const std::vector<edge>& given_edges,
                             const std::vector<double>& weights, const std::vector<step_t>& delays,
                             const std::vector<index_t>* edge_ports) {
    const auto& sp = *net.populations[src];
    const auto& tp = *net.populations[tgt];
    // Compartmental targets receive at input ports: target field = neuron * ports + port.
    const index_t P = tp.ports();
    std::vector<edge> ported;
    if (P > 1) {
        const index_t port = port_of(plans[tgt], pd.site);
        ported = given_edges;
        for (std::size_t e = 0; e < ported.size(); ++e) {
            ported[e].target = ported[e].target * P + (edge_ports ? (*edge_ports)[e] : port);
        }
    }
    const auto& edges = P > 1 ? ported : given_edges;
    const step_t max_d = delays.empty() ? 1 : *std::max_element(delays.begin(), delays.end());
    if (sp.kind() == model_kind::spiking && tp.kind() == model_kind::spiking) {
        net.spike_projections.push_back(make_spike_projection(
            pd, src, tgt, sp.size(), tp.size(), edges, weights, delays, threads, threads, P));
        return;
    }
    if (sp.kind() == model_kind::spiking) {
        // A spiking source feeds a non-spiking target through its rate estimate
        // r <- r e^{-dt/tau} + (1000/tau) spike. All of a population's neurons share tau, so
        // y_i = sum_j w_ij r_j(t - d + 1) obeys y(t) = y(t - 1) e^{-dt/tau} + (1000/tau)
        // sum_{j spiking at t - d} w_ij: delivered per spike, not per synapse and step.
        const double tau = net.rate_filter_ms[src];
        std::vector<double> scaled(weights.size());
        for (std::size_t e = 0; e < weights.size(); ++e) {
            scaled[e] = weights[e] * 1000.0 / tau;
        }
        auto p = make_spike_projection(pd, src, tgt, sp.size(), tp.size(), edges, scaled, delays,
                                       threads, threads, P);
        p.rate_coupled = true;
        p.rate_decay = std::exp(-net.dt / tau);
        net.spike_projections.push_back(std::move(p));
        return;
    }
    // rate and Poisson connections keep 32-bit delays (a longer one would wrap and arrive
    // early)
    if (max_d > step_t(std::numeric_limits<std::uint32_t>::max())) {
        throw input_error(pd.where, fmt::format("projection '{}' -> '{}': delays above {} steps "
                                                "are not supported for rate or Poisson "
                                                "connections, found {} steps",
                                                pd.source, pd.target,
                                                std::numeric_limits<std::uint32_t>::max(), max_d));
    }
    if (pd.encoding == projection_encoding::poisson) {
        if (sp.kind() != model_kind::source) {
            throw input_error(pd.where, fmt::format("projection '{}' -> '{}': poisson encoding "
                                                    "needs a rate_source as source",
                                                    pd.source, pd.target));
        }
        poisson_group g;
        g.name = fmt::format("projection/{}->{}", pd.source, pd.target);
        g.target = tgt;
        g.source = src;
        g.start = 0;
        g.stop = net.n_steps;
        for (std::size_t e = 0; e < edges.size(); ++e) {
            g.channel_target.push_back(edges[e].target);
            g.channel_source.push_back(edges[e].source);
            g.channel_delay.push_back(static_cast<std::uint32_t>(delays[e]));
            g.jump.push_back(weights[e]);
            g.rate_max.push_back(source_bound(src, edges[e].source));
            // the source's largest rate, known only now: bounded as a stimulus's rate is
            if (g.rate_max.back() * net.dt * 1e-3 > max_poisson_events_per_step) {
                throw input_error(
                    pd.where,
                    fmt::format("projection '{}' -> '{}': poisson encoding: the rate of source "
                                "neuron {} reaches {:g} Hz; expected at most {:g} Hz ({:g} "
                                "events per step of {:g} ms)",
                                pd.source, pd.target, edges[e].source, g.rate_max.back(),
                                max_poisson_events_per_step / (net.dt * 1e-3),
                                max_poisson_events_per_step, net.dt));
            }
        }
        net.poisson_groups.push_back(std::move(g));
        return;
    }
    gather_projection p;
    p.source = src;
    p.target = tgt;
    p.max_delay = max_d;
    p.row_ptr.assign(std::size_t(tp.size()) * P + 1, 0);
    for (const auto& e : edges) {
        ++p.row_ptr[e.target + 1];
    }
    for (std::size_t i = 0; i < std::size_t(tp.size()) * P; ++i) {
        p.row_ptr[i + 1] += p.row_ptr[i];
    }
    p.synapses.resize(edges.size());
    std::vector<std::uint64_t> fill(p.row_ptr.begin(), p.row_ptr.end() - 1);
    // edges are source-major, so each target's row is filled in ascending source order
    for (std::size_t e = 0; e < edges.size(); ++e) {
        p.synapses[fill[edges[e].target]++] = {edges[e].source,
                                               static_cast<std::uint32_t>(delays[e]), weights[e]};
    }
    net.gather_projections.push_back(std::move(p));
}

void builder::add_projections() {
    const auto seed = desc.simulation.seed;
    const auto scenario_dir = std::filesystem::path(desc.file).parent_path();
    for (std::size_t k = 0; k < desc.projections.size(); ++k) {
        const auto& pd = desc.projections[k];
        const auto src = net.find(pd.source);
        const auto tgt = net.find(pd.target);
        if (src == npos || tgt == npos) {
            diags.add(pd.where, fmt::format("projection: unknown population '{}'",
                                            src == npos ? pd.source : pd.target));
            continue;
        }
        const auto ns = net.populations[src]->size();
        const auto nt = net.populations[tgt]->size();
        const auto ctx = fmt::format("projection '{}' -> '{}'", pd.source, pd.target);
        std::vector<edge> edges;
        std::vector<double> weights;
        std::vector<step_t> delays;
        if (pd.rule == connection_rule::from_file) {
            const auto path = (scenario_dir / pd.file).string();
            edge_list file;
            try {
                file = read_edges(path, pd.edge_population,
                                  edge_limits{ns, nt, pd.source, pd.target});
            } catch (const io_error& e) {
                throw input_error(pd.where, fmt::format("{}: {}", ctx, e.what()));
            }
            if (!pd.has_weight && file.weight.empty()) {
                throw input_error(pd.where, fmt::format("{}: the edge file '{}' has no weights; "
                                                        "give 'weight'",
                                                        ctx, pd.file));
            }
            // source-major, targets ascending, file order among equal pairs
            std::vector<std::size_t> order(file.source.size());
            for (std::size_t e = 0; e < order.size(); ++e) {
                order[e] = e;
                if (file.source[e] >= ns || file.target[e] >= nt) {
                    const bool bad_src = file.source[e] >= ns;
                    throw input_error(
                        pd.where,
                        fmt::format("{}: edge {} of '{}' has {} node id {}, but '{}' has {} "
                                    "neurons",
                                    ctx, e, pd.file, bad_src ? "source" : "target",
                                    bad_src ? file.source[e] : file.target[e],
                                    bad_src ? pd.source : pd.target, bad_src ? ns : nt));
                }
            }
            std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
                return file.source[a] != file.source[b] ? file.source[a] < file.source[b]
                                                        : file.target[a] < file.target[b];
            });
            edges.resize(order.size());
            weights.resize(order.size());
            delays.resize(order.size());
            const counter_rng wrng(seed, stream_id(fmt::format("projection/{}/weight", k)));
            const counter_rng drng(seed, stream_id(fmt::format("projection/{}/delay", k)));
            for (std::size_t e = 0; e < order.size(); ++e) {
                const auto o = order[e];
                const auto j = static_cast<std::uint32_t>(file.source[o]);
                const auto i = static_cast<std::uint32_t>(file.target[o]);
                edges[e] = {j, i};
                weights[e] = pd.has_weight ? connection_value(pd.weight, j, o, i, nt, wrng)
                                           : file.weight[o];
                const double d = pd.has_delay || file.delay_ms.empty()
                                     ? connection_value(pd.delay, j, o, i, nt, drng)
                                     : file.delay_ms[o];
                if (!(d >= net.dt * (1.0 - 1e-9))) {
                    throw input_error(pd.where, fmt::format("{}: edge {} of '{}' has delay {} ms, "
                                                            "shorter than dt {} ms",
                                                            ctx, o, pd.file, d, net.dt));
                }
                delays[e] = std::max<step_t>(
                    1, to_steps(d, net.dt, step_rounding::nearest,
                                fmt::format("{}: edge {} of '{}', delay", ctx, o, pd.file),
                                pd.where));
            }
        } else {
            edges = connect(pd, ns, nt, src == tgt, seed,
                            stream_id(fmt::format("projection/{}", k)), threads);
            const counter_rng wrng(seed, stream_id(fmt::format("projection/{}/weight", k)));
            const counter_rng drng(seed, stream_id(fmt::format("projection/{}/delay", k)));
            weights.resize(edges.size());
            delays.resize(edges.size());
            // row position m of each edge (edges are source-major)
            std::vector<std::uint64_t> row_start(std::size_t(ns) + 1, 0);
            for (const auto& e : edges) {
                ++row_start[e.source + 1];
            }
            for (std::size_t j = 0; j < ns; ++j) {
                row_start[j + 1] += row_start[j];
            }
            // a drawn delay beyond max_steps (a normal with a huge sd): the first, after the
            // loop (no exception may leave an OpenMP region)
            std::atomic<std::uint64_t> bad{std::numeric_limits<std::uint64_t>::max()};
            #pragma omp parallel for num_threads(threads) schedule(static)
            for (std::int64_t q = 0; q < std::int64_t(edges.size()); ++q) {
                const auto e = std::size_t(q);
                const auto j = edges[e].source;
                const auto m = e - row_start[j];
                weights[e] = connection_value(pd.weight, j, m, edges[e].target, nt, wrng);
                const double d = connection_value(pd.delay, j, m, edges[e].target, nt, drng);
                const auto steps = steps_of(d, net.dt, step_rounding::nearest);
                delays[e] = std::max<step_t>(1, steps.value_or(1));
                if (!steps) {
                    auto first = bad.load();
                    while (e < first && !bad.compare_exchange_weak(first, e)) {
                    }
                }
            }
            if (const auto e = bad.load(); e < edges.size()) {
                const auto j = edges[e].source;
                const auto d =
                    connection_value(pd.delay, j, e - row_start[j], edges[e].target, nt, drng);
                throw input_error(pd.where, steps_range_message(ctx + ", delay", d, net.dt));
            }
        }
        add_projection(pd, src, tgt, edges, weights, delays);
    }
}

void builder::add_wired_projections() {
    for (const auto& w : wired) {
        projection_desc pd;
        pd.source = w.source;
        pd.target = w.target;
        pd.encoding = w.encoding;
        add_projection(pd, net.find(w.source), net.find(w.target), w.edges, w.weights, w.delays,
                       w.ports.empty() ? nullptr : &w.ports);
    }
}

void builder::add_records() {
    auto add = [&](std::size_t pop, const std::string& var, const neuron_selection& sel,
                   step_t interval, std::vector<std::uint32_t> compartments = {}) {
        recorder_desc_rt r;
        r.population = pop;
        r.variable = var;
        r.compartments = std::move(compartments);
        r.interval = std::max<step_t>(1, interval);
        const auto n = net.populations[pop]->size();
        switch (sel.k) {
            case neuron_selection::kind::all:
                for (index_t i = 0; i < n; ++i) {
                    r.neurons.push_back(i);
                }
                break;
            case neuron_selection::kind::first:
                for (index_t i = 0; i < std::min(n, sel.first); ++i) {
                    r.neurons.push_back(i);
                }
                break;
            case neuron_selection::kind::list:
                for (const auto i : sel.ids) {
                    if (i < n) {
                        r.neurons.push_back(i);
                    }
                }
                std::sort(r.neurons.begin(), r.neurons.end());
                break;
        }
        // one recorder per (population, variable); a later entry replaces an earlier one
        for (auto& existing : net.records) {
            if (existing.population == pop && existing.variable == var) {
                existing = std::move(r);
                return;
            }
        }
        net.records.push_back(std::move(r));
    };
    for (const auto& r : derived_records) {
        add(net.find(r.population), r.variable, neuron_selection{}, r.interval);
    }
    for (const auto& rd : desc.records) {
        const auto pop = net.find(rd.population);
        if (pop == npos) {
            diags.add(rd.where, fmt::format("record: unknown population '{}'", rd.population));
            continue;
        }
        const auto interval =
            std::max<step_t>(1, to_steps(rd.interval_ms, net.dt, step_rounding::nearest,
                                         "record, interval", rd.where));
        if (rd.spikes) {
            // `neurons` selects the spiking neurons only in a spikes-only record (the way to
            // ask for a subset of spikes); beside variables it selects their traces, and the
            // spikes are those of the whole population.
            add(pop, "", rd.variables.empty() ? rd.neurons : neuron_selection{}, 1);
        }
        for (const auto& v : rd.variables) {
            if (net.populations[pop]->column(v) == nullptr) {
                diags.add(rd.where, fmt::format("record: population '{}' has no variable '{}'",
                                                rd.population, v));
                continue;
            }
            std::vector<std::uint32_t> comps;
            const auto& P = *net.populations[pop];
            if (rd.all_compartments) {
                for (std::uint32_t c = 0; c < P.compartments(); ++c) {
                    comps.push_back(c);
                }
            }
            for (const auto& loc : rd.compartments) {
                const auto c = P.compartment_at(loc);
                if (c < 0) {
                    diags.add(loc.where, fmt::format("record: '{}' has no compartment at {}({})",
                                                     rd.population, loc.section, loc.x));
                    continue;
                }
                comps.push_back(static_cast<std::uint32_t>(c));
            }
            std::sort(comps.begin(), comps.end());
            comps.erase(std::unique(comps.begin(), comps.end()), comps.end());
            add(pop, v, rd.neurons, interval, std::move(comps));
        }
    }
}

network build(const scenario_desc& desc, int threads) {
    builder b(desc, threads);
    b.net.dt = desc.simulation.dt_ms;
    b.net.n_steps = desc.simulation.n_steps;
    b.net.seed = desc.simulation.seed;
    b.plan_populations();
    b.plan_twins();
    b.diags.throw_if_any();
    b.make_populations();
    b.add_stimuli();
    b.add_projections();
    b.add_wired_projections();
    b.add_records();
    b.diags.throw_if_any();
    return std::move(b.net);
}

}  // namespace

network build_network(const scenario_desc& desc, int threads) {
    // Refuse what cannot fit before allocating any of it; an allocation that fails anyway
    // (the estimate is not exact, other programs take memory) is a clear error too.
    std::string source;
    const double available = available_memory(&source);
    const auto estimate = estimate_memory(desc);
    check_memory(estimate, available, source, desc.file);
    try {
        return build(desc, threads);
    } catch (const std::bad_alloc&) {
        throw input_error(source_pos{desc.file},
                          fmt::format("out of memory while building the network (estimated {}, "
                                      "{} available ({}))",
                                      format_bytes(estimate.total), format_bytes(available),
                                      source));
    }
}

}  // namespace neurotwin
