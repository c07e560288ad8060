// One plugin shared library: opened on first use, checked, then cached for
// the life of the process (libraries are never unloaded: objects they made
// may still be alive). The file loaded is exactly the file judged: it is
// resolved and judged (trust.h), opened, checked again by its descriptor,
// and dlopened as /proc/self/fd/N, so a swap after the check is not loaded.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "aiperf/sdk/abi.h"
#include "plugin/plugin_error.h"

namespace aiperf::plugin {

/// The ABI this host was built with, as a plugin descriptor would state it.
const aiperf_plugin_descriptor& host_descriptor();

/// Refuses a manifest's declared ABI version before anything is loaded; nullopt if compatible.
std::optional<std::string> abi_version_problem(int major, int minor);

/// Checks the descriptor of an opened library against the host's (every field,
/// NULL strings included); nullopt if it matches.
std::optional<Error> handshake(void* handle);

/// How a library is trusted and loaded.
struct LibraryOptions {
  bool allow_insecure = false;  ///< Skip the trust checks (not the directory rule).
  /// Nonzero: load and handshake the library in a forked child first; a crash
  /// or hang there is a kCrashed error and nothing is loaded in this process.
  std::chrono::milliseconds precheck_timeout{0};
};

/// A lazily opened plugin library. Thread-safe: concurrent first uses load it once.
class PluginLibrary {
 public:
  /// `path` is absolute and must resolve to a file inside `directory` (the
  /// manifest's); nothing is opened until factory() is called.
  PluginLibrary(std::string path, std::string directory, LibraryOptions options = {});
  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  /// Opens the library if needed, verifies its descriptor, and resolves `symbol`.
  /// A failed load is remembered and returned again without retrying.
  Expected<aiperf_factory_fn> factory(const std::string& symbol);

  /// True once the library has been opened successfully.
  bool loaded() const { return handle_.load(std::memory_order_acquire) != nullptr; }

  /// The library file, as the manifest names it.
  const std::string& path() const { return path_; }

  /// Device and inode of the file that was loaded; (0, 0) before.
  std::pair<dev_t, ino_t> loaded_file() const;

 private:
  Expected<void*> open();
  Expected<int> open_judged();  // the judged file, opened and checked by its descriptor

  std::string path_;       // strings, not paths: one allocation each per discovered package
  std::string directory_;
  LibraryOptions options_;
  std::mutex mutex_;
  std::atomic<void*> handle_{nullptr};
  std::optional<Error> load_error_;  // guarded by mutex_
  int fd_ = -1;                      // the loaded file, kept open: /proc/self/fd/N names it
  dev_t device_ = 0;
  ino_t inode_ = 0;
};

}  // namespace aiperf::plugin
