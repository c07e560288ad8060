#include "export/collector_export.h"

#include <gtest/gtest.h>

namespace aiperf::exporting {
namespace {

collectors::CollectorOutcome outcome_with(std::vector<CollectorStat> stats) {
  collectors::CollectorOutcome o;
  o.name = "server_metrics";
  o.phase = "profiling";
  o.result = CollectorResult{};
  o.result->stats = std::move(stats);
  return o;
}

TEST(CollectorConsoleTableTest, NumbersAreWrittenForPeopleNotInExponentForm) {
  auto table = collector_console_table({outcome_with({
      {"vllm:generation_tokens_total", "Generation tokens", "tokens", "counter", {{"delta", 14420}, {"rate", 1718.37}}},
      {"vllm:num_requests_running", "Requests running", "", "gauge",
       {{"avg", 5.625}, {"min", 0}, {"max", 11}, {"p99", 11}}},
  })});
  EXPECT_NE(table.find("delta 14420"), std::string::npos) << table;
  EXPECT_NE(table.find("rate 1718.4/s"), std::string::npos) << table;
  EXPECT_NE(table.find("avg 5.625"), std::string::npos) << table;
  EXPECT_EQ(table.find("e+"), std::string::npos) << table;
}

TEST(CollectorConsoleTableTest, StatsWithoutADisplayNameAreNotPrinted) {
  auto table = collector_console_table({outcome_with({{"x_total", "", "", "counter", {{"delta", 1}}}})});
  EXPECT_EQ(table.find("x_total"), std::string::npos) << table;
}

}  // namespace
}  // namespace aiperf::exporting
