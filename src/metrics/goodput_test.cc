#include "metrics/goodput.h"

#include <gtest/gtest.h>

namespace aiperf::metrics {
namespace {

TEST(GoodputTest, ParsesObjectives) {
  auto slos = parse_goodput("time_to_first_token:50 inter_token_latency:10.5");
  ASSERT_TRUE(slos) << slos.error().describe();
  ASSERT_EQ(slos->size(), 2u);
  EXPECT_EQ((*slos)[0].metric, MetricId::kTimeToFirstToken);
  EXPECT_DOUBLE_EQ((*slos)[1].bound, 10.5);
}

TEST(GoodputTest, RejectsBadInput) {
  EXPECT_NE(parse_goodput("ttft:50").error().message.find("not supported; use one of: time_to_first_token"), std::string::npos);
  EXPECT_NE(parse_goodput("time_to_first_token").error().message.find("TAG:VALUE"), std::string::npos);
  EXPECT_NE(parse_goodput("time_to_first_token:-1").error().message.find("positive number"), std::string::npos);
  EXPECT_NE(parse_goodput("time_to_first_token:5x").error().message.find("'5x'"), std::string::npos);
  EXPECT_FALSE(parse_goodput("  "));
}

TEST(GoodputTest, RequestMustMeetEveryObjective) {
  auto slos = *parse_goodput("time_to_first_token:50 output_token_throughput_per_user:100");
  RequestMetrics r;
  r.ok = true;
  r.time_to_first_token_ns = 40'000'000;
  r.output_token_throughput_per_user = 150;
  EXPECT_TRUE(meets_slos(r, slos));
  r.time_to_first_token_ns = 60'000'000;
  EXPECT_FALSE(meets_slos(r, slos));
  r.time_to_first_token_ns = 40'000'000;
  r.output_token_throughput_per_user = 90;
  EXPECT_FALSE(meets_slos(r, slos));
  r.output_token_throughput_per_user.reset();
  EXPECT_FALSE(meets_slos(r, slos));  // missing metric: not good
  r.output_token_throughput_per_user = 150;
  r.ok = false;
  EXPECT_FALSE(meets_slos(r, slos));
}

}  // namespace
}  // namespace aiperf::metrics
