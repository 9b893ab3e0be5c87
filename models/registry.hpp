// SPDX-License-Identifier: BSD-3-Clause
// The models neurotwin ships, as the registry the application hands to the scenario loader
// (sim/model_api.hpp, model_registry).
#pragma once

#include "sim/model_api.hpp"

namespace neurotwin {

// Every built-in model, in the order `neurotwin models` lists them (models/registry.cpp).
const model_registry& builtin_models();

}  // namespace neurotwin
