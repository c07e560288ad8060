#include "tokenizer/internal/flat_map.h"

namespace aiperf::tokenizer::internal {

void PairMap::reserve(std::size_t n) {
  std::size_t cap = 16;
  while (cap < n * 2) cap <<= 1;
  if (cap <= slots_.size()) return;
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(cap, Slot{});
  mask_ = cap - 1;
  size_ = 0;
  for (const Slot& s : old) {
    if (s.used) put(static_cast<std::uint32_t>(s.key >> 32), static_cast<std::uint32_t>(s.key), s.merge);
  }
}

void PairMap::grow() { reserve(slots_.empty() ? 8 : slots_.size()); }

void PairMap::put(std::uint32_t a, std::uint32_t b, Merge m) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  std::uint64_t key = (std::uint64_t{a} << 32) | b;
  for (std::size_t i = mix64(key) & mask_;; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (!s.used) {
      s = Slot{key, m, true};
      ++size_;
      return;
    }
    if (s.key == key) {
      s.merge = m;
      return;
    }
  }
}

void StringMap::build(const std::vector<std::string>& strings, const std::vector<bool>& present) {
  strings_ = &strings;
  std::size_t n = 0;
  for (bool p : present) n += p;
  std::size_t cap = 16;
  while (cap < n * 2) cap <<= 1;
  slots_.assign(cap, Slot{});
  mask_ = cap - 1;
  for (std::uint32_t id = 0; id < strings.size(); ++id) {
    if (!present[id]) continue;
    std::uint64_t h = hash_bytes(strings[id]);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].id == kEmpty) {
        slots_[i] = Slot{h, id};
        break;
      }
      if (slots_[i].hash == h && strings[slots_[i].id] == strings[id]) break;  // first id wins
    }
  }
}

}  // namespace aiperf::tokenizer::internal
