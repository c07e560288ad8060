// Test support: child processes with bounded waits, free loopback ports.
// (Each plugin package carries its own copy: packages build independently.)
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace plugin_test {

/// What a finished command did.
struct CommandResult {
  int exit_code = -1;  ///< Exit status, or 128 + signal number.
  std::string output;  ///< stdout and stderr, interleaved.
};

/// Runs `argv` (no shell) capturing its output; SIGKILLed after `timeout_seconds`.
CommandResult run(const std::vector<std::string>& argv, int timeout_seconds = 60);

/// A background process whose output goes to `log`; SIGTERM (then SIGKILL) on destruction.
class ChildProcess {
 public:
  /// Starts `argv`; it dies with the test process (PR_SET_PDEATHSIG).
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& log);
  /// SIGTERM, then SIGKILL after 5 s.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  /// True while the process has not exited.
  bool running();

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

/// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_tcp_port();

/// A socket listening on 127.0.0.1 that never accepts: connects succeed, nothing is ever answered.
class SilentListener {
 public:
  /// Listens on an ephemeral port.
  SilentListener();
  /// Closes the socket (pending connections are reset).
  ~SilentListener();
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  /// The port it listens on.
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

/// Contents of a text file ("" if it cannot be read).
std::string read_file(const std::filesystem::path& path);

}  // namespace plugin_test
