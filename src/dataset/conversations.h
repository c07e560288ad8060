// Synthetic multi-turn conversations (AIPerf's --conversation-num,
// --conversation-turn-mean/-stddev, --conversation-turn-delay-mean/-stddev/-ratio).
#pragma once

#include <cstdint>
#include <vector>

#include "base/error.h"
#include "dataset/synthetic.h"
#include "dataset/text_source.h"

namespace aiperf::dataset {

/// Shape of the synthetic conversations.
struct ConversationOptions {
  uint64_t conversations = 0;               ///< Number of conversations (dataset entries).
  double turn_mean = 1, turn_stddev = 0;    ///< Turns per conversation (at least 1).
  double delay_mean_ms = 0, delay_stddev_ms = 0;  ///< Think time between a reply and the next turn.
  double delay_ratio = 1;                   ///< Scales every think time.
  uint32_t isl_mean = 550, isl_stddev = 0;  ///< Tokens per user turn.
  std::optional<uint32_t> osl_mean;         ///< max_tokens per turn.
  uint32_t osl_stddev = 0;
  uint64_t seed = 0;
};

/// One entry per conversation: turn 0 in the entry, the rest in next_turns,
/// each with its drawn think time (seeded; the same seed gives the same draws).
Expected<std::vector<DatasetEntry>> make_conversations(const ConversationOptions& options, const TextSource& source);

}  // namespace aiperf::dataset
