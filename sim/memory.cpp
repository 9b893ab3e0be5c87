// SPDX-License-Identifier: BSD-3-Clause
#include "sim/memory.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

#include "sim/model_api.hpp"
#include "sim/units.hpp"

namespace neurotwin {

namespace {

// Bytes per connection of the built network: the delivery structure (8 to 16: target,
// weight, delay) and its share of the row index.
constexpr double bytes_per_connection = 12.0;
// Bytes per connection while a projection is built (one at a time): the rule's edge list (8),
// its source-major copy (8), weights (8) and delays (8).
constexpr double build_bytes_per_connection = 32.0;

// What the estimate needs to know of each population (scenario and twin-derived names).
struct pop_info {
    double neurons = 0.0;
    double ports = 1.0;  // input ports per neuron (compartmental targets: up to compartments)
    double compartments = 1.0;
    bool spiking = true;
    source_pos where;
};

// Largest value a spec can take (normal/lognormal: the redraw bound, else mean + 4 sd).
double spec_max(const value_spec& s) {
    switch (s.k) {
        case value_spec::kind::constant: return s.a;
        case value_spec::kind::uniform: return s.b;
        case value_spec::kind::normal:
        case value_spec::kind::lognormal:
            return std::isfinite(s.hi) ? s.hi : std::abs(s.a) + 4.0 * std::abs(s.b);
        case value_spec::kind::linspace: return std::max(s.a, s.b);
        case value_spec::kind::array:
        case value_spec::kind::list:
            return s.values.empty() ? 0.0 : *std::max_element(s.values.begin(), s.values.end());
    }
    return s.a;
}

// Elements of the list parameters of model `m` (the scenario's lists, else the defaults).
double list_elements(const model_info* m, const std::map<std::string, value_spec>& given) {
    double n = 0.0;
    for (const auto& p : m != nullptr ? m->params : std::vector<param_info>{}) {
        if (p.is_list) {
            const auto it = given.find(p.name);
            n += double(it != given.end() ? it->second.values.size() : p.default_list.size());
        }
    }
    return n;
}

// Bytes per neuron of a model: its scalar parameter columns (the scenario's expansion, the
// model's copy, the copy kept for the output file: 3 x 8 bytes each), 8 bytes per element of
// its list parameters (`list_elements`: a kernel model's state and propagator per element),
// and per compartment its state columns (8 bytes each) and the engine's per-input arrays
// (input, gathered and stimulus currents, rate, spike flag and offset: 48 bytes).
double bytes_per_neuron(const model_info* m, double compartments, double list_elements = 0.0) {
    const double params =
        m != nullptr ? double(std::count_if(m->params.begin(), m->params.end(),
                                            [](const param_info& p) { return !p.is_list; }))
                     : 10.0;
    const double state = m != nullptr ? double(m->state.size()) : 10.0;
    return 24.0 * params + 8.0 * list_elements + (8.0 * state + 48.0) * compartments;
}

double compartments_of(const scenario_desc& desc, const std::string& morphology) {
    const auto* md = desc.find_morphology(morphology);
    if (md == nullptr) {
        return 1.0;
    }
    double n = 0.0;
    for (const auto& s : md->sections) {
        n += double(std::max(1, s.nseg));
    }
    return std::max(1.0, n);
}

std::string count_text(double n) {
    return n < 1e15 && n == std::floor(n) ? fmt::format("{:.0f}", n) : fmt::format("{:.3g}", n);
}

}  // namespace

const memory_part* memory_estimate::largest() const {
    const memory_part* best = nullptr;
    for (const auto& p : parts) {
        if (best == nullptr || p.bytes > best->bytes) {
            best = &p;
        }
    }
    return best;
}

memory_estimate estimate_memory(const scenario_desc& desc) {
    memory_estimate e;
    const double dt = desc.simulation.dt_ms;
    const double n_steps = std::max<double>(1.0, double(desc.simulation.n_steps));
    // steps of the longest delay of a spec, capped at the run length (the engine's rings
    // hold no more slots than the run has steps)
    const auto slots_of = [&](const value_spec& delay) {
        const auto steps_or_max =
            steps_of(std::max(0.0, spec_max(delay)), dt, step_rounding::nearest);
        const double steps = double(steps_or_max.value_or(max_steps));
        return std::clamp(steps, 1.0, n_steps);
    };
    const auto add = [&](std::string what, double bytes, const source_pos& where) {
        e.total += bytes;
        e.parts.push_back({std::move(what), bytes, where});
    };

    std::map<std::string, pop_info> pops;
    for (const auto& pd : desc.populations) {
        const auto* m = desc.registry().find(pd.model);
        pop_info p;
        p.neurons = double(pd.size);
        p.compartments = m != nullptr && m->compartmental ? compartments_of(desc, pd.morphology)
                                                          : 1.0;
        p.ports = p.compartments;
        p.spiking = m == nullptr || m->kind == model_kind::spiking;
        p.where = pd.where;
        pops[pd.name] = p;
        add(fmt::format("the {} neurons of population '{}'", count_text(p.neurons), pd.name),
            p.neurons * bytes_per_neuron(m, p.compartments, list_elements(m, pd.params)), pd.where);
    }
    for (const auto& td : desc.twins) {
        const auto* bio = desc.registry().find(td.biological);
        const auto* act = desc.registry().find(td.activation);
        const double n = double(td.size);
        const double K = double(td.inputs.size());
        const double comps =
            bio != nullptr && bio->compartmental ? compartments_of(desc, td.morphology) : 1.0;
        pops[td.name + ".inputs"] = {n * K, 1.0, 1.0, false, td.where};
        pops[td.name + ".artificial"] = {n, 1.0, 1.0, false, td.where};
        pops[td.name + ".biological"] = {n, comps, comps, true, td.where};
        const double bytes = n * K * bytes_per_neuron(desc.registry().find("rate_source"), 1.0) +
                             n * bytes_per_neuron(act, 1.0) +
                             n * bytes_per_neuron(bio, comps, list_elements(bio, td.params)) +
                             n * K * (bytes_per_connection + build_bytes_per_connection) * 2.0;
        add(fmt::format("the {} pairs of twin '{}'", count_text(n), td.name), bytes, td.where);
        // rings of the biological side: the twin's input delay is one step
        add(fmt::format("the input rings of twin '{}'", td.name), n * comps * 16.0, td.where);
    }

    // The projection with the most connections, whose build needs the most temporary memory.
    const projection_desc* building = nullptr;
    double building_n = 0.0;
    // Rings of spiking targets: one per target population, as long as its longest delay.
    std::map<std::string, std::pair<double, const projection_desc*>> ring_slots;
    for (const auto& pd : desc.projections) {
        const auto s = pops.find(pd.source);
        const auto t = pops.find(pd.target);
        if (s == pops.end() || t == pops.end()) {
            continue;  // reported by build_network
        }
        const double ns = s->second.neurons;
        const double nt = t->second.neurons;
        double n = 0.0;
        switch (pd.rule) {
            case connection_rule::all_to_all: n = ns * nt; break;
            case connection_rule::one_to_one: n = std::min(ns, nt); break;
            case connection_rule::fixed_probability: n = pd.p * ns * nt; break;
            case connection_rule::fixed_indegree: n = double(pd.k) * nt; break;
            case connection_rule::fixed_outdegree: n = double(pd.k) * ns; break;
            case connection_rule::fixed_total_number: n = double(pd.n); break;
            case connection_rule::from_file: n = 0.0; break;
        }
        const auto ctx = fmt::format("projection '{}' -> '{}'", pd.source, pd.target);
        if (n > 0.0) {
            add(fmt::format("the {} connections of {} ({} bytes each)", count_text(n), ctx,
                            bytes_per_connection),
                n * bytes_per_connection, pd.where);
            if (building == nullptr || n > building_n) {
                building = &pd;
                building_n = n;
            }
        }
        const double slots = slots_of(pd.delay);
        if (t->second.spiking && s->second.spiking) {
            auto& r = ring_slots[pd.target];
            if (r.second == nullptr || slots > r.first) {
                r = {slots, &pd};
            }
        } else if (s->second.spiking) {
            // rate-coupled: a ring of arriving spikes per projection
            add(fmt::format("the delay ring of {} ({} neurons x {} steps x 8 bytes)", ctx,
                            count_text(nt * t->second.ports), count_text(slots)),
                nt * t->second.ports * slots * 8.0, pd.where);
        } else {
            // the source's output history, as long as the delay
            add(fmt::format("the output history of '{}' for {} ({} neurons x {} steps x 8 "
                            "bytes)",
                            pd.source, ctx, count_text(ns), count_text(slots + 1.0)),
                ns * (slots + 1.0) * 8.0, pd.where);
        }
    }
    if (building != nullptr) {
        add(fmt::format("building projection '{}' -> '{}' ({} connections x {} bytes while it "
                        "is built)",
                        building->source, building->target, count_text(building_n),
                        build_bytes_per_connection),
            building_n * build_bytes_per_connection, building->where);
    }
    for (const auto& [target, r] : ring_slots) {
        const auto& t = pops[target];
        const double inputs = t.neurons * t.ports;
        add(fmt::format("the delay rings of projection '{}' -> '{}' ({} inputs of '{}' x {} "
                        "steps of its longest delay, capped at the run length, x 16 bytes)",
                        r.second->source, r.second->target, count_text(inputs), target,
                        count_text(r.first)),
            inputs * r.first * 16.0, r.second->where);
    }

    // Record buffers: whole ~1 MiB chunks of float32 frames per recorded variable.
    for (const auto& rd : desc.records) {
        const auto p = pops.find(rd.population);
        if (p == pops.end()) {
            continue;
        }
        double neurons = p->second.neurons;
        if (rd.neurons.k == neuron_selection::kind::first) {
            neurons = std::min(neurons, double(rd.neurons.first));
        } else if (rd.neurons.k == neuron_selection::kind::list) {
            neurons = std::min(neurons, double(rd.neurons.ids.size()));
        }
        const double comps = rd.all_compartments ? p->second.compartments
                             : rd.compartments.empty()
                                 ? 1.0
                                 : double(rd.compartments.size());
        const double cols = std::max(1.0, neurons * comps);
        const double interval =
            double(steps_of(rd.interval_ms, dt, step_rounding::nearest).value_or(1));
        const double frames = std::ceil(n_steps / std::max(1.0, interval));
        const double chunk = std::min(frames, std::max(1.0, std::floor(262144.0 / cols)));
        const double bytes = double(rd.variables.size()) * cols * chunk * 4.0;
        if (bytes > 0.0) {
            add(fmt::format("the record buffers of '{}'", rd.population), bytes, rd.where);
        }
    }
    return e;
}

double available_memory(std::string* source) {
    std::ifstream in("/proc/meminfo");
    std::string line;
    while (in && std::getline(in, line)) {
        if (line.rfind("MemAvailable:", 0) == 0) {
            std::istringstream ss(line.substr(13));
            double kb = 0.0;
            if (ss >> kb && kb > 0.0) {
                if (source != nullptr) {
                    *source = "MemAvailable in /proc/meminfo";
                }
                return kb * 1024.0;
            }
        }
    }
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) {
        if (source != nullptr) {
            *source = "the physical memory";
        }
        return double(pages) * double(page);
    }
    if (source != nullptr) {
        *source = "unknown";
    }
    return 0.0;
}

std::string format_bytes(double bytes) {
    static const char* const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    std::size_t u = 0;
    while (bytes >= 999.5 && u + 1 < std::size(units)) {
        bytes /= 1000.0;
        ++u;
    }
    return fmt::format("{:.3g} {}", bytes, units[u]);
}

void check_memory(const memory_estimate& e, double available, const std::string& source,
                  const std::string& file) {
    if (available <= 0.0 || e.total <= available) {
        return;
    }
    const auto* big = e.largest();
    throw input_error(big != nullptr && !big->where.file.empty() ? big->where : source_pos{file},
                      fmt::format("this scenario needs an estimated {} of memory, more than the "
                                  "{} available ({}); the largest part: {} for {}",
                                  format_bytes(e.total), format_bytes(available), source,
                                  format_bytes(big != nullptr ? big->bytes : 0.0),
                                  big != nullptr ? big->what : std::string("?")));
}

}  // namespace neurotwin
