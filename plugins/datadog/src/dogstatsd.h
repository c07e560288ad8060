// DogStatsD over UDP: `name:value|g|#tag1:v1,tag2:v2`, one metric per line,
// several lines per datagram. Fire and forget: nobody listening is not an error.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <string>
#include <vector>

#include "metrics.h"

namespace aiperf_datadog {

/// Largest datagram we send: fits a 1500-byte MTU after IP and UDP headers (Datadog's default).
inline constexpr std::size_t kMaxDatagramBytes = 1432;

/// One DogStatsD gauge line, without the trailing newline: "aiperf.x.avg:12.5|g|#phase:profiling".
std::string statsd_line(const Gauge& gauge, const std::vector<std::string>& tags);

/// The lines of `gauges` packed into datagrams of at most `max_bytes` (a longer line goes alone).
std::vector<std::string> statsd_datagrams(const std::vector<Gauge>& gauges,
                                          const std::vector<std::string>& tags,
                                          std::size_t max_bytes = kMaxDatagramBytes);

/// A resolved DogStatsD destination.
class StatsdClient {
 public:
  /// Resolves `host`:`port` (numeric or DNS name); throws std::runtime_error naming it on failure.
  StatsdClient(const std::string& host, int port);

  /// Sends each datagram without blocking. A closed port or a full buffer drops them silently;
  /// any other send error is returned as a message ("" when all went out).
  std::string send(const std::vector<std::string>& datagrams) const;

  /// "host:port", for messages.
  const std::string& where() const { return where_; }

 private:
  sockaddr_storage address_{};
  socklen_t address_size_ = 0;
  std::string where_;
};

}  // namespace aiperf_datadog
