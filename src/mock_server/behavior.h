// Per-request decisions of the mock server: which fault to inject and which
// latencies to use. Pure logic (no I/O) so it can be unit-tested.
//
// Faults (KIND names as used by --fault KIND=PCT and the X-Mock-Fault header):
//   none            no fault.
//   http_500        HTTP 500 with an OpenAI-style error body, sent at arrival.
//   http_429        HTTP 429 with `Retry-After: 1` and an OpenAI-style
//                   rate_limit_exceeded error body, sent at arrival.
//   reset           send the first K tokens (stream) or the head plus half the
//                   body (non-stream), then reset the TCP connection
//                   (SO_LINGER 0 + close, the client sees ECONNRESET).
//   stall           like reset, but then send nothing more and keep the
//                   connection open until the client closes it or the server
//                   stops.
//   malformed_sse   stream: after the first K tokens, one extra event whose
//                   data is not JSON (all tokens are still sent); non-stream:
//                   a complete 200 body that is not JSON.
//   truncated_json  stream: after the first K tokens, one extra event holding
//                   the first half of a chunk's JSON (all tokens are still
//                   sent); non-stream: the body cut in half, Content-Length
//                   matching the truncated body.
// K defaults to half the output tokens (rounded down) and is set per request
// with X-Mock-Fault-After.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace aiperf::mock_server {

/// A fault the server can inject into one response.
enum class Fault { none, http_500, http_429, reset, stall, malformed_sse, truncated_json };

/// Every injectable fault (everything except Fault::none), in selection order.
inline constexpr std::array<Fault, 6> kInjectableFaults = {
    Fault::http_500, Fault::http_429, Fault::reset,
    Fault::stall,    Fault::malformed_sse, Fault::truncated_json};

/// The KIND name of a fault, e.g. "http_500".
std::string_view to_string(Fault fault);

/// Parses a KIND name (including "none"); nullopt if unknown.
std::optional<Fault> parse_fault(std::string_view name);

/// A fault and the percentage (0-100) of requests that get it.
struct FaultRate {
  Fault fault = Fault::none;  ///< Injected fault.
  double percent = 0;         ///< Share of requests, in percent.
};

/// Parses "KIND=PCT" (as given to --fault); the error names what is wrong.
Expected<FaultRate> parse_fault_rate(std::string_view spec);

/// Server-wide behaviour, from the command line.
struct BehaviorConfig {
  double ttft_ms = 0;                 ///< Time to first token.
  double itl_ms = 0;                  ///< Inter-token latency.
  double ttft_jitter_ms = 0;          ///< Mean of an exponential delay added to each TTFT (seeded), 0: none.
  bool fast = false;                  ///< Zero latency: ignore ttft_ms and itl_ms.
  double error_rate = 0;              ///< Percent of requests answered HTTP 500.
  std::vector<FaultRate> fault_rates; ///< Further faults by percentage.
  std::uint64_t seed = 0;             ///< Seed of the fault selection.
  double prefill_us_per_token = 0;    ///< TTFT grows by this per uncached prompt token.
};

/// Checks a config: percentages in 0-100, their sum at most 100, latencies >= 0.
Expected<void> validate(const BehaviorConfig& config);

/// Per-request overrides taken from X-Mock-* request headers.
struct Overrides {
  std::optional<Fault> fault;       ///< X-Mock-Fault: KIND ("none" disables faults).
  std::optional<double> ttft_ms;    ///< X-Mock-TTFT-Ms: milliseconds.
  std::optional<double> itl_ms;     ///< X-Mock-ITL-Ms: milliseconds.
  std::optional<int> fault_after;   ///< X-Mock-Fault-After: tokens sent before the fault.
};

/// Looks a request header up by (case-insensitive) name; nullopt if absent.
using HeaderLookup = std::function<std::optional<std::string_view>(std::string_view)>;

/// Reads the X-Mock-* headers; the error names the bad header and value.
Expected<Overrides> parse_overrides(const HeaderLookup& header);

/// What the server does for one request.
struct Plan {
  Fault fault = Fault::none;        ///< Injected fault.
  double ttft_ms = 0;               ///< Delay from arrival to token 0.
  double itl_ms = 0;                ///< Delay between consecutive tokens.
  std::optional<int> fault_after;   ///< Tokens before the fault; default half.
  std::uint64_t sequence = 0;       ///< Sequence number the decision was drawn for.
};

/// Decides plans: latencies from config or headers, faults by header or by a
/// seeded draw that depends only on (seed, sequence number).
class Behavior {
 public:
  /// Uses a validated config.
  explicit Behavior(BehaviorConfig config);

  /// The plan for the next request; consumes one sequence number. Thread-safe.
  Plan next(const Overrides& overrides);

  /// The plan request number `sequence` gets (pure; next() uses it).
  Plan plan_for(std::uint64_t sequence, const Overrides& overrides) const;

  /// Restarts the sequence at 0, so the same requests get the same faults again.
  void reset();

  /// The config in use.
  const BehaviorConfig& config() const { return config_; }

  /// Prefill time of `uncached_tokens`: 0 with --fast or an X-Mock-TTFT-Ms override.
  double prefill_ms(int uncached_tokens, const Overrides& overrides) const;

 private:
  BehaviorConfig config_;
  std::atomic<std::uint64_t> sequence_{0};
};

/// Shape of the prefix-cache model (--prefix-cache-blocks, --block-size).
struct PrefixCacheConfig {
  std::size_t blocks = 0;        ///< Blocks the LRU holds; 0 disables the cache.
  std::size_t block_size = 512;  ///< Tokens per block.
};

/// What one prompt found in the prefix cache.
struct CacheLookup {
  int cached_tokens = 0;  ///< Prompt tokens served from cache (hit blocks x block size).
  int hit_blocks = 0;     ///< Leading full blocks found.
  int miss_blocks = 0;    ///< Full blocks not found (and inserted).
};

/// A vLLM-style automatic prefix cache: full blocks of token ids, each keyed
/// by a hash chained over every token before it, so a block hits only when
/// its whole prefix matches; least recently used blocks are evicted.
class PrefixCache {
 public:
  /// A cache of `config.blocks` blocks (0: every lookup misses nothing and hits nothing).
  explicit PrefixCache(PrefixCacheConfig config);
  /// Looks the prompt's full blocks up, then inserts/refreshes all of them. Thread-safe.
  CacheLookup lookup_and_insert(std::span<const std::uint64_t> token_ids);
  /// Empties the cache.
  void reset();
  /// True when the cache holds any block.
  bool enabled() const { return config_.blocks > 0; }

 private:
  void touch(std::uint64_t key);
  PrefixCacheConfig config_;
  std::mutex mu_;
  std::list<std::uint64_t> lru_;  // front: most recent
  std::unordered_map<std::uint64_t, std::list<std::uint64_t>::iterator> index_;
};

}  // namespace aiperf::mock_server
