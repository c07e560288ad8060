#include "custom_replay.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include <aiperf/sdk/plugin.h>
#include <unistd.h>

// The exported factory (src/factory.cc), as the host would call it.
extern "C" int aiperf_custom_replay_timing_strategy(const aiperf_factory_args* args,
                                                    aiperf_factory_result* result) noexcept;

namespace aiperf_plugins::custom_replay {
namespace {

using Kind = aiperf::Credit::Kind;

// A record in the shape aiperf's profile_export.jsonl writes.
std::string record(int64_t start_ns, bool failed = false, int session = 0) {
  nlohmann::json r = {
      {"metadata", {{"session_num", session}, {"x_request_id", "run-" + std::to_string(session)},
                    {"request_start_ns", start_ns}, {"request_end_ns", start_ns + 5'000'000},
                    {"benchmark_phase", "profiling"}, {"was_cancelled", false}}},
      {"metrics", {{"request_latency", {{"value", 5.0}, {"unit", "ms"}}}}},
      {"error", failed ? nlohmann::json{{"code", 500}, {"type", "http_status"}, {"message", "boom"}}
                       : nlohmann::json(nullptr)}};
  return r.dump();
}

class CustomReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("custom-replay-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::vector<std::string>& lines) {
    auto path = (dir_ / "profile_export.jsonl").string();
    std::ofstream out(path);
    for (const auto& l : lines) out << l << "\n";
    return path;
  }

  static std::unique_ptr<aiperf::TimingStrategy> make(nlohmann::json config) {
    return std::make_unique<CustomReplayStrategy>(aiperf::PluginConfig(std::move(config)));
  }

  static std::string error_of(nlohmann::json config) {
    try {
      make(std::move(config));
    } catch (const aiperf::ConfigError& e) {
      return e.what();
    }
    return "accepted";
  }

  // Every credit until Stop (at most 1000).
  static std::vector<int64_t> drain(aiperf::TimingStrategy& s) {
    std::vector<int64_t> times;
    for (uint64_t i = 0; i < 1000; ++i) {
      auto credit = s.next_credit({static_cast<int64_t>(i) * 1000, i, 0, 0});
      if (credit.kind == Kind::kStop) break;
      EXPECT_EQ(credit.kind, Kind::kSendAt);
      EXPECT_FALSE(credit.dataset_index);
      times.push_back(credit.send_at_ns);
    }
    return times;
  }

  std::filesystem::path dir_;
};

TEST_F(CustomReplayTest, ReplaysSortedTimesRelativeToTheFirstThenStops) {
  const int64_t t0 = 1'700'000'000'000'000'000;
  auto path = write({record(t0 + 250'000'000, false, 2), record(t0, false, 0), "",
                     record(t0 + 1'000'000, false, 1), "   "});
  auto s = make({{"path", path}});
  EXPECT_EQ(drain(*s), (std::vector<int64_t>{0, 1'000'000, 250'000'000}));
  EXPECT_EQ(s->next_credit({}).kind, Kind::kStop);  // and stays stopped
}

TEST_F(CustomReplayTest, TimeScaleStretchesOrCompressesTheSchedule) {
  auto path = write({record(1000), record(1000 + 300'000'001), record(1000 + 900'000'000)});
  auto half = make({{"path", path}, {"time_scale", 0.5}});
  EXPECT_EQ(drain(*half), (std::vector<int64_t>{0, 150'000'001, 450'000'000}));
  auto twice = make({{"path", path}, {"time_scale", 2}});
  EXPECT_EQ(drain(*twice), (std::vector<int64_t>{0, 600'000'002, 1'800'000'000}));
}

TEST_F(CustomReplayTest, SkipFailedLeavesOutRecordsWithAnError) {
  auto path = write({record(5'000, true), record(10'000), record(12'000, true), record(20'000)});
  EXPECT_EQ(drain(*make({{"path", path}})), (std::vector<int64_t>{0, 5'000, 7'000, 15'000}));
  auto skipping = make({{"path", path}, {"skip_failed", true}});
  EXPECT_EQ(drain(*skipping), (std::vector<int64_t>{0, 10'000}));
  auto summary = skipping->summary();
  EXPECT_NE(summary.find("replayed 2 of 2 requests from " + path), std::string::npos) << summary;
  EXPECT_NE(summary.find("2 failed records skipped"), std::string::npos) << summary;
}

TEST_F(CustomReplayTest, SummarySaysHowMuchWasReplayed) {
  auto path = write({record(0), record(1'500'000'000), record(3'000'000'000)});
  auto s = make({{"path", path}, {"time_scale", 0.5}});
  s->next_credit({});
  EXPECT_EQ(s->summary(), "replayed 1 of 3 requests from " + path + " (recorded over 3.000 s, time_scale 0.5)");
}

TEST_F(CustomReplayTest, UnreadableFileIsAConfigErrorNamingIt) {
  auto missing = (dir_ / "nope.jsonl").string();
  auto message = error_of({{"path", missing}});
  EXPECT_NE(message.find("cannot read '" + missing + "'"), std::string::npos) << message;
  EXPECT_NE(message.find("No such file"), std::string::npos) << message;
  auto directory = error_of({{"path", dir_.string()}});
  EXPECT_NE(directory.find(dir_.string()), std::string::npos) << directory;
}

TEST_F(CustomReplayTest, MalformedLinesAreReportedWithTheirLineNumber) {
  auto path = write({record(1), "", R"({"metadata": {"request_start_ns": 5)"});
  EXPECT_EQ(error_of({{"path", path}}), path + ":3: malformed record: not valid JSON");
  write({record(1), "[1, 2]"});
  EXPECT_EQ(error_of({{"path", path}}), path + ":2: malformed record: not a JSON object");
  write({R"({"error": null})"});
  EXPECT_EQ(error_of({{"path", path}}), path + ":1: malformed record: no 'metadata' object");
  write({record(1), record(2), R"({"metadata": {"request_start_ns": "12"}})"});
  EXPECT_EQ(error_of({{"path", path}}),
            path + ":3: malformed record: 'metadata.request_start_ns' is not an integer");
  write({R"({"metadata": {"request_start_ns": 1.5}})"});
  EXPECT_NE(error_of({{"path", path}}).find(":1: malformed record"), std::string::npos);
}

TEST_F(CustomReplayTest, NoRecordsIsAConfigErrorNamingTheFile) {
  auto path = write({"", "  "});
  EXPECT_EQ(error_of({{"path", path}}), "'" + path + "' has nothing to replay: no records");
  write({record(1, true), record(2, true)});
  EXPECT_EQ(error_of({{"path", path}, {"skip_failed", true}}),
            "'" + path + "' has nothing to replay: no records left after skipping 2 failed ones");
}

TEST_F(CustomReplayTest, ConfigIsValidated) {
  auto path = write({record(1)});
  EXPECT_NE(error_of(nlohmann::json::object()).find("missing required key 'path'"), std::string::npos);
  EXPECT_NE(error_of({{"path", ""}}).find("'path' is empty"), std::string::npos);
  EXPECT_NE(error_of({{"path", 3}}).find("'path' has the wrong type"), std::string::npos);
  EXPECT_NE(error_of({{"path", path}, {"time_scale", 0}}).find("'time_scale' must be a positive"),
            std::string::npos);
  EXPECT_NE(error_of({{"path", path}, {"time_scale", -1}}).find("'time_scale'"), std::string::npos);
  EXPECT_NE(error_of({{"path", path}, {"skip_failed", "yes"}}).find("'skip_failed' has the wrong type"),
            std::string::npos);
  EXPECT_NE(error_of({{"path", path}, {"timescale", 2}}).find("did you mean 'time_scale'"), std::string::npos);
}

TEST_F(CustomReplayTest, FactoryReportsErrorsThroughTheCBoundary) {
  auto missing = (dir_ / "gone.jsonl").string();
  std::string config = nlohmann::json{{"path", missing}}.dump();
  aiperf_factory_args args{sizeof(aiperf_factory_args), "timing_strategy", "custom_replay", config.c_str()};
  aiperf_factory_result result{};
  EXPECT_NE(aiperf_custom_replay_timing_strategy(&args, &result), 0);
  EXPECT_NE(std::string(result.error).find(missing), std::string::npos) << result.error;

  config = nlohmann::json{{"path", write({record(7), record(9)})}}.dump();
  args.config_json = config.c_str();
  ASSERT_EQ(aiperf_custom_replay_timing_strategy(&args, &result), 0) << result.error;
  std::unique_ptr<aiperf::TimingStrategy> s(static_cast<aiperf::TimingStrategy*>(result.instance));
  EXPECT_EQ(drain(*s), (std::vector<int64_t>{0, 2}));
}

}  // namespace
}  // namespace aiperf_plugins::custom_replay
