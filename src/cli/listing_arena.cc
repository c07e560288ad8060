#include "cli/listing_arena.h"

#include <malloc.h>
#include <sys/mman.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace aiperf::cli {
namespace {

// Address space only: pages are faulted in as they are used, and asked for as
// transparent huge pages (as the heap of a listing already was).
constexpr std::size_t kArenaBytes = std::size_t{1} << 30;
constexpr std::size_t kAlign = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

// The region, set once; read by every operator delete (relaxed atomics: another
// thread holds arena memory only after it was handed over, with its own ordering).
std::atomic<std::uintptr_t> region_begin{0}, region_end{0};
// The owning thread's cursor (null on every other thread, and when off).
thread_local char* next = nullptr;
thread_local char* limit = nullptr;

bool in_region(const void* p) {
  auto at = reinterpret_cast<std::uintptr_t>(p);
  return at >= region_begin.load(std::memory_order_relaxed) && at < region_end.load(std::memory_order_relaxed);
}

[[maybe_unused]] void* malloc_or_throw(std::size_t n) {
  for (;;) {
    if (void* p = std::malloc(n)) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

// Small blocks freed on a thread, kept for its next allocations of their size class (16-byte
// steps up to 1 KiB). A run allocates about 17 small blocks per request (strings, handlers)
// and frees them a request later; glibc's malloc and free cost ≈ 150 instructions a pair on
// that path, a pop and a push here about 30. Blocks are malloc'ed rounded up to their class, so
// a block in class c always has room for c * 16 bytes; a block freed without its size is put
// in the class its usable size (malloc_usable_size) fills. Each class keeps at most
// kMaxBlocksPerClass (≈ 2 MiB a thread at worst); the rest go back to free(). A block freed on
// another thread joins that thread's cache (malloc's memory may be freed anywhere).
constexpr std::size_t kGranule = 16, kMaxCachedBytes = 1024, kClasses = kMaxCachedBytes / kGranule + 1;
constexpr uint32_t kMaxBlocksPerClass = 64;

struct FreeBlock {
  FreeBlock* next;
};
enum CacheState : uint8_t { kUnregistered, kOpen, kClosed };  // kClosed: the thread is exiting
struct SmallBlockCache {
  FreeBlock* head[kClasses];
  uint32_t count[kClasses];
  CacheState state;
};
thread_local SmallBlockCache cache{};  // trivial: no guard on the hot path

// Destroyed at thread exit (its first use registers it): the cached blocks go back to malloc.
struct CacheCloser {
  void touch() {}
  ~CacheCloser() {
    cache.state = kClosed;
    for (std::size_t c = 0; c < kClasses; ++c) {
      while (FreeBlock* b = cache.head[c]) {
        cache.head[c] = b->next;
        std::free(b);
      }
      cache.count[c] = 0;
    }
  }
};
thread_local CacheCloser closer;

// The class of a block of n bytes, 1 <= n <= kMaxCachedBytes.
std::size_t class_of(std::size_t n) { return (n + kGranule - 1) / kGranule; }
// True for 1 <= n <= kMaxCachedBytes (one compare).
bool cacheable(std::size_t n) { return n - 1 < kMaxCachedBytes; }

// The hot paths, inlined into operator new and delete: a pop, a push.
[[maybe_unused]] void* pop_small(std::size_t c) {
  FreeBlock* b = cache.head[c];
  if (b != nullptr) {
    cache.head[c] = b->next;
    --cache.count[c];
  }
  return b;
}
[[maybe_unused]] bool push_small(void* p, std::size_t c) {
  if (cache.state != kOpen || cache.count[c] >= kMaxBlocksPerClass) return false;
  auto* b = static_cast<FreeBlock*>(p);
  b->next = cache.head[c];
  cache.head[c] = b;
  ++cache.count[c];
  return true;
}

[[maybe_unused, gnu::noinline]] void* allocate_slow(std::size_t n) {  // unused under sanitizers
  if (next != nullptr) {
    std::size_t need = (n + kAlign - 1) & ~(kAlign - 1);
    if (need <= static_cast<std::size_t>(limit - next) && need >= n) {
      void* p = next;
      next += need;
      return p;
    }
    next = limit = nullptr;  // full: malloc from now on
  }
  if (n == 0) n = 1;
  if (!cacheable(n)) return malloc_or_throw(n);
  const std::size_t c = class_of(n);
  if (void* b = pop_small(c)) return b;
  return malloc_or_throw(c * kGranule);
}

// `n`: the size it was allocated with, or 0 when unknown (an unsized delete).
[[maybe_unused, gnu::noinline]] void release_slow(void* p, std::size_t n) {
  if (p == nullptr || in_region(p)) return;
  const std::size_t c = n != 0 ? (cacheable(n) ? class_of(n) : kClasses) : malloc_usable_size(p) / kGranule;
  if (c < kClasses && cache.state == kUnregistered) {
    cache.state = kOpen;
    closer.touch();
  }
  if (c >= kClasses || !push_small(p, c)) std::free(p);
}

}  // namespace

bool use_listing_arena() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return false;
#else
  if (region_begin.load(std::memory_order_relaxed) != 0) return false;  // once per process
  void* base = ::mmap(nullptr, kArenaBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                      -1, 0);
  if (base == MAP_FAILED) return false;
  ::madvise(base, kArenaBytes, MADV_HUGEPAGE);
  auto begin = reinterpret_cast<std::uintptr_t>(base);
  region_begin.store(begin, std::memory_order_relaxed);
  region_end.store(begin + kArenaBytes, std::memory_order_relaxed);
  next = static_cast<char*>(base);
  limit = next + kArenaBytes;
  return true;
#endif
}

bool in_listing_arena(const void* p) { return in_region(p); }

std::size_t small_blocks_cached() {
  std::size_t total = 0;
  for (uint32_t n : cache.count) total += n;
  return total;
}

}  // namespace aiperf::cli

// The replaceable global allocation functions ([new.delete.single]); the array and
// nothrow forms of the standard library call these. Not replaced
// under sanitizers, whose own operator new and delete check how memory is paired.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
void* operator new(std::size_t n) {
  using namespace aiperf::cli;
  if (cacheable(n) && next == nullptr) {  // not on the arena's thread
    if (void* b = pop_small(class_of(n))) return b;
  }
  return allocate_slow(n);
}
void operator delete(void* p) noexcept { aiperf::cli::release_slow(p, 0); }
void operator delete(void* p, std::size_t n) noexcept {
  using namespace aiperf::cli;
  if (p != nullptr && cacheable(n) && !in_region(p) && push_small(p, class_of(n))) return;
  release_slow(p, n == 0 ? 1 : n);
}
#endif
