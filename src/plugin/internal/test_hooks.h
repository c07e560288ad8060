// Counters and switches for tests: what parsed, what the discovery cache did,
// and a point between the trust check and dlopen where a test can act.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>

namespace aiperf::plugin::internal {

/// How many manifests this process has parsed (e.g. to see that a discovery was
/// served from the cache, or that valid manifests take the fast path).
struct ManifestParseCounts {
  std::uint64_t total = 0;      ///< parse_manifest, read_manifest, parse_manifest_reference.
  std::uint64_t reference = 0;  ///< Of which parsed (again) by the reference parser.
};
ManifestParseCounts manifest_parse_counts();
/// Counts one parse; `reference` when the reference parser ran.
void count_parse(bool reference);

/// What this process's discoveries did with the cache file.
struct DiscoveryCacheCounts {
  std::uint64_t loaded = 0;    ///< Files read and used.
  std::uint64_t rejected = 0;  ///< Files present but ignored (corrupt, other version, foreign).
  std::uint64_t written = 0;   ///< Files written.
};
DiscoveryCacheCounts discovery_cache_counts();
enum class CacheEvent { kLoaded, kRejected, kWritten };
/// Counts one cache file event.
void count_cache(CacheEvent event);

/// How long ago a manifest must have changed for the cache to keep it (2 s by default).
std::chrono::nanoseconds discovery_cache_racy_margin();
/// Sets it; returns the previous value.
std::chrono::nanoseconds set_discovery_cache_racy_margin_for_testing(std::chrono::nanoseconds margin);

/// Called with a library's resolved path after it was judged and opened and
/// before it is dlopened (a test may swap the file there); empty: nothing.
using BeforeDlopenHook = std::function<void(const std::filesystem::path&)>;
void set_before_dlopen_hook_for_testing(BeforeDlopenHook hook);
/// Runs the hook, if any.
void run_before_dlopen_hook(const std::filesystem::path& library);

}  // namespace aiperf::plugin::internal
