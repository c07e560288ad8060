#include "collectors/gpu_telemetry.h"

#include <fmt/format.h>

#include <chrono>
#include <map>

#include "collectors/http_get.h"

namespace aiperf::collectors {
namespace {

int64_t wall_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr std::string_view kPower = "DCGM_FI_DEV_POWER_USAGE";                 // W
constexpr std::string_view kEnergy = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION";   // mJ since the driver loaded
constexpr std::string_view kUtil = "DCGM_FI_DEV_GPU_UTIL";                     // %
constexpr std::string_view kFbUsed = "DCGM_FI_DEV_FB_USED";                    // MiB

// The GPU a series belongs to: its labels without the ones that vary by field.
std::string gpu_key(const ScalarSeries& s) {
  auto brace = s.name.find('{');
  return brace == std::string::npos ? std::string("{}") : s.name.substr(brace);
}

// Energy in J between the first and last point, by the trapezoid rule over power in W.
double integrate_power(const ScalarSeries& power) {
  double joules = 0;
  for (std::size_t i = 1; i < power.points.size(); ++i) {
    double dt = static_cast<double>(power.points[i].first - power.points[i - 1].first) / 1e9;
    joules += dt * (power.points[i].second + power.points[i - 1].second) / 2;
  }
  return joules;
}

struct Gpu {
  const ScalarSeries* power = nullptr;
  const ScalarSeries* energy = nullptr;
  const ScalarSeries* util = nullptr;
  const ScalarSeries* fb_used = nullptr;
};

nlohmann::json stat_json(const CollectorStat& s) {
  nlohmann::json out = {{"unit", s.unit}};
  for (const auto& [k, v] : s.values) out[k] = v;
  return out;
}

}  // namespace

GpuTelemetryCollector::GpuTelemetryCollector(const PluginConfig& config) {
  config.allow_only({"urls", "period_ms", "timeout_ms", "ssl_ca_file", "ssl_verify", "ssl_client_cert",
                     "ssl_client_key"});
  tls_ = scrape_tls_from(config);
  urls_ = config.get<std::vector<std::string>>("urls", {});
  if (urls_.empty()) urls_.emplace_back(kDefaultDcgmUrl);
  for (const auto& url : urls_) {
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      throw ConfigError("GPU telemetry URL '" + url + "' must start with http:// or https://");
    }
  }
  period_ = std::chrono::milliseconds(config.get<int64_t>("period_ms", 1000));
  timeout_ = std::chrono::milliseconds(config.get<int64_t>("timeout_ms", 2000));
  if (period_.count() < 10 || timeout_.count() < 1) throw ConfigError("period_ms must be >= 10 and timeout_ms >= 1");
}

void GpuTelemetryCollector::start(const CollectorStart& /*phase*/) {
  series_ = std::make_unique<ScrapeSeries>();
  failed_ = 0;
  warnings_.clear();
  scrape(wall_now_ns());
}

void GpuTelemetryCollector::sample(int64_t wall_ns) { scrape(wall_ns); }

void GpuTelemetryCollector::scrape(int64_t wall_ns) {
  for (const auto& url : urls_) {
    auto response = http_get(url, timeout_, tls_);
    std::string problem;
    Expected<Exposition> parsed = fail(ErrorCode::kIo, "");
    if (!response) problem = response.error().message;
    else if (response->status != 200) problem = fmt::format("HTTP {}", response->status);
    else if (parsed = parse_exposition(response->body); !parsed) problem = parsed.error().describe();
    if (!problem.empty()) {
      if (failed_++ < 3) warnings_.push_back(fmt::format("GPU telemetry scrape of {} failed: {}", url, problem));
      continue;
    }
    series_->add(*parsed, wall_ns, urls_.size() > 1 ? url : std::string(), [](const std::string& family) {
      return family == kPower || family == kEnergy || family == kUtil || family == kFbUsed;
    });
  }
}

CollectorResult GpuTelemetryCollector::stop(const CollectorStop& phase) {
  scrape(wall_now_ns());
  std::map<std::string, Gpu> gpus;
  for (const auto& [name, s] : series_->scalars()) {
    Gpu& g = gpus[gpu_key(s)];
    if (s.family == kPower) g.power = &s;
    if (s.family == kEnergy) g.energy = &s;
    if (s.family == kUtil) g.util = &s;
    if (s.family == kFbUsed) g.fb_used = &s;
  }
  CollectorResult out;
  auto per_gpu = nlohmann::json::array();
  double total_j = 0;
  for (const auto& [key, g] : gpus) {
    nlohmann::json gpu = {{"labels", key}};
    double joules = g.energy ? g.energy->increase() / 1000.0 : g.power ? integrate_power(*g.power) : 0.0;
    gpu["energy_joules"] = joules;
    gpu["energy_source"] = g.energy ? std::string(kEnergy) : g.power ? "power integrated" : "none";
    total_j += joules;
    auto add = [&](const ScalarSeries* s, const char* field, const char* unit, const char* display) {
      if (!s) return;
      CollectorStat stat = scalar_stat(*s, std::string(display) + " " + key, 0);
      stat.name = std::string(field) + key;
      stat.unit = unit;
      gpu[field] = stat_json(stat);
      out.stats.push_back(std::move(stat));
      out.series.push_back(CollectorSeries{s->name, unit, s->points});
    };
    add(g.power, "power", "W", "GPU power");
    add(g.util, "utilization", "%", "GPU utilization");
    add(g.fb_used, "memory_used", "MiB", "GPU memory used");
    if (g.energy) out.series.push_back(CollectorSeries{g.energy->name, "mJ", g.energy->points});
    out.stats.push_back(CollectorStat{"energy" + key, "GPU energy " + key, "J", "derived", {{"total", joules}}});
    per_gpu.push_back(std::move(gpu));
  }
  nlohmann::json summary = {{"energy_joules", total_j}, {"output_tokens", phase.output_tokens}};
  if (total_j > 0 && phase.output_tokens > 0) {
    double per_joule = static_cast<double>(phase.output_tokens) / total_j;
    double per_token = total_j / static_cast<double>(phase.output_tokens);
    summary["output_tokens_per_joule"] = per_joule;
    summary["energy_per_output_token_joules"] = per_token;
    out.stats.push_back(CollectorStat{"output_tokens_per_joule", "Output tokens per joule", "tokens/J", "derived", {{"value", per_joule}}});
    out.stats.push_back(CollectorStat{"energy_per_output_token", "Energy per output token", "J/token", "derived", {{"value", per_token}}});
  }
  if (gpus.empty() && failed_ == 0) warnings_.push_back("no DCGM_FI_DEV_* series found at " + fmt::format("{}", fmt::join(urls_, ", ")));
  out.document = {{"endpoints", urls_}, {"scrapes", series_->scrapes()}, {"failed_scrapes", failed_},
                  {"gpus", std::move(per_gpu)}, {"summary", std::move(summary)}};
  out.warnings = warnings_;
  return out;
}

}  // namespace aiperf::collectors
