// Incremental newline-delimited JSON splitter (Ollama streams): feed arbitrary
// byte slices, get each complete line as soon as its '\n' arrives.
//
// Lines end in '\n'; one '\r' before it is dropped. Blank lines (empty or only
// spaces, tabs and CRs) are skipped. finish() emits a final line that lacks
// its '\n' (detecting a truncated JSON object is the JSON parser's job). JSON
// is not validated here. Memory is bounded by `max_line_bytes`: a longer line
// is a sticky error, never unbounded growth; the parser never throws on
// malformed input.
//
// Emission: the callback gets a std::string_view pointing into the input or
// the splitter's buffer, valid only during the call; it is a template
// parameter reaching the non-template core through one function pointer (no
// std::function, no allocation per line when lines arrive whole).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace aiperf::transport {

/// Outcome of feeding or finishing an NDJSON stream.
enum class NdjsonStatus : uint8_t {
  kOk,           ///< All input consumed.
  kLineTooLarge, ///< A line exceeded max_line_bytes; the splitter stays in this state until reset().
};

/// Name of a status: "ok", "line_too_large".
std::string_view ndjson_status_name(NdjsonStatus status);

/// Limits of an NdjsonSplitter.
struct NdjsonSplitterOptions {
  std::size_t max_line_bytes = 1 << 20;  ///< Longest accepted line, excluding its '\n' (default 1 MiB).
};

/// Incremental NDJSON line splitter for one stream.
class NdjsonSplitter {
 public:
  /// A splitter with `options`.
  explicit NdjsonSplitter(NdjsonSplitterOptions options = {}) : options_(options) {}

  /// Splits `bytes`, calling `on_line(std::string_view)` for each complete non-blank line.
  template <class F>
  NdjsonStatus feed(std::string_view bytes, F&& on_line) {
    return feed_impl(bytes, &thunk<std::remove_reference_t<F>>, as_ctx(on_line));
  }
  /// Splits `bytes`, appending complete non-blank lines to `out`.
  NdjsonStatus feed(std::string_view bytes, std::vector<std::string>& out);
  /// Ends the stream, emitting a final unterminated non-blank line.
  template <class F>
  NdjsonStatus finish(F&& on_line) {
    return finish_impl(&thunk<std::remove_reference_t<F>>, as_ctx(on_line));
  }
  /// Ends the stream, appending a final unterminated non-blank line to `out`.
  NdjsonStatus finish(std::vector<std::string>& out);
  /// Forgets all state (including any error) to split a new stream.
  void reset() { *this = NdjsonSplitter(options_); }
  /// True after kLineTooLarge.
  bool failed() const { return failed_; }

 private:
  using Sink = void (*)(void*, std::string_view);
  template <class Fn>
  static void thunk(void* ctx, std::string_view line) { (*static_cast<Fn*>(ctx))(line); }
  template <class Fn>
  static void* as_ctx(Fn& f) { return const_cast<void*>(static_cast<const void*>(&f)); }
  NdjsonStatus feed_impl(std::string_view bytes, Sink sink, void* ctx);
  NdjsonStatus finish_impl(Sink sink, void* ctx);
  static void emit(std::string_view line, Sink sink, void* ctx);

  NdjsonSplitterOptions options_;
  std::string line_;  // incomplete line carried over between feeds
  bool failed_ = false;
};

}  // namespace aiperf::transport
