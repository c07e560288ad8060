#include "pushgateway.h"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

#include "common/testing/process.h"

namespace aiperf_prometheus {
namespace {

using Clock = std::chrono::steady_clock;

// The message of what `push` throws, and how long it took.
template <class F>
std::pair<std::string, Clock::duration> thrown_by(F push) {
  auto start = Clock::now();
  try {
    push();
  } catch (const std::runtime_error& e) {
    return {e.what(), Clock::now() - start};
  }
  ADD_FAILURE() << "did not throw";
  return {"", Clock::now() - start};
}

TEST(PushgatewayTest, GroupingKeyHasJobPhaseAndExtraLabels) {
  PushgatewayTarget target{"http://gw:9091", "aiperf", {{"cluster", "a100-pool"}, {"model", "llama3"}}};
  EXPECT_EQ(group_path(target, "profiling"),
            "/metrics/job/aiperf/phase/profiling/cluster/a100-pool/model/llama3");
}

TEST(PushgatewayTest, UnsafeValuesAreBase64UrlEncoded) {
  PushgatewayTarget target{"http://gw:9091", "bench/1", {{"model", "org/llama-3.1"}, {"empty", ""}}};
  EXPECT_EQ(group_path(target, "warmup"),
            "/metrics/job@base64/YmVuY2gvMQ==/phase/warmup/empty@base64/=/model@base64/b3JnL2xsYW1hLTMuMQ==");
}

TEST(PushgatewayTest, RedactsUserinfoInUrls) {
  EXPECT_EQ(redact_userinfo("https://user:secret@gw.example:9091/prefix"), "https://gw.example:9091/prefix");
  EXPECT_EQ(redact_userinfo("http://127.0.0.1:9091"), "http://127.0.0.1:9091");
  EXPECT_EQ(redact_userinfo("http://gw/path@x"), "http://gw/path@x");
}

TEST(PushgatewayTest, NothingListeningThrowsQuicklyNamingEndpointAndCause) {
  int port = plugin_test::free_tcp_port();
  PushgatewayTarget target{"http://127.0.0.1:" + std::to_string(port), "aiperf", {},
                           std::chrono::seconds(2)};
  auto [message, took] = thrown_by([&] { push_group(target, "profiling", "x 1\n"); });
  EXPECT_NE(message.find("Pushgateway http://127.0.0.1:" + std::to_string(port)), std::string::npos)
      << message;
  EXPECT_NE(message.find("PUT /metrics/job/aiperf/phase/profiling failed"), std::string::npos) << message;
  EXPECT_NE(message.find("Couldn't connect to server"), std::string::npos) << message;
  EXPECT_LT(took, std::chrono::seconds(2));
}

TEST(PushgatewayTest, UnresponsiveGatewayTimesOutWithinTheBound) {
  plugin_test::SilentListener silent;  // accepts connections, never answers
  PushgatewayTarget target{"http://127.0.0.1:" + std::to_string(silent.port()), "aiperf", {},
                           std::chrono::milliseconds(500)};
  auto [message, took] = thrown_by([&] { push_group(target, "profiling", "x 1\n"); });
  EXPECT_NE(message.find("timed out after 500 ms"), std::string::npos) << message;
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_GE(took, std::chrono::milliseconds(450));
}

TEST(PushgatewayTest, CredentialsInTheEndpointStayOutOfErrors) {
  int port = plugin_test::free_tcp_port();
  PushgatewayTarget target{"http://bob:hunter2@127.0.0.1:" + std::to_string(port), "aiperf", {},
                           std::chrono::seconds(2)};
  auto [message, took] = thrown_by([&] { push_group(target, "profiling", "x 1\n"); });
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  EXPECT_NE(message.find("http://127.0.0.1:" + std::to_string(port)), std::string::npos) << message;
}

}  // namespace
}  // namespace aiperf_prometheus
