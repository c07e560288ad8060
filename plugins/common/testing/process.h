// Test support shared by the in-repo plugin packages' tests: child processes
// with bounded waits, the installed aiperf-mock-server, loopback sockets, files.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace plugin_test {

/// What a finished command did.
struct CommandResult {
  int exit_code = -1;  ///< Exit status, or 128 + signal number.
  std::string output;  ///< stdout and stderr, interleaved.
};

/// Runs `argv` (no shell) capturing its output; SIGKILLed after `timeout_seconds`.
CommandResult run(const std::vector<std::string>& argv, int timeout_seconds = 120);

/// True when `aiperf profile --help` lists `flag` (features the host may not have yet).
bool profile_supports(const std::string& aiperf, const std::string& flag);

/// argv of `aiperf --plugin-path DIR profile` of a streaming chat benchmark of `url` (ISL 8, OSL 4, no UI).
std::vector<std::string> chat_profile_argv(const std::string& aiperf, const std::string& plugin_dir,
                                           const std::string& url, const std::filesystem::path& artifact_dir,
                                           const std::string& concurrency, const std::string& request_count);

/// Runs 8 streaming chat requests (2 at a time, after 2 warmup) against `url`, `extra` appended; artifacts discarded.
CommandResult short_chat_profile(const std::string& aiperf, const std::string& plugin_dir, const std::string& url,
                                 const std::vector<std::string>& extra);

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

/// A running aiperf-mock-server on a free port; stopped on destruction.
class MockServer {
 public:
  /// Starts `executable --port 0 args...` and waits (10 s at most) for "listening on"; throws otherwise.
  explicit MockServer(const std::string& executable, const std::vector<std::string>& args = {});
  /// Stops the server and removes its log.
  ~MockServer();
  MockServer(const MockServer&) = delete;
  MockServer& operator=(const MockServer&) = delete;
  /// The TCP port it listens on.
  int port() const { return port_; }
  /// "http://127.0.0.1:PORT".
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  /// GET `path` and parse the body as JSON.
  nlohmann::json get_json(const std::string& path) const;

 private:
  std::filesystem::path log_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

/// Body of `GET http://127.0.0.1:port/path` (chunked bodies decoded); throws unless 200.
std::string http_get(int port, const std::string& path);

/// A socket of `type` (SOCK_STREAM, SOCK_DGRAM) bound to 127.0.0.1 on a kernel-chosen port: {fd, port}.
std::pair<int, int> bind_loopback(int type);

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

/// A fresh, empty directory under the temp directory, named after `name`.
std::filesystem::path fresh_temp_dir(const std::string& name);

/// Contents of a text file ("" if it cannot be read).
std::string read_file(const std::filesystem::path& path);

/// Every non-blank line of a JSONL file, parsed.
std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path);

/// The whole file as JSON.
nlohmann::json read_json(const std::filesystem::path& path);

}  // namespace plugin_test
