// SPDX-License-Identifier: BSD-3-Clause
// Output file of one run, laid out as SONATA wherever SONATA has a place for the data
// (see docs/output.md; the names are in sim/io/sonata_names.hpp). hdf5.h stays in
// the .cpp files of sim/io/ and analysis/ (through h5_handle.hpp). Not thread-safe: the
// engine calls it from one thread.
//
// The file is written under a temporary name (<final>.tmp-<pid>) and renamed by finish();
// abandon() (or the destructor without finish()) removes the temporary file, so a crash or an
// error never leaves a file that looks complete.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace neurotwin {

struct h5_attr {
    std::string name;
    // exactly one of these is used, by `type`
    enum class type { string, f64, i64, u64, f64_array } t = type::string;
    std::string s;
    double f = 0.0;
    std::int64_t i = 0;
    std::uint64_t u = 0;
    std::vector<double> fa;

    static h5_attr str(std::string n, std::string v);
    static h5_attr real(std::string n, double v);
    static h5_attr integer(std::string n, std::int64_t v);
    static h5_attr uinteger(std::string n, std::uint64_t v);
    static h5_attr reals(std::string n, std::vector<double> v);
};

class h5_writer {
public:
    // Creates "<final_path>.tmp-<pid>" (truncating), writes root attributes magic
    // (uint32 0x0A7A) and version (uint32[2] = {0, 1}). Throws io_error.
    explicit h5_writer(std::string final_path);
    ~h5_writer();  // removes the temporary file unless finish() succeeded
    h5_writer(const h5_writer&) = delete;
    h5_writer& operator=(const h5_writer&) = delete;

    const std::string& final_path() const { return final_path_; }
    const std::string& temp_path() const { return temp_path_; }

    // ---- spikes: /spikes/<population>/{timestamps (f64, units=ms), node_ids (u64)},
    // attribute `sorting` (HDF5 enum over uint8 none=0, by_id=1, by_time=2) on the group.
    // Datasets are chunked and extendable; written even when empty. `recorded`: the neurons
    // whose spikes are recorded (ascending), written at once to recorded_spikes_path()
    // (sim/io/sonata_names.hpp), so that the file tells a silent neuron from one not recorded.
    int add_spike_population(const std::string& population,
                             const std::vector<std::uint64_t>& recorded);
    // Appends spikes (the engine appends in time order, ids ascending within a step).
    void append_spikes(int handle, const double* times_ms, const std::uint64_t* node_ids,
                       std::size_t n);

    // ---- reports: /report/<population>/<variable>/data (f32 [frames x columns], attribute
    // units) and mapping/{node_ids u64 [N], index_pointers u64 [N+1] (plus hard link
    // index_pointer), element_ids u32 [columns], time f64 [start, stop, step] with units=ms}.
    // `time` is written by finish() with stop = start + frames_written * step.
    int add_report(const std::string& population, const std::string& variable,
                   const std::string& units, const std::vector<std::uint64_t>& node_ids,
                   const std::vector<std::uint64_t>& index_pointers,
                   const std::vector<std::uint32_t>& element_ids, double t_start_ms,
                   double step_ms);
    // Appends `frames` rows of `columns` float32 values each (row-major).
    void append_frames(int handle, const float* data, std::size_t frames);

    // ---- everything SONATA has no place for lives under /neurotwin.
    // Attributes on a group (created with parents as needed), e.g. "/neurotwin".
    void write_attributes(const std::string& group, const std::vector<h5_attr>& attrs);
    // A 1-D float64 dataset (created with parents as needed), optional units attribute.
    void write_vector(const std::string& path, const std::vector<double>& values,
                      const std::string& units = "");
    // A scalar variable-length UTF-8 string dataset (e.g. the scenario text).
    void write_string(const std::string& path, const std::string& value);
    // A 1-D variable-length UTF-8 string dataset (e.g. the section of each compartment).
    void write_strings(const std::string& path, const std::vector<std::string>& values);

    // Writes mapping/time of every report, flushes, sets /neurotwin attributes `completed`
    // (uint8 0/1) and `t_reached_ms`, closes the file and renames it to final_path().
    void finish(bool completed, double t_reached_ms);
    // Closes and removes the temporary file.
    void abandon();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
    std::string final_path_;
    std::string temp_path_;
};

}  // namespace neurotwin
