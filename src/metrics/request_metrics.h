// Per-request metrics with AIPerf's definitions (ai-dynamo/aiperf,
// src/aiperf/metrics/types/*.py and docs/metrics_reference.md):
//
//   content chunk      a chunk with non-empty content or reasoning text
//                      (AIPerf's `content_responses`: usage-only and [DONE]
//                      messages do not count)
//   time_to_first_token   first content chunk - start          (streaming only)
//   time_to_second_token  second content chunk - first         (streaming only)
//   request_latency       last content chunk - start (falls back to the last
//                         chunk of any kind, then to end_ns, when no chunk has text)
//   inter_chunk_latency   gaps between consecutive content chunks (streaming only)
//   output_sequence_length  the client's tokenizer count of content + reasoning when
//                         set and preferred (prefer_client_token_counts); else
//                         usage.completion_tokens if reported; else the sum of
//                         per-chunk token counts if every content chunk has one;
//                         else the client's count if set; else
//                         estimate_tokens(content) + estimate_tokens(reasoning)
//   inter_token_latency   (request_latency - TTFT) / (OSL - 1); streaming only,
//                         needs OSL >= 2 and >= 2 content chunks
//   output_token_throughput_per_user  1e9 / ITL_ns tokens/s; only when ITL > 0
//   input_sequence_length usage.prompt_tokens if reported (unless client counts are
//                         preferred and the client's is exact), else the client's count
//   time_to_first_output_token  first chunk with non-reasoning content - start
//                         (streaming only; tool-call text is content)
//   reasoning_token_count the client's count when set and preferred or when usage has
//                         none; else usage completion_tokens_details.reasoning_tokens;
//                         else estimate_tokens(reasoning) when there is any
//   output_token_count    OSL - reasoning_token_count (the non-reasoning output;
//                         AIPerf's output_token_throughput sums this one)
//   usage_prompt_cache_read_tokens  usage prompt_tokens_details.cached_tokens
//   prefill_throughput_per_user  ISL / TTFT in tokens/s (streaming, ISL known)
//   server_queue_time, server_prefill_time, server_decode_time  the server's own
//                         Server-Timing `queue`/`prefill`/`decode` of the request (ms)
//   network_client_overhead  TTFT - server queue - server prefill (streaming; may be
//                         negative when the server's clock runs ahead of what it says)
//
// Endpoints without text output (embeddings) get no output-token metrics.
//
// Failed requests get no metric values (they are counted by kind instead).
// A negative interval (clock misuse) leaves that metric undefined.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "metrics/request_record.h"

namespace aiperf::metrics {

/// Where a token count came from, so exports can label estimates.
enum class TokenSource : uint8_t {
  kNone,       ///< No count available.
  kReported,   ///< Reported by the server (usage, or per-chunk counts).
  kClient,     ///< Counted by the client when it built the prompt (input only).
  kEstimated,  ///< The built-in approximation estimate_tokens().
};

/// Lowercase name of a token source: "none", "reported", "client", "estimated".
constexpr std::string_view token_source_name(TokenSource source) {
  switch (source) {
    case TokenSource::kNone: return "none";
    case TokenSource::kReported: return "reported";
    case TokenSource::kClient: return "client";
    case TokenSource::kEstimated: return "estimated";
  }
  return "none";
}

/// Built-in token estimate when the server reports no usage: ceil(code points / 4),
/// where code points are the UTF-8 lead bytes of `text` (bytes not of the form 10xxxxxx); "" is 0 tokens.
int64_t estimate_tokens(std::string_view text);

/// True when `record` (a successful text response) should have its output counted by the
/// client's tokenizer: client counts are preferred, or the server reported no output (or no
/// reasoning) count. Absent usage always means a client count.
bool needs_client_token_count(const RequestRecord& record);

/// Sets record.client_output_tokens (and client_reasoning_tokens when there is reasoning text)
/// by applying `count` to the concatenated content (and reasoning) text.
void count_client_tokens(RequestRecord& record, const std::function<int64_t(std::string_view)>& count);

/// The metrics of one request; each optional is empty when AIPerf leaves the metric undefined.
struct RequestMetrics {
  bool ok = false;                          ///< False when the request failed.
  std::optional<RequestError> error;        ///< The failure, when !ok.
  bool streaming = false;                   ///< Copied from the record.
  int64_t start_ns = 0;                     ///< Request start (monotonic).
  std::optional<int64_t> last_response_ns;  ///< start_ns + request_latency: the end used for benchmark duration.

  std::optional<int64_t> schedule_lag_ns;   ///< Actual send - scheduled send (coordinated omission made visible).
  std::optional<int64_t> tls_handshake_time_ns;  ///< TLS handshake of the connection this request opened (not in TTFT).
  std::optional<int64_t> time_to_first_token_ns;   ///< TTFT.
  std::optional<int64_t> time_to_second_token_ns;  ///< TTST.
  std::optional<int64_t> request_latency_ns;       ///< Request latency.
  std::optional<double> inter_token_latency_ns;    ///< ITL.
  std::vector<int64_t> inter_chunk_latencies_ns;   ///< Gaps between consecutive content chunks.
  std::optional<double> output_token_throughput_per_user;  ///< tokens/s for this request (1e9 / ITL_ns).

  std::optional<int64_t> output_sequence_length;  ///< OSL in tokens (content + reasoning).
  TokenSource output_tokens_source = TokenSource::kNone;  ///< Where OSL came from.
  std::optional<int64_t> input_sequence_length;   ///< ISL in tokens.
  TokenSource input_tokens_source = TokenSource::kNone;   ///< Where ISL came from.

  std::optional<int64_t> time_to_first_output_token_ns;  ///< TTFO: first non-reasoning content.
  std::optional<int64_t> output_token_count;      ///< Non-reasoning output tokens (OSL - reasoning).
  std::optional<int64_t> reasoning_token_count;   ///< Reasoning tokens.
  TokenSource reasoning_tokens_source = TokenSource::kNone;  ///< Where the reasoning count came from.
  std::optional<int64_t> cached_prompt_tokens;    ///< usage_prompt_cache_read_tokens.
  std::optional<double> prefill_throughput_per_user;  ///< ISL / TTFT, tokens/s.
  std::optional<int> http_status;                 ///< Response status, when one arrived (ok or not).
  std::optional<double> server_queue_ms;          ///< server_queue_time: the server's Server-Timing `queue`.
  std::optional<double> server_prefill_ms;        ///< server_prefill_time: its `prefill`.
  std::optional<double> server_decode_ms;         ///< server_decode_time: its `decode`.
  std::optional<double> network_client_overhead_ms;  ///< TTFT - server queue - server prefill (streaming).
};

/// Computes every per-request metric of `record` as defined above.
RequestMetrics compute_request_metrics(const RequestRecord& record);

}  // namespace aiperf::metrics
