// What a loaded tokenizer is made of: added-token matchers, normalizer,
// pre-tokenizer, BPE model, post-processor tokens and decoder. The loaders
// (hf_json.cc, tiktoken.cc) fill it; tokenizer.cc runs it.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenizer/internal/added_tokens.h"
#include "tokenizer/internal/bpe.h"
#include "tokenizer/internal/decoder.h"
#include "tokenizer/internal/normalizer.h"
#include "tokenizer/internal/pretokenizer.h"
#include "tokenizer/tokenizer.h"

namespace aiperf::tokenizer {

struct Tokenizer::Impl {
  internal::AddedTokenMatcher raw_added;         ///< matched before normalization
  internal::AddedTokenMatcher normalized_added;  ///< matched after it
  internal::Normalizer normalizer;
  internal::PreTokenizer pre_tokenizer;
  internal::Bpe bpe;
  internal::Decoder decoder;
  std::vector<TokenId> prefix;  ///< post-processor tokens before the text (BOS)
  std::vector<TokenId> suffix;  ///< … and after it (EOS)
  std::vector<SpecialToken> added;
  std::unordered_map<TokenId, std::size_t> added_by_id;  ///< id -> index in `added`
  std::size_t vocab_size = 0;
  std::string description;

  mutable std::mutex cache_mutex;  ///< held for one encode; others run uncached
  mutable internal::PieceCache cache;

  /// Registers an added token (for both matching and decoding).
  void add_token(SpecialToken token, bool normalized, bool lstrip, bool rstrip, bool single_word);
};

}  // namespace aiperf::tokenizer
