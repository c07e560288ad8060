// One line of profile_export.jsonl per request, written into a buffer sized up front: the
// line's structure is fixed, so its keys are literals joined with their punctuation and
// nothing is checked per piece (no separator state, no capacity check per append).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "base/json_reader.h"
#include "base/json_writer.h"
#include "export/profile_export.h"

namespace aiperf::exporting {
namespace {

using nlohmann::json;

// The widest number written: int64 20 bytes, a double's shortest form 24, a scaled value 25.
constexpr std::size_t kNumberBytes = 32;
// Lines whose bound fits are assembled on the stack and appended with one copy.
constexpr std::size_t kStackBytes = 16 * 1024;

// Writes at `p` with no bound check: the caller sized the buffer by line_bound().
class LineWriter {
 public:
  explicit LineWriter(char* at) : start_(at), p_(at) {}
  std::size_t size() const { return static_cast<std::size_t>(p_ - start_); }

  template <std::size_t N>
  void put(const char (&literal)[N]) {
    std::memcpy(p_, literal, N - 1);
    p_ += N - 1;
  }
  void put(std::string_view text) {
    if (text.empty()) return;  // an empty view's data() may be null, which memcpy must not get
    std::memcpy(p_, text.data(), text.size());
    p_ += text.size();
  }
  void number(int64_t value) {
    if (value < 0) *p_++ = '-';
    p_ = write_decimal(p_, value < 0 ? uint64_t{0} - static_cast<uint64_t>(value) : static_cast<uint64_t>(value));
  }
  void number(uint64_t value) { p_ = write_decimal(p_, value); }
  void number(double value);
  void scaled(int64_t value, unsigned decimals);
  void string(std::string_view text);
  void boolean(bool flag) {
    if (flag) put("true");
    else put("false");
  }

 private:
  char* start_;
  char* p_;
};

// As append_json_number(double): shortest round trip, always a float, non-finite as null.
void LineWriter::number(double value) {
  if (!std::isfinite(value)) return put("null");
  char* from = p_;
  p_ = std::to_chars(p_, p_ + kNumberBytes, value).ptr;
  if (std::find_if(from, p_, [](char c) { return c == '.' || c == 'e'; }) == p_) put(".0");
}

// As append_json_scaled: value × 10^-decimals as an exact decimal; beyond 2^53 the double.
void LineWriter::scaled(int64_t value, unsigned decimals) {
  constexpr int64_t kExact = int64_t{1} << 53;
  if (value > kExact || value < -kExact) {
    double divisor = 1;
    for (unsigned i = 0; i < decimals; ++i) divisor *= 10;
    return number(static_cast<double>(value) / divisor);
  }
  if (value < 0) *p_++ = '-';
  char digits[24];
  const std::size_t n = static_cast<std::size_t>(write_decimal(digits, static_cast<uint64_t>(value < 0 ? -value : value)) - digits);
  const std::size_t whole = n > decimals ? n - decimals : 0;  // digits before the point
  std::size_t last = n;  // one past the last fraction digit that is not a trailing zero
  while (last > whole && digits[last - 1] == '0') --last;
  if (whole > 0) put(std::string_view(digits, whole));
  else *p_++ = '0';
  *p_++ = '.';
  if (last == whole) {  // the fraction is all zeros
    *p_++ = '0';
    return;
  }
  if (n < decimals) {
    std::memset(p_, '0', decimals - n);
    p_ += decimals - n;
  }
  put(std::string_view(digits + whole, last - whole));
}

// A JSON string: plain ASCII is copied as it is; the rest goes through append_json_string,
// and a server's invalid UTF-8 is replaced (U+FFFD) as nlohmann's dump does, rather than
// the record being lost. At most 6 bytes per input byte.
void LineWriter::string(std::string_view text) {
  const char* end = text.data() + text.size();
  if (json_scan_plain(text.data(), end) == end) {
    *p_++ = '"';
    put(text);
    *p_++ = '"';
    return;
  }
  std::string escaped;
  if (!append_json_string(escaped, text)) {
    escaped = json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  put(escaped);
}

std::size_t line_bound(const RecordMetadata& md, const metrics::RequestMetrics& m) {
  std::size_t strings = md.request_id.size() + md.benchmark_phase.size() + md.url.size() + md.class_label.size();
  if (m.error) strings += m.error->message.size();
  return kRecordLineFixedBytes + 6 * strings + (kNumberBytes + 1) * m.inter_chunk_latencies_ns.size();
}

void write_metadata(LineWriter& w, const RecordMetadata& md) {
  w.put("{\"metadata\":{\"session_num\":");
  w.number(md.session_num);
  w.put(",\"x_request_id\":");
  w.string(md.request_id);
  w.put(",\"request_start_ns\":");
  w.number(md.request_start_ns);
  w.put(",\"request_end_ns\":");
  w.number(md.request_end_ns);
  w.put(",\"benchmark_phase\":");
  w.string(md.benchmark_phase);
  w.put(",\"was_cancelled\":");
  w.boolean(md.was_cancelled);
  if (!md.url.empty()) {
    w.put(",\"url\":");
    w.string(md.url);
  }
  if (!md.class_label.empty()) {
    w.put(",\"class\":");
    w.string(md.class_label);
  }
  if (md.conversation_id) {
    w.put(",\"conversation_id\":");
    w.number(uint64_t{*md.conversation_id});
  }
  if (md.turn_index) {
    w.put(",\"turn_index\":");
    w.number(uint64_t{*md.turn_index});
  }
  if (md.in_ramp) {
    w.put(",\"in_ramp\":");
    w.boolean(*md.in_ramp);
  }
  w.put("}");
}

// The members of "metrics": each `"tag":{"value":V,"unit":"U"[,"source":"S"]}`, comma-separated.
class MetricsWriter {
 public:
  explicit MetricsWriter(LineWriter& w) : w_(w) {}

  // Opens a member: `tag_open` is `"tag":{"value":` as a literal.
  template <std::size_t N>
  void open(const char (&tag_open)[N]) {
    if (any_) w_.put(",");
    any_ = true;
    w_.put(tag_open);
  }
  void open(std::string_view tag) {  // a tag chosen at run time (input_sequence_length or error_isl)
    if (any_) w_.put(",");
    any_ = true;
    w_.put("\"");
    w_.put(tag);
    w_.put("\":{\"value\":");
  }
  // Closes a member: `unit_close` is `,"unit":"U"` (and a source) ending before the brace.
  template <std::size_t N>
  void close(const char (&unit_close)[N], std::string_view source = {}) {
    w_.put(unit_close);
    if (!source.empty()) {
      w_.put(",\"source\":\"");
      w_.put(source);
      w_.put("\"");
    }
    w_.put("}");
  }
  LineWriter& out() { return w_; }

 private:
  LineWriter& w_;
  bool any_ = false;
};

constexpr char kMs[] = ",\"unit\":\"ms\"";
constexpr char kTokens[] = ",\"unit\":\"tokens\"";
constexpr char kPerUser[] = ",\"unit\":\"tokens/sec/user\"";

// A time in ns written as ms: an exact decimal (the double ns / 1e6 reads back from it).
template <std::size_t N>
void put_ms(MetricsWriter& mw, const char (&tag_open)[N], const std::optional<int64_t>& ns) {
  if (!ns) return;
  mw.open(tag_open);
  mw.out().scaled(*ns, 6);
  mw.close(kMs);
}

template <std::size_t N, std::size_t U>
void put_real(MetricsWriter& mw, const char (&tag_open)[N], const std::optional<double>& value, const char (&unit)[U]) {
  if (!value) return;
  mw.open(tag_open);
  mw.out().number(*value);
  mw.close(unit);
}

template <std::size_t N>
void put_tokens(MetricsWriter& mw, const char (&tag_open)[N], const std::optional<int64_t>& value,
                std::string_view source = {}) {
  if (!value) return;
  mw.open(tag_open);
  mw.out().number(*value);
  mw.close(kTokens, source);
}

void write_ok_metrics(MetricsWriter& mw, const metrics::RequestMetrics& m) {
  put_ms(mw, "\"time_to_first_token\":{\"value\":", m.time_to_first_token_ns);
  put_ms(mw, "\"time_to_second_token\":{\"value\":", m.time_to_second_token_ns);
  put_ms(mw, "\"request_latency\":{\"value\":", m.request_latency_ns);
  if (m.inter_token_latency_ns) {
    put_real(mw, "\"inter_token_latency\":{\"value\":", std::optional<double>(*m.inter_token_latency_ns / 1e6), kMs);
  }
  if (!m.inter_chunk_latencies_ns.empty()) {
    mw.open("\"inter_chunk_latency\":{\"value\":[");
    bool first = true;
    for (auto gap : m.inter_chunk_latencies_ns) {
      if (!first) mw.out().put(",");
      first = false;
      mw.out().scaled(gap, 6);
    }
    mw.out().put("]");
    mw.close(kMs);
  }
  put_real(mw, "\"output_token_throughput_per_user\":{\"value\":", m.output_token_throughput_per_user, kPerUser);
  put_tokens(mw, "\"output_sequence_length\":{\"value\":", m.output_sequence_length,
             metrics::token_source_name(m.output_tokens_source));
  put_ms(mw, "\"time_to_first_output_token\":{\"value\":", m.time_to_first_output_token_ns);
  put_tokens(mw, "\"output_token_count\":{\"value\":", m.output_token_count);
  put_tokens(mw, "\"reasoning_token_count\":{\"value\":", m.reasoning_token_count,
             metrics::token_source_name(m.reasoning_tokens_source));
  put_tokens(mw, "\"usage_prompt_cache_read_tokens\":{\"value\":", m.cached_prompt_tokens);
  put_real(mw, "\"prefill_throughput_per_user\":{\"value\":", m.prefill_throughput_per_user, kPerUser);
}

void write_metrics(LineWriter& w, const metrics::RequestMetrics& m) {
  w.put(",\"metrics\":{");
  MetricsWriter mw(w);
  if (m.ok) write_ok_metrics(mw, m);
  put_real(mw, "\"server_queue_time\":{\"value\":", m.server_queue_ms, kMs);
  put_real(mw, "\"server_prefill_time\":{\"value\":", m.server_prefill_ms, kMs);
  put_real(mw, "\"server_decode_time\":{\"value\":", m.server_decode_ms, kMs);
  put_real(mw, "\"network_client_overhead\":{\"value\":", m.network_client_overhead_ms, kMs);
  put_ms(mw, "\"tls_handshake_time\":{\"value\":", m.tls_handshake_time_ns);
  put_ms(mw, "\"schedule_lag\":{\"value\":", m.schedule_lag_ns);
  if (m.input_sequence_length) {
    mw.open(m.ok ? std::string_view("input_sequence_length") : std::string_view("error_isl"));
    w.number(*m.input_sequence_length);
    mw.close(kTokens, metrics::token_source_name(m.input_tokens_source));
  }
  w.put("}");
}

void write_error(LineWriter& w, const metrics::RequestMetrics& m) {
  if (!m.error) return w.put(",\"error\":null}\n");
  w.put(",\"error\":{\"code\":");
  if (m.error->http_status) w.number(int64_t{*m.error->http_status});
  else w.put("null");
  w.put(",\"type\":\"");
  w.put(metrics::error_kind_name(m.error->kind));
  w.put("\",\"message\":");
  w.string(m.error->message);
  w.put("}}\n");
}

void write_line(char* at, std::size_t& size, const RecordMetadata& md, const metrics::RequestMetrics& m) {
  LineWriter w(at);
  write_metadata(w, md);
  write_metrics(w, m);
  write_error(w, m);
  size = w.size();
}

}  // namespace

void append_record_line(std::string& out, const RecordMetadata& md, const metrics::RequestMetrics& m) {
  const std::size_t bound = line_bound(md, m);
  std::size_t size = 0;
  if (bound <= kStackBytes) {
    char buffer[kStackBytes];
    write_line(buffer, size, md, m);
    out.append(buffer, size);
    return;
  }
  const std::size_t mark = out.size();
  out.resize(mark + bound);
  write_line(out.data() + mark, size, md, m);
  out.resize(mark + size);
}

std::string record_line(const RecordMetadata& md, const metrics::RequestMetrics& m) {
  std::string line;
  append_record_line(line, md, m);
  return line;
}

}  // namespace aiperf::exporting
