#include "dataset/seq_dist.h"

#include <charconv>
#include <cmath>
#include <random>

namespace aiperf::dataset {
namespace {

Error bad(std::string_view component, const std::string& why) {
  return make_error(ErrorCode::kInvalidArgument,
                    "component '" + std::string(component) + "': " + why + " (expected ISL,OSL:PCT;...)")
      .about("--seq-dist");
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool parse_u32(std::string_view s, uint32_t& out) {
  s = trim(s);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

// "MEAN" or "MEAN|STDDEV".
bool parse_length(std::string_view s, uint32_t& mean, uint32_t& stddev) {
  auto bar = s.find('|');
  stddev = 0;
  if (bar == std::string_view::npos) return parse_u32(s, mean);
  return parse_u32(s.substr(0, bar), mean) && parse_u32(s.substr(bar + 1), stddev);
}

Expected<SeqDistComponent> parse_component(std::string_view part) {
  SeqDistComponent c;
  auto colon = part.find(':'), comma = part.find(',');
  if (colon == std::string_view::npos || comma == std::string_view::npos || comma > colon) {
    return fail(bad(part, "needs ISL,OSL:PCT"));
  }
  if (!parse_length(part.substr(0, comma), c.isl, c.isl_stddev) || c.isl < 1) {
    return fail(bad(part, "ISL must be a positive integer (or MEAN|STDDEV)"));
  }
  if (!parse_length(part.substr(comma + 1, colon - comma - 1), c.osl, c.osl_stddev) || c.osl < 1) {
    return fail(bad(part, "OSL must be a positive integer (or MEAN|STDDEV)"));
  }
  std::string pct(trim(part.substr(colon + 1)));
  char* end = nullptr;
  c.percent = std::strtod(pct.c_str(), &end);
  if (pct.empty() || *end != '\0' || !(c.percent > 0 && c.percent <= 100)) {
    return fail(bad(part, "PCT must be a number in (0, 100]"));
  }
  c.label = "isl" + std::to_string(c.isl) + "_osl" + std::to_string(c.osl);
  return c;
}

uint32_t draw(std::mt19937_64& rng, uint32_t mean, uint32_t stddev) {
  if (stddev == 0) return mean;
  std::normal_distribution<double> normal(mean, stddev);
  return static_cast<uint32_t>(std::max(1.0, std::round(normal(rng))));
}

}  // namespace

Expected<std::vector<SeqDistComponent>> parse_seq_dist(std::string_view text) {
  std::vector<SeqDistComponent> out;
  double total = 0;
  while (!trim(text).empty()) {
    auto semi = text.find(';');
    std::string_view part = trim(text.substr(0, semi));
    text = semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
    if (part.empty()) continue;
    auto c = parse_component(part);
    if (!c) return fail(c.error());
    total += c->percent;
    out.push_back(std::move(*c));
  }
  if (out.empty()) return fail(make_error(ErrorCode::kInvalidArgument, "no components (expected ISL,OSL:PCT;...)").about("--seq-dist"));
  if (std::abs(total - 100) > 1e-6) {
    return fail(make_error(ErrorCode::kInvalidArgument, "percentages add up to " + std::to_string(total) + ", not 100")
                    .about("--seq-dist"));
  }
  return out;
}

std::vector<std::size_t> draw_components(const std::vector<SeqDistComponent>& mixture, std::size_t n, uint64_t seed) {
  std::vector<double> weights;
  for (const auto& c : mixture) weights.push_back(c.percent);
  std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
  std::mt19937_64 rng(seed ^ 0x5e9d'0000'0000'0001ULL);
  std::vector<std::size_t> out(n);
  for (auto& c : out) c = pick(rng);
  return out;
}

Expected<std::vector<DatasetEntry>> make_mixture_dataset(const std::vector<SeqDistComponent>& mixture,
                                                         std::size_t entries, uint64_t seed, const TextSource& source) {
  std::vector<DatasetEntry> out(entries);
  auto components = draw_components(mixture, entries, seed);
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < entries; ++i) {
    const auto& c = mixture[components[i]];
    auto& entry = out[i];
    entry.prompt_words = draw(rng, c.isl, c.isl_stddev);
    auto text = source.text(entry.prompt_words, rng);
    if (!text) return fail(std::move(text.error()).about("--seq-dist"));
    entry.prompt = std::move(*text);
    entry.tokens_exact = source.exact;
    entry.max_tokens = draw(rng, c.osl, c.osl_stddev);
    entry.class_label = c.label;
  }
  return out;
}

}  // namespace aiperf::dataset
