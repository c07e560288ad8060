#include "endpoints/usage.h"

namespace aiperf::endpoints {

std::optional<uint64_t> usage_count(const nlohmann::json& value) {
  if (value.is_null()) return std::nullopt;
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer() && value.get<int64_t>() >= 0) return value.get<uint64_t>();
  return kImplausibleTokenCount;
}

}  // namespace aiperf::endpoints
