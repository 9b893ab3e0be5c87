// SPDX-License-Identifier: BSD-3-Clause
#include "analysis/analyze.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <numeric>

#include "analysis/h5_reader.hpp"
#include "analysis/stats.hpp"
#include "analysis/summary.hpp"
#include "sim/errors.hpp"
#include "sim/io/sonata_names.hpp"

namespace neurotwin::analysis {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::string num_text(double v) {
    return std::isnan(v) ? "n/a" : fmt::format("{:g}", v);
}
constexpr std::size_t spike_block = std::size_t(1) << 20;
// Bounds on what per-neuron and per-bin arrays may hold (about 10 GB of analysis state at
// most): a damaged file that declares more is rejected instead of exhausting memory.
constexpr std::uint64_t max_neurons = std::uint64_t(1) << 27;
// Count windows also keep the series of up to 64 sampled neurons: 1e7 x 64 doubles = 5 GB.
constexpr double max_sync_bins = 1e8;
constexpr double max_count_windows = 1e7;

// Spike counts of every neuron in consecutive bins [t0 + k w, t0 + (k+1) w), k < n_bins
// (the partial bin at the end is left out), reduced on the fly to each neuron's sum and sum
// of squares. Needs each neuron's spikes in time order, which holds for files sorted by time
// or by id; O(neurons) memory. Optionally keeps the population total per bin and the full
// series of a few sampled neurons.
class binned_counts {
public:
    binned_counts(std::size_t n, double t0, double width, std::size_t n_bins, bool population,
                  const std::vector<std::size_t>& sampled)
        : t0_(t0),
          w_(width),
          n_bins_(n_bins),
          cur_bin_(n, -1),
          cur_(n, 0),
          sum_(n, 0.0),
          sumsq_(n, 0.0),
          sample_row_(n, -1) {
        if (population) {
            pop_.assign(n_bins, 0.0);
        }
        for (std::size_t k = 0; k < sampled.size(); ++k) {
            sample_row_[sampled[k]] = static_cast<long>(k);
        }
        series_.assign(sampled.size() * n_bins, 0.0);
    }
    void add(std::size_t i, double t) {
        const auto b = static_cast<long>(std::floor((t - t0_) / w_));
        if (b < 0 || b >= static_cast<long>(n_bins_)) {
            return;
        }
        if (b != cur_bin_[i]) {
            flush(i);
            cur_bin_[i] = b;
        }
        ++cur_[i];
        if (!pop_.empty()) {
            pop_[std::size_t(b)] += 1.0;
        }
        if (sample_row_[i] >= 0) {
            series_[std::size_t(sample_row_[i]) * n_bins_ + std::size_t(b)] += 1.0;
        }
    }
    void finish() {
        for (std::size_t i = 0; i < cur_.size(); ++i) {
            flush(i);
        }
    }
    double mean(std::size_t i) const { return sum_[i] / double(n_bins_); }
    double var(std::size_t i) const {
        const double m = mean(i);
        return std::max(0.0, sumsq_[i] / double(n_bins_) - m * m);
    }
    const std::vector<double>& population() const { return pop_; }
    std::span<const double> series(std::size_t row) const {
        return {series_.data() + row * n_bins_, n_bins_};
    }

private:
    void flush(std::size_t i) {
        const double c = cur_[i];
        sum_[i] += c;
        sumsq_[i] += c * c;
        cur_[i] = 0;
    }
    double t0_, w_;
    std::size_t n_bins_;
    std::vector<long> cur_bin_;
    std::vector<std::uint32_t> cur_;
    std::vector<double> sum_, sumsq_;
    std::vector<double> pop_;
    std::vector<long> sample_row_;
    std::vector<double> series_;
};

// The neurons whose spikes were recorded (ascending): the list the file holds (written with
// the spikes, from the network builder's resolution of the records); for a file written
// before that list existed, what options.recorded_in_old_files re-derives from the scenario
// the file stores; else all (another simulator's file).
std::vector<std::size_t> recorded_neurons(const h5_file& f, const std::string& pop, std::size_t n,
                                          const analyze_options& options) {
    if (const auto ids = f.recorded_spikes(pop)) {
        if (!ids->empty() && ids->back() >= n) {
            f.fail(recorded_spikes_path(pop),
                   fmt::format("node id {} is not below the population's {} neurons",
                               ids->back(), n));
        }
        return {ids->begin(), ids->end()};
    }
    if (options.recorded_in_old_files && f.exists("/neurotwin/scenario")) {
        const auto scenario = f.read_string("/neurotwin/scenario");
        if (auto ids = options.recorded_in_old_files(scenario, pop, n)) {
            return std::move(*ids);
        }
    }
    std::vector<std::size_t> all(n);
    std::iota(all.begin(), all.end(), 0);
    return all;
}

struct out_of_order {};  // a neuron's spikes are not in time order: sort and start again

std::string kind_of(const h5_file& f, const std::string& pop) {
    const auto g = "/neurotwin/populations/" + pop;
    return f.has_attr(g, "kind") ? f.attr_string(g, "kind") : "";
}
std::string model_of(const h5_file& f, const std::string& pop) {
    const auto g = "/neurotwin/populations/" + pop;
    return f.has_attr(g, "model") ? f.attr_string(g, "model") : "";
}

void set_distribution(result_node& n, const std::string& prefix, const std::vector<double>& v) {
    std::vector<double> finite;
    for (const double x : v) {
        if (std::isfinite(x)) {
            finite.push_back(x);
        }
    }
    n.set(prefix + "mean", finite.empty() ? nan : mean(finite));
    n.set(prefix + "sd", finite.empty() ? nan : std::sqrt(variance(finite)));
    n.set(prefix + "min", quantile(finite, 0.0));
    n.set(prefix + "p10", quantile(finite, 0.1));
    n.set(prefix + "median", quantile(finite, 0.5));
    n.set(prefix + "p90", quantile(finite, 0.9));
    n.set(prefix + "max", quantile(finite, 1.0));
}

// Rate against every per-neuron parameter that varies across the population.
void tuning(const h5_file& f, const std::string& pop, const std::vector<double>& all_rates,
            result_node& node) {
    const auto g = "/neurotwin/populations/" + pop + "/params";
    if (!f.exists(g)) {
        return;
    }
    result_node* tn = nullptr;
    for (const auto& name : f.list(g)) {
        const auto all_x = f.read_vector(g + "/" + name);
        if (all_x.size() != all_rates.size()) {
            continue;
        }
        std::vector<double> x, rate;  // neurons with recorded spikes only
        for (std::size_t i = 0; i < all_x.size(); ++i) {
            if (!std::isnan(all_rates[i])) {
                x.push_back(all_x[i]);
                rate.push_back(all_rates[i]);
            }
        }
        if (x.empty() ||
            std::all_of(x.begin(), x.end(), [&](double v) { return v == x.front(); })) {
            continue;
        }
        if (tn == nullptr) {
            tn = &node.child("tuning");
        }
        auto& t = tn->child(name);
        t.set("spearman", spearman(x, rate));
        t.set("pearson", pearson(x, rate));
        if (f.has_attr(g + "/" + name, sonata::units)) {
            t.set("units", f.attr_string(g + "/" + name, sonata::units));
        }
        // The curve: mean rate per distinct value, or over 20 equal bins when there are more.
        std::map<double, std::pair<double, double>> by_value;  // value -> (sum, n)
        for (std::size_t i = 0; i < x.size(); ++i) {
            by_value[x[i]].first += rate[i];
            by_value[x[i]].second += 1.0;
        }
        std::vector<double> xs, rs, ns;
        if (by_value.size() <= 50) {
            for (const auto& [v, s] : by_value) {
                xs.push_back(v);
                rs.push_back(s.first / s.second);
                ns.push_back(s.second);
            }
        } else {
            const double lo = by_value.begin()->first;
            const double hi = by_value.rbegin()->first;
            std::vector<double> sum(20, 0.0), cnt(20, 0.0);
            for (std::size_t i = 0; i < x.size(); ++i) {
                const auto b = std::min<std::size_t>(19, std::size_t((x[i] - lo) / (hi - lo) * 20));
                sum[b] += rate[i];
                cnt[b] += 1.0;
            }
            for (std::size_t b = 0; b < 20; ++b) {
                if (cnt[b] > 0) {
                    xs.push_back(lo + (double(b) + 0.5) * (hi - lo) / 20.0);
                    rs.push_back(sum[b] / cnt[b]);
                    ns.push_back(cnt[b]);
                }
            }
        }
        t.set_array("value", std::move(xs));
        t.set_array("rate_hz", std::move(rs));
        t.set_array("neurons", std::move(ns));
    }
}

// Column c of a report block [frames x nc].
std::vector<double> column(const std::vector<float>& block, std::size_t frames, std::size_t nc,
                           std::size_t c, std::size_t skip) {
    std::vector<double> out;
    out.reserve(frames - skip);
    for (std::size_t fr = skip; fr < frames; ++fr) {
        out.push_back(block[fr * nc + c]);
    }
    return out;
}

void analyze_artificial(const h5_file& f, const std::string& pop, result_node& n) {
    const auto model = model_of(f, pop);
    const auto meta = f.read_report_mapping(pop, "activation");
    n.set("kind", kind_of(f, pop).empty() ? std::string("artificial") : kind_of(f, pop));
    if (!model.empty()) {
        n.set("model", model);
    }
    n.set("n_neurons", std::uint64_t(meta.columns));
    n.set("frames", std::uint64_t(meta.frames));
    const bool saturating = model == "sigmoid" || model == "tanh";
    double sum = 0.0, sumsq = 0.0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
    std::uint64_t zero = 0, saturated = 0, total = 0;
    std::vector<double> per_neuron(meta.columns, 0.0);
    std::vector<char> ever_on(meta.columns, 0);
    const std::size_t block_frames =
        std::max<std::size_t>(1, (std::size_t(1) << 22) / std::max<std::size_t>(1, meta.columns));
    for (std::size_t f0 = 0; f0 < meta.frames; f0 += block_frames) {
        const auto nf = std::min(block_frames, meta.frames - f0);
        const auto block = f.read_report_block(pop, "activation", f0, nf, 0, meta.columns);
        for (std::size_t k = 0; k < block.size(); ++k) {
            const double a = block[k];
            const auto c = k % meta.columns;
            sum += a;
            sumsq += a * a;
            lo = std::min(lo, a);
            hi = std::max(hi, a);
            per_neuron[c] += a;
            zero += a == 0.0;
            // Saturation: within 1 % of the range's ends (sigmoid 0..1, tanh -1..1).
            saturated += model == "sigmoid" ? (a < 0.01 || a > 0.99) : std::abs(a) > 0.99;
            ever_on[c] |= model == "tanh" ? std::abs(a) > 0.0 : a > 0.0;
        }
        total += block.size();
    }
    const double m = total > 0 ? sum / double(total) : nan;
    n.set("mean_activation", m);
    n.set("sd_activation",
          total > 0 ? std::sqrt(std::max(0.0, sumsq / double(total) - m * m)) : nan);
    n.set("min_activation", total > 0 ? lo : nan);
    n.set("max_activation", total > 0 ? hi : nan);
    n.set("fraction_zero", total > 0 ? double(zero) / double(total) : nan);
    if (saturating) {
        n.set("fraction_saturated", total > 0 ? double(saturated) / double(total) : nan);
    }
    n.set("fraction_active_neurons",
          meta.columns > 0
              ? double(std::count(ever_on.begin(), ever_on.end(), 1)) / double(meta.columns)
              : nan);
    for (auto& v : per_neuron) {
        v = meta.frames > 0 ? v / double(meta.frames) : nan;
    }
    n.set_array("mean_activation_per_neuron", std::move(per_neuron));
}

void analyze_twin(const h5_file& f, const std::string& twin,
                  const std::map<std::string, spike_stats>& spikes, result_node& n) {
    const auto g = "/neurotwin/twins/" + twin;
    const auto art = f.attr_string(g, "artificial");
    const auto bio = f.attr_string(g, "biological_population");
    const auto pairs = static_cast<std::size_t>(f.attr_u64(g, "size"));
    const auto activation = f.attr_string(g, "activation");
    n.set("activation", activation);
    n.set("biological", f.attr_string(g, "biological"));
    n.set("encoding", f.attr_string(g, "encoding"));
    n.set("pairs", std::uint64_t(pairs));
    const auto sit = spikes.find(bio);
    const bool have_traces = f.exists(sonata::report_group(art, "activation")) &&
                             f.exists(sonata::report_group(art, "preactivation")) &&
                             f.exists(sonata::report_group(bio, "rate"));
    if (!have_traces || sit == spikes.end()) {
        n.set("note", "twin not recorded (record = false): nothing to compare");
        return;
    }
    const auto& bs = sit->second;
    const auto ma = f.read_report_mapping(art, "activation");
    const auto mr = f.read_report_mapping(bio, "rate");
    if (ma.columns != pairs || mr.columns != pairs || ma.frames != mr.frames) {
        n.set("note", "twin traces do not cover every pair on one time axis");
        return;
    }
    // The rate estimate r(t) starts at 0 and needs a few filter time constants to settle:
    // leave 3 tau out of the time-series comparison (at most half of the frames).
    const auto pg = "/neurotwin/populations/" + bio;
    const double tau = f.has_attr(pg, "rate_filter_ms") ? f.attr_f64(pg, "rate_filter_ms") : 0.0;
    if (!(tau >= 0.0) || !std::isfinite(tau)) {
        f.fail(pg + "@rate_filter_ms",
               fmt::format("expected a non-negative, finite time (ms), found {}", tau));
    }
    // The reader guarantees a positive, finite step; the counts below are computed in double
    // and clamped to the frames before any conversion, so no ratio can overflow an integer.
    const double step = ma.time[2];
    const std::size_t frames = ma.frames;
    const std::size_t skip =
        static_cast<std::size_t>(std::min(double(frames / 2), std::ceil(3.0 * tau / step)));
    n.set("warmup_ms", double(skip) * step);
    n.set("frame_ms", step);
    // Cross-correlation costs frames x lags per pair: on at most 64 pairs (evenly spaced)
    // when all would cost more than ~2e8 operations; lags up to 500 ms.
    const long max_lag =
        static_cast<long>(std::min(std::floor(500.0 / step), double((frames - skip) / 4)));
    const double lag_cost = double(frames - skip) * double(2 * max_lag + 1);
    const std::size_t lag_every =
        lag_cost * double(pairs) > 2e8 ? std::max<std::size_t>(1, pairs / 64) : 1;
    n.set("max_lag_ms", double(max_lag) * step);

    std::vector<double> pr(pairs, nan), sp(pairs, nan), gain(pairs, nan), off(pairs, nan),
        r2(pairs, nan), rmse(pairs, nan), lag(pairs, nan), lagc(pairs, nan);
    std::vector<double> mean_a(pairs, nan), mean_z(pairs, nan);
    std::vector<double> lag_sum(std::size_t(2 * max_lag + 1), 0.0);
    const std::size_t block_cols =
        std::max<std::size_t>(1, (std::size_t(1) << 22) / std::max<std::size_t>(1, frames));
    for (std::size_t c0 = 0; c0 < pairs; c0 += block_cols) {
        const auto nc = std::min(block_cols, pairs - c0);
        const auto a_blk = f.read_report_block(art, "activation", 0, frames, c0, nc);
        const auto z_blk = f.read_report_block(art, "preactivation", 0, frames, c0, nc);
        const auto r_blk = f.read_report_block(bio, "rate", 0, frames, c0, nc);
        for (std::size_t c = 0; c < nc; ++c) {
            const auto p = static_cast<std::size_t>(ma.node_ids[c0 + c]);
            if (p >= pairs || ma.node_ids[c0 + c] != mr.node_ids[c0 + c]) {
                f.fail(sonata::mapping_path(sonata::report_group(art, "activation"),
                                            sonata::node_ids),
                       fmt::format("node id {} at index {} is not a pair of twin '{}' ({} "
                                   "pairs) or differs from {}",
                                   ma.node_ids[c0 + c], c0 + c, twin, pairs,
                                   sonata::mapping_path(sonata::report_group(bio, "rate"),
                                                        sonata::node_ids)));
            }
            const auto a = column(a_blk, frames, nc, c, 0);
            const auto z = column(z_blk, frames, nc, c, 0);
            mean_a[p] = mean(a);
            mean_z[p] = mean(z);
            const std::span<const double> as(a.data() + skip, a.size() - skip);
            const auto r = column(r_blk, frames, nc, c, skip);
            pr[p] = pearson(as, r);
            sp[p] = spearman(as, r);
            const auto fit = fit_affine(as, r);
            gain[p] = fit.gain;
            off[p] = fit.offset;
            r2[p] = fit.r2;
            rmse[p] = fit.rmse;
            if (p % lag_every == 0 && !std::isnan(pr[p])) {
                const auto l = best_lag(as, r, max_lag);
                lag[p] = double(l.lag) * step;
                lagc[p] = l.correlation;
            }
        }
    }
    auto& pp = n.child("per_pair");
    pp.set_array("pearson", pr);
    pp.set_array("spearman", sp);
    pp.set_array("gain", gain);
    pp.set_array("offset", off);
    pp.set_array("r2", r2);
    pp.set_array("rmse_hz", rmse);
    pp.set_array("lag_ms", lag);
    pp.set_array("lag_correlation", lagc);
    set_distribution(pp, "pearson_", pr);
    set_distribution(pp, "lag_ms_", lag);

    // Across pairs: time-averaged activation against the firing rate (spike count / window).
    const auto& rate = bs.rate_hz;
    auto& ac = n.child("across_pairs");
    std::vector<double> rate_p(pairs, nan);
    for (std::size_t i = 0; i < pairs && i < rate.size(); ++i) {
        rate_p[i] = rate[i];
    }
    ac.set("pearson", pearson(mean_a, rate_p));
    ac.set("spearman", spearman(mean_a, rate_p));
    const auto fit = fit_affine(mean_a, rate_p);
    ac.set("gain", fit.gain);
    ac.set("offset_hz", fit.offset);
    ac.set("r2", fit.r2);
    ac.set("rmse_hz", fit.rmse);

    // The agreement `summary` prints, from the same function: Spearman of the time-averaged
    // activation against the rate, or against the mean soma V_m when the biological side never
    // fires (then the rate-based numbers above are undefined). Over the whole run.
    const auto agreement = compare_twin(f, twin);
    auto& ag = n.child("agreement");
    ag.set("spearman", agreement.spearman);
    ag.set("response", agreement.response);

    // Tuning curve: pairs in order of mean pre-activation z.
    std::vector<std::size_t> order(pairs);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t x, std::size_t y) { return mean_z[x] < mean_z[y]; });
    std::vector<double> tz, ta, tr;
    for (const auto i : order) {
        tz.push_back(mean_z[i]);
        ta.push_back(mean_a[i]);
        tr.push_back(rate_p[i]);
    }
    // Biological onset: between the last pair below 1 Hz and the first at or above it that
    // is followed only by firing pairs (the first z from which on the cell fires).
    constexpr double on_hz = 1.0;
    std::size_t k = tr.size();
    while (k > 0 && tr[k - 1] >= on_hz) {
        --k;
    }
    double onset = nan;
    if (k == 0 && !tz.empty()) {
        onset = -std::numeric_limits<double>::infinity();  // every pair fires
    } else if (k < tz.size()) {
        onset = 0.5 * (tz[k - 1] + tz[k]);
    }
    auto& th = n.child("threshold");
    // Every built-in activation has its kink (relu, leaky_relu, perceptron) or its inflection
    // (sigmoid, tanh) at z = 0: that is the artificial threshold.
    th.set("artificial_z", 0.0);
    th.set("biological_z", onset);
    th.set("difference_z", onset);
    th.set("firing_rate_criterion_hz", on_hz);
    th.set("note", std::isinf(onset)   ? "every pair fires: the onset lies below the tested range"
                   : std::isnan(onset) ? "no pair fires: the onset lies above the tested range"
                                       : "midpoint between the last silent pair and the first "
                                         "of the pairs that all fire");
    auto& tc = n.child("tuning");
    tc.set_array("preactivation", std::move(tz));
    tc.set_array("activation", std::move(ta));
    tc.set_array("rate_hz", std::move(tr));
}

}  // namespace

std::vector<double> isi_edges_ms() {
    std::vector<double> e;
    for (int k = 0; k <= 120; ++k) {
        e.push_back(std::pow(10.0, -2.0 + double(k) / 20.0));
    }
    return e;
}

spike_stats compute_spike_stats(const h5_file& f, const std::string& population,
                                const analyze_options& options) {
    spike_stats s;
    s.population = population;
    const auto meta = "/neurotwin/populations/" + population;
    if (f.has_attr(meta, "size")) {
        const auto size = f.attr_u64(meta, "size");
        if (size > max_neurons) {
            f.fail(meta + "@size",
                   fmt::format("{} neurons are more than analyze handles ({})", size, max_neurons));
        }
        s.n_neurons = static_cast<std::size_t>(size);
        s.n_from_metadata = true;
    }
    std::optional<double> t_end;
    if (f.has_attr("/neurotwin", "t_reached_ms")) {
        t_end = f.attr_f64("/neurotwin", "t_reached_ms");
        if (!(*t_end >= 0.0) || !std::isfinite(*t_end)) {
            f.fail("/neurotwin@t_reached_ms",
                   fmt::format("expected a non-negative, finite time (ms), found {}", *t_end));
        }
    }
    // Not ours: one pass for the neuron count and the last spike.
    if (!s.n_from_metadata || (!options.window && !t_end)) {
        std::uint64_t max_id = 0;
        double t_max = 0.0;
        bool any = false;
        f.for_each_spike_block(population, spike_block, [&](auto ts, auto ids) {
            for (std::size_t i = 0; i < ts.size(); ++i) {
                max_id = std::max(max_id, ids[i]);
                t_max = std::max(t_max, ts[i]);
            }
            any = any || !ts.empty();
        });
        if (!s.n_from_metadata) {
            if (any && max_id >= max_neurons) {
                f.fail(sonata::spike_group(population) + "/" + sonata::node_ids,
                       fmt::format("node id {} implies more neurons than analyze handles ({}) "
                                   "in a file that does not declare the population's size",
                                   max_id, max_neurons));
            }
            s.n_neurons = any ? std::size_t(max_id + 1) : 0;
        }
        if (!t_end) {
            t_end = t_max;
        }
    }
    s.t0 = options.window ? options.window->first : 0.0;
    s.t1 = options.window ? options.window->second : *t_end;
    const std::size_t n = s.n_neurons;
    const double dur = s.t1 - s.t0;
    // Bin counts are bounded before they become integers (and arrays).
    const auto bins = [&](double width, const char* option, double max_bins) {
        const double k = std::max(0.0, std::floor(dur / width));
        if (!(k <= max_bins)) {
            throw input_error(source_pos{},
                              fmt::format("{}: a window of {} ms holds {:.3g} bins of {} ms "
                                          "({}); at most {:.0f} are supported",
                                          f.path(), dur, dur / width, width, option, max_bins));
        }
        return static_cast<std::size_t>(k);
    };
    const auto n_count = bins(options.count_window_ms, "--count-window", max_count_windows);
    const auto n_sync = bins(options.sync_bin_ms, "--sync-bin", max_sync_bins);
    const auto rec = recorded_neurons(f, population, n, options);
    s.recorded = rec.size();
    std::vector<std::size_t> sampled;
    const std::size_t ns = std::min(rec.size(), options.correlation_neurons);
    for (std::size_t k = 0; k < ns; ++k) {
        // evenly spaced over the recorded neurons
        sampled.push_back(rec[ns == 1 ? 0 : k * (rec.size() - 1) / (ns - 1)]);
    }
    const auto edges = isi_edges_ms();
    const double log_lo = std::log10(edges.front());

    // One pass over spikes given in blocks; throws out_of_order when a neuron goes back in
    // time (possible when the file's `sorting` is none or by_id).
    struct pass {
        std::vector<double> count, last, isi_n, isi_mean, isi_m2;
        std::vector<double> hist;
        binned_counts cw, sb;
        std::uint64_t spikes = 0;
    };
    const auto run = [&](const auto& source) {
        pass p{std::vector<double>(n, 0.0),
               std::vector<double>(n, nan),
               std::vector<double>(n, 0.0),
               std::vector<double>(n, 0.0),
               std::vector<double>(n, 0.0),
               std::vector<double>(edges.size() - 1, 0.0),
               binned_counts(n, s.t0, options.count_window_ms, n_count, false, sampled),
               binned_counts(n, s.t0, options.sync_bin_ms, n_sync, true, {}),
               0};
        source([&](std::span<const double> ts, std::span<const std::uint64_t> ids) {
            for (std::size_t k = 0; k < ts.size(); ++k) {
                const double t = ts[k];
                const auto i = static_cast<std::size_t>(ids[k]);
                if (i >= n || t < s.t0 || t >= s.t1) {
                    continue;
                }
                if (t < p.last[i]) {
                    throw out_of_order{};
                }
                ++p.spikes;
                p.count[i] += 1.0;
                if (!std::isnan(p.last[i])) {
                    // Welford's update of the neuron's ISI mean and squared deviations.
                    const double isi = t - p.last[i];
                    p.isi_n[i] += 1.0;
                    const double d = isi - p.isi_mean[i];
                    p.isi_mean[i] += d / p.isi_n[i];
                    p.isi_m2[i] += d * (isi - p.isi_mean[i]);
                    const double b = isi > 0 ? (std::log10(isi) - log_lo) * 20.0 : 0.0;
                    p.hist[std::size_t(std::clamp(b, 0.0, double(p.hist.size() - 1)))] += 1.0;
                }
                p.last[i] = t;
                p.cw.add(i, t);
                p.sb.add(i, t);
            }
        });
        p.cw.finish();
        p.sb.finish();
        return p;
    };
    const auto from_file = [&](const auto& fn) {
        f.for_each_spike_block(population, spike_block, fn);
    };
    // A declared order is checked by the reader (a violation is an error naming the dataset);
    // within a neuron, only by_time guarantees time order, so any other file may need sorting.
    std::optional<pass> result;
    try {
        result.emplace(run(from_file));
    } catch (const out_of_order&) {
    }
    if (!result) {
        // Unsorted file: all spikes in memory, ordered by time.
        auto all = f.read_spikes(population);
        std::vector<std::size_t> order(all.timestamps.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
            return all.timestamps[x] < all.timestamps[y];
        });
        std::vector<double> ts(order.size());
        std::vector<std::uint64_t> ids(order.size());
        for (std::size_t k = 0; k < order.size(); ++k) {
            ts[k] = all.timestamps[order[k]];
            ids[k] = all.node_ids[order[k]];
        }
        result.emplace(run([&](const auto& fn) { fn(ts, ids); }));
    }
    auto& p = *result;
    s.spikes = p.spikes;
    const double dur_s = dur / 1000.0;
    s.rate_hz.assign(n, nan);  // NaN: spikes not recorded
    s.cv_isi.assign(n, nan);
    s.fano.assign(n, nan);
    for (const auto i : rec) {
        s.rate_hz[i] = dur_s > 0 ? p.count[i] / dur_s : nan;
        if (p.isi_n[i] >= 2 && p.isi_mean[i] > 0) {
            s.cv_isi[i] = std::sqrt(p.isi_m2[i] / p.isi_n[i]) / p.isi_mean[i];
        }
        if (n_count >= 2 && p.cw.mean(i) > 0) {
            s.fano[i] = p.cw.var(i) / p.cw.mean(i);
        }
    }
    s.isi_hist = std::move(p.hist);
    // Golomb's chi on spike counts in sync bins.
    if (!rec.empty() && n_sync >= 2) {
        std::vector<double> pop = p.sb.population();
        for (auto& v : pop) {
            v /= double(rec.size());
        }
        double mean_var = 0.0;
        for (const auto i : rec) {
            mean_var += p.sb.var(i);
        }
        s.chi = golomb_chi(variance(pop), mean_var / double(rec.size()));
    } else {
        s.chi = nan;
    }
    // Pairwise spike-count correlation among the sampled neurons (pairs with a silent or
    // constant neuron have no correlation and are left out).
    std::vector<double> cs;
    if (n_count >= 2) {
        for (std::size_t a = 0; a < sampled.size(); ++a) {
            for (std::size_t b = a + 1; b < sampled.size(); ++b) {
                if (sampled[a] == sampled[b]) {
                    continue;
                }
                const double c = pearson(p.cw.series(a), p.cw.series(b));
                if (!std::isnan(c)) {
                    cs.push_back(c);
                }
            }
        }
    }
    s.corr_pairs = cs.size();
    s.corr_mean = cs.empty() ? nan : mean(cs);
    s.corr_sd = cs.empty() ? nan : std::sqrt(variance(cs));
    return s;
}

result_node analyze_file(const std::string& path, const analyze_options& options) {
    const h5_file f(path);
    result_node root;
    root.name = "analysis";
    root.set("file", path);
    const bool ours = f.exists("/neurotwin");
    if (ours && f.has_attr("/neurotwin", "scenario_file")) {
        root.set(
            "scenario",
            std::filesystem::path(f.attr_string("/neurotwin", "scenario_file")).stem().string());
        // The writer sets `completed` last, in finish(): 1 for a run that reached its end, 0
        // for one stopped by Ctrl-C. A file without it never went through finish() (a
        // temporary file of a run that was killed, renamed by hand).
        const bool has = f.has_attr("/neurotwin", "completed");
        const bool done = has && f.attr_u64("/neurotwin", "completed") != 0;
        root.set("completed", std::int64_t(done ? 1 : 0));
        if (!done) {
            const double t = f.has_attr("/neurotwin", "t_reached_ms")
                                 ? f.attr_f64("/neurotwin", "t_reached_ms")
                                 : nan;
            const double d = f.has_attr("/neurotwin", "duration_ms")
                                 ? f.attr_f64("/neurotwin", "duration_ms")
                                 : nan;
            root.set("note", has ? fmt::format("incomplete run (completed = 0, stopped at {} of "
                                               "{} ms): statistics cover the time reached",
                                               num_text(t), num_text(d))
                                 : std::string("incomplete file (no /neurotwin@completed: the "
                                               "run never finished writing it)"));
        }
    }
    root.set("count_window_ms", options.count_window_ms);
    root.set("sync_bin_ms", options.sync_bin_ms);
    if (options.count_window_ms <= 0 || options.sync_bin_ms <= 0) {
        throw input_error(source_pos{}, "analysis windows must be positive");
    }
    const auto wanted = [&](const std::string& pop) {
        const auto& want = options.populations;
        const auto dot = pop.rfind('.');  // "<twin>.artificial" is wanted with "<twin>"
        return want.empty() || std::find(want.begin(), want.end(), pop) != want.end() ||
               (dot != std::string::npos &&
                std::find(want.begin(), want.end(), pop.substr(0, dot)) != want.end());
    };
    auto spiking = f.spike_populations();
    std::vector<std::string> artificial;
    for (const auto& pop : f.report_populations()) {
        const auto vars = f.report_variables(pop);
        if (std::find(vars.begin(), vars.end(), "activation") != vars.end() &&
            kind_of(f, pop) != "spiking") {
            artificial.push_back(pop);
        }
    }
    const auto twins =
        f.exists("/neurotwin/twins") ? f.list("/neurotwin/twins") : std::vector<std::string>{};
    for (const auto& want : options.populations) {
        std::vector<std::string> all = spiking;
        all.insert(all.end(), artificial.begin(), artificial.end());
        all.insert(all.end(), twins.begin(), twins.end());  // a twin name selects its three
        if (std::find(all.begin(), all.end(), want) == all.end()) {
            const auto best = closest_match(want, all);
            throw input_error(
                source_pos{},
                fmt::format("{}: no population '{}' with spikes or activations, nor a twin of "
                            "that name{}",
                            path, want,
                            best.empty() ? "" : fmt::format("; did you mean '{}'?", best)));
        }
    }
    auto& pops = root.child("populations");
    std::map<std::string, spike_stats> stats;
    for (const auto& pop : spiking) {
        const bool twin_bio = pop.ends_with(".biological");
        if (!wanted(pop) && !twin_bio) {
            continue;
        }
        auto s = compute_spike_stats(f, pop, options);
        if (wanted(pop)) {
            auto& n = pops.child(pop);
            n.set("kind", "spiking");
            if (const auto m = model_of(f, pop); !m.empty()) {
                n.set("model", m);
            }
            n.set("n_neurons", std::uint64_t(s.n_neurons));
            n.set("n_neurons_from", s.n_from_metadata ? "metadata" : "max node id + 1");
            n.set("n_recorded", std::uint64_t(s.recorded));
            n.set("window_start_ms", s.t0);
            n.set("window_stop_ms", s.t1);
            n.set("spikes", s.spikes);
            set_distribution(n, "rate_hz_", s.rate_hz);
            n.set("fraction_active", s.recorded > 0
                                         ? double(std::count_if(s.rate_hz.begin(), s.rate_hz.end(),
                                                                [](double r) { return r > 0; })) /
                                               double(s.recorded)
                                         : nan);
            std::vector<double> cvs;
            for (const double c : s.cv_isi) {
                if (!std::isnan(c)) {
                    cvs.push_back(c);
                }
            }
            n.set("cv_isi_mean", cvs.empty() ? nan : mean(cvs));
            n.set("cv_isi_median", quantile(cvs, 0.5));
            n.set("cv_isi_neurons", std::uint64_t(cvs.size()));
            std::vector<double> fs;
            for (const double x : s.fano) {
                if (!std::isnan(x)) {
                    fs.push_back(x);
                }
            }
            n.set("fano_mean", fs.empty() ? nan : mean(fs));
            n.set("fano_neurons", std::uint64_t(fs.size()));
            n.set("synchrony_chi", s.chi);
            n.set("correlation_mean", s.corr_mean);
            n.set("correlation_sd", s.corr_sd);
            n.set("correlation_pairs", std::uint64_t(s.corr_pairs));
            n.set_array("rate_hz", s.rate_hz);
            n.set_array("cv_isi", s.cv_isi);
            n.set_array("fano", s.fano);
            n.set_array("isi_hist_counts", s.isi_hist);
            n.set_array("isi_hist_edges_ms", isi_edges_ms());
            if (ours) {
                tuning(f, pop, s.rate_hz, n);
            }
        }
        stats.emplace(pop, std::move(s));
    }
    for (const auto& pop : artificial) {
        if (wanted(pop)) {
            analyze_artificial(f, pop, pops.child(pop));
        }
    }
    if (f.exists("/neurotwin/twins")) {
        result_node* tw = nullptr;
        for (const auto& twin : f.list("/neurotwin/twins")) {
            const auto g = "/neurotwin/twins/" + twin;
            if (!options.populations.empty() && !wanted(twin) &&
                !wanted(f.attr_string(g, "artificial")) &&
                !wanted(f.attr_string(g, "biological_population"))) {
                continue;
            }
            if (tw == nullptr) {
                tw = &root.child("twins");
            }
            analyze_twin(f, twin, stats, tw->child(twin));
        }
    }
    return root;
}

namespace {
std::string num(double v) {
    return std::isnan(v) ? "n/a" : fmt::format("{:.4g}", v);
}
}  // namespace

std::string format_analysis(const result_node& r) {
    std::string out;
    const auto scalar_text = [&](const result_node& n, const std::string& key) {
        for (const auto& [k, v] : n.scalars) {
            if (k == key) {
                if (const auto* s = std::get_if<std::string>(&v)) {
                    return *s;
                }
            }
        }
        return std::string();
    };
    out += fmt::format("{}{}\n", scalar_text(r, "file"),
                       scalar_text(r, "scenario").empty()
                           ? ""
                           : fmt::format(" (scenario {})", scalar_text(r, "scenario")));
    if (const auto* pops = r.find("populations")) {
        for (const auto& p : pops->children) {
            if (scalar_text(p, "kind") == "spiking") {
                out += fmt::format(
                    "  {:<22} {:>7} neurons {:>9} spikes  rate {} Hz (median {}, active {:.0f} %)"
                    "  CV {}  Fano {}  chi {}  corr {}\n",
                    p.name, num(p.number("n_neurons")), num(p.number("spikes")),
                    num(p.number("rate_hz_mean")), num(p.number("rate_hz_median")),
                    100.0 * p.number("fraction_active"), num(p.number("cv_isi_mean")),
                    num(p.number("fano_mean")), num(p.number("synchrony_chi")),
                    num(p.number("correlation_mean")));
                if (const auto* t = p.find("tuning")) {
                    for (const auto& c : t->children) {
                        out += fmt::format("  {:<22} tuning to {}: Spearman {}\n", "", c.name,
                                           num(c.number("spearman")));
                    }
                }
            } else {
                out += fmt::format(
                    "  {:<22} {:>7} neurons {} activation mean {} sd {}  zero {:.1f} %{}\n", p.name,
                    num(p.number("n_neurons")), scalar_text(p, "model"),
                    num(p.number("mean_activation")), num(p.number("sd_activation")),
                    100.0 * p.number("fraction_zero"),
                    std::isnan(p.number("fraction_saturated"))
                        ? ""
                        : fmt::format("  saturated {:.1f} %",
                                      100.0 * p.number("fraction_saturated")));
            }
        }
    }
    if (const auto* tw = r.find("twins")) {
        for (const auto& t : tw->children) {
            const auto* ac = t.find("across_pairs");
            const auto* pp = t.find("per_pair");
            const auto* th = t.find("threshold");
            if (ac == nullptr || pp == nullptr || th == nullptr) {
                out += fmt::format("  twin {}: {}\n", t.name, scalar_text(t, "note"));
                continue;
            }
            if (const auto* ag = t.find("agreement")) {
                const auto response = scalar_text(*ag, "response");
                out +=
                    fmt::format("  twin {:<17} agreement: Spearman {} (activation vs {})\n", t.name,
                                num(ag->number("spearman")),
                                response == "V_m" ? "mean soma V_m: the cell never fires" : "rate");
            }
            out += fmt::format(
                "  {:<22} across pairs: Pearson {} Spearman {}  rate = {} a + {} Hz "
                "(R2 {}, RMSE {} Hz)\n",
                "", num(ac->number("pearson")), num(ac->number("spearman")),
                num(ac->number("gain")), num(ac->number("offset_hz")), num(ac->number("r2")),
                num(ac->number("rmse_hz")));
            out += fmt::format(
                "  {:<22} per pair: median Pearson {}  median lag {} ms  threshold z: "
                "biological {} vs artificial {}\n",
                "", num(pp->number("pearson_median")), num(pp->number("lag_ms_median")),
                num(th->number("biological_z")), num(th->number("artificial_z")));
        }
    }
    return out;
}

}  // namespace neurotwin::analysis
