#include "cli/listing_arena.h"

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

[[maybe_unused]] void* allocate(std::size_t n) {  // unused under sanitizers
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
  for (;;) {
    if (void* p = std::malloc(n)) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
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

}  // namespace aiperf::cli

// The replaceable global allocation functions ([new.delete.single]); the array,
// nothrow and sized forms of the standard library call these two. Not replaced
// under sanitizers, whose own operator new and delete check how memory is paired.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
void* operator new(std::size_t n) { return aiperf::cli::allocate(n); }
void operator delete(void* p) noexcept {
  if (!aiperf::cli::in_region(p)) std::free(p);
}
void operator delete(void* p, std::size_t) noexcept { ::operator delete(p); }
#endif
