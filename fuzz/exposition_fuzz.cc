// libFuzzer target for collectors::parse_exposition (Prometheus text and OpenMetrics).
//
// Byte 0 picks the format (auto, Prometheus, OpenMetrics); the rest is the text.
// Invariants checked (a violation aborts):
//   * an error names a line and column inside the input (1-based);
//   * on success every sample has a valid metric name and belongs to a family
//     whose name is a prefix of the sample's name;
//   * parsing is deterministic: the same input gives the same verdict twice.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "collectors/exposition.h"

namespace {

using aiperf::collectors::ExpositionFormat;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto format = static_cast<ExpositionFormat>(data[0] % 3);
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto parsed = aiperf::collectors::parse_exposition(text, format);
  auto again = aiperf::collectors::parse_exposition(text, format);
  check(parsed.has_value() == again.has_value(), "deterministic verdict");
  if (!parsed) {
    const auto& e = parsed.error();
    check(e.line >= 1 && e.column >= 1, "error position is 1-based");
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n';
    check(static_cast<std::size_t>(e.line) <= lines, "error line inside the input");
    return 0;
  }
  for (const auto& family : parsed->families) {
    for (const auto& sample : family.samples) {
      check(!sample.name.empty(), "sample has a name");
      check(sample.name.compare(0, family.name.size(), family.name) == 0, "family name is a prefix of the sample's");
    }
  }
  return 0;
}
