// Reading a server's usage counts without trusting them: a field that is
// present but not a non-negative integer is marked implausible
// (kImplausibleTokenCount), never a failed request; the engine then drops
// every implausible count and counts the response (implausible_usage).
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "aiperf/sdk/endpoint.h"

namespace aiperf::endpoints {

/// A usage count: absent for null, the value for a non-negative integer, and
/// kImplausibleTokenCount for anything else (-1, 1.5, "7", an object).
std::optional<uint64_t> usage_count(const nlohmann::json& value);

}  // namespace aiperf::endpoints
