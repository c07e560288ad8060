// The hook through the SDK interfaces: built from a PluginConfig, callbacks
// recorded by a fake registrar and fired with filled PhaseStats, pushing to a
// real prometheus-pushgateway.
#include "prometheus_hook.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>

#include "common/testing/fake_registrar.h"
#include "support/pushgateway_server.h"

namespace aiperf_prometheus {
namespace {

using plugin_test::find_value;

aiperf::PluginConfig config(const char* json) { return aiperf::PluginConfig::parse(json); }

// The ConfigError message of constructing the hook from `json`.
std::string config_error(const char* json) {
  try {
    PrometheusPhaseHook hook(config(json));
  } catch (const aiperf::ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted " << json;
  return "";
}

aiperf::PhaseStats profiling_stats() {
  aiperf::PhaseStats stats;
  stats.phase = "profiling";
  stats.start_ns = 1'700'000'000'000'000'000;
  stats.end_ns = 1'700'000'030'000'000'000;
  stats.duration_sec = 30;
  stats.requests_sent = 200;
  stats.requests_completed = 198;
  stats.requests_failed = 2;
  stats.metrics.push_back({"time_to_first_token", "ms", 198, 25, 12, 80, 7, 24, 33, 41, 77});
  stats.metrics.push_back({"output_token_throughput", "tokens/sec", 1, 1500, 1500, 1500, 0, 1500, 1500,
                           1500, 1500});
  return stats;
}

class PushgatewayHookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(PUSHGATEWAY_EXECUTABLE).empty()) GTEST_SKIP() << "prometheus-pushgateway not installed";
    gateway_ = std::make_unique<plugin_test::PushgatewayServer>(PUSHGATEWAY_EXECUTABLE);
  }
  std::unique_ptr<plugin_test::PushgatewayServer> gateway_;
};

TEST(PrometheusConfigTest, EndpointIsRequired) {
  EXPECT_EQ(config_error(R"({"job": "x"})"), "missing required key 'endpoint'");
}

TEST(PrometheusConfigTest, UnknownKeySuggestsTheClosestOne) {
  EXPECT_EQ(config_error(R"({"endpoint": "http://127.0.0.1:9091", "jbo": "x"})"),
            "unknown key 'jbo' (did you mean 'job'?)");
  EXPECT_EQ(config_error(R"({"endpont": "http://127.0.0.1:9091"})"),
            "unknown key 'endpont' (did you mean 'endpoint'?)");
}

TEST(PrometheusConfigTest, EndpointMustBeAnHttpUrl) {
  auto message = config_error(R"({"endpoint": "127.0.0.1:9091"})");
  EXPECT_NE(message.find("key 'endpoint' must be an http:// or https:// URL"), std::string::npos) << message;
}

TEST(PrometheusConfigTest, WrongTypeNamesTheKey) {
  EXPECT_EQ(config_error(R"({"endpoint": "http://h", "timeout_seconds": "fast"})"),
            "key 'timeout_seconds' has the wrong type: got string \"fast\"");
  auto message = config_error(R"({"endpoint": "http://h", "labels": {"team": 3}})");
  EXPECT_NE(message.find("key 'labels' has the wrong type"), std::string::npos) << message;
}

TEST(PrometheusConfigTest, RejectsInvalidAndReservedLabelNames) {
  EXPECT_EQ(config_error(R"({"endpoint": "http://h", "labels": {"team-name": "ml"}})"),
            "key 'labels': 'team-name' is not a valid Prometheus label name");
  EXPECT_EQ(config_error(R"({"endpoint": "http://h", "labels": {"phase": "x"}})"),
            "key 'labels': 'phase' is set by the plugin itself");
}

TEST(PrometheusConfigTest, TimeoutMustBePositive) {
  auto message = config_error(R"({"endpoint": "http://h", "timeout_seconds": 0})");
  EXPECT_NE(message.find("key 'timeout_seconds' must be in (0, 300]"), std::string::npos) << message;
}

TEST(PrometheusConfigTest, DefaultsAndTrailingSlash) {
  PrometheusPhaseHook hook(config(R"({"endpoint": "http://127.0.0.1:9091/", "timeout_seconds": 1.5})"));
  EXPECT_EQ(hook.target().endpoint, "http://127.0.0.1:9091");
  EXPECT_EQ(hook.target().job, "aiperf");
  EXPECT_TRUE(hook.target().labels.empty());
  EXPECT_EQ(hook.target().timeout, std::chrono::milliseconds(1500));
}

TEST(PrometheusHookTest, RegistersOneStartAndOneCompleteCallback) {
  PrometheusPhaseHook hook(config(R"({"endpoint": "http://127.0.0.1:9091"})"));
  plugin_test::FakeRegistrar registrar;
  hook.register_with(registrar);
  ASSERT_EQ(registrar.start.size(), 1u);
  ASSERT_EQ(registrar.complete.size(), 1u);
  EXPECT_EQ(registrar.start[0].first, "prometheus");
  EXPECT_EQ(registrar.complete[0].first, "prometheus");
}

TEST(PrometheusHookTest, PeerDownCallbackThrowsQuicklyNamingTheEndpoint) {
  std::string endpoint = "http://127.0.0.1:" + std::to_string(plugin_test::free_tcp_port());
  PrometheusPhaseHook hook(config(("{\"endpoint\": \"" + endpoint + "\"}").c_str()));
  plugin_test::FakeRegistrar registrar;
  hook.register_with(registrar);
  auto start = std::chrono::steady_clock::now();
  try {
    registrar.fire_complete(profiling_stats());
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("Pushgateway " + endpoint), std::string::npos) << message;
    EXPECT_NE(message.find("Couldn't connect to server"), std::string::npos) << message;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(PushgatewayHookTest, CompletedPhaseIsReadBackWithValuesAndLabels) {
  PrometheusPhaseHook hook(config(("{\"endpoint\": \"" + gateway_->url() +
                                   "\", \"job\": \"bench\", \"labels\": {\"model\": \"llama3\"}}")
                                      .c_str()));
  plugin_test::FakeRegistrar registrar;
  hook.register_with(registrar);
  registrar.fire_complete(profiling_stats());

  auto series = gateway_->series();
  std::map<std::string, std::string> group = {{"job", "bench"}, {"phase", "profiling"}, {"model", "llama3"}};
  EXPECT_EQ(find_value(series, "aiperf_requests_sent", group), 200);
  EXPECT_EQ(find_value(series, "aiperf_requests_completed", group), 198);
  EXPECT_EQ(find_value(series, "aiperf_requests_failed", group), 2);
  EXPECT_EQ(find_value(series, "aiperf_phase_duration_seconds", group), 30);
  EXPECT_EQ(find_value(series, "aiperf_phase_running", group), 0);
  auto p90 = group;
  p90["stat"] = "p90";
  EXPECT_DOUBLE_EQ(*find_value(series, "aiperf_time_to_first_token_seconds", p90), 0.033);
  auto avg = group;
  avg["stat"] = "avg";
  EXPECT_EQ(find_value(series, "aiperf_output_token_throughput", avg), 1500);
  EXPECT_TRUE(find_value(series, "push_time_seconds", group)) << "the gateway recorded the push";
}

TEST_F(PushgatewayHookTest, CollectorSummariesArePushedWithTheServersNameAsALabel) {
  PrometheusPhaseHook hook(config(("{\"endpoint\": \"" + gateway_->url() + "\"}").c_str()));
  plugin_test::FakeRegistrar registrar;
  hook.register_with(registrar);
  auto stats = profiling_stats();
  const std::string running = "vllm:num_requests_running{model_name=\"llama3\"}";
  stats.server_metrics.push_back({"server_metrics", running, "Requests running", "requests", "gauge",
                                  {{"avg", 3.25}, {"p99", 8}}});
  stats.server_metrics.push_back({"gpu_telemetry", "energy_per_output_token", "Energy per output token", "J/token",
                                  "derived", {{"value", 0.125}}});
  registrar.fire_complete(stats);

  auto series = gateway_->series();
  std::map<std::string, std::string> labels = {
      {"job", "aiperf"}, {"phase", "profiling"}, {"collector", "server_metrics"}, {"metric", running}};
  labels["stat"] = "avg";
  EXPECT_EQ(find_value(series, "aiperf_server_metric", labels), 3.25);
  labels["stat"] = "p99";
  EXPECT_EQ(find_value(series, "aiperf_server_metric", labels), 8);
  EXPECT_EQ(find_value(series, "aiperf_server_metric",
                       {{"collector", "gpu_telemetry"}, {"metric", "energy_per_output_token"}, {"stat", "value"},
                        {"unit", "J/token"}}),
            0.125);
}

TEST_F(PushgatewayHookTest, WithoutCollectorsNoServerFamilyIsPushed) {
  PrometheusPhaseHook hook(config(("{\"endpoint\": \"" + gateway_->url() + "\"}").c_str()));
  plugin_test::FakeRegistrar registrar;
  hook.register_with(registrar);
  registrar.fire_complete(profiling_stats());
  auto series = gateway_->series();
  EXPECT_TRUE(find_value(series, "aiperf_requests_sent", {{"phase", "profiling"}}));
  EXPECT_FALSE(find_value(series, "aiperf_server_metric", {}));
}

TEST_F(PushgatewayHookTest, EachPhaseKeepsItsOwnGroup) {
  PrometheusPhaseHook hook(config(("{\"endpoint\": \"" + gateway_->url() + "\"}").c_str()));
  plugin_test::FakeRegistrar registrar;
  hook.register_with(registrar);
  auto warmup = profiling_stats();
  warmup.phase = "warmup";
  warmup.requests_sent = 10;
  registrar.fire_complete(warmup);
  registrar.fire_complete(profiling_stats());

  auto series = gateway_->series();
  EXPECT_EQ(find_value(series, "aiperf_requests_sent", {{"job", "aiperf"}, {"phase", "warmup"}}), 10);
  EXPECT_EQ(find_value(series, "aiperf_requests_sent", {{"job", "aiperf"}, {"phase", "profiling"}}), 200);
}

TEST_F(PushgatewayHookTest, StartMarksThePhaseRunningAndCompleteReplacesIt) {
  PrometheusPhaseHook hook(config(("{\"endpoint\": \"" + gateway_->url() + "\"}").c_str()));
  plugin_test::FakeRegistrar registrar;
  hook.register_with(registrar);
  aiperf::PhaseStats started;
  started.phase = "profiling";
  started.start_ns = 1'700'000'000'000'000'000;
  registrar.fire_start(started);
  std::map<std::string, std::string> group = {{"phase", "profiling"}};
  auto series = gateway_->series();
  EXPECT_EQ(find_value(series, "aiperf_phase_running", group), 1);
  EXPECT_EQ(find_value(series, "aiperf_phase_start_timestamp_seconds", group), 1'700'000'000);
  EXPECT_FALSE(find_value(series, "aiperf_requests_sent", group));

  registrar.fire_complete(profiling_stats());
  series = gateway_->series();
  EXPECT_EQ(find_value(series, "aiperf_phase_running", group), 0);
  EXPECT_EQ(find_value(series, "aiperf_requests_sent", group), 200);
}

TEST_F(PushgatewayHookTest, GatewayErrorStatusIsReportedWithTheStatus) {
  // A wrong path prefix: the real Pushgateway answers 404.
  std::string endpoint = gateway_->url() + "/not-a-pushgateway";
  PrometheusPhaseHook hook(config(("{\"endpoint\": \"" + endpoint + "\"}").c_str()));
  plugin_test::FakeRegistrar registrar;
  hook.register_with(registrar);
  try {
    registrar.fire_complete(profiling_stats());
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("Pushgateway " + endpoint + ": PUT /metrics/job/aiperf/phase/profiling"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("returned HTTP 404"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace aiperf_prometheus
