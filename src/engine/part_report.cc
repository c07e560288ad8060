#include "engine/part_report.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace aiperf::engine {
namespace {

// A field added to one of these types must be added to its fields() below, or it would not
// reach the lead: these sizes make the build say so (update them with the fields()).
static_assert(sizeof(metrics::RequestRecord) == 632, "RequestRecord changed: update its fields() below");
static_assert(sizeof(metrics::TransportRecord) == 168, "TransportRecord changed: update its fields() below");
static_assert(sizeof(metrics::RequestMetrics) == 440, "RequestMetrics changed: update its fields() below");

constexpr uint64_t kMagic = 0x31'74'72'61'70'66'72'61;  // "arfpart1": a report of this layout
constexpr uint64_t kRequestItem = 1, kPayloadItem = 2;

// Writes values: integers as (zigzag) varints, doubles as their 8 bytes, strings with their length.
// Bytes gather in a buffer on the stack and reach `out` a block at a time (flush() at the end):
// a request is ~100 values, and a std::string append per byte was most of the cost.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  /// Appends what is buffered to `out`; call it before `out` is read or appended to directly.
  void flush() {
    out_.append(buffer_, static_cast<std::size_t>(p_ - buffer_));
    p_ = buffer_;
  }
  void operator()(uint64_t v) {
    room(kMaxVarint);
    while (v >= 0x80) {
      *p_++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p_++ = static_cast<char>(v);
  }
  void operator()(int64_t v) { (*this)((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void operator()(uint32_t v) { (*this)(uint64_t{v}); }
  void operator()(int v) { (*this)(int64_t{v}); }
  void operator()(bool v) { (*this)(uint64_t{v ? 1u : 0u}); }
  void operator()(double v) {
    room(sizeof v);
    std::memcpy(p_, &v, sizeof v);
    p_ += sizeof v;
  }
  void operator()(const std::string& v) {
    (*this)(uint64_t{v.size()});
    bytes(v);
  }
  /// Raw bytes (a length written before them is the caller's).
  void bytes(std::string_view v) {
    if (v.size() > kBuffer / 4) {  // long: straight to `out`
      flush();
      out_.append(v);
      return;
    }
    room(v.size());
    if (!v.empty()) std::memcpy(p_, v.data(), v.size());  // an empty view's data() may be null
    p_ += v.size();
  }
  template <class E>
    requires std::is_enum_v<E>
  void operator()(E v) { (*this)(static_cast<uint64_t>(v)); }
  template <class T>
  void operator()(const std::optional<T>& v) {
    (*this)(v.has_value());
    if (v) (*this)(*v);
  }
  void operator()(const std::vector<int64_t>& v) {
    (*this)(uint64_t{v.size()});
    int64_t previous = 0;  // gaps between chunks are alike: their differences are short
    for (int64_t x : v) (*this)(static_cast<int64_t>(static_cast<uint64_t>(x) - static_cast<uint64_t>(previous))), previous = x;
  }
  template <class T>
    requires std::is_class_v<T>
  void operator()(const T& v) { fields(*this, v); }

 private:
  static constexpr std::size_t kBuffer = 1024, kMaxVarint = 10;
  void room(std::size_t n) {
    if (static_cast<std::size_t>(buffer_ + kBuffer - p_) < n) flush();
  }
  std::string& out_;
  char buffer_[kBuffer];
  char* p_ = buffer_;
};

// Reads what Writer wrote; any shortfall or out-of-range value marks the whole read failed.
class Reader {
 public:
  explicit Reader(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}
  bool ok() const { return ok_; }
  bool at_end() const { return p_ == end_; }
  void operator()(uint64_t& v) {
    if (p_ != end_ && static_cast<uint8_t>(*p_) < 0x80) {  // most values: one byte
      v = static_cast<uint8_t>(*p_++);
      return;
    }
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return fail();
      const auto byte = static_cast<uint8_t>(*p_++);
      v |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return;
    }
    fail();
  }
  void operator()(int64_t& v) {
    uint64_t u = 0;
    (*this)(u);
    v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  }
  void operator()(uint32_t& v) { v = static_cast<uint32_t>(bounded(UINT32_MAX)); }
  void operator()(int& v) {
    int64_t w = 0;
    (*this)(w);
    if (w < INT32_MIN || w > INT32_MAX) fail();
    v = static_cast<int>(w);
  }
  void operator()(bool& v) { v = bounded(1) != 0; }
  void operator()(double& v) {
    if (left() < sizeof v) return fail();
    std::memcpy(&v, p_, sizeof v);
    p_ += sizeof v;
  }
  void operator()(std::string& v) {
    const uint64_t n = bounded(left());
    v.assign(p_, n);
    p_ += n;
  }
  template <class E>
    requires std::is_enum_v<E>
  void operator()(E& v) { v = static_cast<E>(bounded(UINT8_MAX)); }
  template <class T>
  void operator()(std::optional<T>& v) {
    bool present = false;
    (*this)(present);
    if (!present) return v.reset();
    (*this)(v.emplace());
  }
  void operator()(std::vector<int64_t>& v) {
    const uint64_t n = bounded(left());  // every value takes a byte at least
    v.resize(n);
    int64_t previous = 0;
    for (int64_t& x : v) {
      int64_t delta = 0;
      (*this)(delta);
      x = static_cast<int64_t>(static_cast<uint64_t>(previous) + static_cast<uint64_t>(delta)), previous = x;
    }
  }
  template <class T>
    requires std::is_class_v<T>
  void operator()(T& v) { fields(*this, v); }

 private:
  uint64_t bounded(uint64_t most) {
    uint64_t v = 0;
    (*this)(v);
    if (v > most) fail(), v = 0;
    return v;
  }
  std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }
  void fail() {
    ok_ = false;
    p_ = end_;
  }
  const char* p_;
  const char* end_;
  bool ok_ = true;
};

// Each type's fields, once, for both directions (IO is Writer with const T, or Reader).
template <class IO, class T>
  requires std::is_same_v<std::remove_const_t<T>, Usage>
void fields(IO& io, T& u) {
  io(u.prompt_tokens), io(u.completion_tokens), io(u.reasoning_tokens);
}

template <class IO, class T>
  requires std::is_same_v<std::remove_const_t<T>, metrics::RequestError>
void fields(IO& io, T& e) {
  io(e.kind), io(e.http_status), io(e.message);
}

template <class IO, class T>
  requires std::is_same_v<std::remove_const_t<T>, metrics::TransportRecord>
void fields(IO& io, T& t) {
  io(t.new_connection), io(t.connect_ns), io(t.tls_handshake_ns), io(t.tls), io(t.tls_session_resumed);
  io(t.tls_version), io(t.content_encoding), io(t.reads), io(t.kernel_stamped_reads), io(t.user_stamped_reads);
  io(t.max_read_lateness_ns), io(t.total_read_lateness_ns), io(t.multi_event_reads), io(t.retried);
}

template <class IO, class T>
  requires std::is_same_v<std::remove_const_t<T>, metrics::RequestRecord>
void fields(IO& io, T& r) {  // all but `responses`: their metrics travel instead
  io(r.request_id), io(r.class_label), io(r.conversation_id), io(r.in_ramp), io(r.turn_index);
  io(r.start_ns), io(r.end_ns), io(r.scheduled_ns), io(r.streaming), io(r.usage);
  io(r.input_token_count), io(r.input_token_count_estimated), io(r.client_output_tokens);
  io(r.client_reasoning_tokens), io(r.prefer_client_token_counts), io(r.cached_prompt_tokens), io(r.http_status);
  io(r.implausible_usage), io(r.generates_text), io(r.error), io(r.transport), io(r.url), io(r.cancel_planned);
  io(r.server_queue_ms), io(r.server_prefill_ms), io(r.server_decode_ms), io(r.server_timing_malformed);
}

template <class IO, class T>
  requires std::is_same_v<std::remove_const_t<T>, metrics::RequestMetrics>
void fields(IO& io, T& m) {
  io(m.ok), io(m.error), io(m.streaming), io(m.start_ns), io(m.last_response_ns), io(m.schedule_lag_ns);
  io(m.tls_handshake_time_ns), io(m.time_to_first_token_ns), io(m.time_to_second_token_ns);
  io(m.request_latency_ns), io(m.inter_token_latency_ns), io(m.inter_chunk_latencies_ns);
  io(m.output_token_throughput_per_user), io(m.output_sequence_length), io(m.output_tokens_source);
  io(m.input_sequence_length), io(m.input_tokens_source), io(m.time_to_first_output_token_ns);
  io(m.output_token_count), io(m.reasoning_token_count), io(m.reasoning_tokens_source);
  io(m.cached_prompt_tokens), io(m.prefill_throughput_per_user), io(m.http_status), io(m.server_queue_ms);
  io(m.server_prefill_ms), io(m.server_decode_ms), io(m.network_client_overhead_ms);
}

template <class IO, class T>
  requires std::is_same_v<std::remove_const_t<T>, PartHealth>
void fields(IO& io, T& h) {
  io(h.rank), io(h.host), io(h.sent), io(h.succeeded), io(h.failed), io(h.cancelled), io(h.cpu_seconds);
  io(h.duration_s), io(h.schedule_lag_p99_ms), io(h.max_read_lateness_ns), io(h.stop_reason);
}

}  // namespace

void encode_part_request(const FinishedRequest& done, bool cancelled, std::string& out) {
  Writer w(out);
  w(kRequestItem), w(done.session_num), w(cancelled), w(done.record), w(done.metrics);
  w.flush();
}

void encode_part_payload(std::string_view request_id, std::string_view body, std::string& out) {
  Writer w(out);
  w(kPayloadItem), w(uint64_t{request_id.size()});
  w.bytes(request_id);
  w(uint64_t{body.size()});
  w.bytes(body);
  w.flush();
}

std::string encode_part_report(const PartHealth& health, int64_t phase_start_ns, std::string_view items) {
  std::string out;
  Writer w(out);
  w(kMagic), w(health), w(phase_start_ns);
  w.flush();
  out.append(items);
  return out;
}

Expected<PartReport> decode_part_report(std::string_view bytes) {
  Reader r(bytes);
  PartReport report;
  uint64_t magic = 0;
  r(magic);
  if (magic != kMagic) return fail(ErrorCode::kInvalidArgument, "not a part report of this aiperf version");
  r(report.health), r(report.phase_start_ns);
  // One item per request sent at most (a request item takes 60 bytes at least): no regrowth moving them.
  report.requests.reserve(std::min<uint64_t>(report.health.sent, bytes.size() / 60));
  while (r.ok() && !r.at_end()) {
    uint64_t item = 0;
    r(item);
    if (item == kRequestItem) {
      PartRequest& request = report.requests.emplace_back();
      r(request.done.session_num), r(request.cancelled), r(request.done.record), r(request.done.metrics);
    } else if (item == kPayloadItem) {
      PartPayload& payload = report.payloads.emplace_back();
      r(payload.request_id), r(payload.body);
    } else {
      return fail(ErrorCode::kInvalidArgument, "part report holds an item of another version");
    }
  }
  if (!r.ok()) return fail(ErrorCode::kInvalidArgument, "part report truncated or corrupt");
  return report;
}

void shift_clock(FinishedRequest& done, int64_t shift_ns) {
  if (shift_ns == 0) return;
  auto& r = done.record;
  r.start_ns += shift_ns, r.end_ns += shift_ns;
  if (r.scheduled_ns) *r.scheduled_ns += shift_ns;
  for (auto& chunk : r.responses) chunk.timestamp_ns += shift_ns;
  done.metrics.start_ns += shift_ns;
  if (done.metrics.last_response_ns) *done.metrics.last_response_ns += shift_ns;
}

}  // namespace aiperf::engine
