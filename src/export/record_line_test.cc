// record_line against the nlohmann-DOM writer it replaced (kept here only, as the
// oracle): for random records, with odd strings and odd numbers, the new line parses
// to exactly the JSON the old writer produced.
#include "export/profile_export.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

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

  RecordMetadata metadata() {
    RecordMetadata md;
    md.session_num = rng_();
    md.request_id = text();
    md.request_start_ns = int64_t(rng_() >> 1);
    md.request_end_ns = -int64_t(rng_() >> 2);
    md.benchmark_phase = coin() ? "profiling" : text();
    md.was_cancelled = coin();
    if (coin()) md.url = text();
    if (coin()) md.class_label = text();
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

TEST(RecordLineTest, ReplacesInvalidUtf8InAServerMessage) {
  metrics::RequestMetrics m;
  m.error = metrics::RequestError{metrics::ErrorKind::kHttpStatus, 500, "bad \xff byte"};
  const json line = json::parse(record_line({}, m));
  EXPECT_EQ(line["error"]["message"], "bad \xef\xbf\xbd byte");
  EXPECT_EQ(line["error"]["code"], 500);
}

}  // namespace
}  // namespace aiperf::exporting
