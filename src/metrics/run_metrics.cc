#include "metrics/run_metrics.h"

#include <algorithm>

namespace aiperf::metrics {

namespace {

constexpr double kNsToMs = 1e-6;
constexpr double kNsToSec = 1e-9;

// Headers and units as AIPerf writes them (MetricTimeUnit display units and
// the exported unit strings of profile_export_aiperf.json).
constexpr std::array<MetricInfo, kMetricCount> kInfos = {{
    {MetricId::kTimeToFirstToken, "time_to_first_token", "Time to First Token", "ms", true, kNsToMs},
    {MetricId::kTimeToSecondToken, "time_to_second_token", "Time to Second Token", "ms", true, kNsToMs},
    {MetricId::kTimeToFirstOutputToken, "time_to_first_output_token", "Time to First Output Token", "ms", true,
     kNsToMs},
    {MetricId::kRequestLatency, "request_latency", "Request Latency", "ms", true, kNsToMs},
    {MetricId::kInterTokenLatency, "inter_token_latency", "Inter Token Latency", "ms", true, kNsToMs},
    {MetricId::kInterChunkLatency, "inter_chunk_latency", "Inter Chunk Latency", "ms", true, kNsToMs},
    {MetricId::kOutputTokenThroughputPerUser, "output_token_throughput_per_user",
     "Output Token Throughput Per User", "tokens/sec/user", true, 1.0},
    {MetricId::kPrefillThroughputPerUser, "prefill_throughput_per_user", "Prefill Throughput Per User",
     "tokens/sec/user", true, 1.0},
    {MetricId::kOutputSequenceLength, "output_sequence_length", "Output Sequence Length", "tokens", true, 1.0},
    {MetricId::kInputSequenceLength, "input_sequence_length", "Input Sequence Length", "tokens", true, 1.0},
    {MetricId::kReasoningTokenCount, "reasoning_token_count", "Reasoning Token Count", "tokens", true, 1.0},
    {MetricId::kUsagePromptCacheReadTokens, "usage_prompt_cache_read_tokens", "Usage Prompt Cache Read Tokens",
     "tokens", true, 1.0},
    {MetricId::kScheduleLag, "schedule_lag", "Schedule Lag", "ms", true, kNsToMs},
    {MetricId::kTlsHandshakeTime, "tls_handshake_time", "TLS Handshake Time", "ms", true, kNsToMs},
    {MetricId::kServerQueueTime, "server_queue_time", "Server Queue Time", "ms", true, 1.0},
    {MetricId::kServerPrefillTime, "server_prefill_time", "Server Prefill Time", "ms", true, 1.0},
    {MetricId::kServerDecodeTime, "server_decode_time", "Server Decode Time", "ms", true, 1.0},
    {MetricId::kNetworkClientOverhead, "network_client_overhead", "Network + Client Overhead", "ms", true, 1.0},
    {MetricId::kRequestThroughput, "request_throughput", "Request Throughput", "requests/sec", false, 1.0},
    {MetricId::kOutputTokenThroughput, "output_token_throughput", "Output Token Throughput", "tokens/sec", false, 1.0},
    {MetricId::kTotalTokenThroughput, "total_token_throughput", "Total Token Throughput", "tokens/sec", false, 1.0},
    {MetricId::kRequestCount, "request_count", "Request Count", "requests", false, 1.0},
    {MetricId::kErrorRequestCount, "error_request_count", "Error Request Count", "requests", false, 1.0},
    {MetricId::kBenchmarkDuration, "benchmark_duration", "Benchmark Duration", "sec", false, kNsToSec},
}};

static_assert([] {
  for (std::size_t i = 0; i < kInfos.size(); ++i) {
    if (static_cast<std::size_t>(kInfos[i].id) != i) return false;
  }
  return true;
}(), "kInfos must be indexed by MetricId");

}  // namespace

const std::array<MetricInfo, kMetricCount>& all_metric_infos() { return kInfos; }

const MetricInfo& metric_info(MetricId id) { return kInfos[static_cast<std::size_t>(id)]; }

std::optional<MetricId> metric_from_tag(std::string_view tag) {
  for (const MetricInfo& info : kInfos) {
    if (info.tag == tag) return info.id;
  }
  return std::nullopt;
}

void RunMetrics::add(const RequestRecord& record) { add(compute_request_metrics(record)); }

void RunMetrics::add(const RequestMetrics& r) {
  // Lag is about the client, so failed requests count too; so does the status.
  if (r.http_status) ++status_counts_[*r.http_status];
  if (r.schedule_lag_ns) dist(MetricId::kScheduleLag).add(static_cast<double>(*r.schedule_lag_ns));
  if (r.tls_handshake_time_ns) dist(MetricId::kTlsHandshakeTime).add(static_cast<double>(*r.tls_handshake_time_ns));
  if (!r.ok) {
    ++error_count_;
    const ErrorKind kind = r.error ? r.error->kind : ErrorKind::kOther;
    ++errors_by_kind_[static_cast<std::size_t>(kind)];
    if (r.error && r.error->http_status) ++errors_by_status_[*r.error->http_status];
    return;
  }
  ++request_count_;
  auto put = [this](MetricId id, const auto& v) {
    if (v) dist(id).add(static_cast<double>(*v));
  };
  put(MetricId::kTimeToFirstToken, r.time_to_first_token_ns);
  put(MetricId::kTimeToSecondToken, r.time_to_second_token_ns);
  put(MetricId::kTimeToFirstOutputToken, r.time_to_first_output_token_ns);
  put(MetricId::kPrefillThroughputPerUser, r.prefill_throughput_per_user);
  put(MetricId::kReasoningTokenCount, r.reasoning_token_count);
  put(MetricId::kUsagePromptCacheReadTokens, r.cached_prompt_tokens);
  put(MetricId::kRequestLatency, r.request_latency_ns);
  put(MetricId::kInterTokenLatency, r.inter_token_latency_ns);
  for (int64_t gap : r.inter_chunk_latencies_ns) inter_chunk_.add(static_cast<double>(gap));
  put(MetricId::kOutputTokenThroughputPerUser, r.output_token_throughput_per_user);
  put(MetricId::kOutputSequenceLength, r.output_sequence_length);
  put(MetricId::kInputSequenceLength, r.input_sequence_length);
  put(MetricId::kServerQueueTime, r.server_queue_ms);
  put(MetricId::kServerPrefillTime, r.server_prefill_ms);
  put(MetricId::kServerDecodeTime, r.server_decode_ms);
  put(MetricId::kNetworkClientOverhead, r.network_client_overhead_ms);

  if (r.output_sequence_length) total_output_tokens_ += *r.output_sequence_length;
  if (r.output_token_count) total_output_token_count_ += *r.output_token_count;
  if (r.input_sequence_length) total_input_tokens_ += *r.input_sequence_length;
  ++osl_sources_[static_cast<std::size_t>(r.output_tokens_source)];
  ++isl_sources_[static_cast<std::size_t>(r.input_tokens_source)];

  if (r.last_response_ns) {
    first_start_ns_ = first_start_ns_ ? std::min(*first_start_ns_, r.start_ns) : r.start_ns;
    last_response_ns_ =
        last_response_ns_ ? std::max(*last_response_ns_, *r.last_response_ns) : *r.last_response_ns;
  }
}

void RunMetrics::merge(const RunMetrics& o) {
  for (std::size_t i = 0; i < kMetricCount; ++i) dists_[i].merge(o.dists_[i]);
  merge_totals(o);
}

void RunMetrics::merge(RunMetrics&& o) {
  for (std::size_t i = 0; i < kMetricCount; ++i) dists_[i].merge(std::move(o.dists_[i]));
  merge_totals(o);
}

void RunMetrics::merge_totals(const RunMetrics& o) {
  inter_chunk_.merge(o.inter_chunk_);
  request_count_ += o.request_count_;
  error_count_ += o.error_count_;
  for (std::size_t i = 0; i < kErrorKindCount; ++i) errors_by_kind_[i] += o.errors_by_kind_[i];
  for (const auto& [status, n] : o.errors_by_status_) errors_by_status_[status] += n;
  total_output_tokens_ += o.total_output_tokens_;
  total_output_token_count_ += o.total_output_token_count_;
  for (const auto& [status, n] : o.status_counts_) status_counts_[status] += n;
  total_input_tokens_ += o.total_input_tokens_;
  for (std::size_t i = 0; i < osl_sources_.size(); ++i) {
    osl_sources_[i] += o.osl_sources_[i];
    isl_sources_[i] += o.isl_sources_[i];
  }
  if (o.first_start_ns_) {
    first_start_ns_ = first_start_ns_ ? std::min(*first_start_ns_, *o.first_start_ns_) : *o.first_start_ns_;
  }
  if (o.last_response_ns_) {
    last_response_ns_ =
        last_response_ns_ ? std::max(*last_response_ns_, *o.last_response_ns_) : *o.last_response_ns_;
  }
}

std::optional<int64_t> RunMetrics::benchmark_duration_ns() const {
  if (!first_start_ns_ || !last_response_ns_) return std::nullopt;
  return *last_response_ns_ - *first_start_ns_;
}

std::optional<double> RunMetrics::per_second(double amount, std::optional<int64_t> duration_ns) {
  if (!duration_ns || *duration_ns <= 0) return std::nullopt;
  return amount / (static_cast<double>(*duration_ns) * kNsToSec);
}

std::optional<double> RunMetrics::request_throughput() const {
  return per_second(static_cast<double>(request_count_), benchmark_duration_ns());
}

std::optional<double> RunMetrics::output_token_throughput() const {
  // Not a metric of endpoints without text output (embeddings): no request has an OSL.
  if (distribution(MetricId::kOutputSequenceLength).empty()) return std::nullopt;
  return per_second(static_cast<double>(total_output_token_count_), benchmark_duration_ns());
}

bool RunMetrics::estimated(MetricId id) const {
  if (output_tokens_from(TokenSource::kEstimated) == 0) return false;
  switch (id) {
    case MetricId::kInterTokenLatency:
    case MetricId::kOutputTokenThroughputPerUser:
    case MetricId::kOutputSequenceLength:
    case MetricId::kReasoningTokenCount:
    case MetricId::kOutputTokenThroughput:
    case MetricId::kTotalTokenThroughput: return true;
    default: return false;
  }
}

std::optional<double> RunMetrics::total_token_throughput() const {
  return per_second(static_cast<double>(total_input_tokens_ + total_output_tokens_),
                    benchmark_duration_ns());
}

std::optional<MetricResult> RunMetrics::result(MetricId id) const {
  const MetricInfo& info = metric_info(id);
  MetricResult out;
  out.id = id;
  if (info.distribution) {
    auto stats = histogram_backed(id) ? histogram(id).summary() : distribution(id).summary();
    if (!stats) return std::nullopt;
    out.stats = info.display_scale == 1.0 ? *stats : stats->scaled(info.display_scale);
    return out;
  }
  std::optional<double> v;
  switch (id) {
    case MetricId::kRequestThroughput: v = request_throughput(); break;
    case MetricId::kOutputTokenThroughput: v = output_token_throughput(); break;
    case MetricId::kTotalTokenThroughput: v = total_token_throughput(); break;
    case MetricId::kRequestCount: v = static_cast<double>(request_count_); break;
    case MetricId::kErrorRequestCount: v = static_cast<double>(error_count_); break;
    case MetricId::kBenchmarkDuration:
      if (auto d = benchmark_duration_ns()) v = static_cast<double>(*d) * info.display_scale;
      break;
    default: break;
  }
  if (!v) return std::nullopt;
  out.value = v;
  return out;
}

std::vector<MetricResult> RunMetrics::results() const {
  std::vector<MetricResult> out;
  out.reserve(kMetricCount);
  for (const MetricInfo& info : kInfos) {
    if (auto r = result(info.id)) out.push_back(*r);
  }
  return out;
}

}  // namespace aiperf::metrics
