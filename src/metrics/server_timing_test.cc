#include "metrics/server_timing.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

namespace aiperf::metrics {
namespace {

TEST(ServerTimingTest, ReadsQueuePrefillAndDecode) {
  auto t = server_timing_of("queue;dur=1.2, prefill;dur=3.4, decode;dur=40.1");
  ASSERT_TRUE(t) << t.error().describe();
  EXPECT_DOUBLE_EQ(*t->queue_ms, 1.2);
  EXPECT_DOUBLE_EQ(*t->prefill_ms, 3.4);
  EXPECT_DOUBLE_EQ(*t->decode_ms, 40.1);
}

TEST(ServerTimingTest, FollowsTheW3cGrammar) {
  // OWS around ';' and '=', quoted values with escapes, a metric without params, empty list elements.
  auto m = parse_server_timing(R"(miss, ,db ; dur = 53 ;desc="DB \"read\"", app;dur=47.2;desc=x)");
  ASSERT_TRUE(m) << m.error().describe();
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[0].name, "miss");
  EXPECT_FALSE((*m)[0].dur_ms);
  EXPECT_EQ((*m)[1].desc, "DB \"read\"");
  EXPECT_DOUBLE_EQ(*(*m)[1].dur_ms, 53);
  EXPECT_DOUBLE_EQ(*(*m)[2].dur_ms, 47.2);
  EXPECT_TRUE(parse_server_timing("")->empty());
}

TEST(ServerTimingTest, FirstOfARepeatedNameOrParameterWinsAndOthersAreIgnored) {
  auto t = server_timing_of("cache;dur=9, queue;dur=2;dur=7, queue;dur=5, prefill;dur=\"3\"");
  ASSERT_TRUE(t) << t.error().describe();
  EXPECT_DOUBLE_EQ(*t->queue_ms, 2);
  EXPECT_DOUBLE_EQ(*t->prefill_ms, 3);
  EXPECT_FALSE(t->decode_ms);
  EXPECT_FALSE(server_timing_of("cache;dur=9")->any());
}

TEST(ServerTimingTest, RejectsMalformedValuesWithTheirColumn) {
  const char* bad[] = {
      "queue;dur=",          // no value
      "queue;dur=abc",       // not a number
      "queue;dur=-1",        // negative
      "queue;dur=nan",       // not finite
      "queue;dur=inf",       // not finite
      "queue;dur=1e999",     // overflows
      "queue;dur=1.2.3",     // trailing garbage
      "queue;dur 1",         // missing '='
      "queue;=1",            // missing parameter name
      "queue;desc=\"open",   // unterminated quote
      "queue;desc=\"a\\",    // escape at the end
      "que ue;dur=1",        // space inside a name
      "queue;dur=1 prefill", // missing ','
      "(queue);dur=1",       // not a token
      ";dur=1",              // no metric name
      "queue;dur=1;",        // dangling ';'
      "queue;desc=\"a\x01\"",  // control character
  };
  for (const char* value : bad) {
    auto t = server_timing_of(value);
    ASSERT_FALSE(t) << value;
    EXPECT_EQ(t.error().code, ErrorCode::kMalformedInput) << value;
    EXPECT_NE(t.error().message.find("column"), std::string::npos) << value;
  }
}

// Mutations of a valid value (bytes replaced, inserted, removed, cut): the parser never
// crashes, is deterministic, and whatever it accepts has finite non-negative durations.
TEST(ServerTimingTest, SurvivesRandomMutationsOfAValidValue) {
  const std::string valid = "queue;dur=1.25, prefill;desc=\"p\";dur=3.5, decode;dur=40.125";
  std::mt19937 rng(12345);
  const std::string alphabet = ";,=\" \t\\.-+e0123456789abcdurqp\x01\xff";
  int accepted = 0, rejected = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string s = valid;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      std::size_t at = rng() % s.size();
      char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 4) {
        case 0: s[at] = c; break;
        case 1: s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        case 2: s.erase(at, 1); break;
        default: s.resize(at); break;
      }
    }
    auto a = parse_server_timing(s);
    auto b = parse_server_timing(s);
    ASSERT_EQ(a.has_value(), b.has_value()) << s;
    if (!a) {
      ++rejected;
      continue;
    }
    ++accepted;
    for (const auto& m : *a) {
      EXPECT_FALSE(m.name.empty()) << s;
      if (m.dur_ms) {
        EXPECT_TRUE(std::isfinite(*m.dur_ms) && *m.dur_ms >= 0) << s;
      }
    }
  }
  // Both verdicts occur, so the mutations exercise the error paths and the accepting ones.
  EXPECT_GT(accepted, 100);
  EXPECT_GT(rejected, 100);
}

}  // namespace
}  // namespace aiperf::metrics
