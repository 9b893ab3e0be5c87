// SPDX-License-Identifier: BSD-3-Clause
#include "sim/run.hpp"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <sys/resource.h>
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
    int add_spike_population(const std::string& population) override {
        return w_.add_spike_population(population);
    }
    void append_spikes(int handle, const double* times_ms, const std::uint64_t* ids,
                       std::size_t n) override {
        w_.append_spikes(handle, times_ms, ids, n);
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

private:
    h5_writer& w_;
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
        write_compartments(w, desc, pop, group);
    }
    for (const auto& tw : net.twins) {
        const auto group = "/neurotwin/twins/" + tw.name;
        w.write_attributes(group, {h5_attr::str("activation", tw.activation),
                                   h5_attr::str("biological", tw.biological_model),
                                   h5_attr::str("encoding", tw.encoding),
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

}  // namespace

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
    const int threads = resolve_threads(options.threads.value_or(desc.simulation.threads));
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
    s.spikes = result.total_spikes();
    s.completed = result.completed;
    s.threads = threads;
    s.synapses = net.synapse_count();
    s.spike_synapses = net.spike_synapse_count();
    s.spike_synapse_bytes = net.spike_synapse_bytes();
    s.spike_index_bytes = net.spike_index_bytes();
    s.events_delivered = result.events_delivered;
    s.sync_interval = result.sync_interval;
    for (const auto& pop : net.populations) {
        s.neurons += pop->size();
    }
    struct rusage usage {};
    if (getrusage(RUSAGE_SELF, &usage) == 0) {
        s.peak_rss_mb = double(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
    }
    writer.write_attributes("/neurotwin", {h5_attr::real("wall_time_s", result.wall_seconds),
                                           h5_attr::real("build_time_s", build_s),
                                           h5_attr::uinteger("spikes", s.spikes)});
    writer.finish(result.completed, s.simulated_ms);
    s.output_path = writer.final_path();
    return s;
}

}  // namespace neurotwin
