// SPDX-License-Identifier: BSD-3-Clause
// `neurotwin analyze OUTDIR/batch.json`: the runs of a batch (sweep points) side by side, one row
// per point with its swept values, the mean rate of each spiking population and each twin's
// agreement (the number `summary` prints). Reads batch.json with a small JSON reader of its own.
#pragma once

#include <string>
#include <vector>

#include "analysis/analyze.hpp"
#include "analysis/result.hpp"

namespace neurotwin::analysis {

// One successful run listed in a batch.json.
struct batch_run {
    std::string name;
    std::string output;  // resolved: as written, else next to batch.json (the folder moved)
    struct value {
        std::string key;
        std::string text;     // a string's text, else the JSON as written ("[...]" for lists)
        bool number = false;  // a JSON number (stored as a number in the table)
    };
    std::vector<value> sweep;
};

// The runs with status "ok" and an output. Throws input_error (file:line:column) for text that
// is not JSON or lacks `runs`, io_error for a file that cannot be read.
std::vector<batch_run> read_batch_json(const std::string& path);

// Analyses every run's file (analyze_file; `write` also stores /analysis in each) and returns
// the table: a child per run named after it, with the scalars `output`, `sweep.<key>` (the
// swept values), `rate_hz.<population>` (mean rate) and `agreement.<twin>` (Spearman) plus
// `agreement_vs.<twin>` ("rate" or "V_m").
result_node analyze_batch(const std::string& path, const analyze_options& options, bool write);

// The table as text: one row per run, one column per swept key, population and twin.
std::string format_batch_table(const result_node& table);

}  // namespace neurotwin::analysis
