// The last words of a crashed aiperf: a handler for SIGSEGV, SIGBUS, SIGILL,
// SIGFPE and SIGABRT that names the library holding the faulting code (with
// the plugin package that shipped it), publishes the per-request records
// written so far, and exits with kFatalSignalExitCode.
//
// The handler is async-signal-safe: it runs on its own stack (sigaltstack),
// writes with write(2) only, allocates nothing and reads only tables filled
// beforehand (fixed size, no locks). Plugins are loaded from /proc/self/fd/N,
// so the dynamic loader's names say nothing; the table says which package a
// mapping belongs to.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace aiperf::crash {

/// aiperf's exit code when it died of a fatal signal (EX_SOFTWARE of sysexits.h).
inline constexpr int kFatalSignalExitCode = 70;

/// A plugin library as the registry knows it.
struct PluginLibraryInfo {
  std::filesystem::path library;  ///< The library file (any path to it: matched by device and inode).
  std::string package;            ///< Its plugin package name.
};

/// Installs the handler in this process (idempotent). A process forked from this
/// one (a plugin pre-check child) that faults gets the default action instead,
/// so its parent still sees the signal.
void install_fatal_signal_handler();

/// Refills the table of executable mappings from /proc/self/maps, naming those of
/// `plugins` by package. Call after libraries are loaded; safe while the handler may run.
void note_loaded_libraries(const std::vector<PluginLibraryInfo>& plugins);

/// Async-signal-safe work the handler does before publishing (writing buffered lines).
struct BeforePublish {
  void (*run)(void* context) noexcept = nullptr;
  void* context = nullptr;
};

/// On a crash, run `before` (if set), then rename `temp` onto `final` (a file of whole lines).
void publish_on_crash(const std::filesystem::path& temp, const std::filesystem::path& final,
                      BeforePublish before = {});
/// The file was published normally: nothing to do on a crash.
void clear_publish_on_crash();

/// The line the handler writes for a fault at `pc` (tests; not async-signal-safe).
std::string describe_address_for_test(const void* pc);

}  // namespace aiperf::crash
