// The parent side of phase hook isolation: starts `aiperf __hook-host` for one
// hook, loads the hook there, and forwards each phase callback as a JSON
// request whose reply is awaited with a timeout. A host that crashes, exits or
// hangs is reported once ("✗ phase hook 'x' crashed: signal 11 (…) in
// phase_complete") and its hook is skipped from then on; the run goes on.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aiperf/sdk/phase_hook.h"
#include "base/error.h"
#include "hooks/internal/wire.h"
#include "hooks/phase_hook_registry.h"
#include "plugin/search_path.h"

namespace aiperf::hooks {

/// How hook hosts are started and how long they may take.
struct HookHostOptions {
  std::filesystem::path executable = "/proc/self/exe";  ///< Runs `EXE __hook-host FD`.
  std::vector<plugin::SearchDir> search_path;            ///< The parent's, passed along.
  bool allow_insecure = false;                           ///< The parent's trust option.
  std::chrono::milliseconds timeout = std::chrono::seconds(30);  ///< Per request.
  /// Where the one ✗ line about a lost host goes (default: stderr).
  std::function<void(const std::string&)> report;
};

/// A callback the hook registered in its host.
struct RemoteCallback {
  std::string kind;   ///< "phase_start" or "phase_complete".
  std::string owner;  ///< The name it registered under.
};

/// One hook host child process and the connection to it. Thread-safe.
class HookHostClient {
 public:
  /// Starts a host for hook `name`; kCrashed when it cannot be started or does not answer.
  static Expected<std::shared_ptr<HookHostClient>> start(HookHostOptions options, std::string name);
  ~HookHostClient();
  HookHostClient(const HookHostClient&) = delete;
  HookHostClient& operator=(const HookHostClient&) = delete;

  /// Opens the hook's library, creates the hook from `config` and has it register.
  /// A hook that fails is its error (kFactoryFailed…); a host lost on the way is kCrashed,
  /// its message "phase hook 'x' crashed: signal 11 (Segmentation fault) in constructor".
  Expected<std::vector<RemoteCallback>> load(const nlohmann::json& config);

  /// Runs callback `index` in the host. Throws std::runtime_error with what the hook
  /// threw; a lost host is reported (once) and later calls return at once.
  void call(std::size_t index, const PhaseStats& stats);

  /// Packages the host mapped to load the hook ({package, version, library}).
  const nlohmann::json& packages() const { return packages_; }
  /// False once the host was lost.
  bool alive() const;

 private:
  HookHostClient(HookHostOptions options, std::string name, pid_t pid, int fd);
  // Sends `request` and awaits the reply; a lost host is kCrashed, saying how and `during`.
  Expected<nlohmann::json> round_trip(const nlohmann::json& request, const std::string& during);
  // Marks the host lost; returns "phase hook 'x' <how> in <during>".
  std::string lose(const std::string& how, const std::string& during);
  // Waits up to `grace` for the child; then kills it. Its status, "" when reaped already.
  std::string reap(std::chrono::milliseconds grace);

  HookHostOptions options_;
  std::string name_;
  pid_t pid_;
  int fd_;
  wire::FrameReader reader_;
  nlohmann::json packages_ = nlohmann::json::array();
  std::vector<std::string> kinds_;  // of each callback, by index: what a loss happened "in"
  mutable std::mutex mutex_;
  bool lost_ = false;
};

/// A hook running in its own host: the PhaseHook aiperf keeps while the run lasts.
/// Its callbacks are already registered, so register_with does nothing.
class IsolatedPhaseHook final : public PhaseHook {
 public:
  explicit IsolatedPhaseHook(std::shared_ptr<HookHostClient> client) : client_(std::move(client)) {}
  void register_with(PhaseHookRegistrar&) override {}
  /// The connection to the host.
  const HookHostClient& client() const { return *client_; }

 private:
  std::shared_ptr<HookHostClient> client_;
};

/// The packages the hook hosts among `hooks` mapped, each once ({package, version, library}):
/// what an export's `plugins_loaded` lists for hooks that ran in a hook host.
nlohmann::json isolated_packages(const std::vector<std::unique_ptr<PhaseHook>>& hooks);

/// Starts a host for hook `name`, loads it with `config`, and registers in `registry`
/// one forwarding callback per callback the hook registered. Errors as HookHostClient::load.
Expected<std::unique_ptr<IsolatedPhaseHook>> load_isolated_hook(PhaseHookRegistry& registry,
                                                                const HookHostOptions& options,
                                                                const std::string& name,
                                                                const nlohmann::json& config);

}  // namespace aiperf::hooks
