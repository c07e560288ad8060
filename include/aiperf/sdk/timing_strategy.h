// Protocol `timing_strategy`: decides when the next request may be sent.
// Built-ins: `concurrency`, `request_rate`, `fixed_schedule`.
//
// The engine asks for one credit (permission to send one request) at a time
// and returns it when the request finishes, so a strategy can cap the number
// in flight, pace sends on absolute times, or adapt to observed latency.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace aiperf {

/// State of the phase when the engine asks for the next credit.
struct CreditState {
  int64_t now_ns = 0;          ///< Monotonic time since the phase started, ns.
  uint64_t issued = 0;         ///< Credits issued so far in this phase.
  uint64_t in_flight = 0;      ///< Issued and not yet returned.
  uint64_t completed = 0;      ///< Returned (success or failure).
};

/// The strategy's answer.
struct Credit {
  enum class Kind {
    kSendAt,        ///< Send one request at `send_at_ns` (phase-relative; past = now).
    kWaitForReturn, ///< Ask again after the next credit returns.
    kStop,          ///< The strategy has nothing more to send in this phase.
  };
  Kind kind = Kind::kStop;
  int64_t send_at_ns = 0;                      ///< For kSendAt.
  std::optional<std::size_t> dataset_index;    ///< Entry to use; empty = ask the sampler.
};

/// Outcome of a request, reported when its credit returns.
struct CreditReturn {
  int64_t scheduled_ns = 0;  ///< Phase-relative scheduled send time.
  int64_t sent_ns = 0;       ///< Phase-relative actual send time.
  int64_t end_ns = 0;        ///< Phase-relative completion time.
  bool ok = false;           ///< False on any error.
  std::optional<double> ttft_ms;     ///< Time to first token, when streamed.
  std::optional<double> latency_ms;  ///< Request latency.
};

/// Issues credits for one phase; a fresh instance is created per phase.
class TimingStrategy {
 public:
  virtual ~TimingStrategy() = default;
  /// The next credit given the phase state. Must not block.
  virtual Credit next_credit(const CreditState& state) = 0;
  /// A credit came back. Default: nothing.
  virtual void on_credit_returned(const CreditReturn& /*outcome*/) {}
  /// One line for the user at the end of the phase (e.g. "highest rate that held: 120 req/s").
  /// Empty = nothing to say. Also written to the exports.
  virtual std::string summary() const { return {}; }
};

}  // namespace aiperf
