#include "plugin/internal/test_hooks.h"

#include <atomic>
#include <mutex>
#include <utility>

namespace aiperf::plugin::internal {
namespace {

std::atomic<std::uint64_t> parse_total{0}, parse_reference{0};
std::atomic<std::uint64_t> cache_loaded{0}, cache_rejected{0}, cache_written{0};
std::atomic<std::int64_t> racy_margin_ns{2'000'000'000};

std::mutex hook_mutex;
BeforeDlopenHook before_dlopen;  // guarded by hook_mutex

}  // namespace

ManifestParseCounts manifest_parse_counts() {
  return {parse_total.load(std::memory_order_relaxed),
          parse_reference.load(std::memory_order_relaxed)};
}

void count_parse(bool reference) {
  parse_total.fetch_add(1, std::memory_order_relaxed);
  if (reference) parse_reference.fetch_add(1, std::memory_order_relaxed);
}

DiscoveryCacheCounts discovery_cache_counts() {
  return {cache_loaded.load(std::memory_order_relaxed),
          cache_rejected.load(std::memory_order_relaxed),
          cache_written.load(std::memory_order_relaxed)};
}

void count_cache(CacheEvent event) {
  switch (event) {
    case CacheEvent::kLoaded: cache_loaded.fetch_add(1, std::memory_order_relaxed); break;
    case CacheEvent::kRejected: cache_rejected.fetch_add(1, std::memory_order_relaxed); break;
    case CacheEvent::kWritten: cache_written.fetch_add(1, std::memory_order_relaxed); break;
  }
}

std::chrono::nanoseconds discovery_cache_racy_margin() {
  return std::chrono::nanoseconds(racy_margin_ns.load(std::memory_order_relaxed));
}

std::chrono::nanoseconds set_discovery_cache_racy_margin_for_testing(std::chrono::nanoseconds margin) {
  return std::chrono::nanoseconds(racy_margin_ns.exchange(margin.count()));
}

void set_before_dlopen_hook_for_testing(BeforeDlopenHook hook) {
  std::lock_guard lock(hook_mutex);
  before_dlopen = std::move(hook);
}

void run_before_dlopen_hook(const std::filesystem::path& library) {
  BeforeDlopenHook hook;
  {
    std::lock_guard lock(hook_mutex);
    hook = before_dlopen;
  }
  if (hook) hook(library);
}

}  // namespace aiperf::plugin::internal
