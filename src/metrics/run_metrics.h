// Run-level aggregation of request metrics, mergeable exactly: merging the
// RunMetrics of two disjoint sets of records equals the RunMetrics of their
// union (distributions keep every value; counters add; min/max combine).
//
// Memory is bounded per request, whatever its output length: per-request
// metrics keep every value (exact), the one per-chunk metric,
// inter_chunk_latency, goes into a LogHistogram (count, min, max, mean, std
// exact; percentiles within LogHistogram::kRelativeError, 0.1%).
//
// Tags, headers and units are AIPerf's as written to profile_export_aiperf.json
// (ai-dynamo/aiperf src/aiperf/metrics/types/*.py; units as exported, e.g.
// "tokens/sec/user", "requests/sec", "sec").
//
// Run metrics (AIPerf definitions, over successful requests only):
//   benchmark_duration      max(start + request_latency) - min(start)
//   request_throughput      request_count / duration_s
//   output_token_throughput sum(output_token_count) / duration_s: OSL without
//                           reasoning tokens, as AIPerf (equal to sum(OSL)
//                           when there is no reasoning)
//   total_token_throughput  (sum(ISL) + sum(OSL)) / duration_s
//   request_count           successful requests; error_request_count failed ones
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "metrics/distribution.h"
#include "metrics/log_histogram.h"
#include "metrics/request_metrics.h"
#include "metrics/request_record.h"

namespace aiperf::metrics {

/// Every metric a run reports, in console/export order.
enum class MetricId : uint8_t {
  kTimeToFirstToken,             ///< time_to_first_token (ms).
  kTimeToSecondToken,            ///< time_to_second_token (ms).
  kTimeToFirstOutputToken,       ///< time_to_first_output_token (ms): first non-reasoning content.
  kRequestLatency,               ///< request_latency (ms).
  kInterTokenLatency,            ///< inter_token_latency (ms).
  kInterChunkLatency,            ///< inter_chunk_latency (ms).
  kOutputTokenThroughputPerUser, ///< output_token_throughput_per_user (tokens/sec/user).
  kPrefillThroughputPerUser,     ///< prefill_throughput_per_user (tokens/sec/user): ISL / TTFT.
  kOutputSequenceLength,         ///< output_sequence_length (tokens).
  kInputSequenceLength,          ///< input_sequence_length (tokens).
  kReasoningTokenCount,          ///< reasoning_token_count (tokens).
  kUsagePromptCacheReadTokens,   ///< usage_prompt_cache_read_tokens (tokens): cached prompt tokens reported.
  kScheduleLag,                  ///< schedule_lag (ms): actual send - scheduled send, every sent request.
  kTlsHandshakeTime,             ///< tls_handshake_time (ms): handshake of each TLS connection a request opened.
  kServerQueueTime,              ///< server_queue_time (ms): the server's Server-Timing `queue` per request.
  kServerPrefillTime,            ///< server_prefill_time (ms): its `prefill`.
  kServerDecodeTime,             ///< server_decode_time (ms): its `decode`.
  kNetworkClientOverhead,        ///< network_client_overhead (ms): TTFT - server queue - server prefill.
  kRequestThroughput,            ///< request_throughput (requests/sec).
  kOutputTokenThroughput,        ///< output_token_throughput (tokens/sec).
  kTotalTokenThroughput,         ///< total_token_throughput (tokens/sec).
  kRequestCount,                 ///< request_count (requests).
  kErrorRequestCount,            ///< error_request_count (requests).
  kBenchmarkDuration,            ///< benchmark_duration (sec).
};

/// Number of MetricId values.
inline constexpr std::size_t kMetricCount = 24;

/// Static description of a metric: AIPerf tag, header, display unit, and how it is stored.
struct MetricInfo {
  MetricId id;               ///< Which metric.
  std::string_view tag;      ///< AIPerf tag, e.g. "time_to_first_token".
  std::string_view header;   ///< Display name, e.g. "Time to First Token".
  std::string_view unit;     ///< Display unit as exported, e.g. "ms".
  bool distribution;         ///< True: per-request values with statistics; false: one run-level value.
  double display_scale;      ///< Multiply stored values by this to get `unit` (ns to ms is 1e-6).
};

/// Descriptions of all metrics, indexed by MetricId.
const std::array<MetricInfo, kMetricCount>& all_metric_infos();
/// True for the metrics kept in a LogHistogram (percentiles within 0.1%), not value by value.
constexpr bool histogram_backed(MetricId id) { return id == MetricId::kInterChunkLatency; }
/// Description of one metric.
const MetricInfo& metric_info(MetricId id);
/// The metric with AIPerf tag `tag`, or nullopt.
std::optional<MetricId> metric_from_tag(std::string_view tag);

/// One reported metric in display units: statistics for distributions, a single value otherwise.
struct MetricResult {
  MetricId id{};                   ///< Which metric (see metric_info for tag/header/unit).
  std::optional<Summary> stats;    ///< Set for distribution metrics.
  std::optional<double> value;     ///< Set for run-level metrics.
};

/// Aggregated metrics of a set of requests; add records, merge partial aggregates, read results.
class RunMetrics {
 public:
  /// Computes `record`'s metrics and adds them.
  void add(const RequestRecord& record);
  /// Adds already computed request metrics.
  void add(const RequestMetrics& request);
  /// Adds everything from `other` (exact; order-independent results).
  void merge(const RunMetrics& other);
  /// The same, emptying `other`'s per-request values as they move (never held twice).
  void merge(RunMetrics&& other);

  /// Successful requests.
  int64_t request_count() const { return request_count_; }
  /// Failed requests.
  int64_t error_request_count() const { return error_count_; }
  /// Failed requests per ErrorKind (indexed by the enum value).
  const std::array<int64_t, kErrorKindCount>& errors_by_kind() const { return errors_by_kind_; }
  /// Failed requests per HTTP status, for errors that carried one.
  const std::map<int, int64_t>& errors_by_http_status() const { return errors_by_status_; }
  /// Failed requests of one kind.
  int64_t error_count(ErrorKind kind) const { return errors_by_kind_[static_cast<std::size_t>(kind)]; }

  /// Sum of OSL over successful requests.
  int64_t total_output_tokens() const { return total_output_tokens_; }
  /// Sum of output_token_count (OSL without reasoning) over successful requests.
  int64_t total_non_reasoning_output_tokens() const { return total_output_token_count_; }
  /// Every request that got a response, per HTTP status (successes too).
  const std::map<int, int64_t>& http_status_counts() const { return status_counts_; }
  /// True when `id`'s values rest on estimated output token counts (some OSL was estimated).
  bool estimated(MetricId id) const;
  /// Sum of ISL over successful requests that have one.
  int64_t total_input_tokens() const { return total_input_tokens_; }
  /// Successful requests whose OSL came from `source`.
  int64_t output_tokens_from(TokenSource source) const { return osl_sources_[static_cast<std::size_t>(source)]; }
  /// Successful requests whose ISL came from `source`.
  int64_t input_tokens_from(TokenSource source) const { return isl_sources_[static_cast<std::size_t>(source)]; }

  /// Earliest start of a successful request.
  std::optional<int64_t> first_request_start_ns() const { return first_start_ns_; }
  /// Latest final response of a successful request.
  std::optional<int64_t> last_response_end_ns() const { return last_response_ns_; }
  /// Benchmark duration in ns, or nullopt without successful requests.
  std::optional<int64_t> benchmark_duration_ns() const;
  /// Successful requests per second over the benchmark duration.
  std::optional<double> request_throughput() const;
  /// Output tokens per second over the benchmark duration.
  std::optional<double> output_token_throughput() const;
  /// Input plus output tokens per second over the benchmark duration.
  std::optional<double> total_token_throughput() const;

  /// Raw values (stored units: ns, tokens, tokens/s) of a distribution metric; empty for run-level
  /// and histogram-backed ones (see histogram()).
  const Distribution& distribution(MetricId id) const { return dists_[static_cast<std::size_t>(id)]; }
  /// The histogram of a histogram_backed() metric, in stored units (ns); empty for the others.
  const LogHistogram& histogram(MetricId id) const {
    static const LogHistogram kEmpty;
    return histogram_backed(id) ? inter_chunk_ : kEmpty;
  }

  /// The metric in display units, or nullopt when it has no value (e.g. TTFT without streaming).
  std::optional<MetricResult> result(MetricId id) const;
  /// Every metric that has a value, in MetricId order.
  std::vector<MetricResult> results() const;

 private:
  void merge_totals(const RunMetrics& other);  // everything but the per-request values
  Distribution& dist(MetricId id) { return dists_[static_cast<std::size_t>(id)]; }
  static std::optional<double> per_second(double amount, std::optional<int64_t> duration_ns);

  std::array<Distribution, kMetricCount> dists_;
  LogHistogram inter_chunk_;  // kInterChunkLatency: one value per chunk, so bounded by the spread, not the count
  int64_t request_count_ = 0;
  int64_t error_count_ = 0;
  std::array<int64_t, kErrorKindCount> errors_by_kind_{};
  std::map<int, int64_t> errors_by_status_;
  int64_t total_output_tokens_ = 0;
  int64_t total_output_token_count_ = 0;
  int64_t total_input_tokens_ = 0;
  std::map<int, int64_t> status_counts_;
  std::array<int64_t, 4> osl_sources_{};
  std::array<int64_t, 4> isl_sources_{};
  std::optional<int64_t> first_start_ns_;
  std::optional<int64_t> last_response_ns_;
};

}  // namespace aiperf::metrics
