// Runs the real aiperf-mock-server as a child process for end-to-end tests.
//
//   aiperf::testing::MockServerProcess server({"--ttft", "50", "--itl", "5"});
//   auto r = aiperf::testing::http_post(server.port(), "/v1/chat/completions", body);
//
// The header is light (no Boost); link `aiperf_mock_server_testing`.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "mock_server/testing/http_client.h"

namespace aiperf::testing {

/// A running aiperf-mock-server on 127.0.0.1 and a free port; stopped on destruction.
class MockServerProcess {
 public:
  /// Starts `binary` (default: default_binary()) with `args` plus `--port 0`
  /// and waits up to `startup_timeout` for its "listening on" line; throws
  /// std::runtime_error naming the cause when it does not come up.
  explicit MockServerProcess(std::vector<std::string> args = {},
                             std::chrono::milliseconds startup_timeout = std::chrono::seconds(10),
                             std::string binary = {});
  /// Sends SIGTERM, waits up to 5 s, then SIGKILLs.
  ~MockServerProcess();
  /// Not copyable: owns the child process.
  MockServerProcess(const MockServerProcess&) = delete;
  /// Not copyable: owns the child process.
  MockServerProcess& operator=(const MockServerProcess&) = delete;

  /// The TCP port it listens on.
  int port() const { return port_; }
  /// "http://127.0.0.1:PORT" (no trailing slash).
  std::string base_url() const;
  /// The child's process id.
  int pid() const { return pid_; }
  /// Sends SIGTERM and waits up to `timeout`; returns the exit status, 128+N
  /// if killed by signal N, or -1 if it had to be SIGKILLed. Idempotent.
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// $AIPERF_MOCK_SERVER if set, else the binary this library was built with.
  static std::string default_binary();

 private:
  int pid_ = -1;
  int stdout_fd_ = -1;
  int port_ = 0;
  std::string host_;
  int exit_status_ = 0;
};

}  // namespace aiperf::testing
