#include "distributed/segment.h"

#include <string>

namespace aiperf::distributed {

Expected<Segment> Segment::make(int index, int count) {
  if (count < 1 || index < 0 || index >= count) {
    return fail(ErrorCode::kInvalidArgument,
                "segment " + std::to_string(index) + " of " + std::to_string(count) + ": want 0 <= index < count");
  }
  return Segment(index, count);
}

std::uint64_t Segment::share_of(std::uint64_t total) const {
  const auto n = static_cast<std::uint64_t>(count_);
  const auto i = static_cast<std::uint64_t>(index_);
  return total / n + (i < total % n ? 1 : 0);
}

}  // namespace aiperf::distributed
