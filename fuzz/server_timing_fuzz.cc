// libFuzzer target for metrics::parse_server_timing (W3C Server-Timing values).
//
// Invariants checked (a violation aborts):
//   * parsing is deterministic: the same input gives the same verdict twice;
//   * an error's column lies inside the input or just past it;
//   * on success every metric has a non-empty name and any `dur` is finite and >= 0,
//     and server_timing_of agrees on the verdict.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "metrics/server_timing.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

std::size_t column_of(const std::string& message) {
  auto at = message.rfind("column ");
  return at == std::string::npos ? 0 : std::stoul(message.substr(at + 7));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view value(reinterpret_cast<const char*>(data), size);
  auto a = aiperf::metrics::parse_server_timing(value);
  auto b = aiperf::metrics::parse_server_timing(value);
  check(a.has_value() == b.has_value(), "deterministic verdict");
  check(aiperf::metrics::server_timing_of(value).has_value() == a.has_value(), "server_timing_of agrees");
  if (!a) {
    std::size_t column = column_of(a.error().message);
    check(column >= 1 && column <= size + 1, "error column inside the input");
    return 0;
  }
  for (const auto& m : *a) {
    check(!m.name.empty(), "metric name");
    if (m.dur_ms) check(std::isfinite(*m.dur_ms) && *m.dur_ms >= 0, "finite non-negative dur");
  }
  return 0;
}
