// SPDX-License-Identifier: BSD-3-Clause
// The neurotwin command line. Exit codes: 0 ok, 1 some runs of a batch failed / compare found
// a difference, 2 bad input, 3 file/HDF5 error, 4 numerical fault during a run, 5 internal
// error (a bug), 130 interrupted by SIGINT, SIGTERM or SIGHUP (the output file is kept, marked
// completed = false).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <new>
#include <optional>
#include <set>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/analyze.hpp"
#include "analysis/batch_table.hpp"
#include "analysis/compare.hpp"
#include "analysis/h5_output.hpp"
#include "analysis/summary.hpp"
#include "app/batch.hpp"
#include "app/old_files.hpp"
#include "neurotwin_version.hpp"
#include "sim/errors.hpp"
#include "sim/memory.hpp"
#include "sim/model_api.hpp"
#include "sim/network.hpp"
#include "sim/run.hpp"
#include "sim/scenario/desc.hpp"
#include "sim/scenario/sweep.hpp"

extern char** environ;

namespace nt = neurotwin;

namespace {

std::atomic<bool> g_interrupt{false};
std::atomic<int> g_stop_signal{0};  // which signal set g_interrupt (batch forwards it)

extern "C" void on_stop_signal(int sig) {
    g_stop_signal.store(sig);
    g_interrupt.store(true);
}

// SIGINT (Ctrl-C), SIGTERM (kill, cluster schedulers) and SIGHUP (a closed terminal) all stop
// a run the same clean way: the engine sees the flag at its next check, and the file is kept,
// marked completed = 0. Without this, SIGTERM/SIGHUP would kill the process and leave the
// temporary file behind. SA_RESTART: slow system calls are resumed, not failed with EINTR.
// A signal ignored when neurotwin starts stays ignored: `nohup neurotwin run ...` must survive
// the terminal closing, and a shell script's background job does not get Ctrl-C.
void install_stop_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction old {};
        if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) {
            continue;
        }
        ::sigaction(sig, &sa, nullptr);
    }
}

// The model reference of README.md ("Models"), generated from the same descriptors the
// loader validates against; a test keeps the README in step with it.
void print_models_markdown() {
    for (const auto* m : nt::all_models()) {
        fmt::print("#### `{}` ({})\n\n{}\n\n", m->name, nt::kind_name(m->kind), m->summary);
        fmt::print("| parameter | unit | default | valid | meaning |\n|---|---|---|---|---|\n");
        for (const auto& p : m->params) {
            const auto unit = nt::unit_symbol(p.dim);
            fmt::print("| `{}` | {} | {} | {} | {} |\n", p.name,
                       unit.empty() ? "-" : std::string(unit), p.default_value,
                       p.valid.describe(p.dim), p.meaning);
        }
        std::string vars;
        for (const auto& st : m->state) {
            const auto unit = nt::unit_symbol(st.dim);
            vars += fmt::format("{}`{}`{}", vars.empty() ? "" : ", ", st.name,
                                unit.empty() ? "" : fmt::format(" ({})", unit));
        }
        fmt::print("\nRecordable: {}{}.\n\n", vars,
                   m->kind == nt::model_kind::spiking ? ", spikes" : "");
    }
}

void print_models() {
    for (const auto* m : nt::all_models()) {
        fmt::print("{} ({}): {}\n", m->name, nt::kind_name(m->kind), m->summary);
        for (const auto& p : m->params) {
            const auto unit = nt::unit_symbol(p.dim);
            fmt::print("    {:<12} {:>10} {:<7} {:<36} {}\n", p.name, p.default_value,
                       unit.empty() ? "-" : std::string(unit), p.valid.describe(p.dim), p.meaning);
        }
        std::string vars;
        for (const auto& s : m->state) {
            vars += (vars.empty() ? "" : ", ") + s.name +
                    (nt::unit_symbol(s.dim).empty() ? ""
                                                    : fmt::format(" [{}]", nt::unit_symbol(s.dim)));
        }
        fmt::print("    recordable: {}{}\n\n", vars,
                   m->kind == nt::model_kind::spiking ? ", spikes" : "");
    }
}

// `run --stats`: what the network costs and how fast it ran.
void print_stats(const nt::run_summary& s) {
    const double sim_s = s.simulated_ms * 1e-3;
    fmt::print("neurons              {}\n", s.neurons);
    const auto per = [&](std::size_t bytes) {
        return s.spike_synapses > 0 ? double(bytes) / double(s.spike_synapses) : 0.0;
    };
    fmt::print("synapses             {} ({} between spiking populations: {:.2f} bytes each, "
               "+{:.2f} for the row index)\n",
               s.synapses, s.spike_synapses, per(s.spike_synapse_bytes), per(s.spike_index_bytes));
    fmt::print("threads              {} ({})\n", s.threads, s.threads_reason);
    fmt::print("synchronised every   {} step{} (the shortest spike delay, up to 64, when only "
               "spikes connect neurons)\n",
               s.sync_interval, s.sync_interval == 1 ? "" : "s");
    fmt::print("delay rings          {:.3f} MB (spike delays and rate histories, at most the "
               "run's steps)\n",
               double(s.ring_bytes) / 1e6);
    fmt::print("build time           {:.3f} s\n", s.build_seconds);
    fmt::print("simulate time        {:.3f} s for {:.1f} ms (real-time factor {:.3g}: wall / "
               "simulated)\n",
               s.wall_seconds, s.simulated_ms, sim_s > 0 ? s.wall_seconds / sim_s : 0.0);
    fmt::print("spikes               {} fired ({:.3g} Hz per neuron), {} recorded\n",
               s.spikes_fired,
               s.neurons > 0 && sim_s > 0 ? double(s.spikes_fired) / double(s.neurons) / sim_s
                                          : 0.0,
               s.spikes);
    fmt::print("synaptic events      {} delivered ({:.3g} per second of wall time)\n",
               s.events_delivered,
               s.wall_seconds > 0 ? double(s.events_delivered) / s.wall_seconds : 0.0);
    fmt::print("peak memory          {:.1f} MB\n", s.peak_rss_mb);
}

// Progress bar on stderr: simulated time, ETA, running real-time factor.
void draw_progress(nt::step_t done, nt::step_t total, double wall, double dt) {
    if (wall < 1.0 || total <= 0) {
        return;
    }
    const double frac = double(done) / double(total);
    const int width = 30;
    const int filled = static_cast<int>(frac * width);
    const double eta = frac > 0 ? wall * (1.0 - frac) / frac : 0.0;
    // real-time factor as NEST reports it: wall time per simulated time (below 1 = faster)
    const double sim_s = double(done) * dt * 1e-3;
    const double rtf = sim_s > 0 ? wall / sim_s : 0.0;
    fmt::print(stderr, "\r[{}{}] {:.1f}/{:.1f} ms  ETA {:.1f} s  RTF {:.3g}   ",
               std::string(std::size_t(filled), '#'), std::string(std::size_t(width - filled), '.'),
               double(done) * dt, double(total) * dt, eta, rtf);
    std::fflush(stderr);
}

// The loader's warnings on stderr, "file:line:col: warning: ..." (`seen`: print each once).
void print_warnings(const nt::scenario_desc& desc, std::set<std::string>* seen = nullptr) {
    for (const auto& w : desc.warnings) {
        const auto line = nt::format_warning(w);
        if (seen == nullptr || seen->insert(line).second) {
            fmt::print(stderr, "{}\n", line);
        }
    }
}

// The scenario of `run`: the file itself, or one point of its [sweep] (--point), whose
// swept values become attributes of /neurotwin/sweep.
struct run_input {
    nt::scenario_desc desc;
    std::vector<nt::h5_attr> sweep;
    std::optional<nt::sweep_plan> plan;
    std::size_t point = 0;
};

run_input load_run_input(const std::string& file, const std::string& point) {
    run_input in;
    auto plan = nt::expand_sweep_file(file);
    if (!plan.is_sweep) {
        if (!point.empty()) {
            throw nt::input_error(nt::source_pos{}, fmt::format("--point {}: '{}' has no [sweep] "
                                                                "table", point, file));
        }
        in.desc = nt::load_scenario_file(file);
        return in;
    }
    if (point.empty()) {
        throw nt::input_error(
            plan.where,
            fmt::format("[sweep]: this scenario is a parameter sweep of {} runs; run them all "
                        "with 'neurotwin batch {} -o OUTDIR', or one with 'neurotwin run {} "
                        "--point NAME' (e.g. --point {})",
                        plan.points.size(), file, file, plan.points.front().name));
    }
    const auto it = std::find_if(plan.points.begin(), plan.points.end(),
                                 [&](const auto& p) { return p.name == point; });
    if (it == plan.points.end()) {
        std::vector<std::string> names;
        for (const auto& p : plan.points) {
            names.push_back(p.name);
        }
        const auto best = nt::closest_match(point, names);
        throw nt::input_error(plan.where,
                              fmt::format("--point: no sweep point '{}'{}", point,
                                          best.empty() ? fmt::format("; e.g. '{}'", names.front())
                                                       : fmt::format("; did you mean '{}'?", best)));
    }
    in.desc = nt::load_sweep_point(plan, *it);
    in.sweep.push_back(nt::h5_attr::str("point", it->name));
    in.sweep.push_back(nt::h5_attr::str("mode", plan.mode));
    for (const auto& v : it->values) {
        switch (v.t) {
            case nt::sweep_value::type::integer:
                in.sweep.push_back(nt::h5_attr::integer(v.key, static_cast<std::int64_t>(v.number)));
                break;
            case nt::sweep_value::type::real:
            case nt::sweep_value::type::boolean:
                in.sweep.push_back(nt::h5_attr::real(v.key, v.number));
                break;
            default: in.sweep.push_back(nt::h5_attr::str(v.key, v.text));
        }
    }
    in.point = static_cast<std::size_t>(it - plan.points.begin());
    in.plan = std::move(plan);
    return in;
}

// analysis/plot.py: --script, $NEUROTWIN_PLOT_SCRIPT, next to the executable (the build
// directory has a copy, made by CMake), then the source tree it was built from. There is no
// install rule, so no installed location is searched.
std::string find_plot_script(const std::string& given) {
    namespace fs = std::filesystem;
    if (!given.empty()) {
        return given;
    }
    if (const char* env = std::getenv("NEUROTWIN_PLOT_SCRIPT"); env != nullptr && *env != 0) {
        return env;
    }
    std::error_code ec;
    const auto exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
    std::vector<fs::path> candidates;
    if (!ec) {
        candidates.push_back(exe_dir / "analysis" / "plot.py");
    }
#ifdef NEUROTWIN_SOURCE_DIR
    candidates.push_back(fs::path(NEUROTWIN_SOURCE_DIR) / "analysis" / "plot.py");
#endif
    std::string tried;
    for (const auto& c : candidates) {
        if (fs::is_regular_file(c, ec)) {
            return c.string();
        }
        tried += (tried.empty() ? "" : ", ") + c.string();
    }
    throw nt::io_error("cannot find analysis/plot.py (looked in: " + tried +
                       "); give it with --script or NEUROTWIN_PLOT_SCRIPT");
}

int run_plot(const std::vector<std::string>& files, const std::string& out_dir,
             const std::string& script, const std::string& python) {
    std::vector<std::string> args{python, script, "-o", out_dir};
    args.insert(args.end(), files.begin(), files.end());
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
    if (rc != 0) {
        throw nt::io_error(fmt::format("cannot run '{}': {} (plots need python3 with h5py and "
                                       "matplotlib: apt-get install python3-h5py "
                                       "python3-matplotlib)",
                                       python, std::strerror(rc)));
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    fmt::print(stderr, "error: {} ended by signal {}\n", script, WTERMSIG(status));
    return nt::exit_internal;
}

// "a:b" (ms) for --window.
std::pair<double, double> parse_window(const std::string& w) {
    const auto colon = w.find(':');
    try {
        if (colon != std::string::npos) {
            std::size_t ea = 0, eb = 0;
            const double a = std::stod(w.substr(0, colon), &ea);
            const double b = std::stod(w.substr(colon + 1), &eb);
            if (ea == colon && eb == w.size() - colon - 1 && b > a) {
                return {a, b};
            }
        }
    } catch (const std::exception&) {
    }
    throw nt::input_error(nt::source_pos{},
                          fmt::format("--window: expected START:STOP in ms with START < STOP, "
                                      "found '{}'", w));
}

int report(const std::exception& e, int code, const char* prefix = "") {
    fmt::print(stderr, "{}{}\n", prefix, e.what());
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"neurotwin - artificial neurons and their biological twins, side by side"};
    app.set_version_flag("--version", std::string(nt::version_string) + " (" + nt::git_revision + ")");
    app.require_subcommand(1);

    auto* run = app.add_subcommand("run", "simulate a scenario and write an HDF5 file");
    std::string scenario;
    std::string output;
    int threads = -1;
    std::uint64_t seed = 0;
    bool quiet = false;
    run->add_option("scenario", scenario, "scenario file (TOML)")->required();
    run->add_option("-o,--output", output, "output file (default: <scenario stem>.h5)");
    run->add_option("--threads", threads, "threads (0 = chosen from the work; default: from scenario)")
        ->check(CLI::NonNegativeNumber);
    auto* seed_opt = run->add_option("--seed", seed, "random seed (default: from scenario)");
    run->add_flag("-q,--quiet", quiet, "no progress bar and no closing line");
    bool stats = false;
    run->add_flag("--stats", stats,
                  "print network and performance statistics (synapses, bytes per synapse, build "
                  "and simulate time, delivered events per second, peak memory) on stdout");
    std::string point;
    run->add_option("--point", point, "run one point of the scenario's [sweep] (by run name)");

    auto* validate = app.add_subcommand("validate", "parse and check a scenario, run nothing");
    std::string vscenario;
    validate->add_option("scenario", vscenario, "scenario file (TOML)")->required();

    auto* models = app.add_subcommand("models", "list every model with its parameters, units "
                                                "and defaults");
    bool markdown = false;
    models->add_flag("--markdown", markdown, "print the README's Markdown tables");

    auto* summary = app.add_subcommand("summary", "one line per output file: scenario, wall "
                                                  "time, spikes, twin agreement");
    std::vector<std::string> files;
    summary->add_option("files", files, "HDF5 outputs of neurotwin run")->required();

    auto* batch = app.add_subcommand("batch", "run every scenario (and sweep point) under the "
                                              "given files and folders");
    nt::batch_options bopt;
    batch->add_option("paths", bopt.paths, "scenario files and folders (searched recursively)")
        ->required();
    batch->add_option("-o,--output", bopt.out_dir, "output folder (created if missing)")
        ->required();
    auto* jobs_opt = batch->add_option("-j,--jobs", bopt.jobs,
                                       "runs at a time (default: cores / threads per job)")
                         ->check(CLI::PositiveNumber);
    batch->add_option("--threads-per-job", bopt.threads_per_job, "threads of each run (default 1)")
        ->check(CLI::PositiveNumber);
    batch->add_flag("--resume", bopt.resume,
                    "skip runs whose output is complete and made from the same scenario text");
    batch->add_flag("--fail-fast", bopt.fail_fast, "stop at the first failed run");

    auto* analyze = app.add_subcommand("analyze", "statistics of spiking, artificial and twin "
                                                  "populations; written to /analysis");
    std::vector<std::string> afiles;
    bool as_json = false;
    std::vector<std::string> apops;
    std::string window;
    nt::analysis::analyze_options aopt;
    aopt.recorded_in_old_files = nt::spikes_recorded_by_scenario;
    analyze->add_option("files", afiles, "HDF5 files (neurotwin outputs or SONATA spike files)")
        ->required();
    analyze->add_flag("--json", as_json, "print JSON on stdout instead of writing /analysis");
    analyze->add_option("--population", apops, "only this population (repeatable)");
    analyze->add_option("--window", window, "time window START:STOP in ms (default: the run)");
    analyze->add_option("--count-window", aopt.count_window_ms,
                        "spike-count window for Fano factor and correlations, ms (default 100)")
        ->check(CLI::PositiveNumber);
    analyze->add_option("--sync-bin", aopt.sync_bin_ms,
                        "bin of Golomb's synchrony chi, ms (default 5)")
        ->check(CLI::PositiveNumber);

    auto* exp = app.add_subcommand("export-sonata", "strict SONATA files: spikes.h5 and one "
                                                    "report file per variable");
    std::string erun, edir;
    exp->add_option("run", erun, "output of neurotwin run")->required();
    exp->add_option("outdir", edir, "folder for the SONATA files (created if missing)")
        ->required();

    auto* cmp = app.add_subcommand("compare", "are the spike trains of two files identical? "
                                              "(exit 0: identical, 1: different)");
    std::string ca, cb;
    cmp->add_option("a", ca, "first file")->required();
    cmp->add_option("b", cb, "second file")->required();

    auto* plot = app.add_subcommand("plot", "PNG figures of output files and batch.json "
                                            "(python3, h5py, matplotlib)");
    std::vector<std::string> pfiles;
    std::string pdir, pscript;
    plot->add_option("files", pfiles, "HDF5 outputs and/or a batch.json")->required();
    plot->add_option("-o,--output", pdir, "folder for the PNG files")->required();
    plot->add_option("--script", pscript, "plot script (default: analysis/plot.py, found "
                                          "next to the executable)");

    CLI11_PARSE(app, argc, argv);

    try {
        if (app.got_subcommand("models")) {
            if (markdown) {
                print_models_markdown();
            } else {
                print_models();
            }
            return nt::exit_ok;
        }
        if (app.got_subcommand("validate")) {
            const auto plan = nt::expand_sweep_file(vscenario);
            if (plan.is_sweep) {
                // Every point, with its problems at positions of the file.
                double most = 0.0;  // [bytes] the largest memory estimate of a point
                std::set<std::string> warned;  // a warning shared by the points, once
                for (const auto& p : plan.points) {
                    const auto d = nt::load_sweep_point(plan, p);
                    print_warnings(d, &warned);
                    try {
                        (void)nt::build_network(d);
                    } catch (const nt::input_error& e) {
                        throw nt::remap_sweep_error(e, plan, p);
                    }
                    most = std::max(most, nt::estimate_memory(d).total);
                }
                fmt::print("{}: ok (a {} sweep of {} runs: {} ... {}; estimated memory up to {} "
                           "per run)\n",
                           vscenario, plan.mode, plan.points.size(), plan.points.front().name,
                           plan.points.back().name, nt::format_bytes(most));
                return nt::exit_ok;
            }
            const auto desc = nt::load_scenario_file(vscenario);
            print_warnings(desc);
            (void)nt::build_network(desc);  // every check that needs the expanded network
            fmt::print("{}: ok ({} populations, {} twins, {} steps, estimated memory {})\n",
                       vscenario, desc.populations.size(), desc.twins.size(),
                       desc.simulation.n_steps, nt::format_bytes(nt::estimate_memory(desc).total));
            return nt::exit_ok;
        }
        if (app.got_subcommand("summary")) {
            nt::analysis::print_summary_table(files, std::cout);
            return nt::exit_ok;
        }
        if (app.got_subcommand("batch")) {
            bopt.jobs_given = jobs_opt->count() > 0;
            bopt.executable = "/proc/self/exe";
            bopt.interrupt = &g_interrupt;
            bopt.interrupt_signal = &g_stop_signal;
            install_stop_handlers();
            return nt::run_batch(bopt);
        }
        if (app.got_subcommand("analyze")) {
            if (!window.empty()) {
                aopt.window = parse_window(window);
            }
            aopt.populations = apops;
            if (as_json) {
                std::cout << (afiles.size() > 1 ? "[\n" : "");
            }
            for (std::size_t i = 0; i < afiles.size(); ++i) {
                if (afiles[i].ends_with(".json")) {
                    // A batch: every run analysed, one row per sweep point.
                    const auto t = nt::analysis::analyze_batch(afiles[i], aopt, !as_json);
                    if (as_json) {
                        nt::analysis::write_json(t, std::cout, afiles.size() > 1 ? 2 : 0);
                        std::cout << (i + 1 < afiles.size() ? ",\n" : "\n");
                    } else {
                        std::cout << afiles[i] << "\n" << nt::analysis::format_batch_table(t);
                    }
                    continue;
                }
                const auto r = nt::analysis::analyze_file(afiles[i], aopt);
                if (r.number("completed") == 0) {  // a run file that did not finish
                    fmt::print(stderr, "warning: {}: {}\n", afiles[i], r.text("note"));
                }
                if (as_json) {
                    nt::analysis::write_json(r, std::cout, afiles.size() > 1 ? 2 : 0);
                    std::cout << (i + 1 < afiles.size() ? ",\n" : "\n");
                } else {
                    nt::analysis::write_analysis_group(afiles[i], r);
                    std::cout << nt::analysis::format_analysis(r)
                              << fmt::format("  -> /analysis in {}\n", afiles[i]);
                }
            }
            if (as_json && afiles.size() > 1) {
                std::cout << "]\n";
            }
            return nt::exit_ok;
        }
        if (app.got_subcommand("export-sonata")) {
            for (const auto& f : nt::analysis::export_sonata(erun, edir)) {
                fmt::print("{}\n", f);
            }
            return nt::exit_ok;
        }
        if (app.got_subcommand("compare")) {
            const auto c = nt::analysis::compare_files(ca, cb, aopt);
            std::cout << c.report;
            return c.identical ? nt::exit_ok : 1;
        }
        if (app.got_subcommand("plot")) {
            const char* py = std::getenv("NEUROTWIN_PYTHON");
            return run_plot(pfiles, pdir, find_plot_script(pscript),
                            py != nullptr && *py != 0 ? py : "/usr/bin/python3");
        }
        // run
        auto input = load_run_input(scenario, point);
        auto desc = std::move(input.desc);
        print_warnings(desc);
        nt::run_options opt;
        opt.sweep_attributes = input.sweep;
        opt.output_path = output.empty()
                              ? std::filesystem::path(scenario).stem().string() + ".h5"
                              : output;
        if (threads >= 0) {
            opt.threads = threads;
        }
        if (seed_opt->count() > 0) {
            opt.seed = seed;
        }
        opt.interrupt = &g_interrupt;
        const bool show_progress = !quiet && isatty(STDERR_FILENO);
        const double dt = desc.simulation.dt_ms;
        bool drew = false;
        if (show_progress) {
            opt.progress = [dt, &drew](nt::step_t done, nt::step_t total, double wall) {
                draw_progress(done, total, wall, dt);
                drew = drew || wall >= 1.0;
            };
        }
        install_stop_handlers();
        const auto s = [&] {
            try {
                return nt::run_scenario(std::move(desc), opt);
            } catch (const nt::input_error& e) {
                if (input.plan) {  // build_network's problems at positions of the file
                    throw nt::remap_sweep_error(e, *input.plan, input.plan->points[input.point]);
                }
                throw;
            }
        }();
        if (drew) {
            fmt::print(stderr, "\r{}\r", std::string(79, ' '));
        }
        if (!quiet) {
            fmt::print(stderr,
                       "{}simulated {:.1f} ms in {:.3f} s (real-time factor {:.3g}: wall / "
                       "simulated), {} spikes recorded{}, {} threads -> {}\n",
                       s.completed ? "" : "interrupted: ", s.simulated_ms, s.wall_seconds,
                       s.simulated_ms > 0 ? s.wall_seconds / (s.simulated_ms * 1e-3) : 0.0,
                       s.spikes,
                       s.spikes_fired != s.spikes ? fmt::format(" (of {} fired)", s.spikes_fired)
                                                  : "",
                       s.threads, s.output_path);
        }
        if (stats) {
            print_stats(s);
        }
        return s.completed ? nt::exit_ok : nt::exit_interrupted;
    } catch (const nt::input_error& e) {
        return report(e, nt::exit_input);
    } catch (const nt::io_error& e) {
        return report(e, nt::exit_io, "error: ");
    } catch (const nt::runtime_fault& e) {
        return report(e, nt::exit_runtime, "error: numerical fault: ");
    } catch (const nt::internal_error& e) {
        return report(e, nt::exit_internal, "internal error (please report): ");
    } catch (const std::bad_alloc&) {
        // build_network turns its own failures into an input_error with the estimate; this
        // is one elsewhere (the engine's buffers, a reader): not a bug, and no file is left
        fmt::print(stderr, "error: out of memory\n");
        return nt::exit_input;
    } catch (const std::exception& e) {
        return report(e, nt::exit_internal, "internal error (please report): ");
    }
}
