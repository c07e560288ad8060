// https:// scrapes with the run's TLS options, against real nginx (test CA made
// with the openssl CLI) in front of aiperf-mock-server's /metrics, on 127.0.0.1.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "collectors/gpu_telemetry.h"
#include "collectors/server_metrics.h"
#include "mock_server/testing/mock_server_process.h"
#include "transport/testing/tls_peers.h"

namespace aiperf::collectors {
namespace {

namespace peers = aiperf::transport::testing;
using nlohmann::json;

class ScrapeTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!peers::NginxProcess::available()) return;
    dir_ = new peers::TempDir();
    certs_ = new peers::TestCerts(peers::make_test_certs(dir_->path()));
    mock_ = new aiperf::testing::MockServerProcess({"--gpus", "1"});
    const int port = peers::free_port();
    mtls_port_ = peers::free_port();  // demands a client certificate signed by certs.client_cert
    const std::string require_client = "    ssl_verify_client on;\n    ssl_client_certificate " + certs_->client_cert + ";\n";
    nginx_ = new peers::NginxProcess(dir_->path(), port,
                                     peers::NginxProcess::tls_proxy(port, *certs_, mock_->port()) +
                                         peers::NginxProcess::tls_proxy(mtls_port_, *certs_, mock_->port(), require_client));
    if (!peers::wait_for_port(mtls_port_, std::chrono::seconds(10))) throw std::runtime_error("mTLS port not up");
  }
  static void TearDownTestSuite() {
    delete nginx_;
    delete mock_;
    delete certs_;
    delete dir_;
    nginx_ = nullptr, mock_ = nullptr, certs_ = nullptr, dir_ = nullptr;
  }
  void SetUp() override {
    if (nginx_ == nullptr) GTEST_SKIP() << "nginx is not installed (scripts/install-deps.sh installs nginx-light)";
  }
  static std::string url(int port) { return "https://localhost:" + std::to_string(port) + "/metrics"; }

  // One phase (start = first scrape, stop = last) of server_metrics with `config`; its document.
  static CollectorResult scrape_phase(json config) {
    config["timeout_ms"] = 5000;
    ServerMetricsCollector collector{PluginConfig(config)};
    collector.start(CollectorStart{"profiling", 0, 0, "http://unused"});
    return collector.stop(CollectorStop{});
  }

  static inline peers::TempDir* dir_ = nullptr;
  static inline peers::TestCerts* certs_ = nullptr;
  static inline aiperf::testing::MockServerProcess* mock_ = nullptr;
  static inline peers::NginxProcess* nginx_ = nullptr;
  static inline int mtls_port_ = 0;
};

bool has_stat(const CollectorResult& r, const std::string& prefix) {
  for (const auto& s : r.stats) {
    if (s.name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

TEST_F(ScrapeTlsTest, ScrapesThroughTlsWithTheCaFile) {
  auto r = scrape_phase({{"urls", {url(nginx_->port())}}, {"ssl_ca_file", certs_->server_cert}});
  EXPECT_EQ(r.document["failed_scrapes"], 0) << (r.warnings.empty() ? "" : r.warnings[0]);
  EXPECT_EQ(r.document["scrapes"], 2);
  EXPECT_TRUE(has_stat(r, "DCGM_FI_DEV_POWER_USAGE"));
}

TEST_F(ScrapeTlsTest, FailsWithAWarningWithoutTheCaFile) {
  auto r = scrape_phase({{"urls", {url(nginx_->port())}}});
  EXPECT_EQ(r.document["failed_scrapes"], 2);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings[0].find("certificate"), std::string::npos) << r.warnings[0];
}

TEST_F(ScrapeTlsTest, RefusesACaFileThatDoesNotMatch) {
  auto r = scrape_phase({{"urls", {url(nginx_->port())}}, {"ssl_ca_file", certs_->other_cert}});
  EXPECT_EQ(r.document["failed_scrapes"], 2);
}

TEST_F(ScrapeTlsTest, VerifyOffAcceptsAnyCertificate) {
  auto r = scrape_phase({{"urls", {url(nginx_->port())}}, {"ssl_verify", false}});
  EXPECT_EQ(r.document["failed_scrapes"], 0) << (r.warnings.empty() ? "" : r.warnings[0]);
  EXPECT_TRUE(has_stat(r, "DCGM_FI_DEV_POWER_USAGE"));
}

TEST_F(ScrapeTlsTest, MutualTlsNeedsTheClientCertificate) {
  const json base = {{"urls", {url(mtls_port_)}}, {"ssl_ca_file", certs_->server_cert}};
  json with_cert = base;
  with_cert["ssl_client_cert"] = certs_->client_cert;
  with_cert["ssl_client_key"] = certs_->client_key;
  auto ok = scrape_phase(with_cert);
  EXPECT_EQ(ok.document["failed_scrapes"], 0) << (ok.warnings.empty() ? "" : ok.warnings[0]);
  EXPECT_TRUE(has_stat(ok, "DCGM_FI_DEV_POWER_USAGE"));
  // Without one, nginx answers 400 ("No required SSL certificate was sent"): a failed scrape.
  auto refused = scrape_phase(base);
  EXPECT_EQ(refused.document["failed_scrapes"], 2);
}

TEST_F(ScrapeTlsTest, GpuTelemetryUsesTheSameTlsOptions) {
  json config = {{"urls", {url(mtls_port_)}}, {"ssl_ca_file", certs_->server_cert},
                 {"ssl_client_cert", certs_->client_cert}, {"ssl_client_key", certs_->client_key},
                 {"timeout_ms", 5000}};
  GpuTelemetryCollector collector{PluginConfig(config)};
  collector.start(CollectorStart{"profiling", 0, 0, "http://unused"});
  auto r = collector.stop(CollectorStop{});
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  EXPECT_EQ(r.document["gpus"].size(), 1u) << r.document.dump();
  EXPECT_TRUE(has_stat(r, "power"));
  config.erase("ssl_client_cert");
  config.erase("ssl_client_key");
  GpuTelemetryCollector refused{PluginConfig(config)};
  refused.start(CollectorStart{"profiling", 0, 0, "http://unused"});
  EXPECT_FALSE(refused.stop(CollectorStop{}).warnings.empty());
}

TEST(ScrapeTlsConfigTest, RejectsAWronglyTypedTlsKey) {
  EXPECT_THROW(ServerMetricsCollector(PluginConfig(json{{"ssl_verify", "maybe"}})), ConfigError);
  EXPECT_THROW(GpuTelemetryCollector(PluginConfig(json{{"ssl_ca_file", 3}})), ConfigError);
}

}  // namespace
}  // namespace aiperf::collectors
