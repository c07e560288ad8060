// Whether the connections a run holds at once fit the local ports Linux gives one (source
// address, server) pair at a healthy pace. connect() tries every other port of
// ip_local_port_range first (even offsets from its start) and, once they are all in use for the
// pair, searches every one of them on each connect before trying the others: measured here, 19,000 connections to one server from 127.0.0.1 fell
// to about 600 connects a second after the first ~14,000, and the rest timed out
// (docs/scaling.md). Pure logic apart from reading the range; no threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace aiperf::transport {

/// ip_local_port_range: the ports connect() picks from, inclusive.
struct LocalPortRange {
  uint32_t low = 32768;
  uint32_t high = 60999;
  /// connect()'s first choice for one pair: every other port, from `low`.
  uint64_t first_choice_ports() const { return high < low ? 0 : (high - low) / 2 + 1; }
};

/// /proc/sys/net/ipv4/ip_local_port_range, or nothing where it cannot be read (not Linux).
std::optional<LocalPortRange> read_local_port_range();

/// How one process's connections spread over (source address, server) pairs.
struct ConnectionSpread {
  uint64_t connections = 0;   ///< held at once by this process
  std::size_t servers = 1;    ///< the --url servers this process sends to
  std::size_t sources = 0;    ///< its --source-address addresses (0: the kernel's choice, one address)
};

/// The most connections one pair carries, rounded up (each server takes the sources in turn).
uint64_t connections_per_pair(const ConnectionSpread& spread);

/// A one-line warning (no "warning: " prefix) when a pair would carry more connections than the
/// range's first-choice ports; nothing otherwise.
std::optional<std::string> local_port_warning(const ConnectionSpread& spread, const LocalPortRange& range);

}  // namespace aiperf::transport
