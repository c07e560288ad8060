// What the transport saw over a phase: connections, retries, content
// encodings, and the receive-side lag signal (how late the event loop read,
// and how often one read delivered several stream events, which then share
// one timestamp). Built from RequestRecord::transport; exported per phase.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "metrics/request_record.h"

namespace aiperf::metrics {

/// A read later than this (user clock - kernel stamp) can distort TTFT/ITL measured with user stamps.
inline constexpr int64_t kReadLatenessWarnNs = 10'000'000;
/// More than this share of stream reads delivering several events distorts ITL (they share one stamp).
inline constexpr double kMultiEventReadWarnShare = 0.01;

/// Transport counters of a set of requests (add records, merge partial summaries).
struct TransportSummary {
  uint64_t requests = 0;              ///< Requests added.
  uint64_t new_connections = 0;       ///< ... that opened their connection.
  uint64_t tls_requests = 0;          ///< ... sent over TLS.
  uint64_t tls_sessions_resumed = 0;  ///< ... whose handshake resumed a session.
  uint64_t retried = 0;               ///< ... sent again after a stale keep-alive connection.
  uint64_t reads = 0;                 ///< Socket reads with response bytes.
  uint64_t kernel_stamped_reads = 0;  ///< ... stamped by the kernel.
  uint64_t user_stamped_reads = 0;    ///< ... stamped by aiperf's clock.
  uint64_t stream_reads = 0;          ///< Reads of streamed responses.
  uint64_t multi_event_reads = 0;     ///< Reads that delivered more than one stream event.
  int64_t max_read_lateness_ns = 0;   ///< Largest lateness of a kernel-stamped read.
  int64_t total_read_lateness_ns = 0; ///< Sum of the lateness of kernel-stamped reads.
  std::map<std::string, uint64_t> content_encodings;  ///< Responses per decoded Content-Encoding.

  /// Adds one request's transport facts.
  void add(const RequestRecord& record);
  /// Adds another summary (exact).
  void merge(const TransportSummary& other);
  /// Share of stream reads that delivered several events (0 without stream reads).
  double multi_event_share() const;
  /// Mean lateness of kernel-stamped reads in ns (0 without any).
  double mean_read_lateness_ns() const;
  /// Why the receive side may have distorted TTFT/ITL (thresholds above), or nullopt.
  std::optional<std::string> lag_warning() const;
};

}  // namespace aiperf::metrics
