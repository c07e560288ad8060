// One plugin shared library: opened on first use, checked, then cached for
// the life of the process (libraries are never unloaded: objects they made
// may still be alive).
#pragma once

#include <atomic>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

#include "aiperf/sdk/abi.h"
#include "plugin/plugin_error.h"

namespace aiperf::plugin {

/// The ABI this host was built with, as a plugin descriptor would state it.
const aiperf_plugin_descriptor& host_descriptor();

/// Refuses a manifest's declared ABI version before anything is loaded; nullopt if compatible.
std::optional<std::string> abi_version_problem(int major, int minor);

/// A lazily opened plugin library. Thread-safe: concurrent first uses load it once.
class PluginLibrary {
 public:
  /// `path` is absolute; nothing is opened until factory() is called.
  PluginLibrary(std::filesystem::path path, bool allow_insecure);
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  /// Opens the library if needed, verifies its descriptor, and resolves `symbol`.
  /// A failed load is remembered and returned again without retrying.
  Expected<aiperf_factory_fn> factory(const std::string& symbol);

  /// True once the library has been opened successfully.
  bool loaded() const { return handle_.load(std::memory_order_acquire) != nullptr; }

  /// The library file.
  const std::filesystem::path& path() const { return path_; }

 private:
  Expected<void*> open();

  std::filesystem::path path_;
  bool allow_insecure_;
  std::mutex mutex_;
  std::atomic<void*> handle_{nullptr};
  std::optional<Error> load_error_;  // guarded by mutex_
};

}  // namespace aiperf::plugin
