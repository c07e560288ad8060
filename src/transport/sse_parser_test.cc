#include "transport/sse_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace aiperf::transport {
namespace {

using namespace std::string_literals;

struct Parsed {
  std::vector<SseEvent> events;
  SseStatus feed_status = SseStatus::kOk;    // first non-ok status returned by feed()
  SseStatus finish_status = SseStatus::kOk;  // status of finish()
  friend bool operator==(const Parsed&, const Parsed&) = default;
};

std::ostream& operator<<(std::ostream& os, const Parsed& p) {
  os << "feed=" << sse_status_name(p.feed_status) << " finish=" << sse_status_name(p.finish_status)
     << " events=[";
  for (const auto& e : p.events) os << "{" << e.type << "|" << e.data << "|" << e.id << "} ";
  return os << "]";
}

Parsed parse_pieces(const std::vector<std::string_view>& pieces, SseParserOptions options = {}) {
  SseParser parser(options);
  Parsed out;
  for (std::string_view piece : pieces) {
    const SseStatus s = parser.feed(piece, out.events);
    if (s != SseStatus::kOk && out.feed_status == SseStatus::kOk) out.feed_status = s;
  }
  out.finish_status = parser.finish();
  return out;
}

Parsed parse(std::string_view s, SseParserOptions options = {}) { return parse_pieces({s}, options); }

// Feeding `s` whole, cut in two at every byte boundary, in 1-byte pieces, and
// (for short inputs) cut in three at every pair of boundaries gives the same
// events and statuses.
void expect_split_invariant(std::string_view s, SseParserOptions options = {}) {
  const Parsed whole = parse(s, options);
  for (std::size_t i = 0; i <= s.size(); ++i) {
    ASSERT_EQ(parse_pieces({s.substr(0, i), s.substr(i)}, options), whole) << "split at " << i;
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < s.size(); ++i) bytes.push_back(s.substr(i, 1));
  ASSERT_EQ(parse_pieces(bytes, options), whole) << "1-byte pieces";
  if (s.size() <= 96) {
    for (std::size_t i = 0; i <= s.size(); ++i) {
      for (std::size_t j = i; j <= s.size(); ++j) {
        ASSERT_EQ(parse_pieces({s.substr(0, i), s.substr(i, j - i), s.substr(j)}, options), whole)
            << "split at " << i << "," << j;
      }
    }
  }
}

SseEvent ev(std::string data, std::string type = "message", std::string id = "",
            std::optional<uint64_t> retry = std::nullopt) {
  return SseEvent{std::move(type), std::move(data), std::move(id), retry};
}

const std::string kOpenAiStream =
    "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"
    ": keep-alive\n\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\n"
    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\n"
    "data: [DONE]\n\n";

TEST(SseParser, OpenAiStreamYieldsOneEventPerDataBlockAndDoneIsOrdinary) {
  const Parsed p = parse(kOpenAiStream);
  ASSERT_EQ(p.events.size(), 5u);
  EXPECT_EQ(p.events[1], ev("{\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}"));
  EXPECT_EQ(p.events[4], ev("[DONE]"));
  EXPECT_EQ(p.feed_status, SseStatus::kOk);
  EXPECT_EQ(p.finish_status, SseStatus::kOk);
  expect_split_invariant(kOpenAiStream);
}

TEST(SseParser, HandlesLfCrlfAndCrLineEndings) {
  const std::vector<SseEvent> want = {ev("a\nb", "x"), ev("c")};
  for (const std::string& eol : {"\n"s, "\r\n"s, "\r"s}) {
    const std::string s = "event: x" + eol + "data: a" + eol + "data: b" + eol + eol + "data: c" + eol + eol;
    SCOPED_TRACE(testing::PrintToString(eol));
    EXPECT_EQ(parse(s).events, want);
    expect_split_invariant(s);
  }
  const std::string mixed = "data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r";
  EXPECT_EQ(parse(mixed).events, (std::vector<SseEvent>{ev("a\nb\nc"), ev("d")}));
  expect_split_invariant(mixed);
}

TEST(SseParser, CrAtEndOfSliceAndLfAtStartOfNextIsOneLineEnd) {
  SseParser parser;
  std::vector<SseEvent> out;
  EXPECT_EQ(parser.feed("data: a\r", out), SseStatus::kOk);
  EXPECT_EQ(parser.feed("\n\r", out), SseStatus::kOk);  // LF completes CRLF; the CR is the blank line
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], ev("a"));
  EXPECT_EQ(parser.feed("\ndata: b\n\n", out), SseStatus::kOk);  // this LF belongs to the CR before it
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1], ev("b"));
}

TEST(SseParser, FieldParsingFollowsTheSpec) {
  const std::string s =
      "data:no-space\n"     // no space after the colon
      "data:  two\n"        // only one space is stripped
      "data\n"              // field without colon: empty value
      "unknown: ignored\n"  // unknown field
      ": comment\n"
      "data: last:with:colons\n\n";
  EXPECT_EQ(parse(s).events, (std::vector<SseEvent>{ev("no-space\n two\n\nlast:with:colons")}));
  expect_split_invariant(s);
}

TEST(SseParser, BareDataFieldDispatchesEmptyData) {
  EXPECT_EQ(parse("data\n\n").events, (std::vector<SseEvent>{ev("")}));
  EXPECT_EQ(parse("data:\n\n").events, (std::vector<SseEvent>{ev("")}));
}

TEST(SseParser, BlockWithoutDataDispatchesNothing) {
  const std::string s = "event: ping\n\nid: 7\n\ndata: x\n\n";
  const Parsed p = parse(s);
  // The type does not leak into the next event; the id persists.
  EXPECT_EQ(p.events, (std::vector<SseEvent>{ev("x", "message", "7")}));
  expect_split_invariant(s);
}

TEST(SseParser, LastEventIdPersistsAndNulIdIsIgnored) {
  const std::string s = "id: 1\ndata: a\n\ndata: b\n\nid: 2\0x\ndata: c\n\nid\ndata: d\n\n"s;
  EXPECT_EQ(parse(s).events, (std::vector<SseEvent>{ev("a", "message", "1"), ev("b", "message", "1"),
                                                    ev("c", "message", "1"), ev("d", "message", "")}));
  expect_split_invariant(s);
}

TEST(SseParser, RetryAcceptsOnlyAsciiDigits) {
  const std::string s = "retry: 3000\ndata: a\n\nretry: 12x\ndata: b\n\nretry:\ndata: c\n\n";
  SseParser parser;
  std::vector<SseEvent> out;
  EXPECT_EQ(parser.feed(s, out), SseStatus::kOk);
  EXPECT_EQ(out, (std::vector<SseEvent>{ev("a", "message", "", 3000), ev("b"), ev("c")}));
  EXPECT_EQ(parser.retry_ms(), 3000u);
  expect_split_invariant(s);
  EXPECT_EQ(parse("retry: 99999999999999999999999\ndata: x\n\n").events, (std::vector<SseEvent>{ev("x")}));
}

TEST(SseParser, LeadingBomIsSkippedOnlyAtStreamStart) {
  const std::string s = "\xEF\xBB\xBF" "data: a\n\n\xEF\xBB\xBF" "data: b\n\n";
  // The second BOM is part of a field name "\xEF\xBB\xBFdata", an unknown field.
  EXPECT_EQ(parse(s).events, (std::vector<SseEvent>{ev("a")}));
  expect_split_invariant(s);
  // A BOM prefix that turns out not to be a BOM is ordinary data.
  const std::string not_bom = "\xEF\xBB" "data: z\n\ndata: y\n\n";
  EXPECT_EQ(parse(not_bom).events, (std::vector<SseEvent>{ev("y")}));
  expect_split_invariant(not_bom);
}

TEST(SseParser, UnterminatedEventIsDiscardedAndReportedAsTruncated) {
  Parsed p = parse("data: a\n\ndata: partial\n");
  EXPECT_EQ(p.events, (std::vector<SseEvent>{ev("a")}));
  EXPECT_EQ(p.finish_status, SseStatus::kTruncated);
  EXPECT_EQ(parse("data: a\n\ndata: par").finish_status, SseStatus::kTruncated);
  EXPECT_EQ(parse("data: a\n\n").finish_status, SseStatus::kOk);
  EXPECT_EQ(parse("").finish_status, SseStatus::kOk);
  expect_split_invariant("data: a\n\ndata: partial\n");
}

// finish(on_event) treats EOF as a line end plus a blank line, as AIPerf does.
std::vector<SseEvent> parse_dispatching(std::string_view s, std::size_t cut) {
  SseParser parser;
  std::vector<SseEvent> events;
  parser.feed(s.substr(0, cut), events);
  parser.feed(s.substr(cut), events);
  EXPECT_EQ(parser.finish(events), SseStatus::kOk);
  return events;
}

TEST(SseParser, DispatchingFinishDeliversTrailingEventAtEof) {
  for (std::string_view s : {"data: a\n\ndata: [DONE]\n", "data: a\n\ndata: [DONE]", "data: a\r\n\r\ndata: [DONE]\r"}) {
    for (std::size_t cut = 0; cut <= s.size(); ++cut) {
      EXPECT_EQ(parse_dispatching(s, cut), (std::vector<SseEvent>{ev("a"), ev("[DONE]")})) << s << " cut " << cut;
    }
  }
  std::vector<SseEvent> typed = parse_dispatching("event: done\ndata: x", 3);
  ASSERT_EQ(typed.size(), 1u);
  EXPECT_EQ(typed[0].type, "done");
  EXPECT_TRUE(parse_dispatching("data: a\n\n", 0).size() == 1);  // nothing pending: nothing extra
  EXPECT_TRUE(parse_dispatching(": comment only", 4).empty());
}

TEST(SseParser, EventLargerThanLimitIsAStickyErrorWithBoundedMemory) {
  SseParserOptions opt;
  opt.max_event_bytes = 16;
  const std::string s = "data: 0123456789\n\ndata: 0123456789\ndata: 0123456789\n\ndata: late\n\n";
  Parsed p = parse(s, opt);
  EXPECT_EQ(p.events, (std::vector<SseEvent>{ev("0123456789")}));
  EXPECT_EQ(p.feed_status, SseStatus::kEventTooLarge);
  EXPECT_EQ(p.finish_status, SseStatus::kEventTooLarge);
  expect_split_invariant(s, opt);

  SseParser parser(opt);
  std::vector<SseEvent> out;
  EXPECT_EQ(parser.feed(std::string(1000, 'x'), out), SseStatus::kEventTooLarge);  // a line with no end
  EXPECT_TRUE(parser.failed());
  EXPECT_EQ(parser.feed("\n\ndata: ok\n\n", out), SseStatus::kEventTooLarge);
  EXPECT_TRUE(out.empty());
  parser.reset();
  EXPECT_EQ(parser.feed("data: ok\n\n", out), SseStatus::kOk);
  EXPECT_EQ(out, (std::vector<SseEvent>{ev("ok")}));
}

TEST(SseParser, CallbackSeesViewsWithoutCopies) {
  SseParser parser;
  std::vector<std::string> data;
  const SseStatus s = parser.feed("event: e\ndata: 1\n\ndata: 2\n\n", [&](const SseEventView& v) {
    data.push_back(std::string(v.type) + "=" + std::string(v.data));
  });
  EXPECT_EQ(s, SseStatus::kOk);
  EXPECT_EQ(data, (std::vector<std::string>{"e=1", "message=2"}));
}

// A direct, whole-input transcription of the WHATWG algorithm (no limits, no
// incremental state), used to cross-check the incremental parser on garbage.
std::vector<SseEvent> reference_parse(std::string s) {
  if (s.rfind("\xEF\xBB\xBF", 0) == 0) s.erase(0, 3);
  std::vector<std::string> lines;
  std::string cur;
  bool complete_last = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' || s[i] == '\n') {
      lines.push_back(cur);
      cur.clear();
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      complete_last = true;
    } else {
      cur += s[i];
      complete_last = false;
    }
  }
  (void)complete_last;  // an unterminated final line is never processed
  std::vector<SseEvent> out;
  std::string data, type, id_buf;
  for (const std::string& line : lines) {
    if (line.empty()) {
      if (!data.empty()) {
        data.pop_back();
        out.push_back(SseEvent{type.empty() ? "message" : type, data, id_buf, std::nullopt});
      }
      data.clear();
      type.clear();
      continue;
    }
    if (line[0] == ':') continue;
    std::string field = line, value;
    if (auto c = line.find(':'); c != std::string::npos) {
      field = line.substr(0, c);
      value = line.substr(c + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    }
    if (field == "data") data += value + "\n";
    else if (field == "event") type = value;
    else if (field == "id" && value.find('\0') == std::string::npos) id_buf = value;
  }
  return out;
}

TEST(SseParser, GarbageNeverCrashesAndMatchesTheReferenceUnderRandomSplits) {
  std::mt19937 rng(1234);
  const std::string alphabet = "data:event:id:retry: \r\n\n\n:x\xEF\xBB\xBF\0"s;
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> len(0, 300);
  for (int iter = 0; iter < 2000; ++iter) {
    std::string s;
    const int n = len(rng);
    for (int i = 0; i < n; ++i) s += iter % 2 ? alphabet[pick(rng)] : static_cast<char>(byte(rng));
    std::vector<SseEvent> want = reference_parse(s);
    // Retry values are not modelled by the reference: compare without them.
    auto strip = [](std::vector<SseEvent> v) {
      for (auto& e : v) e.retry_ms.reset();
      return v;
    };
    std::vector<std::string_view> pieces;
    std::string_view rest = s;
    while (!rest.empty()) {
      const std::size_t k = std::uniform_int_distribution<std::size_t>(1, rest.size())(rng) % 17 + 1;
      pieces.push_back(rest.substr(0, std::min(k, rest.size())));
      rest.remove_prefix(std::min(k, rest.size()));
    }
    const Parsed got = parse_pieces(pieces);
    ASSERT_EQ(strip(got.events), want) << "iteration " << iter;
    ASSERT_EQ(got, parse(s)) << "iteration " << iter;
  }
}

}  // namespace
}  // namespace aiperf::transport
