// The process's operator new and delete (aiperf replaces them; see listing_arena.cc):
// a per-thread cache of small freed blocks in front of malloc, and a bump arena.
//
// The arena is for commands that build a large structure, print it and exit
// (`plugins list`): operator new on the thread that turned it on takes memory
// from one region that is never reused, and operator delete of such memory does
// nothing. At 10,000 plugins, malloc was a fifth of the process's instructions
// (200,000 allocations, each about 180 instructions: fresh memory from the
// heap's top); a bump is about a dozen.
#pragma once

#include <cstddef>

namespace aiperf::cli {

/// From now on, operator new on this thread allocates from the arena until it
/// is full (then from malloc again). Memory from it is freed only at exit: call
/// this only in a command that ends soon after. Off under sanitizers, which
/// should see every allocation. Returns false when no arena could be mapped.
bool use_listing_arena();

/// True when `p` came from the arena (for tests).
bool in_listing_arena(const void* p);

/// How many freed small blocks (up to 1 KiB) this thread keeps for its next allocations
/// (for tests; 0 under sanitizers, where operator new is not replaced).
std::size_t small_blocks_cached();

}  // namespace aiperf::cli
