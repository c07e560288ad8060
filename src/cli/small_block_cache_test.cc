// The small-block cache of aiperf's operator new (cli/listing_arena.cc), in its own binary:
// the arena test turns the arena on, which would take these allocations instead.
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdint>
#include <cstring>
#include <new>
#include <random>
#include <thread>
#include <vector>

#include "cli/listing_arena.h"

namespace {

using aiperf::cli::small_blocks_cached;

bool cache_is_on() {
  ::operator delete(::operator new(40), 40);
  return small_blocks_cached() > 0;
}

struct Block {
  unsigned char* p;
  std::size_t n;
  unsigned char fill;
};

// Blocks of every size up to 1,200 bytes, freed in random order with and without their size and
// taken again: each has room for what was asked (malloc_usable_size) and keeps what was written
// into it until it is freed (a block handed out twice, or too small, breaks one or the other).
TEST(SmallBlockCacheTest, EveryBlockHasRoomForItsSizeAndIsHandedOutOnceWhetherFreedSizedOrNot) {
  if (!cache_is_on()) GTEST_SKIP() << "operator new is not replaced (sanitizer build)";
  std::mt19937_64 rng(7);
  std::vector<Block> live;
  for (int step = 0; step < 200000; ++step) {
    if (live.size() < 300 && (live.empty() || rng() % 2 == 0)) {
      const std::size_t n = rng() % 1200;
      auto* p = static_cast<unsigned char*>(::operator new(n));
      ASSERT_GE(malloc_usable_size(p), n) << "size " << n;
      ASSERT_EQ(reinterpret_cast<std::uintptr_t>(p) % __STDCPP_DEFAULT_NEW_ALIGNMENT__, 0u);
      const auto fill = static_cast<unsigned char>(rng());
      std::memset(p, fill, n);
      live.push_back({p, n, fill});
      continue;
    }
    const std::size_t at = rng() % live.size();
    const Block b = live[at];
    live[at] = live.back();
    live.pop_back();
    for (std::size_t i = 0; i < b.n; ++i) ASSERT_EQ(b.p[i], b.fill) << "size " << b.n << ", byte " << i;
    if (rng() % 2 == 0) {
      ::operator delete(b.p, b.n);
    } else {
      ::operator delete(b.p);
    }
  }
  for (const Block& b : live) ::operator delete(b.p, b.n);
}

TEST(SmallBlockCacheTest, KeepsABoundedNumberOfBlocksAndReusesTheLastOneFreed) {
  if (!cache_is_on()) GTEST_SKIP() << "operator new is not replaced (sanitizer build)";
  std::vector<void*> blocks;
  blocks.reserve(1000);
  for (int i = 0; i < 1000; ++i) blocks.push_back(::operator new(200));  // empties the class's cache
  const std::size_t before = small_blocks_cached();
  for (void* p : blocks) ::operator delete(p, 200);
  EXPECT_EQ(small_blocks_cached() - before, 64u);  // the first 64 are kept, the rest went to free()
  void* again = ::operator new(195);                 // the same size class (193..208 bytes)
  EXPECT_EQ(again, blocks[63]);
  EXPECT_EQ(small_blocks_cached() - before, 63u);
  ::operator delete(again, 195);
  // Large blocks are not kept.
  const std::size_t small = small_blocks_cached();
  ::operator delete(::operator new(4096), 4096);
  ::operator delete(::operator new(100000));
  EXPECT_EQ(small_blocks_cached(), small);
}

// Blocks allocated on one thread and freed on another join the freeing thread's cache, and a
// thread that exits gives its cache back (a double free or a use after free would crash here).
TEST(SmallBlockCacheTest, BlocksFreedOnAnotherThreadAreKeptThereAndGivenBackWhenItExits) {
  if (!cache_is_on()) GTEST_SKIP() << "operator new is not replaced (sanitizer build)";
  for (int round = 0; round < 20; ++round) {
    std::vector<void*> blocks;
    for (int i = 0; i < 500; ++i) blocks.push_back(::operator new(static_cast<std::size_t>(16 + i % 400)));
    std::size_t kept_there = 0;
    std::thread([&] {
      for (void* p : blocks) ::operator delete(p);
      kept_there = small_blocks_cached();
      void* mine = ::operator new(64);  // taken from what this thread kept
      std::memset(mine, 1, 64);
      ::operator delete(mine, 64);
    }).join();
    EXPECT_GT(kept_there, 0u);
  }
}

}  // namespace
