// SPDX-License-Identifier: BSD-3-Clause
#include "sim/run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <sched.h>
#include <sys/resource.h>
#include <thread>
#include <fmt/format.h>

#include "neurotwin_version.hpp"
#include "sim/errors.hpp"
#include "sim/io/h5_writer.hpp"
#include "sim/network.hpp"

namespace neurotwin {

namespace {

// Adapts the HDF5 writer to the engine's sink interface. Point neurons: one column per node,
// element id 0.
class h5_sink final : public output_sink {
public:
    explicit h5_sink(h5_writer& w) : w_(w) {}
    int add_spike_population(const std::string& population,
                             const std::vector<std::uint64_t>& recorded) override {
        return w_.add_spike_population(population, recorded);
    }
    void append_spikes(int handle, const double* times_ms, const std::uint64_t* ids,
                       std::size_t n) override {
        w_.append_spikes(handle, times_ms, ids, n);
        written_ += n;
    }
    int add_report(const std::string& population, const std::string& variable,
                   const std::string& units, const std::vector<std::uint64_t>& node_ids,
                   double t_start_ms, double step_ms,
                   const std::vector<std::uint32_t>& element_ids,
                   const std::vector<std::uint64_t>& index_pointers) override {
        if (!element_ids.empty()) {
            return w_.add_report(population, variable, units, node_ids, index_pointers,
                                 element_ids, t_start_ms, step_ms);
        }
        std::vector<std::uint64_t> ptr(node_ids.size() + 1);
        for (std::size_t i = 0; i < ptr.size(); ++i) {
            ptr[i] = i;
        }
        const std::vector<std::uint32_t> elements(node_ids.size(), 0);
        return w_.add_report(population, variable, units, node_ids, ptr, elements, t_start_ms,
                             step_ms);
    }
    void append_frames(int handle, const float* data, std::size_t frames) override {
        w_.append_frames(handle, data, frames);
    }

    std::uint64_t spikes_written() const { return written_; }

private:
    h5_writer& w_;
    std::uint64_t written_ = 0;  // spikes handed to the file
};

std::string iso_time_now() {
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// Compartmental populations: where compartment c (the element_ids of their reports) lies,
// as NEURON names it, sec(x): compartments/section (string) and compartments/x (its centre,
// (j + 0.5) / nseg of its section). Compartments are numbered section by section in
// morphology order, by ascending x (models/cable.cpp).
void write_compartments(h5_writer& w, const scenario_desc& desc, const population& pop,
                        const std::string& group) {
    if (pop.compartments() == 0) {
        return;
    }
    std::string morphology;
    for (const auto& pd : desc.populations) {
        if (pd.name == pop.name()) {
            morphology = pd.morphology;
        }
    }
    for (const auto& td : desc.twins) {
        if (td.name + ".biological" == pop.name()) {
            morphology = td.morphology;
        }
    }
    const auto* m = desc.find_morphology(morphology);
    if (m == nullptr) {
        return;
    }
    std::vector<std::string> section;
    std::vector<double> x;
    for (const auto& s : m->sections) {
        for (int j = 0; j < s.nseg; ++j) {
            section.push_back(s.name);
            x.push_back((j + 0.5) / s.nseg);
        }
    }
    if (section.size() == pop.compartments()) {
        w.write_strings(group + "/compartments/section", section);
        w.write_vector(group + "/compartments/x", x);
    }
}

void write_metadata(h5_writer& w, const scenario_desc& desc, const network& net, int threads,
                    const std::string& start_time) {
    w.write_attributes("/neurotwin",
                       {h5_attr::str("neurotwin_version", version_string),
                        h5_attr::str("git_revision", git_revision),
                        h5_attr::str("scenario_file", desc.file),
                        h5_attr::uinteger("seed", desc.simulation.seed),
                        h5_attr::integer("threads", threads),
                        h5_attr::real("dt_ms", net.dt),
                        h5_attr::real("duration_ms", desc.simulation.duration_ms),
                        h5_attr::str("start_time", start_time)});
    w.write_string("/neurotwin/scenario", desc.text);
    for (std::size_t p = 0; p < net.populations.size(); ++p) {
        const auto& pop = *net.populations[p];
        const auto group = "/neurotwin/populations/" + pop.name();
        w.write_attributes(group, {h5_attr::str("model", pop.info().name),
                                   h5_attr::str("kind", std::string(kind_name(pop.kind()))),
                                   h5_attr::uinteger("size", pop.size()),
                                   h5_attr::real("rate_filter_ms", net.rate_filter_ms[p])});
        for (const auto& [name, values] : net.params[p]) {
            const auto* info = pop.info().find_param(name);
            w.write_vector(group + "/params/" + name, values,
                           std::string(info != nullptr ? unit_symbol(info->dim) : ""));
        }
        for (const auto& [name, values] : net.list_params[p]) {
            const auto* info = pop.info().find_param(name);
            w.write_vector(group + "/param_lists/" + name, values,
                           std::string(info != nullptr ? unit_symbol(info->dim) : ""));
        }
        write_compartments(w, desc, pop, group);
    }
    for (const auto& tw : net.twins) {
        const auto group = "/neurotwin/twins/" + tw.name;
        w.write_attributes(group, {h5_attr::str("activation", tw.activation),
                                   h5_attr::str("biological", tw.biological_model),
                                   h5_attr::str("encoding", tw.encoding == twin_encoding::current ? "current" : "poisson"),
                                   h5_attr::uinteger("size", tw.size),
                                   h5_attr::uinteger("n_inputs", tw.n_inputs),
                                   h5_attr::real("current_scale_pA", tw.current_scale),
                                   h5_attr::str("inputs", tw.name + ".inputs"),
                                   h5_attr::str("artificial", tw.name + ".artificial"),
                                   h5_attr::str("biological_population",
                                                tw.name + ".biological")});
        w.write_vector(group + "/weights", tw.weights);
        w.write_vector(group + "/bias", tw.bias);
        w.write_vector(group + "/bias_scale", tw.bias_scale, "mV");
        w.write_vector(group + "/E_ref", tw.E_ref, "mV");
    }
}

// Largest value a value_spec can take (constants, arrays, ranges); `fallback` for draws
// without an upper bound.
double spec_max(const value_spec& v, double fallback) {
    switch (v.k) {
        case value_spec::kind::constant: return v.a;
        case value_spec::kind::uniform:
        case value_spec::kind::linspace: return std::max(v.a, v.b);
        case value_spec::kind::array:
            return v.values.empty() ? fallback
                                    : *std::max_element(v.values.begin(), v.values.end());
        default: return std::isfinite(v.hi) ? v.hi : fallback;
    }
}

// Smallest value a value_spec can take; `fallback` for draws without a lower bound.
double spec_min(const value_spec& v, double fallback) {
    switch (v.k) {
        case value_spec::kind::constant: return v.a;
        case value_spec::kind::uniform:
        case value_spec::kind::linspace: return std::min(v.a, v.b);
        case value_spec::kind::array:
            return v.values.empty() ? fallback
                                    : *std::min_element(v.values.begin(), v.values.end());
        default: return std::isfinite(v.lo) ? std::max(v.lo, fallback) : fallback;
    }
}

// "12,345"
std::string grouped(double x) {
    const auto digits = fmt::format("{:.0f}", x);
    std::string out;
    for (std::size_t k = 0; k < digits.size(); ++k) {
        if (k > 0 && (digits.size() - k) % 3 == 0) {
            out += ',';
        }
        out += digits[k];
    }
    return out;
}

}  // namespace

int available_cores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        return std::max(1, CPU_COUNT(&set));
    }
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

// 4 per core: the determinism tests run 3 threads on 2-core machines, and oversubscription
// by a few threads still finishes (the barrier sleeps when spinning does not pay); beyond
// that it only costs (--threads 100000 used 8 GB and failed). 1024 at most on any machine.
int max_threads(int cores) { return std::min(1024, 4 * std::max(1, cores)); }

// Cost figures [ns per neuron-step, one core] of each model, per RK4 substep or compartment
// where those set the cost, of a synaptic event and of a Poisson event: measured with
// `run --threads 1 --stats` on a loaded machine, about twice the idle figures (the
// measurements: docs/benchmarks.md, "Cost model of the default thread count"). Only their
// ratios and their size against per_sync_ns matter.
work_estimate estimate_work(const scenario_desc& desc) {
    const double dt = desc.simulation.dt_ms;
    // Spikes are not known before the run: a nominal rate of 10 Hz per source neuron.
    constexpr double nominal_rate_hz = 10.0;
    constexpr double event_ns = 5.0;      // one synaptic event delivered
    constexpr double poisson_ns = 20.0;   // one Poisson event or per-step count
    work_estimate w;
    std::map<std::string, double> neurons_by_model;
    std::map<std::string, index_t> sizes;
    std::map<std::string, bool> spiking;
    bool spikes_only = desc.twins.empty();  // else rate inputs: synchronised every step
    bool reads_rates = !desc.twins.empty();
    step_t min_delay = 64;                  // the engine's max_sync_interval
    const auto cell_ns = [&](const std::string& model, const std::string& integrator,
                             const std::map<std::string, value_spec>& params,
                             const std::string& morphology) {
        const auto substeps = [&](double h_max_default) {
            const auto it = params.find("h_max");
            const double h = it != params.end() && it->second.is_constant() && it->second.a > 0
                                 ? it->second.a
                                 : h_max_default;
            return std::max(1.0, std::ceil(dt / h));
        };
        if (model == "lif") {
            return 6.0;
        }
        if (model == "izhikevich") {
            return 200.0 * substeps(0.025);
        }
        if (model == "adex") {
            return 400.0 * substeps(0.025);
        }
        if (model == "hh" || model == "hh_traub") {
            // exponential Euler costs a fraction of dopri5 (docs/benchmarks.md, COBAHH)
            return integrator == "exp_euler" ? 150.0 : 1300.0;
        }
        if (model == "mc_cell") {
            double compartments = 0.0;
            if (const auto* m = desc.find_morphology(morphology)) {
                for (const auto& sec : m->sections) {
                    compartments += double(std::max(1, sec.nseg));
                }
            }
            return 9.0 * std::max(1.0, compartments);
        }
        return 1.0;  // artificial neurons and rate sources
    };
    const auto add_cells = [&](const std::string& model, index_t n, double each) {
        neurons_by_model[model] += double(n);
        w.populations.push_back({n, each});
    };
    for (const auto& p : desc.populations) {
        add_cells(p.model, p.size, cell_ns(p.model, p.integrator, p.params, p.morphology));
        sizes[p.name] = p.size;
        const auto* info = desc.registry().find(p.model);
        spiking[p.name] = info != nullptr && info->kind == model_kind::spiking;
    }
    for (const auto& t : desc.twins) {
        add_cells(t.biological, t.size,
                  cell_ns(t.biological, t.integrator, t.params, t.morphology));
        add_cells(t.activation, t.size, 1.0);
        add_cells("rate_source", t.size * index_t(t.inputs.size()), 1.0);
        if (t.encoding == twin_encoding::poisson) {
            for (const auto& in : t.inputs) {
                const double lambda = spec_max(in.rate, nominal_rate_hz) * dt * 1e-3;
                w.shared_ns += double(t.size) * poisson_ns * std::min(1.0, lambda);
            }
        }
    }
    for (const auto& st : desc.stimuli) {
        if (st.type != stimulus_type::poisson) {
            continue;
        }
        const auto it = st.params.find("rate");
        const double rate = it == st.params.end() ? 0.0 : spec_max(it->second, 0.0);
        const auto sz = sizes.find(st.target);
        const double n = sz != sizes.end() ? double(sz->second) : 1.0;
        w.shared_ns += n * poisson_ns * std::min(1.0, rate * dt * 1e-3);
    }
    double synapses = 0.0;
    for (const auto& pd : desc.projections) {
        const auto s_it = sizes.find(pd.source);
        const auto t_it = sizes.find(pd.target);
        const double ns_ = s_it != sizes.end() ? double(s_it->second) : 1.0;
        const double nt = t_it != sizes.end() ? double(t_it->second) : 1.0;
        double count = 0.0;
        switch (pd.rule) {
            case connection_rule::all_to_all: count = ns_ * nt; break;
            case connection_rule::one_to_one: count = nt; break;
            case connection_rule::fixed_probability: count = pd.p * ns_ * nt; break;
            case connection_rule::fixed_indegree: count = double(pd.k) * nt; break;
            case connection_rule::fixed_outdegree: count = double(pd.k) * ns_; break;
            case connection_rule::fixed_total_number: count = double(pd.n); break;
            // the file is not read before the choice: 100 connections per target neuron
            case connection_rule::from_file: count = 100.0 * nt; break;
        }
        synapses += count;
        const bool spiking_source = spiking.count(pd.source) > 0 && spiking[pd.source];
        const bool spiking_target = spiking.count(pd.target) > 0 && spiking[pd.target];
        if (spiking_source) {
            w.shared_ns += count * nominal_rate_hz * dt * 1e-3 * event_ns;
            spikes_only = spikes_only && spiking_target;
            // the shortest delay in steps (the default, and an edge file's, is one step)
            const double d = pd.has_delay ? spec_min(pd.delay, dt) : dt;
            min_delay = std::min<step_t>(min_delay, std::max<step_t>(1, step_t(d / dt + 1e-9)));
        } else {
            spikes_only = false;
            reads_rates = true;
            w.shared_ns += pd.encoding == projection_encoding::poisson
                               ? count * poisson_ns * std::min(1.0, nominal_rate_hz * dt * 1e-3)
                               : count * 1.0;  // a gathered rate input: a multiply-add per step
        }
    }
    w.steps_per_sync = spikes_only ? double(min_delay) : 1.0;
    // Inputs read from outputs of the last step add a barrier between input and update.
    w.syncs_per_step = reads_rates ? 2.0 : 1.0 / w.steps_per_sync;
    for (const auto& [model, n] : neurons_by_model) {
        w.what += fmt::format("{}{} {}", w.what.empty() ? "" : " + ", grouped(n), model);
    }
    if (w.what.empty()) {
        w.what = "no neurons";
    }
    if (synapses > 0) {
        w.what += fmt::format(", ~{} synapses", grouped(synapses));
    }
    return w;
}

double work_estimate::busiest_ns(int threads) const {
    double ns = shared_ns / double(std::max(1, threads));
    for (const auto& [n, each] : populations) {
        // the engine's split: ranges start on multiples of 8 neurons (sim/network.hpp)
        std::size_t largest = 0;
        for (int q = 0; q < threads; ++q) {
            largest = std::max(largest, split_point(n, threads, q + 1) - split_point(n, threads, q));
        }
        ns += double(largest) * each;
    }
    return ns;
}

// The default count: the most threads (at most one per core) of which the busiest still has
// `per_sync_ns` of estimated work between two synchronisations and which take at most 3/4 of
// one thread's time. Each synchronisation costs a barrier and a few cache lines from core to
// core, and far more when another program holds one of the cores: a thread that waits for one
// that is not running loses time slices of milliseconds (the measurements behind both:
// docs/benchmarks.md). At 10 us per thread and synchronisation (in the units above), CUBA
// 4k (one barrier per step, ~13 us per thread) gets 2 threads; the shipped examples in
// scenarios/ get 1 -- twins meet twice per step, and populations of fewer than 8 cells do not
// split -- except hh_fi_curve (81 hh cells, one barrier per 64 steps).
constexpr double per_sync_ns = 10000.0;
// ... and only when the threads save at least 50 ms over the whole run: below that nobody
// notices the gain, but a busy machine makes every synchronisation risk a time slice
// (scenarios/fi_curve.toml: 101 lif cells, 1 s, ~6 ms of work in all, gets 1 thread).
constexpr double min_gain_ns = 50e6;

thread_choice choose_threads(const scenario_desc& desc, int requested, bool from_command_line,
                             int cores) {
    cores = std::max(1, cores);
    thread_choice c;
    const int limit = max_threads(cores);
    if (requested > limit) {
        const auto why = fmt::format(
            "expected at most {} threads (4 per core, at most 1024; this process may use {} "
            "core{}), found {}",
            limit, cores, cores == 1 ? "" : "s", requested);
        if (from_command_line) {
            throw input_error(source_pos{}, "--threads: " + why);
        }
        throw input_error(desc.simulation.threads_where, "[simulation] threads: " + why);
    }
    if (requested > 0) {
        c.threads = requested;
        c.reason = fmt::format("as requested ({})", from_command_line ? "--threads"
                                                                      : "[simulation] threads");
        if (requested > cores) {
            c.warning = fmt::format(
                "{} threads on {} core{}: threads wait for each other's turn on a core, so the "
                "run is slower than on {} (the output is the same)",
                requested, cores, cores == 1 ? "" : "s", cores);
        }
        return c;
    }
    const auto w = estimate_work(desc);
    const double one = w.busiest_ns(1);
    c.threads = 1;
    for (int t = std::min(cores, 1024); t > 1; --t) {
        const double busiest = w.busiest_ns(t);
        const double gain_ns = (one - busiest) * double(desc.simulation.n_steps);
        if (busiest <= 0.75 * one && busiest / w.syncs_per_step >= per_sync_ns &&
            gain_ns >= min_gain_ns) {
            c.threads = t;
            break;
        }
    }
    const double per_sync = w.busiest_ns(c.threads) / w.syncs_per_step;
    const auto work = fmt::format("{}: ~{:.3g} us per step estimated, {}", w.what, one * 1e-3,
                                  w.syncs_per_step >= 1.0
                                      ? fmt::format("{:g} synchronisation{} per step",
                                                    w.syncs_per_step,
                                                    w.syncs_per_step == 1.0 ? "" : "s")
                                      : fmt::format("one synchronisation per {:g} steps",
                                                    w.steps_per_sync));
    if (c.threads == 1 && cores > 1) {
        c.reason = fmt::format("{}: too little to share (a thread needs {:.0f} us between "
                               "synchronisations, a gain of 1/4 and {:.0f} ms over the run)",
                               work, per_sync_ns * 1e-3, min_gain_ns * 1e-6);
    } else {
        c.reason = fmt::format("{}: ~{:.1f} us per thread between synchronisations, {} core{}",
                               work, per_sync * 1e-3, cores, cores == 1 ? "" : "s");
    }
    return c;
}

run_summary run_scenario(scenario_desc desc, const run_options& options) {
    // Fail before a possibly long network build when the output cannot be written.
    const auto dir = std::filesystem::path(options.output_path).parent_path();
    if (!dir.empty() && !std::filesystem::is_directory(dir)) {
        throw io_error(fmt::format("cannot write '{}': directory '{}' does not exist",
                                   options.output_path, dir.string()));
    }
    const auto t_build = std::chrono::steady_clock::now();
    if (options.seed) {
        desc.simulation.seed = *options.seed;
    }
    const auto choice = choose_threads(desc, options.threads.value_or(desc.simulation.threads),
                                       options.threads.has_value(), available_cores());
    if (!choice.warning.empty()) {
        fmt::print(stderr, "warning: {}\n", choice.warning);
    }
    const int threads = choice.threads;
    network net = build_network(desc, threads);  // throws input_error before any file is touched
    const double build_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_build).count();

    const auto start_time = iso_time_now();
    h5_writer writer(options.output_path);
    write_metadata(writer, desc, net, threads, start_time);
    if (!options.sweep_attributes.empty()) {
        writer.write_attributes("/neurotwin/sweep", options.sweep_attributes);
    }
    h5_sink sink(writer);

    run_control ctl;
    ctl.threads = threads;
    ctl.interrupt = options.interrupt;
    if (options.progress) {
        const auto total = net.n_steps;
        ctl.progress = [&options, total](step_t done, double wall) {
            options.progress(done, total, wall);
        };
    }
    const auto result = run_network(net, &sink, ctl);  // on throw, ~h5_writer removes the file

    run_summary s;
    s.simulated_ms = double(result.steps_done) * net.dt;
    s.wall_seconds = result.wall_seconds;
    s.build_seconds = build_s;
    s.spikes = sink.spikes_written();
    s.spikes_fired = result.total_spikes();
    s.completed = result.completed;
    s.threads = threads;
    s.threads_reason = choice.reason;
    s.synapses = net.synapse_count();
    s.spike_synapses = net.spike_synapse_count();
    s.spike_synapse_bytes = net.spike_synapse_bytes();
    s.spike_index_bytes = net.spike_index_bytes();
    s.events_delivered = result.events_delivered;
    s.sync_interval = result.sync_interval;
    s.ring_bytes = result.ring_bytes;
    for (const auto& pop : net.populations) {
        s.neurons += pop->size();
    }
    struct rusage usage {};
    if (getrusage(RUSAGE_SELF, &usage) == 0) {
        s.peak_rss_mb = double(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
    }
    writer.write_attributes("/neurotwin", {h5_attr::real("wall_time_s", result.wall_seconds),
                                           h5_attr::real("build_time_s", build_s),
                                           h5_attr::uinteger("spikes", s.spikes),
                                           h5_attr::uinteger("spikes_fired", s.spikes_fired)});
    writer.finish(result.completed, s.simulated_ms);
    s.output_path = writer.final_path();
    return s;
}

}  // namespace neurotwin
