// libFuzzer target for transport::NdjsonSplitter.
//
// Input layout: byte 0 picks max_line_bytes, byte 1 a split point, the rest
// is the stream. Invariants checked (a violation aborts):
//   * feeding whole, in two pieces, or one byte at a time gives the same
//     lines and statuses;
//   * without an error, the lines equal a naive split of the whole input
//     (split on '\n', drop one trailing '\r', skip blank lines);
//   * no line is longer than max_line_bytes and none contains '\n'.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "transport/ndjson_splitter.h"

namespace {

using aiperf::transport::NdjsonSplitter;
using aiperf::transport::NdjsonSplitterOptions;
using aiperf::transport::NdjsonStatus;

struct Result {
  std::vector<std::string> lines;
  NdjsonStatus feed_status = NdjsonStatus::kOk;
  NdjsonStatus finish_status = NdjsonStatus::kOk;
  bool operator==(const Result&) const = default;
};

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

Result run(const std::vector<std::string_view>& pieces, NdjsonSplitterOptions opt) {
  NdjsonSplitter splitter(opt);
  Result r;
  for (std::string_view p : pieces) {
    const NdjsonStatus s = splitter.feed(p, r.lines);
    if (s != NdjsonStatus::kOk && r.feed_status == NdjsonStatus::kOk) r.feed_status = s;
  }
  r.finish_status = splitter.finish(r.lines);
  for (const std::string& line : r.lines) {
    check(line.size() <= opt.max_line_bytes, "line longer than the limit");
    check(line.find('\n') == std::string::npos, "line contains a newline");
  }
  return r;
}

std::vector<std::string> naive_split(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t nl = s.find('\n', start);
    std::string line(s.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t\r") != std::string::npos) out.push_back(line);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  NdjsonSplitterOptions opt;
  opt.max_line_bytes = data[0] == 0 ? (1u << 20) : static_cast<std::size_t>(data[0]);
  const std::string_view s(reinterpret_cast<const char*>(data + 2), size - 2);
  const std::size_t i = data[1] % (s.size() + 1);

  const Result whole = run({s}, opt);
  check(run({s.substr(0, i), s.substr(i)}, opt) == whole, "two-piece split differs from whole");
  if (s.size() <= 4096) {
    std::vector<std::string_view> bytes;
    for (std::size_t k = 0; k < s.size(); ++k) bytes.push_back(s.substr(k, 1));
    check(run(bytes, opt) == whole, "1-byte feed differs from whole");
  }
  if (whole.feed_status == NdjsonStatus::kOk) check(whole.lines == naive_split(s), "differs from naive split");
  return 0;
}
