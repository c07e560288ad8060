#include "dataset/synthetic.h"

#include "dataset/text_source.h"

#include <array>
#include <cmath>
#include <random>
#include <string_view>

namespace aiperf::dataset {
namespace {

// Common English words: realistic-looking text without shipping a corpus.
constexpr std::array<std::string_view, 64> kVocabulary = {
    "the",    "of",     "and",    "to",     "in",     "is",     "that",   "for",
    "it",     "as",     "with",   "was",    "on",     "be",     "by",     "this",
    "an",     "are",    "from",   "or",     "have",   "not",    "which",  "but",
    "model",  "server", "token",  "answer", "write",  "story",  "about",  "river",
    "city",   "light",  "system", "data",   "time",   "people", "water",  "world",
    "number", "small",  "large",  "rapid",  "quiet",  "green",  "north",  "south",
    "energy", "market", "simple", "signal", "memory", "garden", "window", "silver",
    "thread", "bridge", "forest", "engine", "planet", "ocean",  "mountain", "valley"};

uint32_t draw_length(std::mt19937_64& rng, uint32_t mean, uint32_t stddev) {
  if (stddev == 0) return std::max<uint32_t>(mean, 1);
  std::normal_distribution<double> normal(mean, stddev);
  return static_cast<uint32_t>(std::max(1.0, std::round(normal(rng))));
}

}  // namespace

std::string synthetic_words(uint32_t n, std::mt19937_64& rng) {
  std::uniform_int_distribution<std::size_t> pick(0, kVocabulary.size() - 1);
  std::string out;
  out.reserve(n * 7);
  for (uint32_t w = 0; w < n; ++w) {
    if (w) out += ' ';
    out += kVocabulary[pick(rng)];
  }
  return out;
}

TextSource word_source() {
  TextSource s;
  s.text = [](std::size_t n, std::mt19937_64& rng) -> Expected<std::string> {
    return synthetic_words(static_cast<uint32_t>(n), rng);
  };
  s.block = [](std::size_t n, std::mt19937_64& rng) -> Expected<std::string> {
    return synthetic_words(static_cast<uint32_t>(n), rng) + "\n";
  };
  return s;
}

std::vector<DatasetEntry> make_synthetic_dataset(const SyntheticOptions& options) {
  std::mt19937_64 rng(options.seed);
  std::vector<DatasetEntry> out;
  out.reserve(options.entries);
  for (std::size_t i = 0; i < options.entries; ++i) {
    DatasetEntry entry;
    entry.prompt_words = draw_length(rng, options.isl_mean, options.isl_stddev);
    entry.prompt = synthetic_words(entry.prompt_words, rng);
    if (options.osl_mean) entry.max_tokens = draw_length(rng, *options.osl_mean, options.osl_stddev);
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace aiperf::dataset
