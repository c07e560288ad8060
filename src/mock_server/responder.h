// Turns an interpreted request and its plan into a Script: the exact bytes the
// server writes and when, plus what it does with the connection afterwards.
// Pure logic; the server only executes scripts.
//
// Timing: write times are offsets from the request's arrival. Streamed token i
// is due at ttft + i * itl; a non-streaming answer is due when its last token
// would be (ttft + (N - 1) * itl; embeddings at ttft); errors and injected
// HTTP 500/429 are due at once. The response head of a stream is due at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mock_server/behavior.h"
#include "mock_server/request.h"

namespace aiperf::mock_server {

/// Where a write carries the request's server timing, filled in by the server when it sends the write.
enum class TimingSlot {
  none,
  header,     ///< a `Server-Timing:` header line inserted at Write::timing_at (inside the head)
  sse_event,  ///< a chunk `event: server-timing` / `data: VALUE` inserted at Write::timing_at
};

/// One timed write: raw bytes on the wire.
struct Write {
  Write() = default;
  /// A write of `bytes` due at arrival + `at`, delivering `tok` output tokens.
  Write(double at, std::string data, int tok = 0) : at_ms(at), bytes(std::move(data)), tokens(tok) {}
  double at_ms = 0;    ///< Send no earlier than arrival + at_ms.
  std::string bytes;   ///< HTTP head and/or body bytes, chunk framing included.
  int tokens = 0;      ///< Output tokens delivered (parseable) by these bytes.
  TimingSlot timing = TimingSlot::none;  ///< With --server-timing: the write that reports the timing.
  std::size_t timing_at = 0;             ///< Byte offset in `bytes` of the slot.
  std::optional<double> first_token_due_ms;  ///< Non-streamed: when the first token was due (ends prefill).
};

/// A request's server-side timing as the mock measured it (ms), reported with --server-timing.
struct ServerTiming {
  double queue_ms = 0;    ///< Arrival to the start of the response script.
  double prefill_ms = 0;  ///< Script start to the first token's write (non-streamed: its due time).
  double decode_ms = 0;   ///< First token's write to the last's (non-streamed: first token due to the answer).
};

/// The timing of a write sent at `now_ms` (all offsets from arrival): `started_ms` the script start,
/// `first_ms`/`last_ms` the first and last token writes so far (streams).
ServerTiming measure_timing(const Write& w, double started_ms, std::optional<double> first_ms,
                            std::optional<double> last_ms, double now_ms);

/// The W3C Server-Timing value: "queue;dur=Q, prefill;dur=P, decode;dur=D" (ms, 3 decimals).
std::string server_timing_value(const ServerTiming& t);

/// Inserts `t` into `w`'s slot (a header line or an SSE event chunk); no-op without a slot.
void fill_timing_slot(Write& w, const ServerTiming& t);

/// What happens to the connection after the last write.
enum class Ending {
  keep_alive,  ///< wait for the next request
  close,       ///< close normally (client asked, or after an unreadable request)
  reset,       ///< abort with a TCP RST (fault `reset`)
  stall,       ///< keep open, send nothing, until the peer closes (fault `stall`)
};

/// Facts about one exchange besides the request body.
struct Exchange {
  std::string request_id;                          ///< Echoed as X-Request-Id.
  std::chrono::system_clock::time_point arrival{}; ///< Wall-clock arrival (ids, timestamps).
  bool keep_alive = true;                          ///< The client wants keep-alive.
  bool http10 = false;                             ///< An HTTP/1.0 request: keep-alive must be said.
  std::string echoed_credentials;                  ///< --echo-auth-in-errors: appended to injected error messages.
  bool server_timing = false;                      ///< --server-timing: leave a timing slot in the response.
};

/// The writes of one response, produced lazily (a long stream is never held in memory).
class Script {
 public:
  /// A script of prebuilt writes.
  Script(int status, std::vector<Write> writes, Ending ending);
  /// A streamed script driven by generator state (see responder.cc).
  struct Stream;
  /// Wraps a stream generator.
  Script(int status, std::unique_ptr<Stream> stream, Ending ending);
  /// Movable, not copyable.
  Script(Script&&) noexcept;
  /// Movable, not copyable.
  Script& operator=(Script&&) noexcept;
  /// Releases the generator.
  ~Script();

  /// Produces the next write; false when there are no more.
  bool next(Write& out);
  /// HTTP status of the response.
  int status() const { return status_; }
  /// What to do after the last write.
  Ending ending() const { return ending_; }

 private:
  int status_;
  Ending ending_;
  std::vector<Write> writes_;
  std::size_t index_ = 0;
  std::unique_ptr<Stream> stream_;
};

/// The response to an inference request (chat, completions, embeddings, Ollama).
Script make_script(const Request& request, const Plan& plan, const Exchange& exchange);

/// An immediate JSON error: OpenAI shape, or Ollama's for Ollama routes.
/// Statuses 400 and above close the connection only when the exchange says so.
/// `param` names the offending request field (OpenAI shape only).
Script make_error(Route route, int status, std::string_view message, const Exchange& exchange,
                  std::string_view param = {});

/// An immediate response with the given status and JSON body.
Script make_json(int status, std::string body, const Exchange& exchange);

/// A complete response with any content type (e.g. the Prometheus text of GET /metrics).
Script make_text(int status, std::string_view content_type, std::string body, const Exchange& exchange);

/// An HTTP/1.1 response head; content_length nullopt means chunked encoding.
std::string response_head(int status, std::string_view content_type,
                          std::optional<std::size_t> content_length, const Exchange& exchange,
                          const std::vector<std::pair<std::string, std::string>>& extra = {});

/// One chunk of chunked transfer encoding: hex size, CRLF, data, CRLF.
std::string http_chunk(std::string_view data);

/// The reason phrase of an HTTP status ("OK", "Not Found", ...).
std::string_view reason_phrase(int status);

}  // namespace aiperf::mock_server
