#include "datadog_hook.h"

#include <cctype>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace aiperf_datadog {
namespace {

bool valid_prefix(const std::string& prefix) {
  if (prefix.empty() || !std::isalpha(static_cast<unsigned char>(prefix[0])) || prefix.ends_with('.')) {
    return false;
  }
  return sanitize_name(prefix) == prefix;
}

// Characters that would break a DogStatsD line: separators, whitespace, controls.
bool valid_tag(const std::string& tag) {
  if (tag.empty()) return false;
  for (char c : tag) {
    if (c == ',' || c == '|' || c == '#' || static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  }
  return true;
}

std::string phase_tag(const std::string& phase) {
  std::string value = phase.empty() ? "unknown" : phase;
  for (char& c : value) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '/';
    if (!ok) c = '_';
  }
  return "phase:" + value;
}

std::chrono::milliseconds parse_timeout(const aiperf::PluginConfig& config) {
  double timeout = config.get<double>("timeout_seconds", 3.0);
  if (!std::isfinite(timeout) || timeout <= 0 || timeout > 300) {
    throw aiperf::ConfigError("key 'timeout_seconds' must be in (0, 300], got " + std::to_string(timeout));
  }
  return std::chrono::milliseconds(static_cast<long>(std::ceil(timeout * 1000)));
}

std::optional<SeriesApi> parse_api(const aiperf::PluginConfig& config) {
  if (!config.has("api_key")) {
    if (config.has("site")) throw aiperf::ConfigError("key 'site' needs 'api_key'");
    return std::nullopt;
  }
  SeriesApi api;
  api.api_key = config.require<std::string>("api_key");
  if (api.api_key.empty()) throw aiperf::ConfigError("key 'api_key' is empty");
  api.base_url = api_base_url(config.get<std::string>("site", "datadoghq.com"));
  api.timeout = parse_timeout(config);
  return api;
}

}  // namespace

DatadogConfig parse_config(const aiperf::PluginConfig& config) {
  config.allow_only({"statsd_host", "statsd_port", "statsd", "tags", "prefix", "api_key", "site",
                     "timeout_seconds"});
  DatadogConfig out;
  out.statsd_host = config.get<std::string>("statsd_host", out.statsd_host);
  if (out.statsd_host.empty()) throw aiperf::ConfigError("key 'statsd_host' must not be empty");
  out.statsd_port = config.get<int>("statsd_port", out.statsd_port);
  if (out.statsd_port < 1 || out.statsd_port > 65535) {
    throw aiperf::ConfigError("key 'statsd_port' must be in 1..65535, got " + std::to_string(out.statsd_port));
  }
  out.statsd = config.get<bool>("statsd", true);
  out.tags = config.get<std::vector<std::string>>("tags", {});
  for (const auto& tag : out.tags) {
    if (!valid_tag(tag)) {
      throw aiperf::ConfigError("key 'tags': \"" + tag + "\" is not a valid tag (use \"key:value\" "
                                "without spaces, ',', '|' or '#')");
    }
  }
  out.prefix = config.get<std::string>("prefix", out.prefix);
  if (!valid_prefix(out.prefix)) {
    throw aiperf::ConfigError("key 'prefix' must start with a letter and use only letters, digits, "
                              "'_' and '.', got \"" + out.prefix + "\"");
  }
  parse_timeout(config);  // validated even when only DogStatsD is used
  out.api = parse_api(config);
  if (!out.statsd && !out.api) {
    throw aiperf::ConfigError("nothing to send: 'statsd' is false and no 'api_key' is set");
  }
  return out;
}

DatadogPhaseHook::DatadogPhaseHook(const aiperf::PluginConfig& config) : config_(parse_config(config)) {
  if (config_.statsd) {
    try {
      statsd_.emplace(config_.statsd_host, config_.statsd_port);
    } catch (const std::runtime_error& e) {
      throw aiperf::ConfigError("key 'statsd_host': " + std::string(e.what()));
    }
  }
}

void DatadogPhaseHook::register_with(aiperf::PhaseHookRegistrar& registrar) {
  registrar.register_phase_start("datadog", [this](const aiperf::PhaseStats& stats) { on_phase_start(stats); });
  registrar.register_phase_complete("datadog",
                                    [this](const aiperf::PhaseStats& stats) { on_phase_complete(stats); });
}

void DatadogPhaseHook::on_phase_start(const aiperf::PhaseStats& stats) const {
  send(phase_start_gauges(config_.prefix, stats), stats.phase, stats.start_ns);
}

void DatadogPhaseHook::on_phase_complete(const aiperf::PhaseStats& stats) const {
  send(phase_complete_gauges(config_.prefix, stats), stats.phase, stats.end_ns);
}

void DatadogPhaseHook::send(const std::vector<Gauge>& gauges, const std::string& phase,
                            int64_t timestamp_ns) const {
  std::vector<std::string> tags = {phase_tag(phase)};
  tags.insert(tags.end(), config_.tags.begin(), config_.tags.end());
  std::string errors;
  if (statsd_) errors = statsd_->send(statsd_datagrams(gauges, tags));
  if (config_.api) {
    if (timestamp_ns <= 0) {
      timestamp_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    }
    try {
      post_series(*config_.api, series_json(gauges, tags, timestamp_ns / 1'000'000'000));
    } catch (const std::runtime_error& e) {
      errors += (errors.empty() ? "" : "; ") + std::string(e.what());
    }
  }
  if (!errors.empty()) throw std::runtime_error(errors);
}

}  // namespace aiperf_datadog
