// Single-thread encode speed of the native tokenizer, and exact-length prompt
// generation speed. Run through bench/tokenizer.sh, which also measures the
// HF library and tiktoken on the same input in the same run.
//
//   tokenizer_bench --tokenizer PATH --input FILE [--min-seconds S]
//     encodes FILE in blocks of up to 16 KiB cut at newlines (the peer script
//     cuts the same blocks), for at least S seconds (default 2), and prints
//     one JSON line: {"impl", "bytes", "tokens", "seconds", "mb_s", "tokens_s", "load_s"}.
//   tokenizer_bench --tokenizer PATH --prompts N --prompt-tokens T
//     builds N prompts of exactly T tokens from the built-in corpus and prints
//     {"prompts", "prompt_tokens", "setup_s", "seconds", "exact"}.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/prompt_builder.h"
#include "tokenizer/tokenizer.h"

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::vector<std::string_view> blocks(std::string_view text) {
  std::vector<std::string_view> out;
  constexpr std::size_t kBlock = 16 * 1024;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = std::min(text.size(), pos + kBlock);
    if (end < text.size()) {
      std::size_t nl = text.rfind('\n', end);
      if (nl != std::string_view::npos && nl > pos) end = nl + 1;
    }
    out.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

int encode_bench(const aiperf::tokenizer::Tokenizer& tok, const std::string& input, double min_seconds,
                 double load_s) {
  std::ifstream in(input, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  auto parts = blocks(text);
  std::vector<aiperf::tokenizer::TokenId> ids;
  std::size_t bytes = 0, tokens = 0, pass_tokens = 0;
  auto start = Clock::now();
  for (int pass = 0; pass == 0 || since(start) < min_seconds; ++pass) {
    pass_tokens = 0;
    for (std::string_view part : parts) {
      ids.clear();
      tok.encode_into(part, ids, {false, true});
      pass_tokens += ids.size();
    }
    bytes += text.size();
    tokens += pass_tokens;
  }
  double s = since(start);
  std::printf("{\"impl\": \"aiperf\", \"bytes\": %zu, \"tokens\": %zu, \"pass_tokens\": %zu, \"seconds\": %.4f, "
              "\"mb_s\": %.3f, \"tokens_s\": %.0f, \"load_s\": %.3f}\n",
              bytes, tokens, pass_tokens, s, bytes / s / 1e6, tokens / s, load_s);
  return 0;
}

int prompt_bench(const aiperf::tokenizer::Tokenizer& tok, int prompts, std::size_t tokens) {
  auto start = Clock::now();
  auto builder = aiperf::tokenizer::PromptBuilder::create(tok);
  if (!builder) {
    std::fprintf(stderr, "%s\n", builder.error().describe().c_str());
    return 1;
  }
  double setup = since(start);
  std::mt19937_64 rng(1);
  std::vector<std::string> out;
  out.reserve(prompts);
  start = Clock::now();
  for (int i = 0; i < prompts; ++i) {
    auto p = builder->build(tokens, rng);
    if (!p) {
      std::fprintf(stderr, "%s\n", p.error().describe().c_str());
      return 1;
    }
    out.push_back(std::move(*p));
  }
  double s = since(start);
  int exact = 0;
  for (const auto& p : out) exact += tok.count(p, {false, true}) == tokens;
  std::printf("{\"prompts\": %d, \"prompt_tokens\": %zu, \"setup_s\": %.3f, \"seconds\": %.3f, \"exact\": %d}\n",
              prompts, tokens, setup, s, exact);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path, input;
  double min_seconds = 2;
  int prompts = 0;
  std::size_t prompt_tokens = 550;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--tokenizer") path = argv[i + 1];
    else if (flag == "--input") input = argv[i + 1];
    else if (flag == "--min-seconds") min_seconds = std::atof(argv[i + 1]);
    else if (flag == "--prompts") prompts = std::atoi(argv[i + 1]);
    else if (flag == "--prompt-tokens") prompt_tokens = std::strtoul(argv[i + 1], nullptr, 10);
  }
  auto start = Clock::now();
  auto tok = aiperf::tokenizer::load_tokenizer(path);
  if (!tok) {
    std::fprintf(stderr, "%s\n", tok.error().describe().c_str());
    return 2;
  }
  double load_s = since(start);
  if (prompts > 0) return prompt_bench(*tok, prompts, prompt_tokens);
  return encode_bench(*tok, input, min_seconds, load_s);
}
