#include "metrics/request_metrics.h"

#include <algorithm>

namespace aiperf::metrics {

namespace {

// Unicode code points of UTF-8 text: bytes that are not continuation bytes (10xxxxxx).
int64_t count_code_points(std::string_view text) {
  int64_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0U) != 0x80U ? 1 : 0;
  return n;
}

int64_t code_points_to_tokens(int64_t code_points) { return (code_points + 3) / 4; }

// Server-reported output tokens from per-chunk counts: only when every
// content chunk has one (a partial sum would undercount silently).
std::optional<int64_t> per_chunk_token_sum(const std::vector<Chunk>& chunks) {
  int64_t sum = 0;
  bool any = false;
  for (const Chunk& c : chunks) {
    if (c.token_count) {
      sum += *c.token_count;
      any = true;
    } else if (c.has_text()) {
      return std::nullopt;
    }
  }
  if (!any) return std::nullopt;
  return sum;
}

// The server's own output count: usage, else per-chunk counts when every content chunk has one.
std::optional<int64_t> reported_output_tokens(const RequestRecord& record) {
  if (record.usage && record.usage->completion_tokens) return static_cast<int64_t>(*record.usage->completion_tokens);
  return per_chunk_token_sum(record.responses);
}

// Code points of every chunk's content, or of its reasoning text.
int64_t code_points(const std::vector<Chunk>& chunks, std::string Chunk::*text) {
  int64_t n = 0;
  for (const Chunk& c : chunks) n += count_code_points(c.*text);
  return n;
}

// Reasoning tokens: the client's count when preferred or when usage has none, else usage, else an estimate.
void count_reasoning_tokens(const RequestRecord& record, RequestMetrics& m) {
  const bool reported = record.usage && record.usage->reasoning_tokens;
  if (record.client_reasoning_tokens && (record.prefer_client_token_counts || !reported)) {
    m.reasoning_token_count = *record.client_reasoning_tokens;
    m.reasoning_tokens_source = TokenSource::kClient;
  } else if (reported) {
    m.reasoning_token_count = static_cast<int64_t>(*record.usage->reasoning_tokens);
    m.reasoning_tokens_source = TokenSource::kReported;
  } else if (const int64_t reasoning_cp = code_points(record.responses, &Chunk::reasoning); reasoning_cp > 0) {
    m.reasoning_token_count = code_points_to_tokens(reasoning_cp);
    m.reasoning_tokens_source = TokenSource::kEstimated;
  }
}

// OSL, and how it splits into reasoning and the rest (see the header).
void count_output_tokens(const RequestRecord& record, RequestMetrics& m) {
  const auto reported = reported_output_tokens(record);
  const bool client = record.client_output_tokens.has_value();
  if (reported && !(client && record.prefer_client_token_counts)) {
    m.output_sequence_length = *reported;
    m.output_tokens_source = TokenSource::kReported;
  } else if (client) {
    m.output_sequence_length = *record.client_output_tokens + record.client_reasoning_tokens.value_or(0);
    m.output_tokens_source = TokenSource::kClient;
  } else {
    // Per AIPerf, content and reasoning tokens are counted separately and added. Code points
    // are additive across chunks: no concatenation needed (and no count when the server gave one).
    m.output_sequence_length = code_points_to_tokens(code_points(record.responses, &Chunk::content)) +
                               code_points_to_tokens(code_points(record.responses, &Chunk::reasoning));
    m.output_tokens_source = TokenSource::kEstimated;
  }
  count_reasoning_tokens(record, m);
  m.output_token_count = std::max<int64_t>(0, *m.output_sequence_length - m.reasoning_token_count.value_or(0));
}

// TTFT, TTST, first output token, prefill throughput, inter-chunk and inter-token
// latencies: the streaming-only metrics (AIPerf STREAMING_TOKENS_ONLY).
void streaming_metrics(const RequestRecord& record, const std::vector<int64_t>& content_ts, RequestMetrics& m) {
  if (!content_ts.empty() && content_ts.front() >= record.start_ns) {
    m.time_to_first_token_ns = content_ts.front() - record.start_ns;
  }
  for (const Chunk& c : record.responses) {
    if (c.content.empty()) continue;
    if (c.timestamp_ns >= record.start_ns) m.time_to_first_output_token_ns = c.timestamp_ns - record.start_ns;
    break;
  }
  if (m.time_to_first_token_ns && *m.time_to_first_token_ns > 0 && m.input_sequence_length) {
    m.prefill_throughput_per_user =
        static_cast<double>(*m.input_sequence_length) * 1e9 / static_cast<double>(*m.time_to_first_token_ns);
  }
  if (content_ts.size() >= 2 && content_ts[1] >= content_ts[0]) {
    m.time_to_second_token_ns = content_ts[1] - content_ts[0];
  }
  if (content_ts.size() >= 2) {
    m.inter_chunk_latencies_ns.reserve(content_ts.size() - 1);
    for (std::size_t i = 1; i < content_ts.size(); ++i) {
      const int64_t gap = content_ts[i] - content_ts[i - 1];
      if (gap < 0) {  // AIPerf rejects negative gaps; so do we, for the whole list
        m.inter_chunk_latencies_ns.clear();
        break;
      }
      m.inter_chunk_latencies_ns.push_back(gap);
    }
  }
  if (content_ts.size() >= 2 && m.time_to_first_token_ns && m.request_latency_ns &&
      m.output_sequence_length && *m.output_sequence_length >= 2) {
    const double decode_ns =
        static_cast<double>(*m.request_latency_ns - *m.time_to_first_token_ns);
    m.inter_token_latency_ns = decode_ns / static_cast<double>(*m.output_sequence_length - 1);
    if (*m.inter_token_latency_ns > 0) {
      m.output_token_throughput_per_user = 1e9 / *m.inter_token_latency_ns;
    }
  }
}

}  // namespace

int64_t estimate_tokens(std::string_view text) {
  return code_points_to_tokens(count_code_points(text));
}

bool needs_client_token_count(const RequestRecord& record) {
  if (!record.ok() || !record.generates_text) return false;
  bool content = false;
  bool reasoning = false;
  for (const Chunk& c : record.responses) {
    content = content || !c.content.empty();
    reasoning = reasoning || !c.reasoning.empty();
  }
  if (!content && !reasoning) return false;
  if (record.prefer_client_token_counts) return true;
  const bool reasoning_reported = record.usage && record.usage->reasoning_tokens;
  return !reported_output_tokens(record) || (reasoning && !reasoning_reported);
}

void count_client_tokens(RequestRecord& record, const std::function<int64_t(std::string_view)>& count) {
  std::string content;
  std::string reasoning;
  for (const Chunk& c : record.responses) {
    content += c.content;
    reasoning += c.reasoning;
  }
  record.client_output_tokens = count(content);
  if (!reasoning.empty()) record.client_reasoning_tokens = count(reasoning);
}

RequestMetrics compute_request_metrics(const RequestRecord& record) {
  RequestMetrics m;
  m.http_status = record.http_status;
  m.ok = record.ok();
  m.error = record.error;
  m.streaming = record.streaming;
  if (record.scheduled_ns && record.start_ns != 0) m.schedule_lag_ns = record.start_ns - *record.scheduled_ns;
  m.start_ns = record.start_ns;
  // Set only on the request that opened a TLS connection; like schedule lag, failed requests count too.
  m.tls_handshake_time_ns = record.transport.tls_handshake_ns;
  if (!m.ok) return m;

  // Request latency: last content chunk (AIPerf's content_responses), else last chunk, else end_ns.
  std::optional<int64_t> last_ts;
  const auto last_content = std::find_if(record.responses.rbegin(), record.responses.rend(),
                                         [](const Chunk& c) { return c.has_text(); });
  if (last_content != record.responses.rend()) {
    last_ts = last_content->timestamp_ns;
  } else if (!record.responses.empty()) {
    last_ts = record.responses.back().timestamp_ns;
  } else if (record.end_ns > 0) {
    last_ts = record.end_ns;
  }
  if (last_ts && *last_ts >= record.start_ns) {
    m.request_latency_ns = *last_ts - record.start_ns;
    m.last_response_ns = *last_ts;
  }

  if (record.generates_text) count_output_tokens(record, m);
  const bool client_input = record.input_token_count && !record.input_token_count_estimated;
  if (record.usage && record.usage->prompt_tokens && !(client_input && record.prefer_client_token_counts)) {
    m.input_sequence_length = static_cast<int64_t>(*record.usage->prompt_tokens);
    m.input_tokens_source = TokenSource::kReported;
  } else if (record.input_token_count) {
    m.input_sequence_length = *record.input_token_count;
    m.input_tokens_source = record.input_token_count_estimated ? TokenSource::kEstimated : TokenSource::kClient;
  }
  if (record.cached_prompt_tokens) m.cached_prompt_tokens = static_cast<int64_t>(*record.cached_prompt_tokens);

  m.server_queue_ms = record.server_queue_ms;
  m.server_prefill_ms = record.server_prefill_ms;
  m.server_decode_ms = record.server_decode_ms;

  if (!record.streaming) return m;  // the rest is streaming-only (AIPerf STREAMING_TOKENS_ONLY)

  // Timestamps of content chunks.
  std::vector<int64_t> content_ts;
  content_ts.reserve(record.responses.size());
  for (const Chunk& c : record.responses) {
    if (c.has_text()) content_ts.push_back(c.timestamp_ns);
  }
  streaming_metrics(record, content_ts, m);
  // What the server did not account for of the client's TTFT: network, the client's own overhead.
  if (m.time_to_first_token_ns && m.server_queue_ms && m.server_prefill_ms) {
    m.network_client_overhead_ms =
        static_cast<double>(*m.time_to_first_token_ns) / 1e6 - *m.server_queue_ms - *m.server_prefill_ms;
  }
  return m;
}

}  // namespace aiperf::metrics
