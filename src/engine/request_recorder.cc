#include "engine/request_recorder.h"

#include <fmt/format.h>

namespace aiperf::engine {
namespace {

constexpr std::size_t kMaxErrorBody = 4096;
constexpr std::size_t kMaxBody = 64u << 20;  // a non-streamed body beyond this is refused

std::string one_line(std::string_view text) {
  std::string out(text.substr(0, 300));
  for (char& c : out) c = (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

}  // namespace

RequestRecorder::RequestRecorder(const Endpoint& endpoint, metrics::RequestRecord record,
                                 RecordCallback done)
    : endpoint_(endpoint), record_(std::move(record)), done_(std::move(done)) {}

void RequestRecorder::on_sent(int64_t ts_ns) { record_.start_ns = ts_ns; }

void RequestRecorder::on_headers(int status, std::span<const transport::HeaderField>, int64_t) {
  status_ = status;
  success_status_ = status >= 200 && status < 300;
}

void RequestRecorder::fail(metrics::ErrorKind kind, std::string message) {
  if (record_.error) return;  // the first failure is the cause
  metrics::RequestError error{kind, {}, std::move(message)};
  if (status_ != 0) error.http_status = status_;
  record_.error = std::move(error);
}

void RequestRecorder::handle_payload(std::string_view payload, int64_t ts_ns) {
  ParsedResponse parsed = endpoint_.parse_response(payload);
  if (parsed.error) {
    fail(metrics::ErrorKind::kParse, *parsed.error);
    return;
  }
  if (!parsed.content.empty() || !parsed.reasoning_content.empty()) {
    record_.responses.push_back(
        {ts_ns, std::move(parsed.content), std::move(parsed.reasoning_content), {}});
  }
  if (parsed.usage) record_.usage = parsed.usage;
}

void RequestRecorder::on_body(std::string_view bytes, int64_t ts_ns) {
  last_read_ns_ = ts_ns;
  if (!success_status_ || !record_.streaming) {
    std::size_t cap = success_status_ ? kMaxBody : kMaxErrorBody;
    body_.append(bytes.substr(0, cap - std::min(cap, body_.size())));
    if (success_status_ && body_.size() >= kMaxBody) fail(metrics::ErrorKind::kParse, "response body exceeds 64 MiB");
    return;
  }
  if (endpoint_.stream_framing() == StreamFraming::kNdjson) {
    auto status = ndjson_.feed(bytes, [&](std::string_view line) { handle_payload(line, ts_ns); });
    if (status != transport::NdjsonStatus::kOk) fail(metrics::ErrorKind::kParse, "NDJSON line too large");
    return;
  }
  auto status = sse_.feed(bytes, [&](const transport::SseEventView& event) {
    if (event.type == "message" || event.type.empty()) handle_payload(event.data, ts_ns);
    else if (event.type == "error") fail(metrics::ErrorKind::kOther, "server sent an error event: " + one_line(event.data));
  });
  if (status != transport::SseStatus::kOk) {
    fail(metrics::ErrorKind::kParse, fmt::format("SSE stream: {}", transport::sse_status_name(status)));
  }
}

void RequestRecorder::on_complete(std::optional<transport::TransportError> error) {
  record_.end_ns = last_read_ns_ != 0 ? last_read_ns_ : transport::now_ns();
  if (error) {
    fail(transport::to_error_kind(error->kind), error->message);
  } else if (!success_status_) {
    fail(metrics::ErrorKind::kHttpStatus,
         fmt::format("HTTP {}: {}", status_, body_.empty() ? "(empty body)" : one_line(body_)));
  } else if (record_.streaming) {
    if (endpoint_.stream_framing() == StreamFraming::kNdjson) {
      ndjson_.finish([&](std::string_view line) { handle_payload(line, last_read_ns_); });
    } else if (sse_.finish() == transport::SseStatus::kTruncated) {
      fail(metrics::ErrorKind::kParse, "SSE stream ended inside an event");
    }
  } else if (!record_.error) {
    ParsedResponse parsed = endpoint_.parse_response(body_);
    if (parsed.error) {
      fail(metrics::ErrorKind::kParse, *parsed.error);
    } else {
      record_.responses.push_back({last_read_ns_, std::move(parsed.content),
                                   std::move(parsed.reasoning_content), {}});
      if (parsed.usage) record_.usage = parsed.usage;
    }
  }
  auto done = std::move(done_);
  done(std::move(record_));
}

}  // namespace aiperf::engine
