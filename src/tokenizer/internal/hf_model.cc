// The "model" section of a tokenizer.json: a BPE vocabulary and its merges.
#include <simdjson.h>

#include "tokenizer/internal/byte_level.h"
#include "tokenizer/internal/pipeline.h"

namespace aiperf::tokenizer::internal {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr std::uint64_t kMaxId = 1u << 24;  // no real vocabulary comes near 16.7 M ids

bool present_key(element e, std::string_view key) {
  element v;
  return e[key].get(v) == simdjson::SUCCESS;
}

Error malformed(const std::string& source, std::string what) {
  return std::move(make_error(ErrorCode::kMalformedInput, std::move(what))).in_file(source);
}

// Vocabulary keys as the model sees them: raw bytes for a byte-level model.
std::string model_bytes(std::string_view key, bool byte_level) {
  if (!byte_level) return std::string(key);
  auto bytes = byte_level_decode(key);
  return bytes ? std::move(*bytes) : std::string(key);
}

Expected<void> read_vocab(object vocab, bool byte_level, std::vector<std::string>& tokens,
                          std::vector<bool>& present, const std::string& source) {
  for (auto [key, value] : vocab) {
    std::uint64_t id = 0;
    if (value.get(id) != simdjson::SUCCESS || id >= kMaxId) {
      return fail(malformed(source, "vocab entry '" + std::string(key) + "' has no valid id"));
    }
    if (id >= tokens.size()) {
      tokens.resize(id + 1);
      present.resize(id + 1, false);
    }
    tokens[id] = model_bytes(key, byte_level);
    present[id] = true;
  }
  return {};
}

// One merge: "a b" or ["a", "b"].
Expected<std::pair<std::string_view, std::string_view>> merge_parts(element m,
                                                                    const std::string& source) {
  std::string_view s;
  if (m.get(s) == simdjson::SUCCESS) {
    std::size_t space = s.find(' ');
    if (space == std::string_view::npos || s.find(' ', space + 1) != std::string_view::npos) {
      return fail(malformed(source, "merge '" + std::string(s) + "' is not two tokens"));
    }
    return std::pair{s.substr(0, space), s.substr(space + 1)};
  }
  array pair;
  std::string_view a, b;
  if (m.get(pair) == simdjson::SUCCESS && pair.size() == 2 && pair.at(0).get(a) == simdjson::SUCCESS &&
      pair.at(1).get(b) == simdjson::SUCCESS) {
    return std::pair{a, b};
  }
  return fail(malformed(source, "a merge must be \"a b\" or [\"a\", \"b\"]"));
}

Expected<void> read_merges(array merges, bool byte_level, Bpe& bpe, const std::string& source) {
  bpe.reserve_merges(merges.size());
  std::uint32_t rank = 0;
  for (element m : merges) {
    auto parts = merge_parts(m, source);
    if (!parts) return fail(parts.error());
    std::string a = model_bytes(parts->first, byte_level);
    std::string b = model_bytes(parts->second, byte_level);
    auto ia = bpe.find(a), ib = bpe.find(b), ir = bpe.find(a + b);
    if (!ia || !ib || !ir) {
      return fail(malformed(source, "merge '" + std::string(parts->first) + " " +
                                        std::string(parts->second) + "' uses a token not in the vocab"));
    }
    bpe.add_merge(*ia, *ib, rank++, *ir);
  }
  return {};
}

}  // namespace

Expected<void> parse_bpe_model(element model, Tokenizer::Impl& impl, bool byte_level,
                               const std::string& source) {
  std::string_view type;
  if (model["type"].get(type) != simdjson::SUCCESS) type = present_key(model, "merges") ? "BPE" : "";
  if (type != "BPE") {
    std::string name = type.empty() ? "(no type)" : std::string(type);
    return fail(std::move(make_error(ErrorCode::kUnsupported,
                                     "model type " + name + " is not supported yet (only BPE)"))
                    .in_file(source));
  }
  std::string_view prefix, suffix;
  if ((model["continuing_subword_prefix"].get(prefix) == simdjson::SUCCESS && !prefix.empty()) ||
      (model["end_of_word_suffix"].get(suffix) == simdjson::SUCCESS && !suffix.empty())) {
    return fail(std::move(make_error(ErrorCode::kUnsupported,
                                     "BPE continuing_subword_prefix/end_of_word_suffix are not supported yet"))
                    .in_file(source));
  }
  object vocab;
  array merges;
  if (model["vocab"].get(vocab) != simdjson::SUCCESS) return fail(malformed(source, "BPE model without a \"vocab\" object"));
  if (model["merges"].get(merges) != simdjson::SUCCESS) return fail(malformed(source, "BPE model without a \"merges\" list"));
  std::vector<std::string> tokens;
  std::vector<bool> present;
  if (auto r = read_vocab(vocab, byte_level, tokens, present, source); !r) return r;
  BpeOptions options;
  options.byte_level = byte_level;
  bool flag = false;
  options.ignore_merges = model["ignore_merges"].get(flag) == simdjson::SUCCESS && flag;
  options.byte_fallback = model["byte_fallback"].get(flag) == simdjson::SUCCESS && flag;
  options.fuse_unk = model["fuse_unk"].get(flag) == simdjson::SUCCESS && flag;
  impl.vocab_size = tokens.size();
  std::string_view unk;
  impl.bpe.set_vocab(std::move(tokens), std::move(present), options);
  if (model["unk_token"].get(unk) == simdjson::SUCCESS) {
    auto id = impl.bpe.find(model_bytes(unk, byte_level));
    if (!id) return fail(malformed(source, "unk_token '" + std::string(unk) + "' is not in the vocab"));
    options.unk = *id;
    impl.bpe.set_unk(*id);
  }
  return read_merges(merges, byte_level, impl.bpe, source);
}

}  // namespace aiperf::tokenizer::internal
