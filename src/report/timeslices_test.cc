#include "report/timeslices.h"

#include <gtest/gtest.h>

#include "report/testing/synthetic_run.h"
#include "support/test_support.h"

namespace aiperf::report {
namespace {

TEST(TimesliceTest, EveryRequestFallsInTheSliceOfItsSendTime) {
  aiperf::testing::TempDir dir;
  // 200 requests sent 5 ms apart: 1 s of sends, so 0.25 s slices hold 50 each (every 50th fails).
  testing::write_synthetic_run(dir.path(), {200, 40, 1});
  auto run = load_run(dir.path()).value();
  auto slices = timeslices(run, 0.25);
  ASSERT_EQ(slices["slices"].size(), 4u) << slices.dump();
  int64_t total = 0;
  for (const auto& s : slices["slices"]) {
    EXPECT_EQ(s["request_count"], 50);
    EXPECT_EQ(s["error_count"], 1);
    EXPECT_DOUBLE_EQ(s["request_throughput"].get<double>(), 49 / 0.25);
    EXPECT_GE(s["time_to_first_token"]["p99"].get<double>(), s["time_to_first_token"]["p50"].get<double>());
    total += s["request_count"].get<int64_t>();
  }
  EXPECT_EQ(total, 200);
  const std::string csv = timeslices_csv(slices);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 5);  // header + 4 slices
  EXPECT_FALSE(write_timeslices(dir.path(), 0.5));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "profile_export_aiperf_timeslices.csv"));
}

}  // namespace
}  // namespace aiperf::report
