#include "metrics/transport_summary.h"

#include <algorithm>
#include <cstdio>

namespace aiperf::metrics {

void TransportSummary::add(const RequestRecord& r) {
  const TransportRecord& t = r.transport;
  ++requests;
  if (t.new_connection) ++new_connections;
  if (t.tls) ++tls_requests;
  if (t.tls_session_resumed && t.new_connection) ++tls_sessions_resumed;
  if (t.retried) ++retried;
  reads += t.reads;
  kernel_stamped_reads += t.kernel_stamped_reads;
  user_stamped_reads += t.user_stamped_reads;
  if (r.streaming) stream_reads += t.reads;
  multi_event_reads += t.multi_event_reads;
  max_read_lateness_ns = std::max(max_read_lateness_ns, t.max_read_lateness_ns);
  total_read_lateness_ns += t.total_read_lateness_ns;
  if (!t.content_encoding.empty()) ++content_encodings[t.content_encoding];
}

void TransportSummary::merge(const TransportSummary& o) {
  requests += o.requests;
  new_connections += o.new_connections;
  tls_requests += o.tls_requests;
  tls_sessions_resumed += o.tls_sessions_resumed;
  retried += o.retried;
  reads += o.reads;
  kernel_stamped_reads += o.kernel_stamped_reads;
  user_stamped_reads += o.user_stamped_reads;
  stream_reads += o.stream_reads;
  multi_event_reads += o.multi_event_reads;
  max_read_lateness_ns = std::max(max_read_lateness_ns, o.max_read_lateness_ns);
  total_read_lateness_ns += o.total_read_lateness_ns;
  for (const auto& [name, n] : o.content_encodings) content_encodings[name] += n;
}

double TransportSummary::multi_event_share() const {
  return stream_reads == 0 ? 0.0 : static_cast<double>(multi_event_reads) / static_cast<double>(stream_reads);
}

double TransportSummary::mean_read_lateness_ns() const {
  return kernel_stamped_reads == 0 ? 0.0
                                   : static_cast<double>(total_read_lateness_ns) / static_cast<double>(kernel_stamped_reads);
}

std::optional<std::string> TransportSummary::lag_warning() const {
  const bool coalesced = multi_event_share() > kMultiEventReadWarnShare;
  const bool late = max_read_lateness_ns > kReadLatenessWarnNs;
  if (!coalesced && !late) return std::nullopt;
  char text[512];
  if (coalesced) {
    std::snprintf(text, sizeof text,
                  "%llu of %llu stream reads (%.1f%%, threshold %.0f%%) delivered more than one event: those events "
                  "share one timestamp, so ITL (and TTFT when the first token is among them) is distorted; "
                  "the client read late (max %.1f ms, mean %.2f ms)",
                  static_cast<unsigned long long>(multi_event_reads), static_cast<unsigned long long>(stream_reads),
                  100 * multi_event_share(), 100 * kMultiEventReadWarnShare, max_read_lateness_ns / 1e6,
                  mean_read_lateness_ns() / 1e6);
  } else {
    std::snprintf(text, sizeof text,
                  "the event loop read up to %.1f ms after the kernel received the bytes (threshold %.0f ms, mean "
                  "%.2f ms): kernel timestamps keep TTFT/ITL true, user timestamps would be late by as much",
                  max_read_lateness_ns / 1e6, kReadLatenessWarnNs / 1e6, mean_read_lateness_ns() / 1e6);
  }
  return std::string(text);
}

}  // namespace aiperf::metrics
