// SPDX-License-Identifier: BSD-3-Clause
// rate_source - an input channel: activation(t) = rate + sum of the stimuli on it at t.
// Drives other populations through projections (its activation is its output), and is the
// input population of every twin ("<twin>.inputs").
#pragma once

#include "sim/model_api.hpp"

namespace neurotwin {
extern const model_info rate_source_info;
}
