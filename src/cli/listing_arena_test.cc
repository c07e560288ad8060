#include "cli/listing_arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using aiperf::cli::in_listing_arena;

// One test: the arena is turned on once per process, for the thread that asks.
TEST(ListingArenaTest, ServesTheThreadThatTurnedItOnAndIgnoresItsFrees) {
  auto before = std::make_unique<std::string>(100, 'b');  // malloc'd, freed after the switch
  EXPECT_FALSE(in_listing_arena(before.get()));
  if (!aiperf::cli::use_listing_arena()) GTEST_SKIP() << "no arena (sanitizer build)";
  EXPECT_FALSE(aiperf::cli::use_listing_arena());  // once per process

  std::vector<std::unique_ptr<std::string>> made;
  for (int i = 0; i < 1000; ++i) {
    made.push_back(std::make_unique<std::string>(static_cast<std::size_t>(17 + i % 50), char('a' + i % 26)));
    ASSERT_TRUE(in_listing_arena(made.back().get()));
    ASSERT_TRUE(in_listing_arena(made.back()->data()));
    ASSERT_EQ(reinterpret_cast<std::uintptr_t>(made.back().get()) % __STDCPP_DEFAULT_NEW_ALIGNMENT__, 0u);
  }
  for (int i = 0; i < 1000; ++i) {  // nothing was overwritten by a later allocation
    ASSERT_EQ(*made[i], std::string(static_cast<std::size_t>(17 + i % 50), char('a' + i % 26)));
  }
  made.clear();     // frees of arena memory: no-ops
  before.reset();   // malloc'd memory still goes back to malloc

  bool other_in_arena = true;
  std::thread([&] {
    auto p = std::make_unique<std::string>(64, 'x');
    other_in_arena = in_listing_arena(p.get());
  }).join();
  EXPECT_FALSE(other_in_arena);
  auto big = std::make_unique<char[]>(std::size_t{8} << 20);  // large blocks come from it too
  EXPECT_TRUE(in_listing_arena(big.get()));
}

}  // namespace
