// Bounded memory (issue 16): heap bytes per finished request and per idle
// in-flight stream, read from glibc's allocator (mallinfo2). See bench/memory.sh.
//
//   memory_bench records N TOKENS [exact]
//                                   N streamed chat responses of TOKENS tokens through the record
//                                   path (SSE bytes -> RequestRecorder -> request metrics -> RunMetrics;
//                                   the record is dropped): bytes RunMetrics keeps per request. `exact`
//                                   also keeps every chunk gap in a Distribution, as RunMetrics did
//                                   before inter_chunk_latency became histogram-backed (the reference)
//   memory_bench streams PORT N     N streams to a mock server that sends one token and then
//                                   nothing: heap per idle stream, client only and with the engine's
//                                   RequestRecorder per stream
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "endpoints/openai.h"
#include "engine/request_recorder.h"
#include "metrics/distribution.h"
#include "metrics/request_metrics.h"
#include "metrics/run_metrics.h"
#include "transport/testing/idle_streams.h"

namespace {

using namespace aiperf;

std::string event(std::string_view content) {
  return R"(data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":")" +
         std::string(content) + "\"}}]}\n\n";
}

// One response of `tokens` events 1 ms apart, fed to a RequestRecorder as socket reads.
void feed(const Endpoint& chat, int64_t start, int tokens, metrics::RunMetrics& run, metrics::Distribution* exact) {
  metrics::RequestRecord seed;
  seed.request_id = "r" + std::to_string(start);
  seed.streaming = true;
  seed.scheduled_ns = start;
  seed.input_token_count = 100;
  engine::RequestRecorder recorder(chat, std::move(seed), [&run, exact](metrics::RequestRecord&& r) {
    const auto m = metrics::compute_request_metrics(r);
    run.add(m);
    if (exact) {
      for (int64_t gap : m.inter_chunk_latencies_ns) exact->add(static_cast<double>(gap));
    }
  });
  recorder.on_sent(start + 1000);
  recorder.on_headers(200, {}, start + 2'000'000);
  for (int i = 0; i < tokens; ++i) {
    recorder.on_stamped_body(event("w "), start + 20'000'000 + i * 1'000'000 + (i * 7919) % 100'000,
                             metrics::TimestampSource::kKernel);
  }
  const std::string tail = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":" +
                           std::to_string(tokens) + "}}\n\ndata: [DONE]\n\n";
  recorder.on_stamped_body(tail, start + 20'000'000 + tokens * 1'000'000, metrics::TimestampSource::kKernel);
  recorder.on_transport({});
  recorder.on_complete(std::nullopt);
}

int records(long n, int tokens, bool keep_exact) {
  endpoints::ChatEndpoint chat{PluginConfig{}};
  metrics::RunMetrics run;
  metrics::Distribution exact;
  const std::size_t before = transport::testing::heap_in_use();
  for (long i = 0; i < n; ++i) feed(chat, i * 1'000'000'000L, tokens, run, keep_exact ? &exact : nullptr);
  const std::size_t after = transport::testing::heap_in_use();
  const auto icl = run.result(metrics::MetricId::kInterChunkLatency);
  std::printf("records%s: %ld requests x %d tokens: %.1f bytes per finished request (%.2f MB in all; "
              "inter_chunk_latency count %lld in %zu buckets)\n",
              keep_exact ? " (every chunk gap kept too)" : "", n, tokens, double(after - before) / double(n),
              double(after - before) / 1e6,
              icl ? static_cast<long long>(icl->stats->count) : 0LL,
              run.histogram(metrics::MetricId::kInterChunkLatency).bucket_count());
  return run.request_count() == n ? 0 : 1;
}

int streams(uint16_t port, std::size_t n) {
  endpoints::ChatEndpoint chat{PluginConfig{}};
  const auto client_only = transport::testing::measure_idle_streams(port, n, 60);
  const auto with_engine = transport::testing::measure_idle_streams(
      port, n, 60, metrics::TimestampSource::kKernel, [&chat]() -> std::unique_ptr<transport::ResponseHandler> {
        metrics::RequestRecord seed;
        seed.request_id = "0123456789abcdef0123456789abcdef";
        seed.streaming = true;
        return std::make_unique<engine::RequestRecorder>(chat, std::move(seed), [](metrics::RequestRecord&&) {});
      });
  if (!client_only || !with_engine) {
    std::fprintf(stderr, "not every stream delivered its first token in time\n");
    return 1;
  }
  std::printf("streams: %zu idle streams: %.0f bytes per stream (client), %.0f with the engine's recorder\n", n,
              client_only->bytes_per_stream, with_engine->bytes_per_stream);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::mallopt(M_ARENA_MAX, 1);  // one arena: mallinfo2 sees every thread's allocations
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "records" && (argc == 4 || (argc == 5 && std::string(argv[4]) == "exact"))) {
    return records(std::atol(argv[2]), std::atoi(argv[3]), argc == 5);
  }
  if (mode == "streams" && argc == 4) {
    return streams(static_cast<uint16_t>(std::atoi(argv[2])), static_cast<std::size_t>(std::atol(argv[3])));
  }
  std::fprintf(stderr, "usage: memory_bench records N TOKENS [exact] | memory_bench streams PORT N\n");
  return 2;
}
