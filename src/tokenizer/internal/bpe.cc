#include "tokenizer/internal/bpe.h"

#include <algorithm>
#include <cstring>

#include "tokenizer/internal/byte_level.h"

namespace aiperf::tokenizer::internal {
namespace {

constexpr std::size_t kCacheSlots = 1 << 15;  // 2 MiB
constexpr std::size_t kShortPiece = 48;  // symbols; above this the heap wins
constexpr std::uint32_t kNoRank = 0xFFFFFFFFu;
constexpr std::string_view kMarker = "\xE2\x96\x81";  // U+2581 '▁', SentencePiece's space

std::size_t utf8_char_length(unsigned char lead, std::size_t remaining) {
  std::size_t len = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3
                                    : (lead >> 3) == 0x1E ? 4 : 1;
  return std::min(len, remaining);
}

}  // namespace

PieceCache::PieceCache() : slots_(kCacheSlots) {}

bool PieceCache::get(std::string_view piece, std::uint64_t hash, std::vector<TokenId>& out) const {
  const Slot& s = slots_[hash & (kCacheSlots - 1)];
  if (s.key_len != piece.size() || s.hash != hash ||
      std::memcmp(s.key, piece.data(), piece.size()) != 0) {
    return false;
  }
  out.insert(out.end(), s.ids, s.ids + s.n_ids);
  return true;
}

void PieceCache::put(std::string_view piece, std::uint64_t hash, const TokenId* ids,
                     std::size_t n) {
  if (piece.size() > kMaxKey || n > kMaxIds) return;
  Slot& s = slots_[hash & (kCacheSlots - 1)];
  s.hash = hash;
  s.key_len = static_cast<std::uint8_t>(piece.size());
  s.n_ids = static_cast<std::uint8_t>(n);
  std::memcpy(s.key, piece.data(), piece.size());
  std::copy(ids, ids + n, s.ids);
}

void Bpe::set_vocab(std::vector<std::string> tokens, std::vector<bool> present,
                    BpeOptions options) {
  tokens_ = std::move(tokens);
  options_ = options;
  vocab_.build(tokens_, present);
  for (int b = 0; b < 256; ++b) {
    char byte = static_cast<char>(b);
    byte_ids_[b] = vocab_.find(std::string_view(&byte, 1)).value_or(kNoToken);
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    fallback_ids_[b] = vocab_.find(name).value_or(kNoToken);
  }
  find_split_points();
}

// A cut before "▁" at `pos` is safe when no vocabulary token contains the
// character before it followed by "▁": then no merge can join the two sides,
// and BPE of the parts equals BPE of the whole (the parts never interact).
void Bpe::find_split_points() {
  split_words_ = false;
  unsafe_before_marker_.clear();
  if (options_.byte_level || options_.ignore_merges || !vocab_.find(kMarker)) return;
  for (const std::string& t : tokens_) {
    std::size_t start = 0;
    while (t.compare(start, kMarker.size(), kMarker) == 0) start += kMarker.size();
    for (std::size_t at = t.find(kMarker, start); at != std::string::npos; at = t.find(kMarker, at + 1)) {
      std::size_t ch = at - 1;
      while (ch > 0 && (static_cast<unsigned char>(t[ch]) & 0xC0) == 0x80) --ch;
      unsafe_before_marker_.push_back(t.substr(ch, at - ch));
    }
  }
  std::sort(unsafe_before_marker_.begin(), unsafe_before_marker_.end());
  unsafe_before_marker_.erase(std::unique(unsafe_before_marker_.begin(), unsafe_before_marker_.end()),
                              unsafe_before_marker_.end());
  split_words_ = true;
  // A character that no token longer than one byte contains is never merged with a neighbour
  // (a merge makes a token), so BPE can be cut on both sides of it ('\n' in code, for
  // Mistral's vocabulary). Not with fuse_unk alone: unknown neighbours would fuse.
  std::fill(std::begin(isolated_), std::end(isolated_), false);
  split_pairs_ = false;
  if (options_.fuse_unk && !options_.byte_fallback) return;
  // Likewise between two ASCII characters "ab" that no token contains: a merge across
  // the cut would make a token holding "ab".
  bool in_token[128] = {};
  ascii_pair_in_token_.assign(128 * 128, false);
  for (const std::string& t : tokens_) {
    if (t.size() < 2) continue;
    for (std::size_t i = 0; i < t.size(); ++i) {
      const auto b = static_cast<unsigned char>(t[i]);
      if (b < 128) in_token[b] = true;
      const auto n = i + 1 < t.size() ? static_cast<unsigned char>(t[i + 1]) : 255;
      if (b < 128 && n < 128) ascii_pair_in_token_[b * 128 + n] = true;
    }
  }
  for (int b = 0; b < 128; ++b) isolated_[b] = !in_token[b];
  split_pairs_ = true;
}

bool Bpe::safe_split(std::string_view piece, std::size_t pos) const {
  std::size_t ch = pos - 1;
  while (ch > 0 && (static_cast<unsigned char>(piece[ch]) & 0xC0) == 0x80) --ch;
  std::string_view before = piece.substr(ch, pos - ch);
  if (before == kMarker) return false;  // inside a run of "▁"
  // The character must be a token itself: a byte-fallback or unk symbol is not its text.
  if (!vocab_.find(before)) return false;
  return !std::binary_search(unsafe_before_marker_.begin(), unsafe_before_marker_.end(), before);
}

void Bpe::initial_symbols(std::string_view piece, std::vector<TokenId>& syms) const {
  syms.clear();
  if (options_.byte_level) {
    bool all_known = true;
    for (unsigned char b : piece) {
      syms.push_back(byte_ids_[b]);
      all_known &= byte_ids_[b] != kNoToken;
    }
    if (all_known) return;
    syms.clear();  // rare: a byte without a token takes the general path below
  }
  TokenId pending_unk = kNoToken;
  for (std::size_t pos = 0; pos < piece.size();) {
    std::size_t len = options_.byte_level
                          ? 1
                          : utf8_char_length(static_cast<unsigned char>(piece[pos]),
                                             piece.size() - pos);
    std::string_view ch = piece.substr(pos, len);
    pos += len;
    if (auto id = vocab_.find(ch)) {
      if (pending_unk != kNoToken) syms.push_back(pending_unk);
      pending_unk = kNoToken;
      syms.push_back(*id);
      continue;
    }
    if (options_.byte_fallback &&
        std::all_of(ch.begin(), ch.end(), [&](char c) {
          return fallback_ids_[static_cast<unsigned char>(c)] != kNoToken;
        })) {
      // HF adds the byte tokens without flushing a pending unk first.
      for (char c : ch) syms.push_back(fallback_ids_[static_cast<unsigned char>(c)]);
      continue;
    }
    if (options_.unk == kNoToken) continue;  // HF drops the character
    if (pending_unk != kNoToken && !options_.fuse_unk) syms.push_back(pending_unk);
    pending_unk = options_.unk;
  }
  if (pending_unk != kNoToken) syms.push_back(pending_unk);
}

void Bpe::merge_short(std::vector<TokenId>& syms) const {
  std::size_t n = syms.size();
  std::uint32_t ranks[kShortPiece];
  TokenId results[kShortPiece];
  for (std::size_t i = 0; i + 1 < n; ++i) ranks[i] = rank_of(syms[i], syms[i + 1], results[i]);
  while (n > 1) {
    std::size_t best = 0;
    for (std::size_t i = 1; i + 1 < n; ++i) {
      if (ranks[i] < ranks[best]) best = i;  // strict: the leftmost of equal ranks
    }
    if (ranks[best] == kNoRank) break;
    syms[best] = results[best];
    for (std::size_t i = best + 1; i + 1 < n; ++i) syms[i] = syms[i + 1];
    for (std::size_t i = best + 1; i + 2 < n; ++i) {
      ranks[i] = ranks[i + 1];
      results[i] = results[i + 1];
    }
    --n;
    if (best > 0) ranks[best - 1] = rank_of(syms[best - 1], syms[best], results[best - 1]);
    if (best + 1 < n) ranks[best] = rank_of(syms[best], syms[best + 1], results[best]);
  }
  syms.resize(n);
}

void Bpe::merge_long(std::vector<TokenId>& syms) const {
  struct Entry {
    std::uint32_t rank;
    std::uint32_t pos;
    TokenId result;
    bool operator>(const Entry& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  thread_local std::vector<int> prev, next;
  thread_local std::vector<Entry> heap;
  const int n = static_cast<int>(syms.size());
  prev.resize(n);
  next.resize(n);
  heap.clear();
  for (int i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  auto push = [&](int left) {
    TokenId result = kNoToken;
    std::uint32_t rank = rank_of(syms[left], syms[next[left]], result);
    if (rank == kNoRank) return;
    heap.push_back({rank, static_cast<std::uint32_t>(left), result});
    std::push_heap(heap.begin(), heap.end(), std::greater<>{});
  };
  for (int i = 0; i + 1 < n; ++i) push(i);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>{});
    Entry e = heap.back();
    heap.pop_back();
    int left = static_cast<int>(e.pos);
    int right = next[left];
    if (syms[left] == kNoToken || right < 0) continue;  // merged away, or now last
    TokenId result = kNoToken;
    if (rank_of(syms[left], syms[right], result) == kNoRank || result != e.result) continue;
    syms[left] = result;
    syms[right] = kNoToken;
    next[left] = next[right];
    if (next[right] >= 0) prev[next[right]] = left;
    if (prev[left] >= 0) push(prev[left]);
    if (next[left] >= 0) push(left);
  }
  syms.erase(std::remove(syms.begin(), syms.end(), kNoToken), syms.end());
}

void Bpe::encode(std::string_view piece, std::vector<TokenId>& out, PieceCache* cache) const {
  if (piece.empty()) return;
  // The cache first: it is small and hot, the vocabulary is large and cold.
  std::uint64_t hash = 0;
  bool cacheable = cache != nullptr && piece.size() <= PieceCache::kMaxKey;
  if (cacheable) {
    hash = hash_bytes(piece);
    if (cache->get(piece, hash, out)) return;
  }
  if (options_.ignore_merges) {
    if (auto id = vocab_.find(piece)) {
      if (cacheable) cache->put(piece, hash, &*id, 1);
      out.push_back(*id);
      return;
    }
  }
  if (split_words_ && piece.size() > PieceCache::kMaxKey) {
    encode_words(piece, out, cache);
    return;
  }
  encode_merged(piece, out, cacheable ? cache : nullptr, hash);
}

// A SentencePiece-style piece (often a whole line) cut where no merge can cross: before a "▁"
// that safe_split allows, around isolated characters, and between two ASCII characters no token
// holds side by side; the parts are encoded (and cached) alone.
void Bpe::encode_words(std::string_view piece, std::vector<TokenId>& out, PieceCache* cache) const {
  const char marker_lead = kMarker.front();
  std::size_t start = 0;
  auto cut = [&](std::size_t at) {
    if (at <= start) return;
    encode_merged(piece.substr(start, at - start), out, cache);
    start = at;
  };
  for (std::size_t at = 0; at < piece.size(); ++at) {
    const auto c = static_cast<unsigned char>(piece[at]);
    const auto before = at > 0 ? static_cast<unsigned char>(piece[at - 1]) : 255;
    if (c < 128 && isolated_[c]) {
      cut(at);
      cut(at + 1);
    } else if (split_pairs_ && c < 128 && before < 128 && !ascii_pair_in_token_[before * 128 + c]) {
      cut(at);
    } else if (piece[at] == marker_lead && at > 0 && piece.compare(at, kMarker.size(), kMarker) == 0 &&
               safe_split(piece, at)) {
      cut(at);
    }
  }
  encode_merged(piece.substr(start), out, cache);
}

void Bpe::encode_merged(std::string_view piece, std::vector<TokenId>& out, PieceCache* cache) const {
  bool cacheable = cache != nullptr && piece.size() <= PieceCache::kMaxKey;
  std::uint64_t hash = cacheable ? hash_bytes(piece) : 0;
  if (cacheable && cache->get(piece, hash, out)) return;
  encode_merged(piece, out, cacheable ? cache : nullptr, hash);
}

void Bpe::encode_merged(std::string_view piece, std::vector<TokenId>& out, PieceCache* cache,
                        std::uint64_t hash) const {
  thread_local std::vector<TokenId> syms;
  initial_symbols(piece, syms);
  if (syms.size() <= kShortPiece) {
    merge_short(syms);
  } else {
    merge_long(syms);
  }
  if (cache != nullptr) cache->put(piece, hash, syms.data(), syms.size());
  out.insert(out.end(), syms.begin(), syms.end());
}

}  // namespace aiperf::tokenizer::internal
