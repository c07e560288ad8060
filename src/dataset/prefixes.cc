#include "dataset/prefixes.h"

#include <random>

namespace aiperf::dataset {
namespace {

// Distinct seeds per kind of prefix, so the kinds never share text.
constexpr uint64_t kSystemSalt = 0x5157'0000'0000'0001ULL;
constexpr uint64_t kContextSalt = 0x5157'0000'0000'0002ULL;
constexpr uint64_t kPoolSalt = 0x5157'0000'0000'0003ULL;

// Where the user text of an entry lives: the first user message, or the prompt.
std::string& user_text(DatasetEntry& entry) {
  for (auto& m : entry.messages) {
    if (m.role == "user") return m.content;
  }
  return entry.prompt;
}

// Makes the entry's prompt a message list, so a system message can lead it.
void to_messages(DatasetEntry& entry) {
  if (!entry.messages.empty()) return;
  entry.messages.push_back({"user", std::move(entry.prompt)});
  entry.prompt.clear();
}

Expected<std::string> block_or_fail(const TextSource& source, uint64_t tokens, std::mt19937_64& rng,
                                    const char* option) {
  auto text = source.block(static_cast<std::size_t>(tokens), rng);
  if (!text) return fail(std::move(text.error()).about(option));
  return text;
}

}  // namespace

Expected<PrefixAssignment> apply_prefixes(Dataset& data, const PrefixOptions& o, const TextSource& source) {
  PrefixAssignment out;
  out.pool_index.assign(data.entries.size(), -1);
  std::vector<std::string> pool;
  std::mt19937_64 pool_rng(o.seed ^ kPoolSalt);
  for (uint64_t i = 0; i < o.num_prefix_prompts && o.prefix_prompt_length > 0; ++i) {
    auto text = block_or_fail(source, o.prefix_prompt_length, pool_rng, "--prefix-prompt-length");
    if (!text) return fail(text.error());
    pool.push_back(std::move(*text));
  }
  std::mt19937_64 context_rng(o.seed ^ kContextSalt);
  std::uniform_int_distribution<std::size_t> pick(0, pool.empty() ? 0 : pool.size() - 1);
  for (std::size_t e = 0; e < data.entries.size(); ++e) {
    auto& entry = data.entries[e];
    std::string head;
    if (o.user_context_prompt_length > 0) {
      auto text = block_or_fail(source, o.user_context_prompt_length, context_rng, "--user-context-prompt-length");
      if (!text) return fail(text.error());
      head += *text;
      entry.prompt_words += static_cast<uint32_t>(o.user_context_prompt_length);
    }
    if (!pool.empty()) {
      out.pool_index[e] = static_cast<int64_t>(pick(pool_rng));
      head += pool[static_cast<std::size_t>(out.pool_index[e])];
      entry.prompt_words += static_cast<uint32_t>(o.prefix_prompt_length);
    }
    if (!head.empty()) user_text(entry).insert(0, head);
  }
  if (o.shared_system_prompt_length > 0) {
    std::mt19937_64 rng(o.seed ^ kSystemSalt);
    auto system = source.text(static_cast<std::size_t>(o.shared_system_prompt_length), rng);
    if (!system) return fail(std::move(system.error()).about("--shared-system-prompt-length"));
    for (auto& entry : data.entries) {
      to_messages(entry);
      entry.messages.insert(entry.messages.begin(), Message{"system", *system});
      entry.prompt_words += static_cast<uint32_t>(o.shared_system_prompt_length);
    }
  }
  return out;
}

}  // namespace aiperf::dataset
