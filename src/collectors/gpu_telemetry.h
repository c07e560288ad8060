// Built-in collector `gpu_telemetry`: reads DCGM exporter endpoints during a
// phase — per GPU power (W), energy (J, from DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION
// in mJ, else power integrated), utilisation (%) and framebuffer memory used
// (MiB) — and relates energy to the client's output tokens.
// Config: {"urls": [...] (default http://localhost:9400/metrics), "period_ms": 1000, "timeout_ms": 2000,
// "ssl_ca_file", "ssl_verify", "ssl_client_cert", "ssl_client_key": the run's --ssl-* for https scrapes}.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "aiperf/sdk/collector.h"
#include "aiperf/sdk/config.h"
#include "collectors/http_get.h"
#include "collectors/scrape_series.h"

namespace aiperf::collectors {

/// DCGM exporter's default endpoint.
inline constexpr std::string_view kDefaultDcgmUrl = "http://localhost:9400/metrics";

/// Reads DCGM exporters; see the file comment.
class GpuTelemetryCollector final : public Collector {
 public:
  /// Throws ConfigError for an unknown key or a bad URL or period.
  explicit GpuTelemetryCollector(const PluginConfig& config);
  std::chrono::milliseconds period() const override { return period_; }
  void start(const CollectorStart& phase) override;
  void sample(int64_t wall_ns) override;
  CollectorResult stop(const CollectorStop& phase) override;

 private:
  void scrape(int64_t wall_ns);

  std::vector<std::string> urls_;
  std::chrono::milliseconds period_{1000};
  std::chrono::milliseconds timeout_{2000};
  ScrapeTls tls_;
  std::unique_ptr<ScrapeSeries> series_;
  uint64_t failed_ = 0;
  std::vector<std::string> warnings_;
};

}  // namespace aiperf::collectors
