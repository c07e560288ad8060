// Open-addressing hash tables for the two hot look-ups of BPE: a merge by its
// pair of token ids, and a token id by its bytes. std::unordered_map costs a
// pointer chase per probe; these keep keys inline and probe linearly.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aiperf::tokenizer::internal {

/// A 64-bit hash of bytes (multiply-mix over 8-byte words; not for untrusted keys' DoS resistance).
inline std::uint64_t hash_bytes(std::string_view s) {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = 0x243F6A8885A308D3ull ^ (s.size() * kMul);
  const char* p = s.data();
  std::size_t n = s.size();
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  std::uint64_t w = 0;
  std::memcpy(&w, p, n);
  h = (h ^ w) * kMul;
  h ^= h >> 32;
  return h * kMul;
}

inline std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDull;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ull;
  return x ^ (x >> 33);
}

/// What merging a pair gives: its rank (lower merges first) and the new token.
struct Merge {
  std::uint32_t rank = 0;
  std::uint32_t result = 0;
};

/// Pair of token ids -> Merge.
class PairMap {
 public:
  void reserve(std::size_t n);
  /// Inserts or overwrites (a later duplicate merge wins, as in HF).
  void put(std::uint32_t a, std::uint32_t b, Merge m);
  const Merge* find(std::uint32_t a, std::uint32_t b) const {
    if (slots_.empty()) return nullptr;
    std::uint64_t key = (std::uint64_t{a} << 32) | b;
    for (std::size_t i = mix64(key) & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == key && s.used) return &s.merge;
      if (!s.used) return nullptr;
    }
  }
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t key = 0;
    Merge merge;
    bool used = false;
  };
  void grow();
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

/// Bytes -> token id, over strings owned by the caller's table (id -> bytes).
class StringMap {
 public:
  /// `strings[id]` must stay valid and unchanged while the map is used.
  void build(const std::vector<std::string>& strings, const std::vector<bool>& present);
  std::optional<std::uint32_t> find(std::string_view key) const {
    if (slots_.empty()) return std::nullopt;
    std::uint64_t h = hash_bytes(key);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id == kEmpty) return std::nullopt;
      if (s.hash == h && (*strings_)[s.id] == key) return s.id;
    }
  }

 private:
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t id = kEmpty;
  };
  const std::vector<std::string>* strings_ = nullptr;
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
};

}  // namespace aiperf::tokenizer::internal
