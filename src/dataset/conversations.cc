#include "dataset/conversations.h"

#include <cmath>
#include <random>

namespace aiperf::dataset {
namespace {

double normal(std::mt19937_64& rng, double mean, double stddev) {
  if (stddev <= 0) return mean;
  return std::normal_distribution<double>(mean, stddev)(rng);
}

uint32_t length(std::mt19937_64& rng, double mean, double stddev) {
  return static_cast<uint32_t>(std::max(1.0, std::round(normal(rng, mean, stddev))));
}

}  // namespace

Expected<std::vector<DatasetEntry>> make_conversations(const ConversationOptions& o, const TextSource& source) {
  std::mt19937_64 rng(o.seed ^ 0xc0a7'0000'0000'0001ULL);
  std::vector<DatasetEntry> out(o.conversations);
  for (auto& entry : out) {
    const uint32_t turns = length(rng, o.turn_mean, o.turn_stddev);
    for (uint32_t k = 0; k < turns; ++k) {
      Turn turn;
      turn.prompt_words = length(rng, o.isl_mean, o.isl_stddev);
      auto text = source.text(turn.prompt_words, rng);
      if (!text) return fail(std::move(text.error()).about("--conversation-num"));
      turn.prompt = std::move(*text);
      if (o.osl_mean) turn.max_tokens = length(rng, *o.osl_mean, o.osl_stddev);
      turn.delay_ms = k == 0 ? 0 : std::max(0.0, normal(rng, o.delay_mean_ms, o.delay_stddev_ms)) * o.delay_ratio;
      if (k == 0) {
        entry.prompt = std::move(turn.prompt);
        entry.prompt_words = turn.prompt_words;
        entry.max_tokens = turn.max_tokens;
        entry.tokens_exact = source.exact;
        entry.conversation = true;
      } else {
        entry.next_turns.push_back(std::move(turn));
      }
    }
  }
  return out;
}

}  // namespace aiperf::dataset
