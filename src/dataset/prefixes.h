// Shared prefixes for prefix-cache tests (AIPerf's options): one system prompt
// shared by every request, a context per conversation, and a pool of prefixes
// of which each request gets one. Each is exactly its length in tokens (with a
// tokenizer; words without one).
#pragma once

#include <cstdint>
#include <vector>

#include "base/error.h"
#include "dataset/file_dataset.h"
#include "dataset/text_source.h"

namespace aiperf::dataset {

/// Lengths of the shared prefixes; 0 = none of that kind.
struct PrefixOptions {
  uint64_t shared_system_prompt_length = 0;  ///< --shared-system-prompt-length: one system message for all.
  uint64_t user_context_prompt_length = 0;   ///< --user-context-prompt-length: per entry (conversation).
  uint64_t num_prefix_prompts = 0;           ///< --num-prefix-prompts: pool size.
  uint64_t prefix_prompt_length = 0;         ///< --prefix-prompt-length: tokens of each pooled prefix.
  uint64_t seed = 0;                         ///< Seeds the texts and the pool choice.
};

/// Which prefixes each entry got (for tests and the per-request record).
struct PrefixAssignment {
  std::vector<int64_t> pool_index;  ///< Per entry: the pooled prefix it starts with, or -1.
};

/// Puts the prefixes before every entry's prompt: the shared system prompt as
/// a leading system message, then the user context and the pooled prefix in
/// front of the first user message (each ending in the source's separator).
/// prompt_words grows by the prefix tokens. The error names the option.
Expected<PrefixAssignment> apply_prefixes(Dataset& data, const PrefixOptions& options, const TextSource& source);

}  // namespace aiperf::dataset
