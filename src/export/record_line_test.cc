// record_line against the writers it replaced (kept here only, as oracles): for random
// records, with odd strings and odd numbers, the line parses to exactly the JSON the
// nlohmann-DOM writer produced, and has exactly the bytes the JsonWriter one wrote.
#include "export/profile_export.h"

#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <limits>
#include <random>

#include "base/json_writer.h"

namespace aiperf::exporting {
namespace {

using nlohmann::json;

// The writer before issue 16, verbatim in behaviour: a DOM per record, dumped.
std::string dom_record_line(const RecordMetadata& md, const metrics::RequestMetrics& m) {
  json metadata = {{"session_num", md.session_num}, {"x_request_id", md.request_id},
                   {"request_start_ns", md.request_start_ns}, {"request_end_ns", md.request_end_ns},
                   {"benchmark_phase", md.benchmark_phase}, {"was_cancelled", md.was_cancelled}};
  if (!md.url.empty()) metadata["url"] = md.url;
  if (!md.class_label.empty()) metadata["class"] = md.class_label;
  if (md.conversation_id) metadata["conversation_id"] = *md.conversation_id;
  if (md.turn_index) metadata["turn_index"] = *md.turn_index;
  if (md.in_ramp) metadata["in_ramp"] = *md.in_ramp;
  json values = json::object();
  auto put = [&](std::string_view tag, std::string_view unit, auto value) {
    values[std::string(tag)] = {{"value", value}, {"unit", unit}};
  };
  auto ms = [](double ns) { return ns / 1e6; };
  if (m.ok) {
    if (m.time_to_first_token_ns) put("time_to_first_token", "ms", ms(double(*m.time_to_first_token_ns)));
    if (m.time_to_second_token_ns) put("time_to_second_token", "ms", ms(double(*m.time_to_second_token_ns)));
    if (m.request_latency_ns) put("request_latency", "ms", ms(double(*m.request_latency_ns)));
    if (m.inter_token_latency_ns) put("inter_token_latency", "ms", ms(*m.inter_token_latency_ns));
    if (!m.inter_chunk_latencies_ns.empty()) {
      std::vector<double> gaps;
      for (auto g : m.inter_chunk_latencies_ns) gaps.push_back(ms(double(g)));
      put("inter_chunk_latency", "ms", gaps);
    }
    if (m.output_token_throughput_per_user) {
      put("output_token_throughput_per_user", "tokens/sec/user", *m.output_token_throughput_per_user);
    }
    if (m.output_sequence_length) {
      put("output_sequence_length", "tokens", *m.output_sequence_length);
      values["output_sequence_length"]["source"] = metrics::token_source_name(m.output_tokens_source);
    }
    if (m.time_to_first_output_token_ns) {
      put("time_to_first_output_token", "ms", ms(double(*m.time_to_first_output_token_ns)));
    }
    if (m.output_token_count) put("output_token_count", "tokens", *m.output_token_count);
    if (m.reasoning_token_count) {
      put("reasoning_token_count", "tokens", *m.reasoning_token_count);
      values["reasoning_token_count"]["source"] = metrics::token_source_name(m.reasoning_tokens_source);
    }
    if (m.cached_prompt_tokens) put("usage_prompt_cache_read_tokens", "tokens", *m.cached_prompt_tokens);
    if (m.prefill_throughput_per_user) {
      put("prefill_throughput_per_user", "tokens/sec/user", *m.prefill_throughput_per_user);
    }
  }
  if (m.tls_handshake_time_ns) put("tls_handshake_time", "ms", ms(double(*m.tls_handshake_time_ns)));
  if (m.schedule_lag_ns) put("schedule_lag", "ms", ms(double(*m.schedule_lag_ns)));
  if (m.input_sequence_length) {
    put(m.ok ? "input_sequence_length" : "error_isl", "tokens", *m.input_sequence_length);
    values[m.ok ? "input_sequence_length" : "error_isl"]["source"] = metrics::token_source_name(m.input_tokens_source);
  }
  json error = nullptr;
  if (m.error) {
    error = {{"code", m.error->http_status ? json(*m.error->http_status) : json(nullptr)},
             {"type", metrics::error_kind_name(m.error->kind)},
             {"message", m.error->message}};
  }
  json line = {{"metadata", metadata}, {"metrics", values}, {"error", error}};
  return line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}


// A string value; a server's bad bytes are replaced (U+FFFD) as nlohmann's dump does,
// rather than the record being lost.
void put_string(JsonWriter& w, std::string_view text) {
  if (!w.value(text)) w.raw(json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace));
}

void write_metadata(JsonWriter& w, const RecordMetadata& md) {
  w.key("metadata");
  w.begin_object();
  w.key("session_num");
  w.value(md.session_num);
  w.key("x_request_id");
  put_string(w, md.request_id);
  w.key("request_start_ns");
  w.value(md.request_start_ns);
  w.key("request_end_ns");
  w.value(md.request_end_ns);
  w.key("benchmark_phase");
  put_string(w, md.benchmark_phase);
  w.key("was_cancelled");
  w.value(md.was_cancelled);
  if (!md.url.empty()) {
    w.key("url");
    put_string(w, md.url);
  }
  if (!md.class_label.empty()) {
    w.key("class");
    put_string(w, md.class_label);
  }
  if (md.conversation_id) {
    w.key("conversation_id");
    w.value(*md.conversation_id);
  }
  if (md.turn_index) {
    w.key("turn_index");
    w.value(*md.turn_index);
  }
  if (md.in_ramp) {
    w.key("in_ramp");
    w.value(*md.in_ramp);
  }
  w.end_object();
}

// A time in ns written as ms: an exact decimal (the double ns / 1e6 reads back from it).
struct Millis {
  int64_t ns;
};

void put_value(JsonWriter& w, Millis value) { w.scaled(value.ns, 6); }
template <typename T>
void put_value(JsonWriter& w, T value) {
  w.value(value);
}

// {"value": V, "unit": U[, "source": S]} under `tag`.
template <typename T>
void put_metric(JsonWriter& w, std::string_view tag, std::string_view unit, T value,
                std::string_view source = {}) {
  w.open_member(tag, "value");
  put_value(w, value);
  w.member_plain("unit", unit);
  if (!source.empty()) w.member_plain("source", source);
  w.end_object();
}

Millis ms(int64_t ns) { return Millis{ns}; }

void write_ok_metrics(JsonWriter& w, const metrics::RequestMetrics& m) {
  if (m.time_to_first_token_ns) put_metric(w, "time_to_first_token", "ms", ms(*m.time_to_first_token_ns));
  if (m.time_to_second_token_ns) put_metric(w, "time_to_second_token", "ms", ms(*m.time_to_second_token_ns));
  if (m.request_latency_ns) put_metric(w, "request_latency", "ms", ms(*m.request_latency_ns));
  if (m.inter_token_latency_ns) put_metric(w, "inter_token_latency", "ms", *m.inter_token_latency_ns / 1e6);
  if (!m.inter_chunk_latencies_ns.empty()) {
    w.key("inter_chunk_latency");
    w.begin_object();
    w.key("value");
    w.begin_array();
    for (auto gap : m.inter_chunk_latencies_ns) w.scaled(gap, 6);
    w.end_array();
    w.key("unit");
    w.plain("ms");
    w.end_object();
  }
  if (m.output_token_throughput_per_user) {
    put_metric(w, "output_token_throughput_per_user", "tokens/sec/user", *m.output_token_throughput_per_user);
  }
  if (m.output_sequence_length) {
    put_metric(w, "output_sequence_length", "tokens", *m.output_sequence_length,
               metrics::token_source_name(m.output_tokens_source));
  }
  if (m.time_to_first_output_token_ns) {
    put_metric(w, "time_to_first_output_token", "ms", ms(*m.time_to_first_output_token_ns));
  }
  if (m.output_token_count) put_metric(w, "output_token_count", "tokens", *m.output_token_count);
  if (m.reasoning_token_count) {
    put_metric(w, "reasoning_token_count", "tokens", *m.reasoning_token_count,
               metrics::token_source_name(m.reasoning_tokens_source));
  }
  if (m.cached_prompt_tokens) put_metric(w, "usage_prompt_cache_read_tokens", "tokens", *m.cached_prompt_tokens);
  if (m.prefill_throughput_per_user) {
    put_metric(w, "prefill_throughput_per_user", "tokens/sec/user", *m.prefill_throughput_per_user);
  }
}

void write_metrics(JsonWriter& w, const metrics::RequestMetrics& m) {
  w.key("metrics");
  w.begin_object();
  if (m.ok) write_ok_metrics(w, m);
  if (m.server_queue_ms) put_metric(w, "server_queue_time", "ms", *m.server_queue_ms);
  if (m.server_prefill_ms) put_metric(w, "server_prefill_time", "ms", *m.server_prefill_ms);
  if (m.server_decode_ms) put_metric(w, "server_decode_time", "ms", *m.server_decode_ms);
  if (m.network_client_overhead_ms) put_metric(w, "network_client_overhead", "ms", *m.network_client_overhead_ms);
  if (m.tls_handshake_time_ns) put_metric(w, "tls_handshake_time", "ms", ms(*m.tls_handshake_time_ns));
  if (m.schedule_lag_ns) put_metric(w, "schedule_lag", "ms", ms(*m.schedule_lag_ns));
  if (m.input_sequence_length) {
    put_metric(w, m.ok ? "input_sequence_length" : "error_isl", "tokens", *m.input_sequence_length,
               metrics::token_source_name(m.input_tokens_source));
  }
  w.end_object();
}

// The writer before the fixed-layout one: the same bytes, through JsonWriter.
std::string writer_record_line(const RecordMetadata& md, const metrics::RequestMetrics& m) {
  std::string line;
  // One allocation: a line without per-chunk values is 600-1,000 bytes (metadata, ~10 metrics).
  line.reserve(1024 + md.request_id.size() + md.url.size() + md.class_label.size() +
               m.inter_chunk_latencies_ns.size() * 24);
  JsonWriter w(line);
  w.begin_object();
  write_metadata(w, md);
  write_metrics(w, m);
  w.key("error");
  if (m.error) {
    w.begin_object();
    w.key("code");
    if (m.error->http_status) {
      w.value(*m.error->http_status);
    } else {
      w.null();
    }
    w.key("type");
    w.plain(metrics::error_kind_name(m.error->kind));
    w.key("message");
    put_string(w, m.error->message);
    w.end_object();
  } else {
    w.null();
  }
  w.end_object();
  line.push_back('\n');
  return line;
}

class RandomRecords {
 public:
  explicit RandomRecords(uint64_t seed) : rng_(seed) {}

  // Text with quotes, backslashes, control characters, UTF-8 and invalid bytes.
  std::string text() {
    static const char* kPieces[] = {"a", "\"", "\\", "\n", "\t", "\x01", "\x1f", "\x7f", "\xc3\xa9",
                                    "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xff", "\xc3", "\xed\xa0\x80", "/", " "};
    std::string s;
    for (std::size_t n = rng_() % 8; n > 0; --n) s += kPieces[rng_() % std::size(kPieces)];
    return s;
  }
  bool coin() { return rng_() % 2 == 0; }
  int64_t ns() { return coin() ? int64_t(rng_() % 10'000'000'000) : int64_t(rng_() >> 1); }
  double real() {
    switch (rng_() % 6) {
      case 0: return std::nan("");
      case 1: return coin() ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
      case 2: return double(rng_() % 1000);  // integral: must stay a float
      default: return double(rng_() % 100'000'000) / double(1 + rng_() % 9999);
    }
  }
  template <typename T>
  std::optional<T> maybe(T value) { return coin() ? std::optional<T>(value) : std::nullopt; }
  metrics::TokenSource source() { return static_cast<metrics::TokenSource>(rng_() % 4); }

  // A text that lives as long as this generator (metadata holds views).
  std::string_view held(std::string s) { return held_.emplace_back(std::move(s)); }

  RecordMetadata metadata() {
    RecordMetadata md;
    md.session_num = rng_();
    md.request_id = held(text());
    md.request_start_ns = int64_t(rng_() >> 1);
    md.request_end_ns = -int64_t(rng_() >> 2);
    md.benchmark_phase = coin() ? "profiling" : held(text());
    md.was_cancelled = coin();
    if (coin()) md.url = held(text());
    if (coin()) md.class_label = held(text());
    md.conversation_id = maybe(uint64_t(rng_()));
    md.turn_index = maybe(uint32_t(rng_()));
    md.in_ramp = maybe(coin());
    return md;
  }

  metrics::RequestMetrics request() {
    metrics::RequestMetrics m;
    m.ok = coin();
    if (!m.ok || rng_() % 4 == 0) {
      auto kind = metrics::kAllErrorKinds[rng_() % metrics::kAllErrorKinds.size()];
      m.error = metrics::RequestError{kind, maybe(int(rng_() % 600)), text()};
    }
    m.schedule_lag_ns = maybe(ns());
    m.tls_handshake_time_ns = maybe(ns());
    m.time_to_first_token_ns = maybe(ns());
    m.time_to_second_token_ns = maybe(ns());
    m.request_latency_ns = maybe(ns());
    m.inter_token_latency_ns = maybe(real());
    for (std::size_t n = coin() ? rng_() % 20 : 0; n > 0; --n) m.inter_chunk_latencies_ns.push_back(ns());
    m.output_token_throughput_per_user = maybe(real());
    m.output_sequence_length = maybe(int64_t(rng_() % 100000));
    m.output_tokens_source = source();
    m.input_sequence_length = maybe(int64_t(rng_() % 100000));
    m.input_tokens_source = source();
    m.time_to_first_output_token_ns = maybe(ns());
    m.output_token_count = maybe(int64_t(rng_() % 1000));
    m.reasoning_token_count = maybe(int64_t(rng_() % 1000));
    m.reasoning_tokens_source = source();
    m.cached_prompt_tokens = maybe(int64_t(rng_() % 1000));
    m.prefill_throughput_per_user = maybe(real());
    return m;
  }

 private:
  std::mt19937_64 rng_;
  std::deque<std::string> held_;
};

TEST(RecordLineTest, ParsesToExactlyTheDomWritersJsonForRandomRecords) {
  RandomRecords random(16);
  for (int i = 0; i < 20000; ++i) {
    const RecordMetadata md = random.metadata();
    const metrics::RequestMetrics m = random.request();
    const std::string line = record_line(md, m);
    const std::string expected = dom_record_line(md, m);
    ASSERT_EQ(line.back(), '\n');
    ASSERT_EQ(line.find('\n'), line.size() - 1) << "one line per record";
    const json parsed = json::parse(line);  // throws on invalid JSON or invalid UTF-8
    // Equal as values, and equal in types (a float stays a float): same canonical dump.
    ASSERT_EQ(parsed, json::parse(expected)) << line << "\n" << expected;
    ASSERT_EQ(parsed.dump(), json::parse(expected).dump()) << line;
  }
}

TEST(RecordLineTest, SameBytesAsTheJsonWriterLineForRandomRecords) {
  RandomRecords random(1616);
  std::string appended = "kept";
  for (int i = 0; i < 20000; ++i) {
    const RecordMetadata md = random.metadata();
    metrics::RequestMetrics m = random.request();
    m.server_queue_ms = random.maybe(random.real());  // beside the DOM writer's fields
    m.server_prefill_ms = random.maybe(random.real());
    m.server_decode_ms = random.maybe(random.real());
    m.network_client_overhead_ms = random.maybe(random.real());
    const std::string expected = writer_record_line(md, m);
    ASSERT_EQ(record_line(md, m), expected);
    appended.resize(4);
    append_record_line(appended, md, m);
    ASSERT_EQ(appended, "kept" + expected);
  }
}

TEST(RecordLineTest, LongTextsAndManyChunksTakeTheHeapPathWithTheSameBytes) {
  RandomRecords random(7);
  RecordMetadata md = random.metadata();
  metrics::RequestMetrics m = random.request();
  const std::string id(20000, '\x01');  // 6 bytes each escaped: far past the stack buffer
  md.request_id = id;
  m.ok = true;
  m.inter_chunk_latencies_ns.assign(3000, -123456789012345);
  EXPECT_EQ(record_line(md, m), writer_record_line(md, m));
}

TEST(RecordLineTest, EveryFieldAtItsWidestFitsTheFixedBound) {
  metrics::RequestMetrics m;
  m.ok = true;
  constexpr int64_t kWide = std::numeric_limits<int64_t>::min();
  const double wide_real = -2.2250738585072014e-308;  // the longest shortest form (24 bytes)
  for (auto* ns : {&m.schedule_lag_ns, &m.tls_handshake_time_ns, &m.time_to_first_token_ns, &m.time_to_second_token_ns,
                   &m.request_latency_ns, &m.time_to_first_output_token_ns, &m.output_sequence_length,
                   &m.input_sequence_length, &m.output_token_count, &m.reasoning_token_count, &m.cached_prompt_tokens}) {
    *ns = kWide;
  }
  for (auto* real : {&m.inter_token_latency_ns, &m.output_token_throughput_per_user, &m.prefill_throughput_per_user,
                     &m.server_queue_ms, &m.server_prefill_ms, &m.server_decode_ms, &m.network_client_overhead_ms}) {
    *real = wide_real;
  }
  m.output_tokens_source = m.input_tokens_source = m.reasoning_tokens_source = metrics::TokenSource::kEstimated;
  m.error = metrics::RequestError{metrics::ErrorKind::kServerErrorEvent, std::numeric_limits<int>::min(), ""};
  RecordMetadata md{std::numeric_limits<uint64_t>::max(), "", kWide, kWide, "", true, "", ""};
  md.conversation_id = std::numeric_limits<uint64_t>::max();
  md.turn_index = std::numeric_limits<uint32_t>::max();
  md.in_ramp = false;
  const std::string line = record_line(md, m);
  EXPECT_EQ(line, writer_record_line(md, m));
  // Half the bound: room for a few more metrics before the bound must grow.
  EXPECT_LE(line.size(), kRecordLineFixedBytes / 2) << line;
}

TEST(RecordLineTest, ReplacesInvalidUtf8InAServerMessage) {
  metrics::RequestMetrics m;
  m.error = metrics::RequestError{metrics::ErrorKind::kHttpStatus, 500, "bad \xff byte"};
  const json line = json::parse(record_line({}, m));
  EXPECT_EQ(line["error"]["message"], "bad \xef\xbf\xbd byte");
  EXPECT_EQ(line["error"]["code"], 500);
}

}  // namespace
}  // namespace aiperf::exporting
