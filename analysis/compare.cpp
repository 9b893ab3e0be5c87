// SPDX-License-Identifier: BSD-3-Clause
#include "analysis/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "analysis/analyze.hpp"
#include "analysis/h5_reader.hpp"
#include "analysis/stats.hpp"

namespace neurotwin::analysis {

namespace {

std::string num(double v) {
    return std::isnan(v) ? "n/a" : fmt::format("{:.6g}", v);
}

double finite_mean(const std::vector<double>& v) {
    std::vector<double> f;
    std::copy_if(v.begin(), v.end(), std::back_inserter(f),
                 [](double x) { return std::isfinite(x); });
    return f.empty() ? std::nan("") : mean(f);
}

// Kolmogorov-Smirnov distance between two histograms on the same bins (at the resolution of
// the bins): the largest gap between their cumulative distributions.
double ks_distance(const std::vector<double>& a, const std::vector<double>& b) {
    double na = 0.0, nb = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        na += a[i];
        nb += b[i];
    }
    if (na == 0.0 || nb == 0.0) {
        return std::nan("");
    }
    double ca = 0.0, cb = 0.0, d = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        ca += a[i] / na;
        cb += b[i] / nb;
        d = std::max(d, std::abs(ca - cb));
    }
    return d;
}

}  // namespace

comparison compare_files(const std::string& path_a, const std::string& path_b,
                         const analyze_options& options) {
    const h5_file a(path_a);
    const h5_file b(path_b);
    comparison c;
    const auto pa = a.spike_populations();
    const auto pb = b.spike_populations();
    std::set<std::string> all(pa.begin(), pa.end());
    all.insert(pb.begin(), pb.end());
    std::uint64_t total = 0;
    for (const auto& pop : all) {
        const bool in_a = std::find(pa.begin(), pa.end(), pop) != pa.end();
        const bool in_b = std::find(pb.begin(), pb.end(), pop) != pb.end();
        if (!in_a || !in_b) {
            c.identical = false;
            c.report += fmt::format("{}: only in {}\n", pop, in_a ? path_a : path_b);
            continue;
        }
        const std::size_t na = a.spike_count(pop);
        const std::size_t nb = b.spike_count(pop);
        constexpr std::size_t block = std::size_t(1) << 20;
        bool same = true;
        for (std::size_t first = 0; first < std::max(na, nb) && same; first += block) {
            const auto sa = a.read_spikes(pop, first, block);
            const auto sb = b.read_spikes(pop, first, block);
            const std::size_t common = std::min(sa.timestamps.size(), sb.timestamps.size());
            for (std::size_t k = 0; k < common; ++k) {
                if (sa.timestamps[k] != sb.timestamps[k] || sa.node_ids[k] != sb.node_ids[k]) {
                    c.report += fmt::format(
                        "{}: first difference at spike #{}: A has node {} at t = {} ms, B has "
                        "node {} at t = {} ms\n",
                        pop, first + k, sa.node_ids[k], num(sa.timestamps[k]), sb.node_ids[k],
                        num(sb.timestamps[k]));
                    same = false;
                    break;
                }
            }
            if (same && sa.timestamps.size() != sb.timestamps.size()) {
                const bool a_longer = sa.timestamps.size() > sb.timestamps.size();
                const auto& longer = a_longer ? sa : sb;
                c.report += fmt::format(
                    "{}: the first {} spikes agree; then {} has {} more, the first of them node "
                    "{} at t = {} ms\n",
                    pop, first + common, a_longer ? "A" : "B", a_longer ? na - nb : nb - na,
                    longer.node_ids[common], num(longer.timestamps[common]));
                same = false;
            }
        }
        total += na;
        if (same) {
            continue;
        }
        c.identical = false;
        const auto s_a = compute_spike_stats(a, pop, options);
        const auto s_b = compute_spike_stats(b, pop, options);
        const double ra = finite_mean(s_a.rate_hz), rb = finite_mean(s_b.rate_hz);
        const double ca = finite_mean(s_a.cv_isi), cb = finite_mean(s_b.cv_isi);
        c.report += fmt::format(
            "{}: spikes A {} B {}; mean rate A {} Hz B {} Hz (B - A = {} Hz); mean CV(ISI) A {} "
            "B {}; ISI distributions: KS distance {} (log bins, 20 per decade)\n",
            pop, na, nb, num(ra), num(rb), num(rb - ra), num(ca), num(cb),
            num(ks_distance(s_a.isi_hist, s_b.isi_hist)));
    }
    if (c.identical) {
        c.report = fmt::format("identical: {} spikes in {} population(s)\n", total, all.size());
    } else {
        c.report = "different:\n" + c.report;
    }
    return c;
}

}  // namespace neurotwin::analysis
