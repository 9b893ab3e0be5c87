// SPDX-License-Identifier: BSD-3-Clause
// Reads the output files written by sim/io/h5_writer (SONATA spikes and frame reports plus
// /neurotwin metadata). Used by the analysis code and the tests; hdf5.h stays in the .cpp.
// Every failure (missing file, missing object, wrong type) is an io_error naming the file and
// the object path. Not thread-safe: one h5_file per thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/io/sonata_names.hpp"

namespace neurotwin::analysis {

// SONATA `sorting` of a spike population (HDF5 enum over uint8).
using spike_sorting = sonata::spike_sorting;

struct spike_data {
    std::vector<double> timestamps;  // [ms]
    std::vector<std::uint64_t> node_ids;
};

// One frame report, /report/<population>/<variable>.
struct report_data {
    std::vector<float> data;  // row-major [frames x columns]
    std::size_t frames = 0;
    std::size_t columns = 0;
    std::string units;  // of data
    std::vector<std::uint64_t> node_ids;
    std::vector<std::uint64_t> index_pointers;  // node i owns columns [ip[i], ip[i+1])
    std::vector<std::uint32_t> element_ids;
    std::array<double, 3> time{};  // [start, stop, step]
    std::string time_units;

    float at(std::size_t frame, std::size_t column) const { return data[frame * columns + column]; }
};

class h5_file {
public:
    // Opens read-only. Throws io_error if the file is missing or not HDF5.
    explicit h5_file(const std::string& path);
    ~h5_file();
    h5_file(h5_file&& other) noexcept;
    h5_file& operator=(h5_file&& other) noexcept;
    h5_file(const h5_file&) = delete;
    h5_file& operator=(const h5_file&) = delete;

    const std::string& path() const { return path_; }

    // Whether an object (group, dataset) exists at `object_path` ("/" always does).
    bool exists(const std::string& object_path) const;
    // Names of the links in a group, sorted by name; io_error if the group is missing.
    std::vector<std::string> list(const std::string& group) const;

    // ---- spikes. Every read checks what the file itself declares: times are finite, node ids
    // are below the population's size (/neurotwin/populations/<pop>@size, when present), and
    // for_each_spike_block also checks the declared `sorting` (by_time: times never go back;
    // by_id: ids never go back). A violation is an io_error naming the dataset and the spike.
    std::vector<std::string> spike_populations() const;  // empty when there is no /spikes
    std::size_t spike_count(const std::string& population) const;
    spike_data read_spikes(const std::string& population) const;
    // The `sorting` attribute; `none` when absent (what SONATA prescribes). The SONATA enum, or
    // the string bmtk writes ("by_time", "time", "by_id", "id", "none", "unknown").
    spike_sorting read_sorting(const std::string& population) const;
    // Spikes [first, first + count) of a population (count is cut at the end).
    spike_data read_spikes(const std::string& population, std::size_t first,
                           std::size_t count) const;
    // Calls `block` with consecutive slices of at most `block_size` spikes (the last may be
    // shorter; never called for an empty population), so memory stays at one block. The spans
    // are valid only during the call.
    void for_each_spike_block(
        const std::string& population, std::size_t block_size,
        const std::function<void(std::span<const double> timestamps,
                                 std::span<const std::uint64_t> node_ids)>& block) const;

    // The neurons whose spikes the file recorded (recorded_spikes_path(), ascending, below the
    // declared size), or nullopt for a file without that list: another simulator's, or one
    // written by neurotwin before it stored the list.
    std::optional<std::vector<std::uint64_t>> recorded_spikes(const std::string& population) const;

    // The declared size of a population (/neurotwin/populations/<pop>@size), if any.
    std::optional<std::uint64_t> population_size(const std::string& population) const;

    // Throws the io_error every reader failure is: "<file>: '<object>': <what>".
    [[noreturn]] void fail(const std::string& object, const std::string& what) const;

    // ---- reports. The mapping is checked against the data's shape: node_ids and
    // index_pointers (N + 1, rising from 0 to the number of columns), element_ids (one per
    // column), node ids below the population's declared size, time (finite start, positive
    // finite step).
    std::vector<std::string> report_populations() const;  // empty when there is no /report
    std::vector<std::string> report_variables(const std::string& population) const;
    report_data read_report(const std::string& population, const std::string& variable) const;
    // Everything of a report but its data (frames and columns are set, data is empty).
    report_data read_report_mapping(const std::string& population,
                                    const std::string& variable) const;
    // A block of data: frames [f0, f0 + nf) x columns [c0, c0 + nc), row-major, so large
    // reports can be read a slice at a time.
    std::vector<float> read_report_block(const std::string& population,
                                         const std::string& variable, std::size_t f0,
                                         std::size_t nf, std::size_t c0, std::size_t nc) const;

    // ---- attributes of a group or dataset (scalar, or a 1-element array). f64 needs a float
    // type; i64/u64 need an integer type whose value fits; string takes fixed or variable.
    double attr_f64(const std::string& object, const std::string& name) const;
    std::int64_t attr_i64(const std::string& object, const std::string& name) const;
    std::uint64_t attr_u64(const std::string& object, const std::string& name) const;
    std::string attr_string(const std::string& object, const std::string& name) const;
    std::vector<double> attr_f64_array(const std::string& object, const std::string& name) const;
    bool has_attr(const std::string& object, const std::string& name) const;

    // ---- datasets
    std::vector<double> read_vector(const std::string& path) const;  // 1-D, float type
    std::string read_string(const std::string& path) const;          // scalar string

private:
    friend class h5_access;  // the HDF5 side, defined in h5_reader.cpp
    std::string path_;
    std::int64_t file_ = -1;  // hid_t (int64_t since HDF5 1.10), kept opaque here
};

}  // namespace neurotwin::analysis
