// Per-conversation figures of a multi-turn run, for the JSON and CSV exports
// and the console: how many conversations, how many turns each, and how long
// each took from its first turn's send to its last turn's end.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "metrics/distribution.h"
#include "metrics/request_record.h"

namespace aiperf::exporting {

/// The turns of a run's conversations, gathered from their records in any order.
/// Conversation latency = last turn's end - first turn's send: it includes every
/// turn's latency and every think time between turns.
class ConversationMetrics {
 public:
  /// Counts one finished request; records without a conversation_id are ignored.
  void add(const metrics::RequestRecord& record, bool cancelled);
  /// True when no request belonged to a conversation (not a multi-turn run).
  bool empty() const { return conversations_.empty(); }
  /// Conversations that sent at least one turn.
  uint64_t count() const { return conversations_.size(); }
  /// Conversations with a failed or cancelled turn (left out of the latency).
  uint64_t failed_count() const;
  /// Latency of every conversation whose turns all succeeded, in ms.
  metrics::Distribution latencies_ms() const;
  /// Turns each conversation sent (failed ones too).
  metrics::Distribution turns() const;

  /// The "conversations" object of profile_export_aiperf.json.
  nlohmann::json to_json() const;
  /// Lines for the console after the metrics table.
  std::string console_lines() const;

 private:
  struct Span {
    int64_t first_start_ns = 0;
    int64_t last_end_ns = 0;
    uint32_t turns = 0;
    bool failed = false;
  };
  std::map<uint64_t, Span> conversations_;
};

/// `csv` (aggregate_csv's two sections) with the conversation rows added: latency and
/// turns among the distributions, the count among the single values. Unchanged when empty.
std::string with_conversation_rows(std::string csv, const ConversationMetrics& conversations);

}  // namespace aiperf::exporting
