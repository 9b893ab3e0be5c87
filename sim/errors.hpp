// SPDX-License-Identifier: BSD-3-Clause
// Error families of neurotwin. A user error is never a crash: main() catches these, prints
// one clean message and returns a documented exit code (see docs/cli.md, "Exit codes").
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace neurotwin {

// A position in a scenario file; line/column are 1-based, 0 when unknown.
struct source_pos {
    std::string file;
    int line = 0;
    int column = 0;
};

// "file:line:col" (or just "file" when the position is unknown).
std::string format_pos(const source_pos& where);

// One problem found in the input: where, and a complete sentence saying what was expected
// and what was found (e.g. "population 'exc', parameter 'tau_m': expected a positive
// duration (ms), found -5").
struct diagnostic {
    source_pos where;
    std::string message;
};

// The scenario or the command line is wrong. Carries every problem found, in file order.
class input_error : public std::runtime_error {
public:
    explicit input_error(std::vector<diagnostic> diags);
    input_error(source_pos where, std::string message);
    const std::vector<diagnostic>& diagnostics() const { return diags_; }

private:
    std::vector<diagnostic> diags_;
};

// Files and HDF5.
class io_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Something went wrong during a run (NaN in a state variable, ...): names population,
// neuron, variable, value and simulated time.
class runtime_fault : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A bug in neurotwin: "please report".
class internal_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

// "file:line:col: warning: <message>" (without the position when it is unknown).
std::string format_warning(const diagnostic& d);

// Collects diagnostics; throws them all at once.
class diagnostics_list {
public:
    void add(source_pos where, std::string message) {
        items_.push_back({std::move(where), std::move(message)});
    }
    bool empty() const { return items_.empty(); }
    // Sorts by (line, column) and throws input_error when not empty.
    void throw_if_any();
    std::vector<diagnostic>& items() { return items_; }

private:
    std::vector<diagnostic> items_;
};

// Closest candidate by edit distance, or "" when none is close enough for a hint.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// Exit codes of the neurotwin executable.
enum exit_code : int {
    exit_ok = 0,
    exit_input = 2,     // bad scenario or command line
    exit_io = 3,        // file or HDF5 failure
    exit_runtime = 4,   // numerical fault during a run
    exit_internal = 5,  // a bug
    exit_interrupted = 130,
};

}  // namespace neurotwin
