// Test support: loopback peers for the datadog hook — a UDP listener standing in
// for the DogStatsD agent and a tiny HTTP server standing in for the Datadog API.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace plugin_test {

/// One parsed DogStatsD line: name:value|type|#tags.
struct StatsdMetric {
  std::string name;               ///< Metric name.
  double value = 0;               ///< Parsed value.
  std::string type;               ///< "g" for gauges.
  std::vector<std::string> tags;  ///< Tags in order.
};

/// Parses every line of a DogStatsD datagram.
std::vector<StatsdMetric> parse_statsd(const std::string& datagram);

/// A UDP socket on 127.0.0.1 (ephemeral port) that collects datagrams.
class UdpListener {
 public:
  /// Binds an ephemeral port.
  UdpListener();
  /// Closes the socket.
  ~UdpListener();
  UdpListener(const UdpListener&) = delete;
  UdpListener& operator=(const UdpListener&) = delete;
  /// The port it listens on.
  int port() const { return port_; }
  /// Datagrams received until none arrives for `quiet` (or `limit` passes).
  std::vector<std::string> receive(std::chrono::milliseconds quiet = std::chrono::milliseconds(300),
                                   std::chrono::milliseconds limit = std::chrono::seconds(10));

 private:
  int fd_ = -1;
  int port_ = 0;
};

/// One HTTP request as the server received it.
struct HttpRequestSeen {
  std::string method;                          ///< e.g. "POST".
  std::string target;                          ///< e.g. "/api/v1/series".
  std::map<std::string, std::string> headers;  ///< Lower-cased names.
  std::string body;                            ///< Decoded by Content-Length.
};

/// An HTTP/1.1 server on 127.0.0.1 answering every request with a fixed status and body.
class HttpListener {
 public:
  /// Starts serving on an ephemeral port; each request gets `status` and `body`.
  explicit HttpListener(int status = 202, std::string body = R"({"status": "ok"})");
  /// Stops serving and joins the thread.
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;
  /// "http://127.0.0.1:PORT".
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  /// The requests received so far, waiting up to `timeout` for at least `count`.
  std::vector<HttpRequestSeen> requests(std::size_t count = 0,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  void serve();
  void handle(int client);

  int fd_ = -1;
  int port_ = 0;
  int status_;
  std::string body_;
  bool stop_ = false;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<HttpRequestSeen> requests_;
  std::thread thread_;
};

}  // namespace plugin_test
