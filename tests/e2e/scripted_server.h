// A raw-socket HTTP peer for tests: answers every request on 127.0.0.1 with
// exactly the bytes it was given (optionally as timed pieces), so a test can
// reproduce a server's wire behaviour byte for byte.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace aiperf::testing {

/// One timed write of a scripted response.
struct ScriptedWrite {
  int delay_ms = 0;   ///< Sleep before writing, from the previous write (the first: from the request).
  std::string bytes;  ///< Raw bytes (HTTP head and body as the test wrote them).
};

/// Serves the same scripted response to every request, then closes the connection.
class ScriptedServer {
 public:
  /// Starts listening on 127.0.0.1 (a free port) and serving `response`.
  explicit ScriptedServer(std::vector<ScriptedWrite> response);
  /// Stops accepting and joins the server thread (bounded by a poll timeout).
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  /// "http://127.0.0.1:PORT".
  std::string base_url() const;
  /// Requests answered so far.
  int requests() const { return requests_.load(); }

 private:
  void serve();
  void answer(int fd);

  std::vector<ScriptedWrite> response_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

/// "HTTP/1.1 200 OK" head with Content-Type `type` and `Connection: close`, body
/// delimited by the close (no length, no chunking), then `body`.
std::string close_delimited(std::string_view type, std::string_view body, int status = 200);

}  // namespace aiperf::testing
