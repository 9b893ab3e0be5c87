// SPDX-License-Identifier: BSD-3-Clause
// Explicit connectivity from files: SONATA edge files (HDF5) and CSV edge lists.
//
// SONATA (AllenInstitute/sonata, "Edges"): /edges/<population>/source_node_id and
// target_node_id (integer, 0-based, attribute `node_population` names the node population),
// optional edge group "0" holding `syn_weight` (or `weight`) and `delay` (ms). Datasets of the
// same names directly under the population are accepted too.
// CSV: a header naming the columns `source`, `target` and optionally `weight` and `delay`
// (ms), in any order; lines starting with '#' and blank lines are skipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace neurotwin {

struct edge_list {
    std::vector<std::uint64_t> source;
    std::vector<std::uint64_t> target;
    std::vector<double> weight;    // empty when the file has none
    std::vector<double> delay_ms;  // empty when the file has none
    std::string source_population; // SONATA node_population attributes ("" when absent)
    std::string target_population;
};

// What the edges may refer to: node ids must be below the sizes of the source and target
// populations (named in messages).
struct edge_limits {
    std::uint64_t sources = UINT64_MAX;
    std::uint64_t targets = UINT64_MAX;
    std::string source_name = "the source";
    std::string target_name = "the target";
};

// Throws io_error naming the file, the dataset and index or the line, and what was wrong:
// node ids that are not integers, negative or beyond `limits`, weights and delays that are
// not finite, datasets of different lengths, and (SONATA) datasets that declare more entries
// than the file can hold - checked before anything is allocated for them.
// `population` = "" takes the only population under /edges (an error when there are several).
edge_list read_sonata_edges(const std::string& path, const std::string& population,
                            const edge_limits& limits = {});
edge_list read_csv_edges(const std::string& path, const edge_limits& limits = {});
// Dispatch on the extension: .h5/.hdf5/.sonata -> SONATA, .csv -> CSV.
edge_list read_edges(const std::string& path, const std::string& population,
                     const edge_limits& limits = {});

// Writes a SONATA edge file (temporary name, then rename): used by tests and tools.
void write_sonata_edges(const std::string& path, const std::string& population,
                        const edge_list& edges);

}  // namespace neurotwin
