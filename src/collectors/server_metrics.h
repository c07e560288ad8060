// Built-in collector `server_metrics`: scrapes the server's Prometheus /metrics
// during a phase. Config: {"urls": [...] (default: the benchmark URL's
// /metrics), "filter": REGEX on family names, "period_ms": 1000,
// "timeout_ms": 2000, "ssl_ca_file", "ssl_verify", "ssl_client_cert",
// "ssl_client_key": the run's --ssl-* for https scrapes}. A failed scrape is a
// warning, never an error.
#pragma once

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "aiperf/sdk/collector.h"
#include "aiperf/sdk/config.h"
#include "collectors/http_get.h"
#include "collectors/scrape_series.h"

namespace aiperf::collectors {

/// The friendly console name of a known vLLM, SGLang, TensorRT-LLM or Dynamo family; empty if unknown.
std::string friendly_name(std::string_view family);

/// "http://host:port/v1/x" -> "http://host:port/metrics".
std::string metrics_url_of(std::string_view benchmark_url);

/// Scrapes Prometheus text from each URL every period; see the file comment.
class ServerMetricsCollector final : public Collector {
 public:
  /// Throws ConfigError for an unknown key, a bad regex or a bad period.
  explicit ServerMetricsCollector(const PluginConfig& config);
  std::chrono::milliseconds period() const override { return period_; }
  void start(const CollectorStart& phase) override;
  void sample(int64_t wall_ns) override;
  CollectorResult stop(const CollectorStop& phase) override;

 private:
  void scrape(int64_t wall_ns);

  std::vector<std::string> configured_urls_;
  std::vector<std::string> urls_;
  std::optional<std::regex> filter_;
  std::chrono::milliseconds period_{1000};
  std::chrono::milliseconds timeout_{2000};
  ScrapeTls tls_;
  std::unique_ptr<ScrapeSeries> series_;
  uint64_t failed_ = 0;
  std::vector<std::string> warnings_;
  int64_t first_ns_ = 0, last_ns_ = 0;
};

}  // namespace aiperf::collectors
