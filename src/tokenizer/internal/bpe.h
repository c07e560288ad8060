// The BPE model: a vocabulary (token bytes <-> id), ranked merges of id pairs,
// and the merge loop that turns one pre-tokenised piece into token ids.
// The loop is a scan for short pieces and a heap over a linked list for long
// ones (O(n log n): a Chinese run or a whole SentencePiece line can be
// thousands of symbols); a bounded cache keeps the ids of recent short pieces.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/internal/flat_map.h"

namespace aiperf::tokenizer::internal {

using TokenId = std::uint32_t;
inline constexpr TokenId kNoToken = 0xFFFFFFFFu;

/// How a piece is cut into initial symbols and what happens to unknown ones.
struct BpeOptions {
  bool byte_level = false;     ///< Symbols are bytes (vocabulary keys were byte-level decoded).
  bool ignore_merges = false;  ///< A piece that is itself a token is emitted whole.
  bool byte_fallback = false;  ///< Unknown characters become <0xXX> byte tokens.
  bool fuse_unk = false;       ///< Consecutive unknown characters become one unk.
  TokenId unk = kNoToken;      ///< The unknown token, if any.
};

/// Recently seen short pieces and their ids (direct-mapped, fixed size).
class PieceCache {
 public:
  static constexpr std::size_t kMaxKey = 22;  // a slot is one 64-byte cache line
  static constexpr std::size_t kMaxIds = 8;
  PieceCache();
  /// Appends the cached ids of `piece` to `out` and returns true, or returns false.
  bool get(std::string_view piece, std::uint64_t hash, std::vector<TokenId>& out) const;
  void put(std::string_view piece, std::uint64_t hash, const TokenId* ids, std::size_t n);

 private:
  struct alignas(64) Slot {
    std::uint64_t hash = 0;
    std::uint8_t key_len = 0xFF;  // 0xFF: empty
    std::uint8_t n_ids = 0;
    char key[kMaxKey];
    TokenId ids[kMaxIds];
  };
  std::vector<Slot> slots_;
};

/// A BPE vocabulary with its merges.
class Bpe {
 public:
  /// Sets the vocabulary: `tokens[id]` is the id's bytes (empty + !present: unused id).
  void set_vocab(std::vector<std::string> tokens, std::vector<bool> present, BpeOptions options);
  /// Adds a merge: a followed by b becomes `result`, ranked `rank`.
  void add_merge(TokenId a, TokenId b, std::uint32_t rank, TokenId result) {
    merges_.put(a, b, Merge{rank, result});
  }
  void reserve_merges(std::size_t n) { merges_.reserve(n); }
  void set_unk(TokenId unk) { options_.unk = unk; }

  /// Appends the ids of `piece` to `out`. `cache` may be null.
  void encode(std::string_view piece, std::vector<TokenId>& out, PieceCache* cache) const;

  std::optional<TokenId> find(std::string_view bytes) const { return vocab_.find(bytes); }
  /// The bytes of `id` (empty for an unknown id).
  std::string_view token(TokenId id) const {
    return id < tokens_.size() ? std::string_view(tokens_[id]) : std::string_view();
  }
  std::size_t id_limit() const { return tokens_.size(); }
  const BpeOptions& options() const { return options_; }

 private:
  /// BPE of `piece` through the cache (no ignore_merges shortcut).
  void encode_merged(std::string_view piece, std::vector<TokenId>& out, PieceCache* cache) const;
  void encode_words(std::string_view piece, std::vector<TokenId>& out, PieceCache* cache) const;
  /// BPE of `piece`; stores the result in `cache` (non-null only for a short piece) under `hash`.
  void encode_merged(std::string_view piece, std::vector<TokenId>& out, PieceCache* cache,
                     std::uint64_t hash) const;
  void find_split_points();
  bool safe_split(std::string_view piece, std::size_t pos) const;
  void initial_symbols(std::string_view piece, std::vector<TokenId>& syms) const;
  void merge_short(std::vector<TokenId>& syms) const;
  void merge_long(std::vector<TokenId>& syms) const;
  std::uint32_t rank_of(TokenId a, TokenId b, TokenId& result) const {
    const Merge* m = merges_.find(a, b);
    if (m == nullptr) return 0xFFFFFFFFu;
    result = m->result;
    return m->rank;
  }

  std::vector<std::string> tokens_;
  StringMap vocab_;
  PairMap merges_;
  BpeOptions options_;
  // SentencePiece-style vocabularies ("▁word" tokens): a long piece is cut
  // before a "▁" where no token can span the cut, so BPE runs on words.
  bool split_words_ = false;
  std::vector<std::string> unsafe_before_marker_;  // X such that some token contains X + "▁"
  bool isolated_[128] = {};  // ASCII characters no multi-byte token contains: BPE never merges them
  bool split_pairs_ = false;                     // the two below are filled
  std::vector<bool> ascii_pair_in_token_;        // [a * 128 + b]: some token contains the bytes "ab"
  TokenId byte_ids_[256];      // byte-level: the token of each single byte
  TokenId fallback_ids_[256];  // byte_fallback: the <0xXX> token of each byte
};

}  // namespace aiperf::tokenizer::internal
