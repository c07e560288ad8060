#include "dogstatsd.h"

#include <netdb.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace aiperf_datadog {
namespace {

// Shortest text that reads back as the same double ("12.5", "1e-06", "200").
std::string format_value(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) return "0";
  return std::string(buffer, end);
}

}  // namespace

std::string statsd_line(const Gauge& gauge, const std::vector<std::string>& tags) {
  std::string line = gauge.name + ":" + format_value(gauge.value) + "|g";
  for (std::size_t i = 0; i < tags.size(); ++i) line += (i == 0 ? "|#" : ",") + tags[i];
  return line;
}

std::vector<std::string> statsd_datagrams(const std::vector<Gauge>& gauges,
                                          const std::vector<std::string>& tags, std::size_t max_bytes) {
  std::vector<std::string> datagrams;
  std::string current;
  for (const auto& gauge : gauges) {
    std::string line = statsd_line(gauge, tags);
    if (!current.empty() && current.size() + 1 + line.size() > max_bytes) {
      datagrams.push_back(std::move(current));
      current.clear();
    }
    if (!current.empty()) current += '\n';
    current += line;
  }
  if (!current.empty()) datagrams.push_back(std::move(current));
  return datagrams;
}

StatsdClient::StatsdClient(const std::string& host, int port)
    : where_(host + ":" + std::to_string(port)) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    throw std::runtime_error("cannot resolve DogStatsD host '" + host + "': " + gai_strerror(rc));
  }
  std::memcpy(&address_, found->ai_addr, found->ai_addrlen);
  address_size_ = found->ai_addrlen;
  freeaddrinfo(found);
}

std::string StatsdClient::send(const std::vector<std::string>& datagrams) const {
  if (datagrams.empty()) return "";
  int fd = socket(address_.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return "DogStatsD " + where_ + ": socket failed: " + std::strerror(errno);
  std::string error;
  for (const auto& datagram : datagrams) {
    ssize_t n = sendto(fd, datagram.data(), datagram.size(), MSG_NOSIGNAL,
                       reinterpret_cast<const sockaddr*>(&address_), address_size_);
    if (n >= 0) continue;
    int e = errno;
    // Dropping is what StatsD clients do when the agent is absent or slow.
    if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS || e == ECONNREFUSED) continue;
    error = "DogStatsD " + where_ + ": send failed: " + std::strerror(e);
    break;
  }
  close(fd);
  return error;
}

}  // namespace aiperf_datadog
