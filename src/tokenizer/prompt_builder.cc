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
  PromptBuilder builder(tokenizer);
  builder.index_lines(corpus);
  if (builder.ids_.size() < 64) {
    return fail(ErrorCode::kInvalidArgument, "the prompt corpus has only " +
                                                 std::to_string(builder.ids_.size()) + " tokens");
  }
  return builder;
}

// Encodes every line alone and checks, for each pair of neighbours, that their
// counts add up. Lines whose ends do not ("Genesis 1\n" + "\n": "\n\n" is one
// token) are joined into one segment, encoded alone too: every segment end then
// adds up, so a window of whole segments has the sum of their counts.
void PromptBuilder::index_lines(std::string_view corpus) {
  text_.assign(corpus);
  std::vector<uint32_t> starts;  // of the lines, and the end
  std::vector<TokenId> line_ids;
  std::vector<uint32_t> ids_starts;
  for (std::size_t pos = 0; pos < text_.size();) {
    std::size_t end = text_.find('\n', pos);
    end = end == std::string::npos ? text_.size() : end + 1;
    starts.push_back(static_cast<uint32_t>(pos));
    ids_starts.push_back(static_cast<uint32_t>(line_ids.size()));
    tokenizer_->encode_into(std::string_view(text_).substr(pos, end - pos), line_ids, kPlain);
    pos = end;
  }
  starts.push_back(static_cast<uint32_t>(text_.size()));
  ids_starts.push_back(static_cast<uint32_t>(line_ids.size()));
  auto text_of = [&](std::size_t from, std::size_t to) {
    return std::string_view(text_).substr(starts[from], starts[to] - starts[from]);
  };
  std::string pair;
  for (std::size_t k = 0; k + 1 < starts.size();) {
    std::size_t end = k + 1;  // the segment is lines [k, end)
    for (; end + 1 < starts.size(); ++end) {
      pair.assign(text_of(end - 1, end + 1));
      const std::size_t apart = ids_starts[end + 1] - ids_starts[end - 1];
      if (tokenizer_->count(pair, kPlain) == apart) break;
    }
    lines_.push_back({starts[k], static_cast<uint32_t>(ids_.size()), end + 1 < starts.size()});
    if (end == k + 1) ids_.insert(ids_.end(), line_ids.begin() + ids_starts[k], line_ids.begin() + ids_starts[end]);
    else tokenizer_->encode_into(text_of(k, end), ids_, kPlain);
    k = end;
  }
  lines_.push_back({static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(ids_.size()), false});
}

std::string_view PromptBuilder::line_text(std::size_t k) const {
  return std::string_view(text_).substr(lines_[k].text_begin, lines_[k + 1].text_begin - lines_[k].text_begin);
}

// The window from token `offset`: the rest of its line, whole lines (their counts are known),
// then the head of one more line, the only part re-encoded (with the line before it, so its
// count is the one it has in place). False where a line end does not add up: try_window then.
bool PromptBuilder::try_lines(std::size_t offset, std::size_t tokens, std::string& out) const {
  auto after = std::upper_bound(lines_.begin(), lines_.end(), offset,
                                [](std::size_t o, const Line& l) { return o < l.ids_begin; });
  const auto a = static_cast<std::size_t>(after - lines_.begin()) - 1;
  if (a + 2 >= lines_.size() || !lines_[a].hard_end) return false;
  const bool whole = offset == lines_[a].ids_begin;
  std::string first = whole ? std::string(line_text(a))
                            : tokenizer_->decode(std::span(ids_).subspan(offset, lines_[a + 1].ids_begin - offset));
  const std::size_t first_tokens = whole ? line_tokens(a) : tokenizer_->count(first, kPlain);
  if (first_tokens >= tokens) return false;  // within one line
  if (!whole && first.size() < 32) {  // a short rest of a line may not end the way the whole line does
    std::string pair = first + std::string(line_text(a + 1));
    if (tokenizer_->count(pair, kPlain) != first_tokens + line_tokens(a + 1)) return false;
  }
  out = first;
  std::size_t have = first_tokens;
  std::size_t k = a + 1;
  for (; k + 1 < lines_.size() && have + line_tokens(k) <= tokens; ++k) {
    out += line_text(k);
    have += line_tokens(k);
    if (have == tokens) return true;
    if (!lines_[k].hard_end) return false;
  }
  if (k + 1 >= lines_.size()) return false;
  std::string_view before = k - 1 == a ? std::string_view(first) : line_text(k - 1);
  return append_head(k, tokens - have, before, k - 1 == a ? first_tokens : line_tokens(k - 1), out);
}

// Appends the first ids of line k decoded, with the length corrected until the head adds exactly
// `tokens` to `before` (the text in front of it, `before_tokens` long).
bool PromptBuilder::append_head(std::size_t k, std::size_t tokens, std::string_view before,
                                std::size_t before_tokens, std::string& out) const {
  std::size_t len = tokens;
  std::string pair;
  for (int step = 0; step < kAdjustments && len > 0 && len < line_tokens(k); ++step) {
    std::string head = tokenizer_->decode(std::span(ids_).subspan(lines_[k].ids_begin, len));
    pair.assign(before);
    pair += head;
    const auto added = static_cast<std::ptrdiff_t>(tokenizer_->count(pair, kPlain)) -
                       static_cast<std::ptrdiff_t>(before_tokens);
    if (added == static_cast<std::ptrdiff_t>(tokens)) {
      out += head;
      return true;
    }
    const std::ptrdiff_t next = static_cast<std::ptrdiff_t>(len) + static_cast<std::ptrdiff_t>(tokens) - added;
    if (next <= 0 || static_cast<std::size_t>(next) == len) break;
    len = static_cast<std::size_t>(next);
  }
  return false;
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
    const std::size_t offset = pick(rng);
    if (try_lines(offset, tokens, out) || try_window(offset, tokens, out)) return out;
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
