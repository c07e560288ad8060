// A text tokenizer as LLMs use them: HuggingFace tokenizer.json (BPE) and
// tiktoken .tiktoken rank files, with ids identical to the reference
// libraries. One Tokenizer may be used from several threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace aiperf::tokenizer {

using TokenId = std::uint32_t;

/// An added token of the vocabulary (HF `added_tokens`, tiktoken's special tokens).
struct SpecialToken {
  std::string content;
  TokenId id = 0;
  bool special = true;  ///< false: an added, non-special token (still matched whole)
};

/// How to encode.
struct EncodeOptions {
  bool add_special_tokens = true;  ///< Add the post-processor's tokens (BOS).
  bool parse_special = true;       ///< Match added-token strings in the text as tokens.
};

class Tokenizer {
 public:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  ~Tokenizer();
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;

  /// The ids of `text`.
  std::vector<TokenId> encode(std::string_view text, EncodeOptions options = {}) const;
  /// Appends the ids of `text` to `out` (reuses its capacity).
  void encode_into(std::string_view text, std::vector<TokenId>& out,
                   EncodeOptions options = {}) const;
  /// How many tokens `text` encodes to.
  std::size_t count(std::string_view text, EncodeOptions options = {}) const;
  /// The text of `ids` (invalid UTF-8 becomes U+FFFD); special tokens are
  /// left out with `skip_special`.
  std::string decode(std::span<const TokenId> ids, bool skip_special = false) const;

  /// Every added and special token.
  const std::vector<SpecialToken>& special_tokens() const;
  /// The id of a token given as its vocabulary string (or an added token's content).
  std::optional<TokenId> token_to_id(std::string_view token) const;
  /// One past the largest id.
  std::size_t vocab_size() const;
  /// "tokenizer.json (BPE, byte-level)", "tiktoken (o200k_base)", …
  const std::string& description() const;

 private:
  std::unique_ptr<Impl> impl_;
};

/// Loads a tokenizer.json or a .tiktoken file (by its name, else by sniffing).
Expected<Tokenizer> load_tokenizer(const std::filesystem::path& path);
/// Parses the text of a HuggingFace tokenizer.json; `source` names it in errors.
Expected<Tokenizer> load_tokenizer_json(std::string_view json, const std::string& source = {});
/// Parses a .tiktoken rank file; `encoding` ("cl100k_base", "o200k_base",
/// "r50k_base", "p50k_base", "p50k_edit") chooses its pattern and special tokens.
Expected<Tokenizer> load_tiktoken(std::string_view text, const std::string& encoding,
                                  const std::string& source = {});

}  // namespace aiperf::tokenizer
