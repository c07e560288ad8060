// Incremental Server-Sent Events parser (WHATWG HTML, "Interpreting an event
// stream"): feed arbitrary byte slices, get events as soon as they complete.
//
// Follows the spec: lines end in CRLF, LF or CR (a CR at the end of one slice
// and the LF at the start of the next are one line end); a UTF-8 BOM at the
// start of the stream is skipped; lines starting with ':' are comments; a line
// without ':' is a field name with an empty value; one space after the colon is
// stripped; "data" lines are joined with '\n'; "event" sets the type (default
// "message"); "id" sets the last event id (ignored if it contains NUL) which
// persists across events; "retry" with only ASCII digits sets the reconnection
// time; unknown fields are ignored; a blank line dispatches the event, unless
// its data is empty. At end of stream, finish() discards a pending event as
// the spec says (and reports it); finish(on_event) instead completes a
// trailing line and dispatches the pending event, as AIPerf deliberately does,
// so `data: [DONE]\n` or `data: {...}` followed by EOF is not lost.
// OpenAI's `data: [DONE]` is an ordinary event for the endpoint.
// Bytes are passed through without UTF-8 validation.
//
// Memory is bounded: the bytes buffered for the current event (data, type, id
// and an incomplete line) never exceed `max_event_bytes`; exceeding it is a
// sticky error, not growth. The parser never throws on malformed input.
//
// Emission: events go to a callback invoked synchronously with an
// SseEventView whose strings point into the parser's reusable buffers (valid
// only during the call), so the steady state allocates nothing per event and
// needs no std::function. The callback is a template parameter; it reaches the
// non-template core through one function pointer. A convenience overload
// appends owning SseEvent copies to a vector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace aiperf::transport {

/// Outcome of feeding or finishing an SSE stream.
enum class SseStatus : uint8_t {
  kOk,             ///< All input consumed.
  kEventTooLarge,  ///< The current event exceeded max_event_bytes; the parser stays in this state until reset().
  kTruncated,      ///< finish() only: the stream ended inside an incomplete line or undispatched event.
};

/// Name of a status: "ok", "event_too_large", "truncated".
std::string_view sse_status_name(SseStatus status);

/// A dispatched event whose strings point into the parser (valid only inside the callback).
struct SseEventView {
  std::string_view type;           ///< Event type; "message" when no event field was given.
  std::string_view data;           ///< Data lines joined by '\n' (empty only for a bare "data:" line).
  std::string_view id;             ///< Last event id at dispatch (persists across events; may be empty).
  std::optional<uint64_t> retry_ms;  ///< Retry value given in this event's block, if any.
};

/// An owning copy of a dispatched event.
struct SseEvent {
  std::string type;                ///< Event type; "message" by default.
  std::string data;                ///< Data lines joined by '\n'.
  std::string id;                  ///< Last event id at dispatch.
  std::optional<uint64_t> retry_ms;  ///< Retry value given in this event's block, if any.

  /// Copies a view.
  static SseEvent from(const SseEventView& v) {
    return SseEvent{std::string(v.type), std::string(v.data), std::string(v.id), v.retry_ms};
  }
  /// Field-wise equality.
  friend bool operator==(const SseEvent&, const SseEvent&) = default;
};

/// Limits of an SseParser.
struct SseParserOptions {
  std::size_t max_event_bytes = 1 << 20;  ///< Bound on buffered bytes of one event (default 1 MiB).
};

/// Incremental SSE parser for one stream.
class SseParser {
 public:
  /// A parser with `options`.
  explicit SseParser(SseParserOptions options = {}) : options_(options) {}

  /// Parses `bytes`, calling `on_event(const SseEventView&)` for each completed event.
  template <class F>
  SseStatus feed(std::string_view bytes, F&& on_event) {
    using Fn = std::remove_reference_t<F>;
    return feed_impl(
        bytes, [](void* ctx, const SseEventView& ev) { (*static_cast<Fn*>(ctx))(ev); },
        const_cast<void*>(static_cast<const void*>(&on_event)));
  }
  /// Parses `bytes`, appending completed events to `out`.
  SseStatus feed(std::string_view bytes, std::vector<SseEvent>& out);
  /// Ends the stream: kTruncated if an incomplete line or undispatched event is pending (it is discarded).
  SseStatus finish();
  /// Ends the stream, treating EOF as a line end and a blank line: a trailing event is
  /// dispatched to `on_event`. kOk unless the parser had failed.
  template <class F>
  SseStatus finish(F&& on_event) {
    using Fn = std::remove_reference_t<F>;
    return finish_impl(
        [](void* ctx, const SseEventView& ev) { (*static_cast<Fn*>(ctx))(ev); },
        const_cast<void*>(static_cast<const void*>(&on_event)));
  }
  /// As finish(on_event), appending the trailing event to `out`.
  SseStatus finish(std::vector<SseEvent>& out);
  /// Forgets all state (including the last event id and any error) to parse a new stream.
  void reset();

  /// Last valid "retry" value seen on this stream.
  std::optional<uint64_t> retry_ms() const { return retry_ms_; }
  /// Current last event id.
  std::string_view last_event_id() const { return last_id_; }
  /// True after kEventTooLarge.
  bool failed() const { return failed_; }

 private:
  using Sink = void (*)(void*, const SseEventView&);
  SseStatus feed_impl(std::string_view bytes, Sink sink, void* ctx);
  SseStatus finish_impl(Sink sink, void* ctx);
  bool process_line(std::string_view line, Sink sink, void* ctx);
  // Ends the current event: the sink gets it when it has data (nullopt: no data line came).
  void dispatch(std::optional<std::string_view> data, Sink sink, void* ctx);
  std::size_t buffered() const { return data_.size() + type_.size() + id_buf_.size() + line_.size(); }

  SseParserOptions options_;
  std::string line_;     // incomplete line carried over between feeds
  std::string data_;     // data buffer, each line followed by '\n'
  std::string type_;     // event type buffer
  std::string id_buf_;   // last event id buffer (becomes last_id_ at dispatch)
  std::string last_id_;  // last event id string
  std::optional<uint64_t> event_retry_;
  std::optional<uint64_t> retry_ms_;
  std::size_t bom_matched_ = 0;  // BOM bytes matched so far at stream start
  bool at_start_ = true;         // still looking for a BOM
  bool skip_lf_ = false;         // previous line ended in CR: swallow one LF
  bool event_pending_ = false;   // a field line was seen since the last dispatch
  bool failed_ = false;
};

}  // namespace aiperf::transport
