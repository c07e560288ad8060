#include "tokenizer/prompt_builder.h"

#include <algorithm>
#include <cctype>

// The corpus is linked into the library as read-only data.
__asm__(".section .rodata\n"
        ".balign 16\n"
        ".global aiperf_tokenizer_corpus_begin\n"
        ".hidden aiperf_tokenizer_corpus_begin\n"
        ".global aiperf_tokenizer_corpus_end\n"
        ".hidden aiperf_tokenizer_corpus_end\n"
        "aiperf_tokenizer_corpus_begin:\n"
        ".incbin \"" AIPERF_TOKENIZER_CORPUS "\"\n"
        "aiperf_tokenizer_corpus_end:\n"
        ".previous\n");
extern "C" const char aiperf_tokenizer_corpus_begin[];
extern "C" const char aiperf_tokenizer_corpus_end[];

namespace aiperf::tokenizer {
namespace {

constexpr EncodeOptions kPlain{false, true};
constexpr int kOffsets = 64;     // windows tried before giving up
constexpr int kAdjustments = 6;  // length corrections per window
constexpr int kTrimSteps = 64;   // characters trimmed at most at the end

std::size_t previous_char_start(const std::string& s, std::size_t end) {
  std::size_t i = end - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return i;
}

}  // namespace

std::string_view builtin_corpus() {
  return {aiperf_tokenizer_corpus_begin,
          static_cast<std::size_t>(aiperf_tokenizer_corpus_end - aiperf_tokenizer_corpus_begin)};
}

Expected<PromptBuilder> PromptBuilder::create(const Tokenizer& tokenizer, std::string_view corpus) {
  std::vector<TokenId> ids = tokenizer.encode(corpus, kPlain);
  if (ids.size() < 64) {
    return fail(ErrorCode::kInvalidArgument, "the prompt corpus has only " +
                                                 std::to_string(ids.size()) + " tokens");
  }
  return PromptBuilder(tokenizer, std::move(ids));
}

// Decodes ids[offset, offset + len) and corrects len by the re-encoded count
// until it is exact (decode -> encode can merge or split at the window's edges).
bool PromptBuilder::try_window(std::size_t offset, std::size_t tokens, std::string& out) const {
  std::size_t len = tokens;
  std::string over;  // the shortest text found that is too long
  for (int step = 0; step < kAdjustments && len > 0 && offset + len <= ids_.size(); ++step) {
    std::string text = tokenizer_->decode(std::span(ids_).subspan(offset, len));
    std::size_t count = tokenizer_->count(text, kPlain);
    if (count == tokens) {
      out = std::move(text);
      return true;
    }
    if (count > tokens && (over.empty() || text.size() < over.size())) over = text;
    std::size_t next = len + tokens - count;  // unsigned wrap is fine: only the sum matters
    if (next == len) break;
    len = next;
  }
  // Counts jumped over `tokens` (a merge across the edge): cut characters off the end.
  if (!over.empty() && trim_to(tokens, over)) {
    out = std::move(over);
    return true;
  }
  return false;
}

bool PromptBuilder::trim_to(std::size_t tokens, std::string& text) const {
  for (int step = 0; step < kTrimSteps && !text.empty(); ++step) {
    text.resize(previous_char_start(text, text.size()));
    std::size_t count = tokenizer_->count(text, kPlain);
    if (count == tokens) return true;
    if (count < tokens) return false;
  }
  return false;
}

Expected<std::string> PromptBuilder::build(std::size_t tokens, std::mt19937_64& rng) const {
  if (tokens == 0) return std::string();
  if (tokens + 16 > ids_.size()) {
    return fail(make_error(ErrorCode::kTooLarge, "a prompt of " + std::to_string(tokens) +
                                                     " tokens is longer than the corpus (" +
                                                     std::to_string(ids_.size()) + " tokens)"));
  }
  std::uniform_int_distribution<std::size_t> pick(0, ids_.size() - tokens - 16);
  std::string out;
  for (int attempt = 0; attempt < kOffsets; ++attempt) {
    if (try_window(pick(rng), tokens, out)) return out;
  }
  return fail(ErrorCode::kInternal, "no window of the corpus encodes to exactly " +
                                        std::to_string(tokens) + " tokens after " +
                                        std::to_string(kOffsets) + " tries");
}

Expected<std::string> PromptBuilder::build_ending_with(std::size_t tokens, std::string_view suffix,
                                                       std::mt19937_64& rng) const {
  const std::size_t own = tokenizer_->count(suffix, kPlain);
  if (tokens <= own) {
    return fail(ErrorCode::kInvalidArgument, "a block of " + std::to_string(tokens) + " tokens cannot end with a " +
                                                 std::to_string(own) + "-token separator");
  }
  // The body's last characters may merge with the suffix: check the sum, draw again if it is off.
  // A body that starts with white space could merge with the separator before it: draw again.
  for (int attempt = 0; attempt < kOffsets; ++attempt) {
    auto body = build(tokens - own, rng);
    if (!body) return body;
    if (body->empty() || std::isspace(static_cast<unsigned char>(body->front()))) continue;
    std::string text = std::move(*body).append(suffix);
    if (tokenizer_->count(text, kPlain) == tokens) return text;
  }
  return fail(ErrorCode::kInternal, "no window of the corpus followed by the separator encodes to exactly " +
                                        std::to_string(tokens) + " tokens");
}

}  // namespace aiperf::tokenizer
