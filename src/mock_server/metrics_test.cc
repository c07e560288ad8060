#include "mock_server/metrics.h"

#include <gtest/gtest.h>

#include "collectors/exposition.h"

namespace aiperf::mock_server {
namespace {

TEST(MockMetricsTest, CountsWhatTheServerDidUnderVllmsNames) {
  ServerMetrics m;
  m.request_started("m1");
  m.request_started("m1");
  m.first_token("m1", 20, 0.03);
  m.tokens_generated("m1", 5);
  m.tokens_generated("m1", 7);
  m.request_finished("m1", 0.4, true, "length");
  auto text = m.render();
  auto parsed = collectors::parse_exposition(text, collectors::ExpositionFormat::kPrometheus);
  ASSERT_TRUE(parsed) << parsed.error().describe() << "\n" << text;
  auto value = [&](const std::string& family, const std::string& sample, const std::string& le = "") {
    const auto* f = parsed->find(family);
    EXPECT_NE(f, nullptr) << family;
    for (const auto& s : f ? f->samples : std::vector<collectors::Sample>{}) {
      if (s.name == sample && (le.empty() || (s.label("le") && *s.label("le") == le))) return s.value;
    }
    ADD_FAILURE() << sample << " " << le;
    return -1.0;
  };
  EXPECT_EQ(value("vllm:num_requests_running", "vllm:num_requests_running"), 1);
  EXPECT_EQ(value("vllm:prompt_tokens_total", "vllm:prompt_tokens_total"), 20);
  EXPECT_EQ(value("vllm:generation_tokens_total", "vllm:generation_tokens_total"), 12);
  EXPECT_EQ(value("vllm:request_success_total", "vllm:request_success_total"), 1);
  // 0.03 s is in (0.02, 0.04]; the cumulative buckets say so.
  EXPECT_EQ(value("vllm:time_to_first_token_seconds", "vllm:time_to_first_token_seconds_bucket", "0.02"), 0);
  EXPECT_EQ(value("vllm:time_to_first_token_seconds", "vllm:time_to_first_token_seconds_bucket", "0.04"), 1);
  EXPECT_EQ(value("vllm:time_to_first_token_seconds", "vllm:time_to_first_token_seconds_bucket", "+Inf"), 1);
  EXPECT_EQ(value("vllm:e2e_request_latency_seconds", "vllm:e2e_request_latency_seconds_bucket", "0.3"), 0);
  EXPECT_EQ(value("vllm:e2e_request_latency_seconds", "vllm:e2e_request_latency_seconds_count"), 1);
}

TEST(MockMetricsTest, AnObservationOnABoundIsInThatBucket) {
  ServerMetrics m;
  m.first_token("m", 1, 0.1);  // le is inclusive
  auto parsed = collectors::parse_exposition(m.render());
  ASSERT_TRUE(parsed);
  for (const auto& s : parsed->find("vllm:time_to_first_token_seconds")->samples) {
    const std::string* le = s.label("le");
    if (le && *le == "0.1") {
      EXPECT_EQ(s.value, 1);
    }
    if (le && *le == "0.08") {
      EXPECT_EQ(s.value, 0);
    }
  }
}

}  // namespace
}  // namespace aiperf::mock_server
