#include "mock_server/tokens.h"

#include <array>
#include <cmath>
#include <cstdint>

namespace aiperf::mock_server {
namespace {

constexpr std::array<std::string_view, kVocabularySize> kVocabulary = {
    "alpha",   "bravo",  "charlie", "delta",   "echo",    "foxtrot", "golf",   "hotel",
    "india",   "juliet", "kilo",    "lima",    "mike",    "november", "oscar", "papa",
    "quebec",  "romeo",  "sierra",  "tango",   "uniform", "victor",  "whiskey", "xray",
    "yankee",  "zulu",   "one",     "two",     "three",   "four",    "five",   "six",
    "seven",   "eight",  "nine",    "ten",     "red",     "green",   "blue",   "amber",
    "violet",  "silver", "gold",    "copper",  "iron",    "stone",   "river",  "ocean",
    "forest",  "meadow", "valley",  "summit",  "harbor",  "bridge",  "tower",  "garden",
    "lantern", "compass", "anchor", "falcon",  "otter",   "maple",   "cedar",  "willow",
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

std::string_view vocabulary_word(std::size_t i) { return kVocabulary[i % kVocabularySize]; }

std::string token_text(std::size_t i) {
  std::string s;
  if (i != 0) s.push_back(' ');
  s.append(vocabulary_word(i));
  return s;
}

std::string tokens_text(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += token_text(i);
  return s;
}

std::size_t count_tokens(std::string_view text) {
  std::size_t n = 0;
  bool in_word = false;
  for (char c : text) {
    if (is_space(c)) {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++n;
    }
  }
  return n;
}

void append_word_ids(std::string_view text, std::vector<std::uint64_t>& out) {
  std::uint64_t h = 0;
  bool in_word = false;
  for (unsigned char c : text) {
    if (is_space(static_cast<char>(c))) {
      if (in_word) out.push_back(h);
      in_word = false;
      continue;
    }
    if (!in_word) h = 0xcbf29ce484222325ULL;  // FNV-1a
    in_word = true;
    h = (h ^ c) * 0x100000001b3ULL;
  }
  if (in_word) out.push_back(h);
}

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::vector<float> embedding_vector(std::string_view text, std::size_t dim) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  std::vector<float> v(dim);
  double norm = 0;
  for (std::size_t k = 0; k < dim; ++k) {
    const std::uint64_t r = mix64(h + k);
    const double x = static_cast<double>(r >> 11) * 0x1.0p-53 * 2.0 - 1.0;
    v[k] = static_cast<float>(x);
    norm += x * x;
  }
  if (norm > 0) {
    const double inv = 1.0 / std::sqrt(norm);
    for (float& x : v) x = static_cast<float>(x * inv);
  }
  return v;
}

}  // namespace aiperf::mock_server
