// Heap held per idle in-flight stream: N streamed requests to a server that
// sends the head and a first token, then nothing (aiperf-mock-server with a
// long --itl). Shared by http_client_memory_test and bench/memory_bench.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "metrics/request_record.h"
#include "transport/http_client.h"

namespace aiperf::transport::testing {

/// What measure_idle_streams saw.
struct IdleStreams {
  std::size_t streams = 0;        ///< Streams that delivered their first body bytes and were then idle.
  double bytes_per_stream = 0;    ///< Heap in use (mallinfo2) with them open, minus before, per stream.
};

/// Opens `n` streams to 127.0.0.1:`port` (POST /v1/chat/completions, stream: true) on the calling
/// thread, waits (at most `timeout_s`) until each has delivered body bytes, measures, cancels them.
/// `inner`, when set, makes each stream's handler too (e.g. the engine's RequestRecorder), so its
/// memory is counted; every event is forwarded to it.
/// Empty when not every stream got that far in time. Allocations in other threads' arenas are not
/// seen: the loop runs on the calling thread, and the caller should set M_ARENA_MAX 1 when threads exist.
std::optional<IdleStreams> measure_idle_streams(uint16_t port, std::size_t n, double timeout_s,
                                                metrics::TimestampSource clock = metrics::TimestampSource::kKernel,
                                                std::function<std::unique_ptr<ResponseHandler>()> inner = {});

/// Heap bytes in use: glibc's arenas (uordblks) plus mmapped blocks (hblkhd).
std::size_t heap_in_use();

}  // namespace aiperf::transport::testing
