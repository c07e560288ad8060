#include "prometheus_hook.h"

#include <cmath>
#include <string>

#include "exposition.h"

namespace aiperf_prometheus {
namespace {

bool valid_label_name(const std::string& name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string parse_endpoint(const aiperf::PluginConfig& config) {
  auto endpoint = config.require<std::string>("endpoint");
  bool http = endpoint.starts_with("http://") || endpoint.starts_with("https://");
  std::size_t host = endpoint.find("://") + 3;
  if (!http || host >= endpoint.size() || endpoint[host] == '/') {
    throw aiperf::ConfigError("key 'endpoint' must be an http:// or https:// URL such as "
                              "\"http://127.0.0.1:9091\", got \"" + redact_userinfo(endpoint) + "\"");
  }
  while (endpoint.ends_with('/')) endpoint.pop_back();
  return endpoint;
}

}  // namespace

PushgatewayTarget parse_config(const aiperf::PluginConfig& config) {
  config.allow_only({"endpoint", "job", "labels", "timeout_seconds"});
  PushgatewayTarget target;
  target.endpoint = parse_endpoint(config);
  target.job = config.get<std::string>("job", "aiperf");
  if (target.job.empty()) throw aiperf::ConfigError("key 'job' must not be empty");
  target.labels = config.get<std::map<std::string, std::string>>("labels", {});
  for (const auto& [name, value] : target.labels) {
    if (!valid_label_name(name)) {
      throw aiperf::ConfigError("key 'labels': '" + name + "' is not a valid Prometheus label name");
    }
    if (name == "job" || name == "phase") {
      throw aiperf::ConfigError("key 'labels': '" + name + "' is set by the plugin itself");
    }
  }
  double timeout = config.get<double>("timeout_seconds", 3.0);
  if (!std::isfinite(timeout) || timeout <= 0 || timeout > 300) {
    throw aiperf::ConfigError("key 'timeout_seconds' must be in (0, 300], got " + std::to_string(timeout));
  }
  target.timeout = std::chrono::milliseconds(static_cast<long>(std::ceil(timeout * 1000)));
  return target;
}

PrometheusPhaseHook::PrometheusPhaseHook(const aiperf::PluginConfig& config)
    : target_(parse_config(config)) {}

void PrometheusPhaseHook::register_with(aiperf::PhaseHookRegistrar& registrar) {
  registrar.register_phase_start("prometheus",
                                 [this](const aiperf::PhaseStats& stats) { on_phase_start(stats); });
  registrar.register_phase_complete(
      "prometheus", [this](const aiperf::PhaseStats& stats) { on_phase_complete(stats); });
}

void PrometheusPhaseHook::on_phase_start(const aiperf::PhaseStats& stats) const {
  push_group(target_, stats.phase, phase_start_exposition(stats));
}

void PrometheusPhaseHook::on_phase_complete(const aiperf::PhaseStats& stats) const {
  push_group(target_, stats.phase, phase_complete_exposition(stats));
}

}  // namespace aiperf_prometheus
