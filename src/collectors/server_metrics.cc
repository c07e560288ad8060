#include "collectors/server_metrics.h"

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

// Known families of the servers users tune, named as their dashboards do.
const std::map<std::string_view, std::string_view>& known_families() {
  static const std::map<std::string_view, std::string_view> names = {
      // vLLM (v1 engine names; the older gpu_cache_usage_perc too)
      {"vllm:num_requests_running", "Requests running"},
      {"vllm:num_requests_waiting", "Requests waiting"},
      {"vllm:kv_cache_usage_perc", "KV cache usage"},
      {"vllm:gpu_cache_usage_perc", "KV cache usage"},
      {"vllm:prompt_tokens", "Prompt tokens"},
      {"vllm:generation_tokens", "Generation tokens"},
      {"vllm:num_preemptions", "Preemptions"},
      {"vllm:request_success", "Requests finished"},
      {"vllm:prefix_cache_hits", "Prefix cache hit tokens"},
      {"vllm:prefix_cache_queries", "Prefix cache query tokens"},
      {"vllm:time_to_first_token_seconds", "TTFT (server)"},
      {"vllm:inter_token_latency_seconds", "ITL (server)"},
      {"vllm:time_per_output_token_seconds", "Time per output token (server)"},
      {"vllm:e2e_request_latency_seconds", "Request latency (server)"},
      {"vllm:request_queue_time_seconds", "Queue time"},
      {"vllm:request_prefill_time_seconds", "Prefill time"},
      {"vllm:request_decode_time_seconds", "Decode time"},
      // SGLang
      {"sglang:num_running_reqs", "Requests running"},
      {"sglang:num_queue_reqs", "Requests waiting"},
      {"sglang:token_usage", "KV cache usage"},
      {"sglang:cache_hit_rate", "Prefix cache hit rate"},
      {"sglang:gen_throughput", "Generation throughput"},
      {"sglang:prompt_tokens", "Prompt tokens"},
      {"sglang:generation_tokens", "Generation tokens"},
      {"sglang:time_to_first_token_seconds", "TTFT (server)"},
      {"sglang:inter_token_latency_seconds", "ITL (server)"},
      {"sglang:e2e_request_latency_seconds", "Request latency (server)"},
      {"sglang:queue_time_seconds", "Queue time"},
      // TensorRT-LLM (trtllm-serve)
      {"trtllm_request_success", "Requests finished"},
      {"trtllm_e2e_request_latency_seconds", "Request latency (server)"},
      {"trtllm_time_to_first_token_seconds", "TTFT (server)"},
      {"trtllm_time_per_output_token_seconds", "Time per output token (server)"},
      {"trtllm_request_queue_time_seconds", "Queue time"},
      {"trtllm_kv_cache_utilization", "KV cache usage"},
      // Dynamo frontend
      {"dynamo_frontend_inflight_requests", "Requests in flight"},
      {"dynamo_frontend_queued_requests", "Requests waiting"},
      {"dynamo_frontend_requests", "Requests"},
      {"dynamo_frontend_input_sequence_tokens", "Input tokens"},
      {"dynamo_frontend_output_sequence_tokens", "Output tokens"},
      {"dynamo_frontend_time_to_first_token_seconds", "TTFT (server)"},
      {"dynamo_frontend_inter_token_latency_seconds", "ITL (server)"},
      {"dynamo_frontend_request_duration_seconds", "Request latency (server)"},
  };
  return names;
}

}  // namespace

std::string friendly_name(std::string_view family) {
  const auto& names = known_families();
  if (auto it = names.find(family); it != names.end()) return std::string(it->second);
  // A counter's family may be written with its _total suffix (Prometheus format has no rule).
  if (family.size() > 6 && family.substr(family.size() - 6) == "_total") return friendly_name(family.substr(0, family.size() - 6));
  return {};
}

std::string metrics_url_of(std::string_view benchmark_url) {
  auto scheme = benchmark_url.find("://");
  auto path = benchmark_url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  return std::string(benchmark_url.substr(0, path)) + "/metrics";
}

ServerMetricsCollector::ServerMetricsCollector(const PluginConfig& config) {
  config.allow_only({"urls", "filter", "period_ms", "timeout_ms", "ssl_ca_file", "ssl_verify", "ssl_client_cert",
                     "ssl_client_key"});
  tls_ = scrape_tls_from(config);
  configured_urls_ = config.get<std::vector<std::string>>("urls", {});
  for (const auto& url : configured_urls_) {
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      throw ConfigError("server metrics URL '" + url + "' must start with http:// or https://");
    }
  }
  if (auto filter = config.get<std::string>("filter", ""); !filter.empty()) {
    try {
      filter_.emplace(filter, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      throw ConfigError("filter '" + filter + "' is not a valid regular expression: " + e.what());
    }
  }
  period_ = std::chrono::milliseconds(config.get<int64_t>("period_ms", 1000));
  timeout_ = std::chrono::milliseconds(config.get<int64_t>("timeout_ms", 2000));
  if (period_.count() < 10 || timeout_.count() < 1) throw ConfigError("period_ms must be >= 10 and timeout_ms >= 1");
}

void ServerMetricsCollector::start(const CollectorStart& phase) {
  urls_ = configured_urls_.empty() ? std::vector<std::string>{metrics_url_of(phase.benchmark_url)} : configured_urls_;
  series_ = std::make_unique<ScrapeSeries>();
  failed_ = 0;
  warnings_.clear();
  first_ns_ = last_ns_ = 0;
  scrape(wall_now_ns());
}

void ServerMetricsCollector::sample(int64_t wall_ns) { scrape(wall_ns); }

void ServerMetricsCollector::scrape(int64_t wall_ns) {
  for (const auto& url : urls_) {
    auto response = http_get(url, timeout_, tls_);
    std::string problem;
    if (!response) problem = response.error().message;
    else if (response->status != 200) problem = fmt::format("HTTP {}", response->status);
    Expected<Exposition> parsed = fail(ErrorCode::kIo, problem);
    if (problem.empty()) {
      auto format = response->content_type.find("openmetrics") != std::string::npos ? ExpositionFormat::kOpenMetrics
                                                                                     : ExpositionFormat::kAuto;
      parsed = parse_exposition(response->body, format);
      if (!parsed) problem = parsed.error().describe();
    }
    if (!problem.empty()) {
      if (failed_++ < 3) warnings_.push_back(fmt::format("scrape of {} failed: {}", url, problem));
      continue;
    }
    const std::string instance = urls_.size() > 1 ? url : std::string();
    series_->add(*parsed, wall_ns, instance, [this](const std::string& family) {
      return !filter_ || std::regex_search(family, *filter_);
    });
    if (first_ns_ == 0) first_ns_ = wall_ns;
    last_ns_ = wall_ns;
  }
}

CollectorResult ServerMetricsCollector::stop(const CollectorStop& /*phase*/) {
  scrape(wall_now_ns());
  CollectorResult out;
  // Rates over the span the scrapes cover (baseline to last), the interval the deltas are taken over.
  double span_s = static_cast<double>(last_ns_ - first_ns_) / 1e9;
  for (const auto& [name, s] : series_->scalars()) {
    out.stats.push_back(scalar_stat(s, friendly_name(s.family), span_s));
    out.series.push_back(CollectorSeries{s.name, unit_from_name(s.family), s.points});
  }
  auto histograms = nlohmann::json::array();
  for (const auto& h : series_->histograms()) {
    out.stats.push_back(histogram_stat(h, friendly_name(h.family)));
    auto buckets = nlohmann::json::array();
    for (const auto& [le, count] : h.delta.buckets) {
      buckets.push_back({{"le", std::isinf(le) ? nlohmann::json("+Inf") : nlohmann::json(le)}, {"count", count}});
    }
    histograms.push_back({{"name", h.family}, {"labels", h.labels}, {"unit", unit_from_name(h.family)},
                          {"count", h.delta.count}, {"sum", h.delta.sum}, {"buckets", std::move(buckets)}});
  }
  out.document = {{"endpoints", urls_},
                  {"scrapes", series_->scrapes()},
                  {"failed_scrapes", failed_},
                  {"span_seconds", span_s},
                  {"histograms", std::move(histograms)}};
  if (failed_ > 3) warnings_.push_back(fmt::format("{} scrapes failed in all", failed_));
  out.warnings = warnings_;
  return out;
}

}  // namespace aiperf::collectors
