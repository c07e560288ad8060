// Loads a tiktoken .tiktoken rank file ("<base64 bytes> <rank>" per line).
// tiktoken merges the adjacent pair whose concatenation has the lowest rank;
// that is BPE with merges (a, b) -> a+b ranked by the rank of a+b, so the
// file becomes the same Bpe as a tokenizer.json, with ignore_merges.
#include <array>
#include <charconv>

#include "tokenizer/internal/pipeline.h"

namespace aiperf::tokenizer {
namespace {

struct Encoding {
  const char* name;
  const char* pattern;
  std::vector<std::pair<const char*, TokenId>> specials;
};

constexpr const char* kR50kPattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr const char* kCl100kPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kO200kPattern =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

const std::vector<Encoding>& encodings() {
  static const std::vector<Encoding> all = {
      {"r50k_base", kR50kPattern, {{"<|endoftext|>", 50256}}},
      {"p50k_base", kR50kPattern, {{"<|endoftext|>", 50256}}},
      {"p50k_edit", kR50kPattern,
       {{"<|endoftext|>", 50256}, {"<|fim_prefix|>", 50281}, {"<|fim_middle|>", 50282},
        {"<|fim_suffix|>", 50283}}},
      {"cl100k_base", kCl100kPattern,
       {{"<|endoftext|>", 100257}, {"<|fim_prefix|>", 100258}, {"<|fim_middle|>", 100259},
        {"<|fim_suffix|>", 100260}, {"<|endofprompt|>", 100276}}},
      {"o200k_base", kO200kPattern, {{"<|endoftext|>", 199999}, {"<|endofprompt|>", 200018}}},
  };
  return all;
}

// Standard base64 (with padding); nullopt on a bad character.
std::optional<std::string> base64_decode(std::string_view in) {
  static const std::array<int, 256> table = [] {
    std::array<int, 256> t{};
    t.fill(-1);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = i;
    return t;
  }();
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = table[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

Error malformed(const std::string& source, int line, std::string what) {
  return std::move(make_error(ErrorCode::kMalformedInput, std::move(what))).in_file(source, line);
}

Expected<void> read_ranks(std::string_view text, std::vector<std::string>& tokens,
                          std::vector<bool>& present, const std::string& source) {
  int line_no = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    std::size_t space = line.find(' ');
    std::uint32_t rank = 0;
    auto bytes = space == std::string_view::npos ? std::nullopt : base64_decode(line.substr(0, space));
    auto digits = line.substr(space == std::string_view::npos ? line.size() : space + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), rank);
    if (!bytes || bytes->empty() || ec != std::errc() || end != digits.data() + digits.size() ||
        rank >= (1u << 24)) {
      return fail(malformed(source, line_no, "expected \"<base64 token> <rank>\""));
    }
    if (rank >= tokens.size()) {
      tokens.resize(rank + 1);
      present.resize(rank + 1, false);
    }
    tokens[rank] = std::move(*bytes);
    present[rank] = true;
  }
  if (tokens.empty()) return fail(malformed(source, 0, "no ranks in the file"));
  return {};
}

}  // namespace

Expected<Tokenizer> load_tiktoken(std::string_view text, const std::string& encoding,
                                  const std::string& source) {
  const Encoding* enc = nullptr;
  for (const Encoding& e : encodings()) {
    if (encoding == e.name) enc = &e;
  }
  if (enc == nullptr) {
    return fail(std::move(make_error(ErrorCode::kUnsupported,
                                     "unknown tiktoken encoding '" + encoding +
                                         "': its split pattern is not known (supported: r50k_base, "
                                         "p50k_base, p50k_edit, cl100k_base, o200k_base)"))
                    .in_file(source));
  }
  auto impl = std::make_unique<Tokenizer::Impl>();
  std::vector<std::string> tokens;
  std::vector<bool> present;
  if (auto r = read_ranks(text, tokens, present, source); !r) return fail(r.error());
  impl->vocab_size = tokens.size();
  internal::BpeOptions options;
  options.byte_level = true;
  options.ignore_merges = true;
  impl->bpe.set_vocab(tokens, present, options);
  impl->bpe.reserve_merges(tokens.size() * 4);
  for (TokenId id = 0; id < tokens.size(); ++id) {
    const std::string& t = tokens[id];
    if (!present[id] || t.size() < 2) continue;
    for (std::size_t k = 1; k < t.size(); ++k) {
      auto a = impl->bpe.find(std::string_view(t).substr(0, k));
      auto b = a ? impl->bpe.find(std::string_view(t).substr(k)) : std::nullopt;
      if (a && b) impl->bpe.add_merge(*a, *b, id, id);
    }
  }
  auto regex = internal::Regex::compile(enc->pattern);
  if (!regex) return fail(regex.error());
  internal::PreTokenizerStep split;
  split.regex = std::move(*regex);
  impl->pre_tokenizer.add(std::move(split));
  internal::DecoderStep bytes;
  impl->decoder.add(bytes);  // ByteLevel: concatenate the raw bytes
  for (const auto& [content, id] : enc->specials) impl->add_token({content, id, true}, false, false, false, false);
  impl->description = std::string("tiktoken (") + enc->name + ")";
  return Tokenizer(std::move(impl));
}

}  // namespace aiperf::tokenizer
