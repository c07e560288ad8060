#include "engine/part_report.h"

#include <gtest/gtest.h>

#include <limits>

namespace aiperf::engine {
namespace {

// A request with every field away from its default (and some values at their extremes).
FinishedRequest every_field_set() {
  FinishedRequest done;
  done.session_num = 1234567;
  auto& r = done.record;
  r.request_id = "aiperf-0a1b-42";
  r.class_label = "long \"prompts\" \xe2\x9c\x93";
  r.conversation_id = 7, r.in_ramp = true, r.turn_index = 3;
  r.start_ns = 1'000'000'000'123, r.end_ns = 1'000'250'000'000, r.scheduled_ns = 999'999'000'000;
  r.streaming = true;
  r.responses.push_back({1'000'100'000'000, "dropped", "", {}});
  r.usage = Usage{11, 22, 5};
  r.input_token_count = 550, r.input_token_count_estimated = true;
  r.client_output_tokens = 21, r.client_reasoning_tokens = 4, r.prefer_client_token_counts = true;
  r.cached_prompt_tokens = 128, r.http_status = 200, r.implausible_usage = true, r.generates_text = false;
  r.error = metrics::RequestError{metrics::ErrorKind::kServerErrorEvent, 503, std::string("busy\0\n", 6)};
  auto& t = r.transport;
  t.new_connection = true, t.connect_ns = 90'000, t.tls_handshake_ns = 1'200'000, t.tls = true;
  t.tls_session_resumed = true, t.tls_version = "TLSv1.3", t.content_encoding = "gzip";
  t.reads = 101, t.kernel_stamped_reads = 100, t.user_stamped_reads = 1, t.max_read_lateness_ns = 55'000;
  t.total_read_lateness_ns = std::numeric_limits<int64_t>::max(), t.multi_event_reads = 9, t.retried = true;
  r.url = "https://gpu-7:8443", r.cancel_planned = true;
  r.server_queue_ms = 1.5, r.server_prefill_ms = -0.25, r.server_decode_ms = 1e300, r.server_timing_malformed = true;
  auto& m = done.metrics;
  m.ok = false, m.error = r.error, m.streaming = true, m.start_ns = r.start_ns, m.last_response_ns = r.end_ns;
  m.schedule_lag_ns = -5, m.tls_handshake_time_ns = 1'200'000, m.time_to_first_token_ns = 20'000'000;
  m.time_to_second_token_ns = 1'000'000, m.request_latency_ns = 250'000'000, m.inter_token_latency_ns = 1.125e6;
  m.inter_chunk_latencies_ns = {1'000'000, 999'000, 0, std::numeric_limits<int64_t>::min(), 1'000'001};
  m.output_token_throughput_per_user = 888.75, m.output_sequence_length = 21;
  m.output_tokens_source = metrics::TokenSource::kReported, m.input_sequence_length = 550;
  m.input_tokens_source = metrics::TokenSource::kClient, m.time_to_first_output_token_ns = 21'000'000;
  m.output_token_count = 17, m.reasoning_token_count = 4, m.reasoning_tokens_source = metrics::TokenSource::kEstimated;
  m.cached_prompt_tokens = 128, m.prefill_throughput_per_user = 27'500.5, m.http_status = 503;
  m.server_queue_ms = 1.5, m.server_prefill_ms = 2.5, m.server_decode_ms = 3.5, m.network_client_overhead_ms = -0.5;
  return done;
}

PartHealth health() {
  PartHealth h;
  h.rank = 3, h.host = "node-17", h.sent = 100, h.succeeded = 90, h.failed = 8, h.cancelled = 2;
  h.cpu_seconds = 1.25, h.duration_s = 10.5, h.schedule_lag_p99_ms = 0.75, h.max_read_lateness_ns = 42;
  h.stop_reason = "timing strategy failed: x";
  return h;
}

std::string encoded(const FinishedRequest& done, bool cancelled) {
  std::string out;
  encode_part_request(done, cancelled, out);
  return out;
}

TEST(PartReportTest, EveryFieldOfARequestAndTheHealthSurviveTheTrip) {
  const FinishedRequest sent = every_field_set();
  std::string requests = encoded(sent, true) + encoded(FinishedRequest{}, false);
  auto report = decode_part_report(encode_part_report(health(), -77, requests));
  ASSERT_TRUE(report) << report.error().describe();
  EXPECT_EQ(report->phase_start_ns, -77);
  EXPECT_EQ(report->health.host, "node-17");
  EXPECT_EQ(report->health.stop_reason, "timing strategy failed: x");
  EXPECT_EQ(report->health.schedule_lag_p99_ms, 0.75);
  ASSERT_EQ(report->requests.size(), 2u);
  const PartRequest& got = report->requests[0];
  EXPECT_TRUE(got.cancelled);
  EXPECT_FALSE(report->requests[1].cancelled);
  EXPECT_TRUE(got.done.record.responses.empty());  // chunks stay home: their metrics travel
  EXPECT_EQ(got.done.record.error->message, std::string("busy\0\n", 6));
  EXPECT_EQ(got.done.metrics.inter_chunk_latencies_ns, sent.metrics.inter_chunk_latencies_ns);
  EXPECT_EQ(got.done.record.transport.total_read_lateness_ns, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(got.done.record.server_decode_ms, 1e300);
  // Every other field: what arrived encodes to the same bytes as what was sent.
  FinishedRequest without_chunks = sent;
  without_chunks.record.responses.clear();
  EXPECT_EQ(encoded(got.done, true), encoded(without_chunks, true));
  EXPECT_EQ(encoded(report->requests[1].done, false), encoded(FinishedRequest{}, false));
  EXPECT_NE(encoded(got.done, true), encoded(FinishedRequest{}, true));
}

TEST(PartReportTest, LongTextsAndManyGapsCrossTheWritersBufferIntact) {
  // The writer gathers bytes in a 1 KiB buffer: texts beside it, through it and past it.
  FinishedRequest sent = every_field_set();
  sent.record.request_id = std::string(200, 'i');      // buffered
  sent.record.url = "http://" + std::string(300, 'u');  // long: written straight through
  sent.record.error->message = std::string(5000, '\n');
  sent.metrics.inter_chunk_latencies_ns.clear();
  for (int64_t i = 0; i < 2000; ++i) sent.metrics.inter_chunk_latencies_ns.push_back(i * i * 7919 - (i % 2) * (int64_t{1} << 62));
  sent.record.responses.clear();
  std::string items;
  for (int n = 0; n < 3; ++n) {
    encode_part_payload("id-" + std::to_string(n), std::string(700 * n, 'b'), items);
    encode_part_request(sent, n == 1, items);
  }
  auto report = decode_part_report(encode_part_report(health(), 5, items));
  ASSERT_TRUE(report) << report.error().describe();
  ASSERT_EQ(report->requests.size(), 3u);
  ASSERT_EQ(report->payloads.size(), 3u);
  for (int n = 0; n < 3; ++n) {
    EXPECT_EQ(report->payloads[n].body, std::string(700 * n, 'b'));
    EXPECT_EQ(report->requests[n].cancelled, n == 1);
    EXPECT_EQ(report->requests[n].done.record.url, sent.record.url);
    EXPECT_EQ(report->requests[n].done.metrics.inter_chunk_latencies_ns, sent.metrics.inter_chunk_latencies_ns);
    EXPECT_EQ(encoded(report->requests[n].done, false), encoded(sent, false));
  }
}

TEST(PartReportTest, RequestBodiesTravelWithTheirIdsInOrder) {
  std::string items;
  encode_part_payload("id-1", "{\"a\":1}", items);
  encode_part_request(every_field_set(), false, items);
  encode_part_payload("id-2", std::string("\0bin", 4), items);
  auto report = decode_part_report(encode_part_report(health(), 0, items));
  ASSERT_TRUE(report) << report.error().describe();
  ASSERT_EQ(report->payloads.size(), 2u);
  EXPECT_EQ(report->payloads[0].request_id, "id-1");
  EXPECT_EQ(report->payloads[0].body, "{\"a\":1}");
  EXPECT_EQ(report->payloads[1].body, std::string("\0bin", 4));
  EXPECT_EQ(report->requests.size(), 1u);
}

TEST(PartReportTest, AReportWithNoRequestsIsJustTheHealth) {
  auto report = decode_part_report(encode_part_report(health(), 5, ""));
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->requests.empty());
  EXPECT_EQ(report->health.rank, 3);
}

TEST(PartReportTest, EveryTruncationOrForeignBytesIsAnErrorNotACrash) {
  const std::string bytes = encode_part_report(health(), 5, encoded(every_field_set(), false));
  const std::string header = encode_part_report(health(), 5, "");
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    if (n == header.size()) continue;  // cut exactly between the health and the requests: a valid report
    EXPECT_FALSE(decode_part_report(std::string_view(bytes).substr(0, n))) << "cut at " << n;
  }
  EXPECT_FALSE(decode_part_report("{\"not\": \"a report\"}"));
  std::string corrupt = bytes;
  corrupt[0] ^= 1;  // another version's magic
  EXPECT_FALSE(decode_part_report(corrupt));
}

TEST(PartReportTest, ShiftingTheClockMovesEveryMonotonicTimeAndNothingElse) {
  FinishedRequest done = every_field_set();
  const FinishedRequest before = done;
  shift_clock(done, -1000);
  EXPECT_EQ(done.record.start_ns, before.record.start_ns - 1000);
  EXPECT_EQ(done.record.end_ns, before.record.end_ns - 1000);
  EXPECT_EQ(*done.record.scheduled_ns, *before.record.scheduled_ns - 1000);
  EXPECT_EQ(done.record.responses[0].timestamp_ns, before.record.responses[0].timestamp_ns - 1000);
  EXPECT_EQ(done.metrics.start_ns, before.metrics.start_ns - 1000);
  EXPECT_EQ(*done.metrics.last_response_ns, *before.metrics.last_response_ns - 1000);
  EXPECT_EQ(done.metrics.time_to_first_token_ns, before.metrics.time_to_first_token_ns);  // durations stay
  shift_clock(done, 1000);
  EXPECT_EQ(encoded(done, false), encoded(before, false));
}

}  // namespace
}  // namespace aiperf::engine
