// libFuzzer target for transport::SseParser.
//
// Input layout: byte 0 picks max_event_bytes, bytes 1-2 pick split points,
// the rest is the stream. Invariants checked (a violation aborts):
//   * feeding the stream whole, in two or three pieces at the chosen points,
//     or one byte at a time gives the same events and statuses;
//   * no event's buffered size exceeds max_event_bytes;
//   * nothing is emitted after an error, and finish() repeats the error;
//   * the same holds with the dispatching finish(on_event) (trailing event at EOF),
//     which emits at most one more event, and none after an error.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "transport/sse_parser.h"

namespace {

using aiperf::transport::SseEvent;
using aiperf::transport::SseParser;
using aiperf::transport::SseParserOptions;
using aiperf::transport::SseStatus;

struct Result {
  std::vector<SseEvent> events;
  SseStatus feed_status = SseStatus::kOk;
  SseStatus finish_status = SseStatus::kOk;
  bool operator==(const Result&) const = default;
};

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

Result run(const std::vector<std::string_view>& pieces, SseParserOptions opt, bool dispatch_at_eof = false) {
  SseParser parser(opt);
  Result r;
  for (std::string_view p : pieces) {
    const std::size_t before = r.events.size();
    const SseStatus s = parser.feed(p, r.events);
    if (r.feed_status != SseStatus::kOk) check(r.events.size() == before, "event emitted after an error");
    if (s != SseStatus::kOk && r.feed_status == SseStatus::kOk) r.feed_status = s;
    check(s != SseStatus::kTruncated, "feed returned truncated");
  }
  const std::size_t before_finish = r.events.size();
  r.finish_status = dispatch_at_eof ? parser.finish(r.events) : parser.finish();
  check(r.events.size() <= before_finish + 1, "finish emitted more than one event");
  if (r.feed_status != SseStatus::kOk) check(r.events.size() == before_finish, "finish emitted after an error");
  if (r.feed_status != SseStatus::kOk) check(r.finish_status == r.feed_status, "finish forgot the error");
  for (const SseEvent& e : r.events) {
    // At dispatch the buffers held data + '\n', the id and (unless defaulted) the type.
    check(e.data.size() + 1 + e.id.size() <= opt.max_event_bytes, "event data larger than the limit");
    check(e.type == "message" || e.type.size() + e.data.size() + 1 + e.id.size() <= opt.max_event_bytes,
          "event larger than the limit");
    check(!e.type.empty(), "empty event type");
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  SseParserOptions opt;
  opt.max_event_bytes = data[0] == 0 ? (1u << 20) : static_cast<std::size_t>(data[0]);
  const std::string_view s(reinterpret_cast<const char*>(data + 3), size - 3);
  const std::size_t i = s.empty() ? 0 : data[1] % (s.size() + 1);
  const std::size_t j = i + (s.size() - i == 0 ? 0 : data[2] % (s.size() - i + 1));

  const Result whole = run({s}, opt);
  check(run({s.substr(0, i), s.substr(i)}, opt) == whole, "two-piece split differs from whole");
  check(run({s.substr(0, i), s.substr(i, j - i), s.substr(j)}, opt) == whole, "three-piece split differs");
  const Result eof = run({s}, opt, true);
  check(run({s.substr(0, i), s.substr(i)}, opt, true) == eof, "two-piece split differs (dispatch at EOF)");
  check(eof.events.size() >= whole.events.size(), "dispatch at EOF lost events");
  if (s.size() <= 4096) {
    std::vector<std::string_view> bytes;
    for (std::size_t k = 0; k < s.size(); ++k) bytes.push_back(s.substr(k, 1));
    check(run(bytes, opt) == whole, "1-byte feed differs from whole");
  }
  return 0;
}
