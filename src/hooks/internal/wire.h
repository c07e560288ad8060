// The hook host's wire format: one JSON object per line, in both directions,
// over a socket pair between aiperf and its hook host child. A request names
// an `op`; every reply has `ok` and, when false, `error`.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "plugin/search_path.h"

namespace aiperf::hooks::wire {

/// Version of this protocol; the host refuses a `hello` with another.
inline constexpr int kVersion = 1;
/// Longest line either side accepts (a PhaseStats is a few KiB).
inline constexpr std::size_t kMaxFrameBytes = 16 * 1024 * 1024;

/// `message` as one line: compact JSON (invalid UTF-8 replaced) and '\n'.
std::string encode(const nlohmann::json& message);
/// The JSON object on one line (without its '\n'); anything else is kMalformedInput.
Expected<nlohmann::json> decode(std::string_view line);

/// The first request: protocol version and the parent's plugin search path and trust option.
nlohmann::json hello(const std::vector<plugin::SearchDir>& search_path, bool allow_insecure);
/// The search path a `hello` carries.
Expected<std::vector<plugin::SearchDir>> search_path_from(const nlohmann::json& hello);

/// A successful reply, with `fields` merged in.
nlohmann::json ok(nlohmann::json fields = nlohmann::json::object());
/// A failed reply saying `error`.
nlohmann::json failed(std::string_view error);

/// How reading one frame ended.
enum class ReadStatus { kOk, kClosed, kTimedOut, kMalformed };

/// One frame read, or why there is none.
struct ReadResult {
  ReadStatus status = ReadStatus::kClosed;
  nlohmann::json message;  ///< Set when status is kOk.
  std::string error;       ///< What was wrong, for kMalformed (and read errors).
};

/// Reads newline-framed JSON from a file descriptor it does not own.
class FrameReader {
 public:
  explicit FrameReader(int fd) : fd_(fd) {}
  /// The next frame, waiting at most `timeout` (negative: forever).
  ReadResult read(std::chrono::milliseconds timeout);

 private:
  int fd_;
  std::string buffer_;
};

/// Writes all of `frame` to `fd` (no SIGPIPE); false if the peer is gone.
bool write_all(int fd, std::string_view frame);

}  // namespace aiperf::hooks::wire
