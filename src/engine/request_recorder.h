// Turns the transport events of one request into its RequestRecord: every
// chunk timestamped as it was read, parsed by the endpoint, errors classified.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aiperf/sdk/endpoint.h"
#include "endpoints/in_place_parsing.h"
#include "metrics/request_record.h"
#include "transport/http_client.h"
#include "transport/ndjson_splitter.h"
#include "transport/sse_parser.h"

namespace aiperf::engine {

/// Receives the finished record (on the loop thread).
using RecordCallback = std::function<void(metrics::RequestRecord&&)>;

/// An endpoint and its in-place event parser, when it has one (endpoints::InPlaceEventParser):
/// looked up once, by whoever makes many recorders (a dynamic_cast costs ~400 instructions).
struct RecorderEndpoint {
  RecorderEndpoint(const Endpoint& e)  // NOLINT(google-explicit-constructor): an Endpoint will do
      : endpoint(e), in_place(dynamic_cast<const endpoints::InPlaceEventParser*>(&e)) {}
  const Endpoint& endpoint;
  const endpoints::InPlaceEventParser* in_place;  ///< &endpoint when it parses in place, else null.
};

/// The ResponseHandler of one request. Exactly one callback per request.
class RequestRecorder final : public transport::ResponseHandler {
 public:
  /// `record` carries the id, streaming flag and input count; `endpoint` outlives this.
  /// Streaming is dropped for an endpoint that cannot stream (its body is parsed whole).
  RequestRecorder(RecorderEndpoint endpoint, metrics::RequestRecord&& record, RecordCallback done);

  void on_sent(int64_t ts_ns) override;
  void on_headers(int status, std::span<const transport::HeaderField> headers,
                  int64_t ts_ns) override;
  void on_body(std::string_view bytes, int64_t ts_ns) override;
  void on_stamped_body(std::string_view bytes, int64_t ts_ns, metrics::TimestampSource source) override;
  void on_transport(const metrics::TransportRecord& info) override;
  void on_complete(std::optional<transport::TransportError> error) override;

  /// One per request, and larger (≈1.3 KB) than glibc's per-thread cache serves (1,032 bytes):
  /// freed recorders are kept for the next request on the same thread (at most kKeptPerThread).
  static void* operator new(std::size_t size);
  static void operator delete(void* block, std::size_t size) noexcept;
  static constexpr std::size_t kKeptPerThread = 1024;

 private:
  /// The endpoint's parse of `event` into `out` (in place when the endpoint can); an exception
  /// from it (plugin code) fails the request and leaves a default event.
  void parse_into(const StreamEvent& event, ParsedEvent& out);
  /// Stages a streamed chunk read at `ts_ns` (the record gets it from move_staged_chunks()).
  void stage_chunk(int64_t ts_ns, std::string_view content, std::string_view reasoning);
  /// Appends the staged chunks to the record's responses, in arrival order.
  void move_staged_chunks();
  void validate_usage(ParsedEvent& parsed);
  void handle_event(StreamEvent event, int64_t ts_ns);
  void count_event(int64_t ts_ns);
  void finish_stream();
  void merge_usage(const Usage& usage);
  void apply_server_timing(std::string_view value);
  void fail(metrics::ErrorKind kind, std::string message);

  const Endpoint& endpoint_;
  const endpoints::InPlaceEventParser* in_place_;  // endpoint_ when it parses in place, else null
  ParsedEvent event_;                              // the streamed event being handled (reused)
  metrics::RequestRecord record_;
  RecordCallback done_;
  int status_ = 0;
  bool success_status_ = false;
  std::string body_;            // non-streamed body, or an error body (bounded)
  int64_t last_read_ns_ = 0;
  metrics::TimestampSource read_source_ = metrics::TimestampSource::kUser;  // clock of the current read
  int64_t event_read_ns_ = 0;      // the read the events counted in read_events_ came from
  uint64_t read_events_ = 0;       // stream events of that read
  uint64_t multi_event_reads_ = 0; // reads that delivered more than one content event
  struct StagedChunk {
    int64_t ts_ns;
    std::size_t content_size;
    std::size_t reasoning_size;
    metrics::TimestampSource source;
  };
  std::vector<StagedChunk> staged_;  // streamed chunks so far
  std::string staged_text_;          // their content and reasoning texts, one after the other
  transport::SseParser sse_;
  transport::NdjsonSplitter ndjson_;
};

}  // namespace aiperf::engine
