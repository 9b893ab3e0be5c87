// SPDX-License-Identifier: BSD-3-Clause
// Where recorded data goes. The engine buffers samples in chunks and hands them to an
// output_sink from one thread (sim/recording.hpp); h5_sink (sim/run.cpp) writes them to the
// HDF5 file, and memory_sink keeps them in memory (tests, in-process analysis).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace neurotwin {

class output_sink {
public:
    virtual ~output_sink() = default;
    // `recorded`: the neurons whose spikes are recorded (ascending); every spike appended has
    // one of these ids.
    virtual int add_spike_population(const std::string& population,
                                     const std::vector<std::uint64_t>& recorded) = 0;
    virtual void append_spikes(int handle, const double* times_ms, const std::uint64_t* ids,
                               std::size_t n) = 0;
    // node_ids: the neurons recorded (ascending); step_ms: the recording interval.
    // element_ids / index_pointers: SONATA's compartment mapping (node k's values are columns
    // [index_pointers[k], index_pointers[k+1]), element_ids their compartments); both empty
    // for one value per node (element 0).
    virtual int add_report(const std::string& population, const std::string& variable,
                           const std::string& units, const std::vector<std::uint64_t>& node_ids,
                           double t_start_ms, double step_ms,
                           const std::vector<std::uint32_t>& element_ids,
                           const std::vector<std::uint64_t>& index_pointers) = 0;
    // `frames` rows of columns() float32 values each (row-major): one per node, or one per
    // element.
    virtual void append_frames(int handle, const float* data, std::size_t frames) = 0;
};

class memory_sink final : public output_sink {
public:
    struct spike_data {
        std::string population;
        std::vector<std::uint64_t> recorded;  // the neurons whose spikes are recorded
        std::vector<double> times;
        std::vector<std::uint64_t> ids;
    };
    struct report_data {
        std::string population, variable, units;
        std::vector<std::uint64_t> node_ids;
        std::vector<std::uint32_t> element_ids;      // empty: one value per node
        std::vector<std::uint64_t> index_pointers;
        double t_start = 0.0, step = 0.0;
        std::size_t frames = 0;
        std::vector<float> data;  // frames x columns()
        std::size_t columns() const {
            return element_ids.empty() ? node_ids.size() : element_ids.size();
        }
        float at(std::size_t frame, std::size_t column) const {
            return data[frame * columns() + column];
        }
    };

    int add_spike_population(const std::string& population,
                             const std::vector<std::uint64_t>& recorded) override;
    void append_spikes(int handle, const double* times_ms, const std::uint64_t* ids,
                       std::size_t n) override;
    int add_report(const std::string& population, const std::string& variable,
                   const std::string& units, const std::vector<std::uint64_t>& node_ids,
                   double t_start_ms, double step_ms, const std::vector<std::uint32_t>& element_ids,
                   const std::vector<std::uint64_t>& index_pointers) override;
    void append_frames(int handle, const float* data, std::size_t frames) override;

    const spike_data& spikes(const std::string& population) const;
    const report_data& report(const std::string& population, const std::string& variable) const;

    std::vector<spike_data> spike_sets;
    std::vector<report_data> reports;
};

}  // namespace neurotwin
