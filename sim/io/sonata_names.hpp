// SPDX-License-Identifier: BSD-3-Clause
// The names and fixed values of the output file's SONATA layout, for all code that writes or
// reads it: the writer (sim/io/h5_writer.cpp), the reader (analysis/h5_reader.cpp), the
// analyses and export-sonata (analysis/h5_output.cpp); and of the SONATA edge files that
// projections read (sim/io/edges.cpp). SONATA's developer guide ("Output file formats")
// fixes them, and libsonata and bmtk read exactly these. docs/output.md shows the whole
// tree. Plain names, no HDF5: any code may include it.
#pragma once

#include <cstdint>
#include <string>

namespace neurotwin::sonata {

// Root attributes of every SONATA file: magic (uint32) and version (uint32[2]).
inline constexpr const char* magic = "magic";
inline constexpr std::uint32_t magic_value = 0x0A7A;
inline constexpr const char* version = "version";
inline constexpr std::uint32_t version_value[2] = {0, 1};

// Spikes: /spikes/<population>/{timestamps, node_ids}, attribute `sorting` on the group, in
// a file of their own by default (export-sonata).
inline constexpr const char* spikes = "/spikes";
inline constexpr const char* spikes_file = "spikes.h5";
inline constexpr const char* timestamps = "timestamps";
inline constexpr const char* node_ids = "node_ids";
inline constexpr const char* sorting = "sorting";
// `sorting` is an HDF5 enum over uint8; libsonata requires exactly these names and values.
enum class spike_sorting : std::uint8_t { none = 0, by_id = 1, by_time = 2 };
inline constexpr const char* sorting_none = "none";
inline constexpr const char* sorting_by_id = "by_id";
inline constexpr const char* sorting_by_time = "by_time";

// Frame reports: /report/<population>/{data, mapping/{node_ids, index_pointers, element_ids,
// time}}; neurotwin adds a level per variable (report_group), export-sonata removes it.
inline constexpr const char* report = "/report";
inline constexpr const char* data = "data";
inline constexpr const char* mapping = "mapping";
inline constexpr const char* index_pointers = "index_pointers";
inline constexpr const char* index_pointer = "index_pointer";  // bmtk's spelling: a hard link
inline constexpr const char* element_ids = "element_ids";
inline constexpr const char* time = "time";
inline constexpr const char* sorted = "sorted";  // attribute of mapping/node_ids (uint8 0/1)

// Attribute `units` of timestamps, data and mapping/time; SONATA's times are in ms.
inline constexpr const char* units = "units";
inline constexpr const char* time_unit = "ms";

// Edges (network files, read by `rule = "from_file"` projections, sim/io/edges.cpp):
// /edges/<population>/{source_node_id, target_node_id} (attribute node_population each) and
// the edge group "0" with syn_weight and delay.
inline constexpr const char* edges = "/edges";
inline constexpr const char* source_node_id = "source_node_id";
inline constexpr const char* target_node_id = "target_node_id";
inline constexpr const char* node_population = "node_population";
inline constexpr const char* edge_group = "0";
inline constexpr const char* syn_weight = "syn_weight";
inline constexpr const char* delay = "delay";

// "/spikes/<population>"
inline std::string spike_group(const std::string& population) {
    return std::string(spikes) + "/" + population;
}
// "/report/<population>"
inline std::string report_population(const std::string& population) {
    return std::string(report) + "/" + population;
}
// "/report/<population>/<variable>": one run is one file, so every variable has its group.
inline std::string report_group(const std::string& population, const std::string& variable) {
    return report_population(population) + "/" + variable;
}
// "<report group>/mapping/<name>"
inline std::string mapping_path(const std::string& report_group, const char* name) {
    return report_group + "/" + mapping + "/" + name;
}
// "/edges/<population>"
inline std::string edge_population(const std::string& population) {
    return std::string(edges) + "/" + population;
}

}  // namespace neurotwin::sonata

namespace neurotwin {

// neurotwin's addition where SONATA has no place (under /neurotwin, which SONATA readers do
// not look at): the neurons a spike recorder recorded, uint64, ascending. SONATA's spike group
// lists spikes, so a recorded neuron that never fired is not in it. A recorded variable needs
// no such list: its report's mapping (node_ids, element_ids, time) says what was recorded.
inline std::string recorded_spikes_path(const std::string& population) {
    return "/neurotwin/records/" + population + "/spikes/" + sonata::node_ids;
}

}  // namespace neurotwin
