// SPDX-License-Identifier: BSD-3-Clause
// Where recorded data goes. The engine buffers samples in chunks and hands them to an
// output_sink from one thread; h5_sink (sim/run.cpp) writes them to the HDF5 file, and
// memory_sink keeps them in memory (tests, in-process analysis).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace neurotwin {

class output_sink {
public:
    virtual ~output_sink() = default;
    virtual int add_spike_population(const std::string& population) = 0;
    virtual void append_spikes(int handle, const double* times_ms, const std::uint64_t* ids,
                               std::size_t n) = 0;
    virtual int add_report(const std::string& population, const std::string& variable,
                           const std::string& units, const std::vector<std::uint64_t>& node_ids,
                           double t_start_ms, double step_ms) = 0;
    // `frames` rows of node_ids.size() float32 values each (row-major).
    virtual void append_frames(int handle, const float* data, std::size_t frames) = 0;
};

class memory_sink final : public output_sink {
public:
    struct spike_data {
        std::string population;
        std::vector<double> times;
        std::vector<std::uint64_t> ids;
    };
    struct report_data {
        std::string population, variable, units;
        std::vector<std::uint64_t> node_ids;
        double t_start = 0.0, step = 0.0;
        std::size_t frames = 0;
        std::vector<float> data;  // frames x node_ids.size()
        float at(std::size_t frame, std::size_t column) const {
            return data[frame * node_ids.size() + column];
        }
    };

    int add_spike_population(const std::string& population) override;
    void append_spikes(int handle, const double* times_ms, const std::uint64_t* ids,
                       std::size_t n) override;
    int add_report(const std::string& population, const std::string& variable,
                   const std::string& units, const std::vector<std::uint64_t>& node_ids,
                   double t_start_ms, double step_ms) override;
    void append_frames(int handle, const float* data, std::size_t frames) override;

    const spike_data& spikes(const std::string& population) const;
    const report_data& report(const std::string& population, const std::string& variable) const;

    std::vector<spike_data> spike_sets;
    std::vector<report_data> reports;
};

}  // namespace neurotwin
