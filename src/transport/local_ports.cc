#include "transport/local_ports.h"

#include <algorithm>
#include <fstream>

namespace aiperf::transport {

std::optional<LocalPortRange> read_local_port_range() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  LocalPortRange range;
  if (!(in >> range.low >> range.high) || range.high < range.low) return std::nullopt;
  return range;
}

uint64_t connections_per_pair(const ConnectionSpread& spread) {
  const uint64_t pairs = std::max<uint64_t>(1, spread.servers) * std::max<uint64_t>(1, spread.sources);
  return (spread.connections + pairs - 1) / pairs;
}

std::optional<std::string> local_port_warning(const ConnectionSpread& spread, const LocalPortRange& range) {
  const uint64_t per_pair = connections_per_pair(spread);
  const uint64_t fast = range.first_choice_ports();
  if (per_pair <= fast) return std::nullopt;
  return "up to " + std::to_string(per_pair) + " connections from one source address to one server: past the " +
         std::to_string(fast) + " ports connect() tries first (every other one of ip_local_port_range " +
         std::to_string(range.low) + "-" + std::to_string(range.high) +
         "), Linux's connect() searches every port in use and connects slow to hundreds a second (they may "
         "time out); spread them with --source-address (e.g. 127.0.0.2-127.0.0.9 on loopback) or more --url servers";
}

}  // namespace aiperf::transport
