// The hook through the SDK interfaces: built from a PluginConfig, callbacks
// recorded by a fake registrar and fired with filled PhaseStats, sending to a
// UDP listener (DogStatsD) and an HTTP listener (Datadog API) on loopback.
#include "datadog_hook.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "common/testing/fake_registrar.h"
#include "support/listeners.h"
#include "common/testing/process.h"

namespace aiperf_datadog {
namespace {

using Clock = std::chrono::steady_clock;
using plugin_test::StatsdMetric;

constexpr const char* kKey = "0123456789abcdef-secret-api-key";

aiperf::PluginConfig config(const nlohmann::json& json) { return aiperf::PluginConfig(json); }

std::string config_error(const nlohmann::json& json) {
  try {
    DatadogPhaseHook hook(config(json));
  } catch (const aiperf::ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted " << json.dump();
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
  stats.metrics.push_back({"time_to_first_token", "ms", 198, 25.5, 12, 80, 7, 24, 33, 41, 77});
  return stats;
}

std::vector<StatsdMetric> all_metrics(const std::vector<std::string>& datagrams) {
  std::vector<StatsdMetric> out;
  for (const auto& d : datagrams) {
    auto parsed = plugin_test::parse_statsd(d);
    out.insert(out.end(), parsed.begin(), parsed.end());
  }
  return out;
}

const StatsdMetric* find(const std::vector<StatsdMetric>& metrics, const std::string& name) {
  auto it = std::find_if(metrics.begin(), metrics.end(), [&](const auto& m) { return m.name == name; });
  return it == metrics.end() ? nullptr : &*it;
}

// The message of what firing the complete callbacks throws, and how long it took.
std::pair<std::string, Clock::duration> complete_throws(const DatadogPhaseHook& hook) {
  auto start = Clock::now();
  try {
    hook.on_phase_complete(profiling_stats());
  } catch (const std::runtime_error& e) {
    return {e.what(), Clock::now() - start};
  }
  ADD_FAILURE() << "did not throw";
  return {"", Clock::now() - start};
}

TEST(DatadogConfigTest, DefaultsTargetTheLocalAgent) {
  DatadogPhaseHook hook(config(nlohmann::json::object()));
  EXPECT_EQ(hook.config().statsd_host, "127.0.0.1");
  EXPECT_EQ(hook.config().statsd_port, 8125);
  EXPECT_EQ(hook.config().prefix, "aiperf");
  EXPECT_FALSE(hook.config().api);
}

TEST(DatadogConfigTest, UnknownKeySuggestsTheClosestOne) {
  EXPECT_EQ(config_error({{"statsd_prot", 8125}}), "unknown key 'statsd_prot' (did you mean 'statsd_port'?)");
  EXPECT_EQ(config_error({{"tag", {"a:b"}}}), "unknown key 'tag' (did you mean 'tags'?)");
}

TEST(DatadogConfigTest, WrongTypesAndValuesNameTheKey) {
  EXPECT_EQ(config_error({{"statsd_port", "8125"}}), "key 'statsd_port' has the wrong type: got string \"8125\"");
  EXPECT_EQ(config_error({{"statsd_port", 70000}}), "key 'statsd_port' must be in 1..65535, got 70000");
  EXPECT_EQ(config_error({{"tags", "team:ml"}}), "key 'tags' has the wrong type: got string \"team:ml\"");
  EXPECT_NE(config_error({{"tags", {"team:ml,env:prod"}}}).find("key 'tags': \"team:ml,env:prod\" is not a valid tag"),
            std::string::npos);
  EXPECT_NE(config_error({{"prefix", "9lives"}}).find("key 'prefix' must start with a letter"), std::string::npos);
  EXPECT_NE(config_error({{"timeout_seconds", -1}}).find("key 'timeout_seconds' must be in (0, 300]"),
            std::string::npos);
}

TEST(DatadogConfigTest, ApiKeyAndSiteRules) {
  EXPECT_EQ(config_error({{"site", "datadoghq.eu"}}), "key 'site' needs 'api_key'");
  EXPECT_EQ(config_error({{"api_key", ""}}), "key 'api_key' is empty");
  auto message = config_error({{"api_key", kKey}, {"site", "ftp://example.com"}});
  EXPECT_NE(message.find("key 'site' must use http:// or https://"), std::string::npos) << message;
  EXPECT_EQ(message.find(kKey), std::string::npos);
  EXPECT_EQ(config_error({{"statsd", false}}), "nothing to send: 'statsd' is false and no 'api_key' is set");

  DatadogPhaseHook eu(config({{"api_key", kKey}, {"site", "datadoghq.eu"}}));
  EXPECT_EQ(eu.config().api->url(), "https://api.datadoghq.eu/api/v1/series");
  DatadogPhaseHook us(config({{"api_key", kKey}}));
  EXPECT_EQ(us.config().api->url(), "https://api.datadoghq.com/api/v1/series");
  DatadogPhaseHook local(config({{"api_key", kKey}, {"site", "http://127.0.0.1:8080/"}}));
  EXPECT_EQ(local.config().api->url(), "http://127.0.0.1:8080/api/v1/series");
}

TEST(DatadogHookTest, RegistersOneStartAndOneCompleteCallback) {
  DatadogPhaseHook hook(config(nlohmann::json::object()));
  plugin_test::FakeRegistrar registrar;
  hook.register_with(registrar);
  ASSERT_EQ(registrar.start.size(), 1u);
  ASSERT_EQ(registrar.complete.size(), 1u);
  EXPECT_EQ(registrar.start[0].first, "datadog");
  EXPECT_EQ(registrar.complete[0].first, "datadog");
}

TEST(DatadogHookTest, CompletedPhaseArrivesAsDogStatsdGaugesWithTags) {
  plugin_test::UdpListener agent;
  DatadogPhaseHook hook(config({{"statsd_port", agent.port()}, {"tags", {"team:ml-perf", "env:ci"}}}));
  plugin_test::FakeRegistrar registrar;
  hook.register_with(registrar);
  registrar.fire_complete(profiling_stats());

  auto datagrams = agent.receive();
  ASSERT_FALSE(datagrams.empty());
  for (const auto& d : datagrams) EXPECT_LE(d.size(), kMaxDatagramBytes);
  auto metrics = all_metrics(datagrams);
  std::vector<std::string> tags = {"phase:profiling", "team:ml-perf", "env:ci"};
  for (const auto& m : metrics) {
    EXPECT_EQ(m.type, "g") << m.name;
    EXPECT_EQ(m.tags, tags) << m.name;
  }
  ASSERT_TRUE(find(metrics, "aiperf.requests.sent"));
  EXPECT_EQ(find(metrics, "aiperf.requests.sent")->value, 200);
  EXPECT_EQ(find(metrics, "aiperf.requests.completed")->value, 198);
  EXPECT_EQ(find(metrics, "aiperf.requests.failed")->value, 2);
  EXPECT_EQ(find(metrics, "aiperf.phase.duration")->value, 30);
  EXPECT_EQ(find(metrics, "aiperf.phase.running")->value, 0);
  EXPECT_EQ(find(metrics, "aiperf.time_to_first_token.avg")->value, 25.5);
  EXPECT_EQ(find(metrics, "aiperf.time_to_first_token.p90")->value, 33);
  EXPECT_EQ(find(metrics, "aiperf.time_to_first_token.count")->value, 198);
}

TEST(DatadogHookTest, CollectorSummariesArriveAsServerGauges) {
  plugin_test::UdpListener agent;
  DatadogPhaseHook hook(config({{"statsd_port", agent.port()}}));
  plugin_test::FakeRegistrar registrar;
  hook.register_with(registrar);
  auto stats = profiling_stats();
  stats.server_metrics.push_back({"server_metrics", "vllm:num_requests_running{model_name=\"llama3\"}",
                                  "Requests running", "requests", "gauge", {{"avg", 3.25}, {"p99", 8}}});
  stats.server_metrics.push_back({"gpu_telemetry", "output_tokens_per_joule", "Output tokens per joule", "tokens/J",
                                  "derived", {{"value", 12.5}}});
  registrar.fire_complete(stats);

  auto metrics = all_metrics(agent.receive());
  const auto* avg = find(metrics, "aiperf.server.vllm_num_requests_running_model_name_llama3.avg");
  ASSERT_TRUE(avg);
  EXPECT_EQ(avg->value, 3.25);
  EXPECT_EQ(avg->tags, std::vector<std::string>{"phase:profiling"});
  EXPECT_EQ(find(metrics, "aiperf.server.vllm_num_requests_running_model_name_llama3.p99")->value, 8);
  ASSERT_TRUE(find(metrics, "aiperf.server.output_tokens_per_joule.value"));
  EXPECT_EQ(find(metrics, "aiperf.server.output_tokens_per_joule.value")->value, 12.5);
}

TEST(DatadogMetricsTest, ServerMetricNamesAreTidyDatadogNameParts) {
  EXPECT_EQ(server_metric_name("vllm:e2e_request_latency_seconds{model_name=\"m\"}"),
            "vllm_e2e_request_latency_seconds_model_name_m");
  EXPECT_EQ(server_metric_name("power{gpu=\"0\",UUID=\"GPU-1\"}"), "power_gpu_0_UUID_GPU_1");
  EXPECT_EQ(server_metric_name("plain"), "plain");
}

TEST(DatadogHookTest, PhaseStartSendsRunningWithACustomPrefix) {
  plugin_test::UdpListener agent;
  DatadogPhaseHook hook(config({{"statsd_port", agent.port()}, {"prefix", "bench.llm"}}));
  aiperf::PhaseStats stats;
  stats.phase = "warmup";
  hook.on_phase_start(stats);
  auto metrics = all_metrics(agent.receive());
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_EQ(metrics[0].name, "bench.llm.phase.running");
  EXPECT_EQ(metrics[0].value, 1);
  EXPECT_EQ(metrics[0].tags, std::vector<std::string>{"phase:warmup"});
}

TEST(DatadogHookTest, NoAgentListeningIsNotAnError) {
  DatadogPhaseHook hook(config({{"statsd_port", plugin_test::free_tcp_port()}}));
  auto start = Clock::now();
  EXPECT_NO_THROW(hook.on_phase_start(profiling_stats()));
  EXPECT_NO_THROW(hook.on_phase_complete(profiling_stats()));
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500));
}

TEST(DatadogHookTest, SeriesArePostedWithTheKeyHeaderAndJson) {
  plugin_test::UdpListener agent;
  plugin_test::HttpListener api;
  DatadogPhaseHook hook(config({{"statsd_port", agent.port()}, {"api_key", kKey}, {"site", api.url()},
                                {"tags", {"team:ml-perf"}}}));
  hook.on_phase_complete(profiling_stats());

  auto requests = api.requests(1);
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/api/v1/series");
  EXPECT_EQ(r.headers.at("dd-api-key"), kKey);
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  auto body = nlohmann::json::parse(r.body);
  ASSERT_TRUE(body["series"].is_array());
  nlohmann::json ttft;
  for (const auto& s : body["series"]) {
    EXPECT_EQ(s["type"], "gauge");
    EXPECT_EQ(s["tags"], nlohmann::json({"phase:profiling", "team:ml-perf"}));
    if (s["metric"] == "aiperf.time_to_first_token.avg") ttft = s;
  }
  ASSERT_FALSE(ttft.is_null()) << r.body;
  EXPECT_EQ(ttft["points"], nlohmann::json::parse("[[1700000030, 25.5]]"));
  EXPECT_EQ(body["series"].size(), all_metrics(agent.receive()).size()) << "same metrics both ways";
}

TEST(DatadogHookTest, ApiDownThrowsQuicklyWithoutTheKey) {
  std::string site = "http://127.0.0.1:" + std::to_string(plugin_test::free_tcp_port());
  DatadogPhaseHook hook(config({{"statsd", false}, {"api_key", kKey}, {"site", site}}));
  auto [message, took] = complete_throws(hook);
  EXPECT_NE(message.find("Datadog API " + site + "/api/v1/series: POST failed"), std::string::npos) << message;
  EXPECT_NE(message.find("Couldn't connect to server"), std::string::npos) << message;
  EXPECT_EQ(message.find(kKey), std::string::npos) << message;
  EXPECT_LT(took, std::chrono::seconds(2));
}

TEST(DatadogHookTest, ApiErrorStatusIsReportedAndAnEchoedKeyIsRedacted) {
  plugin_test::HttpListener api(403, std::string(R"({"errors": ["Forbidden: bad key )") + kKey + "\"]}");
  DatadogPhaseHook hook(config({{"statsd", false}, {"api_key", kKey}, {"site", api.url()}}));
  auto [message, took] = complete_throws(hook);
  EXPECT_NE(message.find("returned HTTP 403"), std::string::npos) << message;
  EXPECT_NE(message.find("Forbidden: bad key <redacted>"), std::string::npos) << message;
  EXPECT_EQ(message.find(kKey), std::string::npos) << message;
}

TEST(DatadogHookTest, UnresponsiveApiTimesOutWithinTheBound) {
  plugin_test::SilentListener api;
  DatadogPhaseHook hook(config({{"statsd", false}, {"api_key", kKey}, {"timeout_seconds", 0.5},
                                {"site", "http://127.0.0.1:" + std::to_string(api.port())}}));
  auto [message, took] = complete_throws(hook);
  EXPECT_NE(message.find("timed out after 500 ms"), std::string::npos) << message;
  EXPECT_EQ(message.find(kKey), std::string::npos) << message;
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST(DatadogHookTest, StatsdStillSentWhenTheApiFails) {
  plugin_test::UdpListener agent;
  DatadogPhaseHook hook(config({{"statsd_port", agent.port()}, {"api_key", kKey},
                                {"site", "http://127.0.0.1:" + std::to_string(plugin_test::free_tcp_port())}}));
  EXPECT_THROW(hook.on_phase_complete(profiling_stats()), std::runtime_error);
  EXPECT_TRUE(find(all_metrics(agent.receive()), "aiperf.requests.sent"));
}

}  // namespace
}  // namespace aiperf_datadog
