// SPDX-License-Identifier: BSD-3-Clause
// SIGINT (Ctrl-C), SIGTERM (kill, cluster schedulers) and SIGHUP (a closed terminal) all stop
// `run` and `batch` the same clean way: the handler sets a flag that the engine (or the batch)
// sees at its next check, and the output file is kept, marked completed = 0.
#pragma once

#include <atomic>

namespace neurotwin::cli {

// Installs the handler for the three signals, except for one ignored when neurotwin started.
void install_stop_handlers();

// Set by the handler; the flag the engine and the batch poll.
const std::atomic<bool>& stop_requested();
// Which signal set stop_requested() (0 before any): the batch sends it on to its children.
const std::atomic<int>& stop_signal();

}  // namespace neurotwin::cli
