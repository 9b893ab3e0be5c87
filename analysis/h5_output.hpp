// SPDX-License-Identifier: BSD-3-Clause
// Writing HDF5 from the analysis side: the /analysis group of a run file and strict SONATA
// exports. hdf5.h stays in h5_output.cpp.
#pragma once

#include <string>
#include <vector>

#include "analysis/result.hpp"

namespace neurotwin::analysis {

// Replaces the /analysis group of an existing file with `result` (scalars -> attributes,
// arrays -> float64 datasets, children -> groups). Nothing else in the file is touched. The
// file is copied to <path>.tmp-analysis-<pid>, the copy is written and renamed over the file,
// so a failure (e.g. a full disk) leaves the file as it was (and needs the file's size free).
void write_analysis_group(const std::string& path, const result_node& result);

// `neurotwin export-sonata`: OUTDIR/spikes.h5 (every spike population, as in the run file)
// and OUTDIR/<variable>.h5 per recorded variable, with the data of each population at
// /report/<population>/data (strict SONATA: one variable per report file). Each file is
// written under a temporary name and renamed when complete. Returns the files written.
std::vector<std::string> export_sonata(const std::string& run_file, const std::string& out_dir);

}  // namespace neurotwin::analysis
