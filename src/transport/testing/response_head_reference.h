// The response head parser as it was before the one-pass scan, for the differential test only
// (response_head_test.cc compiles it in; no library links it). Same types as response_head.h.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "transport/response_head.h"

namespace aiperf::transport::reference {

/// ResponseHeadParser of commit c8bf986.
class ResponseHeadParser {
 public:
  explicit ResponseHeadParser(HeadLimits limits = {}) : limits_(limits) {}
  Expected<std::optional<ResponseHead>> parse(std::string_view in, std::vector<HeaderField>& fields,
                                              bool head_request = false);
  void reset() { scanned_ = 0; }

 private:
  HeadLimits limits_;
  std::size_t scanned_ = 0;
};

/// parse_complete_head of commit c8bf986.
Expected<ResponseHead> parse_complete_head(std::string_view in, std::vector<HeaderField>& fields,
                                           bool head_request, std::size_t max_fields);

}  // namespace aiperf::transport::reference
