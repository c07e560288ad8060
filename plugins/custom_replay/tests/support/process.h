// Test support for running the installed aiperf and its mock server from a
// plugin package's tests: child processes, a tiny HTTP GET, JSONL files.
// (Each plugin package carries its own copy: packages build independently.)
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace plugin_test {

/// A running aiperf-mock-server on a free port; SIGTERM on destruction.
class MockServer {
 public:
  /// Starts `executable --port 0 args...` and waits (10 s at most) for "listening on".
  MockServer(const std::string& executable, const std::vector<std::string>& args = {});
  /// Stops the server (SIGTERM) and reaps it.
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
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int port_ = 0;
};

/// Body of `GET http://127.0.0.1:port/path` (chunked bodies decoded); throws unless 200.
std::string http_get(int port, const std::string& path);

/// What a finished command did.
struct CommandResult {
  int exit_code = -1;   ///< Exit status, or 128 + signal number.
  std::string output;   ///< stdout and stderr, interleaved.
};

/// Runs `argv` (no shell) capturing its output; killed after `timeout_seconds`.
CommandResult run(const std::vector<std::string>& argv, int timeout_seconds = 120);

/// A fresh, empty directory under the temp directory, named after `name`.
std::filesystem::path fresh_temp_dir(const std::string& name);

/// Every non-blank line of a JSONL file, parsed.
std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path);

/// The whole file as JSON.
nlohmann::json read_json(const std::filesystem::path& path);

/// True when `aiperf profile --help` lists `flag` (features the host may not have yet).
bool profile_supports(const std::string& aiperf, const std::string& flag);

}  // namespace plugin_test
