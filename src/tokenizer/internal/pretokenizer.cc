#include "tokenizer/internal/pretokenizer.h"

namespace aiperf::tokenizer::internal {

std::optional<SplitBehavior> parse_split_behavior(std::string_view name) {
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  return std::nullopt;
}

namespace {

struct Part {
  Span span;
  bool is_match;
};

// Matches and the gaps between them, covering [begin, end), as HF's find_matches.
void alternate(std::size_t begin, std::size_t end, const std::vector<Span>& matches, bool invert,
               std::vector<Part>& parts) {
  parts.clear();
  std::size_t prev = begin;
  for (const Span& m : matches) {
    if (m.begin > prev) parts.push_back({{prev, m.begin}, invert});
    parts.push_back({m, !invert});
    prev = m.end;
  }
  if (prev < end || parts.empty()) parts.push_back({{prev, end}, invert});
}

void find_literal(std::string_view text, std::size_t base, const std::string& literal,
                  std::vector<Span>& out) {
  if (literal.empty()) return;
  for (std::size_t pos = text.find(literal); pos != std::string_view::npos;
       pos = text.find(literal, pos + literal.size())) {
    out.push_back({base + pos, base + pos + literal.size()});
  }
}

// Metaspace (HF): each piece's spaces become the replacement, a replacement is prepended as the
// scheme says (unless the piece starts with one), then the piece is cut before each replacement.
void metaspace(const PreTokenizerStep& step, bool at_start, std::string& text, std::vector<Span>& pieces,
               std::vector<Span>& next) {
  std::string rebuilt;
  rebuilt.reserve(text.size() + text.size() / 2);
  std::vector<Span> rewritten;
  for (const Span& p : pieces) {
    const std::size_t start = rebuilt.size();
    for (std::size_t i = p.begin; i < p.end; ++i) {
      if (text[i] == ' ') rebuilt += step.replacement;
      else rebuilt += text[i];
    }
    const bool starts = std::string_view(rebuilt).substr(start).starts_with(step.replacement);
    const bool first = at_start && p.begin == 0;
    if (!starts && (step.prepend == PreTokenizerStep::Prepend::kAlways ||
                    (step.prepend == PreTokenizerStep::Prepend::kFirst && first))) {
      rebuilt.insert(start, step.replacement);
    }
    rewritten.push_back({start, rebuilt.size()});
  }
  text = std::move(rebuilt);
  if (!step.split_on_replacement) {
    pieces.swap(rewritten);
    return;
  }
  next.clear();
  std::vector<Span> matches;
  for (const Span& p : rewritten) {
    matches.clear();
    find_literal(std::string_view(text).substr(p.begin, p.end - p.begin), p.begin, step.replacement, matches);
    split_piece(p.begin, p.end, matches, SplitBehavior::kMergedWithNext, false, next);
  }
  pieces.swap(next);
}

}  // namespace

void split_piece(std::size_t begin, std::size_t end, const std::vector<Span>& matches,
                 SplitBehavior behavior, bool invert, std::vector<Span>& out) {
  thread_local std::vector<Part> parts;
  alternate(begin, end, matches, invert, parts);
  std::size_t first = out.size();  // pieces of this call start here
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::kRemoved:
      for (const Part& p : parts) {
        if (!p.is_match) out.push_back(p.span);
      }
      break;
    case SplitBehavior::kIsolated:
      for (const Part& p : parts) out.push_back(p.span);
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const Part& p : parts) {
        if (p.is_match && !previous_match && out.size() > first) {
          out.back().end = p.span.end;
        } else {
          out.push_back(p.span);
        }
        previous_match = p.is_match;
      }
      break;
    case SplitBehavior::kMergedWithNext: {
      // HF folds from the right: a match joins the piece after it.
      std::vector<Span> reversed;
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
        if (it->is_match && !previous_match && !reversed.empty()) {
          reversed.back().begin = it->span.begin;
        } else {
          reversed.push_back(it->span);
        }
        previous_match = it->is_match;
      }
      out.insert(out.end(), reversed.rbegin(), reversed.rend());
      break;
    }
    case SplitBehavior::kContiguous:
      for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0 && parts[i].is_match == previous_match) {
          out.back().end = parts[i].span.end;
        } else {
          out.push_back(parts[i].span);
        }
        previous_match = parts[i].is_match;
      }
      break;
  }
  // Drop empty pieces, as HF does after every split.
  std::size_t keep = first;
  for (std::size_t i = first; i < out.size(); ++i) {
    if (out[i].end > out[i].begin) out[keep++] = out[i];
  }
  out.resize(keep);
}

void PreTokenizer::split(std::string& text, std::vector<Span>& pieces, bool at_start) const {
  pieces.clear();
  if (text.empty()) return;
  pieces.push_back({0, text.size()});
  thread_local std::vector<Span> next, matches;
  for (const PreTokenizerStep& step : steps_) {
    if (step.kind == PreTokenizerStep::Kind::kMetaspace) {
      metaspace(step, at_start, text, pieces, next);
      continue;
    }
    if (step.kind == PreTokenizerStep::Kind::kByteLevel) {
      if (step.add_prefix_space) {
        std::string rebuilt;
        next.clear();
        for (const Span& p : pieces) {
          std::size_t start = rebuilt.size();
          if (text[p.begin] != ' ') rebuilt += ' ';
          rebuilt.append(text, p.begin, p.end - p.begin);
          next.push_back({start, rebuilt.size()});
        }
        text = std::move(rebuilt);
        pieces.swap(next);
      }
      if (!step.regex) continue;  // the byte mapping itself is done by the BPE model
    }
    next.clear();
    for (const Span& p : pieces) {
      matches.clear();
      std::string_view piece(text.data() + p.begin, p.end - p.begin);
      if (step.regex) {
        std::size_t before = matches.size();
        step.regex->find_all(piece, matches);
        for (std::size_t i = before; i < matches.size(); ++i) {
          matches[i].begin += p.begin;
          matches[i].end += p.begin;
        }
      } else {
        find_literal(piece, p.begin, step.literal, matches);
      }
      bool isolated = step.kind == PreTokenizerStep::Kind::kByteLevel;
      split_piece(p.begin, p.end, matches, isolated ? SplitBehavior::kIsolated : step.behavior,
                  isolated ? false : step.invert, next);
    }
    pieces.swap(next);
  }
}

}  // namespace aiperf::tokenizer::internal
