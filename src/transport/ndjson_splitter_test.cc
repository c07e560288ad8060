#include "transport/ndjson_splitter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace aiperf::transport {
namespace {

using namespace std::string_literals;

struct Split {
  std::vector<std::string> lines;
  NdjsonStatus feed_status = NdjsonStatus::kOk;
  NdjsonStatus finish_status = NdjsonStatus::kOk;
  friend bool operator==(const Split&, const Split&) = default;
};

std::ostream& operator<<(std::ostream& os, const Split& s) {
  os << "feed=" << ndjson_status_name(s.feed_status) << " finish=" << ndjson_status_name(s.finish_status)
     << " lines=[";
  for (const auto& l : s.lines) os << "{" << l << "} ";
  return os << "]";
}

Split split_pieces(const std::vector<std::string_view>& pieces, NdjsonSplitterOptions options = {}) {
  NdjsonSplitter splitter(options);
  Split out;
  for (std::string_view piece : pieces) {
    const NdjsonStatus s = splitter.feed(piece, out.lines);
    if (s != NdjsonStatus::kOk && out.feed_status == NdjsonStatus::kOk) out.feed_status = s;
  }
  out.finish_status = splitter.finish(out.lines);
  return out;
}

Split split(std::string_view s, NdjsonSplitterOptions options = {}) { return split_pieces({s}, options); }

// Whole, cut in two at every boundary, in 1-byte pieces, and (short inputs)
// cut in three at every pair of boundaries: identical lines and statuses.
void expect_split_invariant(std::string_view s, NdjsonSplitterOptions options = {}) {
  const Split whole = split(s, options);
  for (std::size_t i = 0; i <= s.size(); ++i) {
    ASSERT_EQ(split_pieces({s.substr(0, i), s.substr(i)}, options), whole) << "split at " << i;
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < s.size(); ++i) bytes.push_back(s.substr(i, 1));
  ASSERT_EQ(split_pieces(bytes, options), whole) << "1-byte pieces";
  if (s.size() <= 96) {
    for (std::size_t i = 0; i <= s.size(); ++i) {
      for (std::size_t j = i; j <= s.size(); ++j) {
        ASSERT_EQ(split_pieces({s.substr(0, i), s.substr(i, j - i), s.substr(j)}, options), whole);
      }
    }
  }
}

const std::string kOllamaStream =
    "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"done\":false}\n"
    "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"lo\"},\"done\":false}\n"
    "{\"model\":\"m\",\"done\":true,\"prompt_eval_count\":5,\"eval_count\":2}\n";

TEST(NdjsonSplitter, OllamaStreamYieldsOneLinePerObject) {
  const Split s = split(kOllamaStream);
  ASSERT_EQ(s.lines.size(), 3u);
  EXPECT_EQ(s.lines[2], "{\"model\":\"m\",\"done\":true,\"prompt_eval_count\":5,\"eval_count\":2}");
  EXPECT_EQ(s.feed_status, NdjsonStatus::kOk);
  expect_split_invariant(kOllamaStream);
}

TEST(NdjsonSplitter, StripsCrAndSkipsBlankLines) {
  const std::string s = "{\"a\":1}\r\n\n  \t\r\n{\"b\":2}\n\r\n";
  EXPECT_EQ(split(s).lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  expect_split_invariant(s);
}

TEST(NdjsonSplitter, FinishEmitsUnterminatedFinalLine) {
  EXPECT_EQ(split("{\"a\":1}\n{\"b\":").lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":"}));
  EXPECT_EQ(split("{\"a\":1}\n   ").lines, (std::vector<std::string>{"{\"a\":1}"}));
  expect_split_invariant("{\"a\":1}\n{\"b\":");
}

TEST(NdjsonSplitter, LineLongerThanLimitIsAStickyError) {
  NdjsonSplitterOptions opt;
  opt.max_line_bytes = 8;
  const std::string s = "12345678\n123456789\nabc\n";
  const Split got = split(s, opt);
  EXPECT_EQ(got.lines, (std::vector<std::string>{"12345678"}));
  EXPECT_EQ(got.feed_status, NdjsonStatus::kLineTooLarge);
  EXPECT_EQ(got.finish_status, NdjsonStatus::kLineTooLarge);
  expect_split_invariant(s, opt);

  NdjsonSplitter splitter(opt);
  std::vector<std::string> out;
  EXPECT_EQ(splitter.feed(std::string(1 << 16, 'x'), out), NdjsonStatus::kLineTooLarge);  // no newline ever
  EXPECT_TRUE(splitter.failed());
  splitter.reset();
  EXPECT_EQ(splitter.feed("{}\n", out), NdjsonStatus::kOk);
  EXPECT_EQ(out, (std::vector<std::string>{"{}"}));
}

TEST(NdjsonSplitter, CallbackGetsViews) {
  NdjsonSplitter splitter;
  std::size_t total = 0;
  EXPECT_EQ(splitter.feed("ab\ncde\n", [&](std::string_view line) { total += line.size(); }), NdjsonStatus::kOk);
  EXPECT_EQ(total, 5u);
}

TEST(NdjsonSplitter, GarbageNeverCrashesAndMatchesNaiveSplitUnderRandomSplits) {
  std::mt19937 rng(99);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> small(0, 5);
  for (int iter = 0; iter < 2000; ++iter) {
    std::string s;
    const int n = std::uniform_int_distribution<int>(0, 400)(rng);
    for (int i = 0; i < n; ++i) {
      const int k = small(rng);
      s += k == 0 ? '\n' : k == 1 ? '\r' : k == 2 ? ' ' : static_cast<char>(byte(rng));
    }
    // Naive reference: split on '\n', drop one trailing '\r', skip blank lines.
    std::vector<std::string> want;
    std::size_t start = 0;
    while (start <= s.size()) {
      std::size_t nl = s.find('\n', start);
      std::string line = s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t\r") != std::string::npos) want.push_back(line);
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    std::vector<std::string_view> pieces;
    std::string_view rest = s;
    while (!rest.empty()) {
      const std::size_t k = std::min<std::size_t>(rest.size(), small(rng) * 7 + 1);
      pieces.push_back(rest.substr(0, k));
      rest.remove_prefix(k);
    }
    ASSERT_EQ(split_pieces(pieces).lines, want) << "iteration " << iter;
  }
}

}  // namespace
}  // namespace aiperf::transport
