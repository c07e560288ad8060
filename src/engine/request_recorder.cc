#include "engine/request_recorder.h"

#include <fmt/format.h>

#include <new>
#include <utility>

#include "base/utf8.h"
#include "metrics/server_timing.h"

namespace aiperf::engine {
namespace {

constexpr std::size_t kMaxErrorBody = 4096;
constexpr std::size_t kMaxBody = 64u << 20;  // a non-streamed body beyond this is refused
// Staging room a stream takes at its first chunk (then doubled as needed): 512 and 64 bytes, so an
// idle stream stays within 4 KiB (request_recorder_memory_test).
constexpr std::size_t kStagedChunksAtFirst = 16;
constexpr std::size_t kStagedTextAtFirst = 64;

// At most 300 bytes of server text on one line, cut on a character boundary
// and with invalid UTF-8 replaced, so every export can hold it.
std::string one_line(std::string_view text) {
  std::string out = truncate_utf8(text, 300);
  for (char& c : out) c = (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

}  // namespace

namespace {

// Freed recorders of this thread, as a list threaded through their storage; returned to the
// heap when the thread ends.
struct FreeRecorders {
  struct Block {
    Block* next;
  };
  Block* head = nullptr;
  std::size_t count = 0;
  ~FreeRecorders() {
    while (head != nullptr) ::operator delete(std::exchange(head, head->next));
  }
};
thread_local FreeRecorders free_recorders;

// Under sanitizers every recorder comes from the heap: a use after free stays visible.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kRecycle = false;
#else
constexpr bool kRecycle = true;
#endif

}  // namespace

void* RequestRecorder::operator new(std::size_t size) {
  FreeRecorders& free = free_recorders;
  if (!kRecycle || size != sizeof(RequestRecorder) || free.head == nullptr) return ::operator new(size);
  --free.count;
  return std::exchange(free.head, free.head->next);
}

void RequestRecorder::operator delete(void* block, std::size_t size) noexcept {
  FreeRecorders& free = free_recorders;
  if (!kRecycle || size != sizeof(RequestRecorder) || free.count >= kKeptPerThread) return ::operator delete(block);
  free.head = ::new (block) FreeRecorders::Block{free.head};
  ++free.count;
}

RequestRecorder::RequestRecorder(RecorderEndpoint endpoint, metrics::RequestRecord&& record, RecordCallback done)
    : endpoint_(endpoint.endpoint),
      in_place_(endpoint.in_place),
      record_(std::move(record)),
      done_(std::move(done)) {
  record_.streaming = record_.streaming && endpoint_.can_stream();
  record_.generates_text = endpoint_.generates_text();
}

void RequestRecorder::on_sent(int64_t ts_ns) { record_.start_ns = ts_ns; }

void RequestRecorder::on_headers(int status, std::span<const transport::HeaderField> headers, int64_t) {
  status_ = status;
  record_.http_status = status;
  success_status_ = status >= 200 && status < 300;
  if (auto timing = transport::find_header(headers, "server-timing")) apply_server_timing(*timing);
}

// The server's own timing of this request; a malformed value is ignored and counted, never a failure.
void RequestRecorder::apply_server_timing(std::string_view value) {
  auto timing = metrics::server_timing_of(value);
  if (!timing) {
    record_.server_timing_malformed = true;
    return;
  }
  if (timing->queue_ms) record_.server_queue_ms = timing->queue_ms;
  if (timing->prefill_ms) record_.server_prefill_ms = timing->prefill_ms;
  if (timing->decode_ms) record_.server_decode_ms = timing->decode_ms;
}

void RequestRecorder::fail(metrics::ErrorKind kind, std::string message) {
  if (record_.error) return;  // the first failure is the cause
  metrics::RequestError error{kind, {}, valid_utf8(message)};
  if (status_ != 0) error.http_status = status_;
  record_.error = std::move(error);
}

namespace {

// Clears a count above kMaxPlausibleTokenCount; true when it did.
bool drop_implausible(std::optional<uint64_t>& count) {
  if (!count || *count <= kMaxPlausibleTokenCount) return false;
  count.reset();
  return true;
}

}  // namespace

// Implausible usage (2^64 - 1, a negative or fractional count) is treated as absent, so the
// client's count is used, and the record says so: one rule for every endpoint, plugins included.
void RequestRecorder::validate_usage(ParsedEvent& parsed) {
  bool dropped = drop_implausible(parsed.cached_prompt_tokens);
  if (auto& u = parsed.response.usage) {
    dropped = drop_implausible(u->prompt_tokens) | dropped;
    dropped = drop_implausible(u->completion_tokens) | dropped;
    dropped = drop_implausible(u->reasoning_tokens) | dropped;
  }
  if (dropped) record_.implausible_usage = true;
}

void RequestRecorder::parse_into(const StreamEvent& event, ParsedEvent& out) {
  try {
    if (in_place_ != nullptr) {
      in_place_->parse_event_into(event, out);
    } else {
      out = endpoint_.parse_event(event);
    }
    return;
  } catch (const std::exception& e) {
    fail(metrics::ErrorKind::kOther, std::string("the endpoint could not parse the response: ") + e.what());
  } catch (...) {
    fail(metrics::ErrorKind::kOther, "the endpoint could not parse the response (unknown exception)");
  }
  endpoints::reset_event(out);
}

void RequestRecorder::on_stamped_body(std::string_view bytes, int64_t ts_ns, metrics::TimestampSource source) {
  read_source_ = source;
  on_body(bytes, ts_ns);
}

void RequestRecorder::on_transport(const metrics::TransportRecord& info) { record_.transport = info; }

// One read can come as several on_body calls (chunks) with the same stamp: content events are counted per stamp.
void RequestRecorder::count_event(int64_t ts_ns) {
  if (ts_ns != event_read_ns_) {
    event_read_ns_ = ts_ns;
    read_events_ = 0;
  }
  if (++read_events_ == 2) ++multi_event_reads_;
}

void RequestRecorder::handle_event(StreamEvent event, int64_t ts_ns) {
  if (event.type == metrics::kServerTimingEvent) {  // the stream's final timing: not the endpoint's
    apply_server_timing(event.data);
    return;
  }
  ParsedEvent& parsed = event_;
  parse_into(event, parsed);
  validate_usage(parsed);
  ParsedResponse& r = parsed.response;
  if (r.error) {
    fail(parsed.server_error ? metrics::ErrorKind::kServerErrorEvent : metrics::ErrorKind::kParse,
         one_line(*r.error));
    return;
  }
  if (!r.content.empty() || !r.reasoning_content.empty()) {
    count_event(ts_ns);  // only content events: a [DONE] or usage event sharing the last read distorts nothing
    stage_chunk(ts_ns, r.content, r.reasoning_content);
  }
  if (r.usage) merge_usage(*r.usage);
  if (parsed.cached_prompt_tokens) record_.cached_prompt_tokens = parsed.cached_prompt_tokens;
}

// Streamed chunks are staged as a stamp and two sizes each, their text in one buffer, and
// become the record's chunks once, at the end: appending never moves a chunk's strings.
void RequestRecorder::stage_chunk(int64_t ts_ns, std::string_view content, std::string_view reasoning) {
  if (staged_.capacity() == 0) {  // a stream's first chunk: room for 16 at once, not 1, 2, 4...
    staged_.reserve(kStagedChunksAtFirst);
    staged_text_.reserve(kStagedTextAtFirst);
  }
  staged_.push_back({ts_ns, content.size(), reasoning.size(), read_source_});
  staged_text_.append(content.data(), content.size());
  if (!reasoning.empty()) staged_text_.append(reasoning.data(), reasoning.size());
}

void RequestRecorder::move_staged_chunks() {
  auto& chunks = record_.responses;
  chunks.reserve(chunks.size() + staged_.size());
  std::string_view text = staged_text_;
  for (const StagedChunk& staged : staged_) {
    metrics::Chunk& c = chunks.emplace_back();  // strings built in place (append: cheaper than assign), no moves
    c.timestamp_ns = staged.ts_ns;
    c.timestamp_source = staged.source;
    if (staged.content_size != 0) c.content.append(text.data(), staged.content_size);
    if (staged.reasoning_size != 0) c.reasoning.append(text.data() + staged.content_size, staged.reasoning_size);
    text.remove_prefix(staged.content_size + staged.reasoning_size);
  }
  staged_.clear();
  staged_text_.clear();
}

// Typed-event APIs report usage in parts (Anthropic: input at message_start,
// output at message_delta): a later report only replaces the counts it has.
void RequestRecorder::merge_usage(const Usage& usage) {
  if (!record_.usage) {
    record_.usage = usage;
    return;
  }
  if (usage.prompt_tokens) record_.usage->prompt_tokens = usage.prompt_tokens;
  if (usage.completion_tokens) record_.usage->completion_tokens = usage.completion_tokens;
  if (usage.reasoning_tokens) record_.usage->reasoning_tokens = usage.reasoning_tokens;
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
    auto status = ndjson_.feed(bytes, [&](std::string_view line) { handle_event({"", line}, ts_ns); });
    if (status != transport::NdjsonStatus::kOk) fail(metrics::ErrorKind::kParse, "NDJSON line too large");
    return;
  }
  // Every event goes to the endpoint with its type; the endpoint says what carries output.
  auto status = sse_.feed(bytes, [&](const transport::SseEventView& event) {
    handle_event({event.type, event.data}, ts_ns);
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
    finish_stream();
  } else if (!record_.error) {
    ParsedEvent parsed;
    parse_into({"", body_}, parsed);
    validate_usage(parsed);
    ParsedResponse& r = parsed.response;
    if (record_.error) {
      // parse_into() recorded the failure
    } else if (r.error) {
      fail(parsed.server_error ? metrics::ErrorKind::kServerErrorEvent : metrics::ErrorKind::kParse,
           one_line(*r.error));
    } else {
      record_.responses.emplace_back(last_read_ns_, std::move(r.content), std::move(r.reasoning_content), std::nullopt,
                                     read_source_);
      if (r.usage) record_.usage = r.usage;
      if (parsed.cached_prompt_tokens) record_.cached_prompt_tokens = parsed.cached_prompt_tokens;
    }
  }
  move_staged_chunks();
  record_.transport.multi_event_reads = multi_event_reads_;
  auto done = std::move(done_);
  done(std::move(record_));
}

// End of a stream: a complete trailing line or event without its blank line
// is dispatched, as AIPerf does (`data: [DONE]\n` then EOF loses nothing).
void RequestRecorder::finish_stream() {
  if (endpoint_.stream_framing() == StreamFraming::kNdjson) {
    ndjson_.finish([&](std::string_view line) { handle_event({"", line}, last_read_ns_); });
    return;
  }
  sse_.finish([&](const transport::SseEventView& event) {
    handle_event({event.type, event.data}, last_read_ns_);
  });
}

}  // namespace aiperf::engine
