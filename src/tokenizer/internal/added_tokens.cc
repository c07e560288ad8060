#include "tokenizer/internal/added_tokens.h"

#include <algorithm>
#include <cctype>

namespace aiperf::tokenizer::internal {
namespace {

bool is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool is_word(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

}  // namespace

AddedTokenMatcher::AddedTokenMatcher() : nodes_(1) {}

std::uint32_t AddedTokenMatcher::child(std::uint32_t node, unsigned char byte) const {
  const auto& edges = nodes_[node].edges;
  auto it = std::lower_bound(edges.begin(), edges.end(), byte,
                             [](const auto& e, unsigned char b) { return e.first < b; });
  return it != edges.end() && it->first == byte ? it->second : 0;
}

void AddedTokenMatcher::add(std::string_view content, TokenId id, bool lstrip, bool rstrip,
                            bool single_word) {
  if (content.empty()) return;
  std::uint32_t node = 0;
  for (unsigned char byte : content) {
    std::uint32_t next = child(node, byte);
    if (next == 0) {
      next = static_cast<std::uint32_t>(nodes_.size());
      nodes_.emplace_back();
      auto& edges = nodes_[node].edges;
      auto it = std::lower_bound(edges.begin(), edges.end(), byte,
                                 [](const auto& e, unsigned char b) { return e.first < b; });
      edges.insert(it, {byte, next});
    }
    node = next;
  }
  Node& leaf = nodes_[node];
  if (leaf.id == kNoToken) ++count_;
  leaf.id = id;
  leaf.lstrip = lstrip;
  leaf.rstrip = rstrip;
  leaf.single_word = single_word;
  first_byte_[static_cast<unsigned char>(content[0])] = true;
}

std::size_t AddedTokenMatcher::longest_at(std::string_view text, std::size_t pos,
                                          const Node*& found) const {
  std::size_t best = 0;
  std::uint32_t node = 0;
  for (std::size_t i = pos; i < text.size(); ++i) {
    node = child(node, static_cast<unsigned char>(text[i]));
    if (node == 0) break;
    if (nodes_[node].id != kNoToken) {
      best = i + 1;
      found = &nodes_[node];
    }
  }
  return best;
}

void AddedTokenMatcher::split(std::string_view text, std::vector<Segment>& out) const {
  std::size_t plain = 0;  // start of the plain text not yet emitted
  for (std::size_t pos = 0; pos < text.size();) {
    if (!first_byte_[static_cast<unsigned char>(text[pos])]) {
      ++pos;
      continue;
    }
    const Node* node = nullptr;
    std::size_t end = longest_at(text, pos, node);
    if (end == 0) {
      ++pos;
      continue;
    }
    if (node->single_word &&
        ((pos > 0 && is_word(text[pos - 1])) || (end < text.size() && is_word(text[end])))) {
      ++pos;
      continue;
    }
    std::size_t begin = pos;
    if (node->lstrip) {
      while (begin > plain && is_space(text[begin - 1])) --begin;
    }
    if (node->rstrip) {
      while (end < text.size() && is_space(text[end])) ++end;
    }
    if (begin > plain) out.push_back({plain, begin, kNoToken});
    out.push_back({begin, end, node->id});
    plain = pos = end;
  }
  if (plain < text.size()) out.push_back({plain, text.size(), kNoToken});
}

}  // namespace aiperf::tokenizer::internal
