// Test support: a real prometheus-pushgateway on 127.0.0.1, and reading its series back.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/testing/process.h"

namespace plugin_test {

/// One sample of a text exposition: name{labels} value.
struct Series {
  std::string name;                           ///< Metric name.
  std::map<std::string, std::string> labels;  ///< Label name to (unescaped) value.
  double value = 0;                           ///< Sample value.
};

/// Parses Prometheus text exposition (comments skipped).
std::vector<Series> parse_exposition(const std::string& text);

/// The value of the first series named `name` whose labels include all of `labels`.
std::optional<double> find_value(const std::vector<Series>& series, const std::string& name,
                                 const std::map<std::string, std::string>& labels);

/// A prometheus-pushgateway on a free loopback port, without persistence; stopped on destruction.
class PushgatewayServer {
 public:
  /// Starts `binary` and waits (10 s at most) until GET /-/ready answers 200; throws otherwise.
  explicit PushgatewayServer(const std::string& binary);
  /// Stops the gateway and removes its log.
  ~PushgatewayServer();
  PushgatewayServer(const PushgatewayServer&) = delete;
  PushgatewayServer& operator=(const PushgatewayServer&) = delete;
  /// "http://127.0.0.1:PORT".
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  /// Every series the gateway exposes on GET /metrics.
  std::vector<Series> series() const;

 private:
  int port_ = 0;
  std::filesystem::path log_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace plugin_test
