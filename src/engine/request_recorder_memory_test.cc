// An idle in-flight stream, as the engine runs it (the HTTP client plus the request's
// RequestRecorder with the chat endpoint), holds at most 4 KiB of heap.
#include <malloc.h>

#include <gtest/gtest.h>

#include <iostream>

#include "endpoints/openai.h"
#include "engine/request_recorder.h"
#include "mock_server/testing/mock_server_process.h"
#include "transport/testing/idle_streams.h"

namespace aiperf::engine {
namespace {

TEST(RequestRecorderMemory, IdleStreamWithItsRecorderHoldsAtMost4KiB) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator does not report through mallinfo2";
#endif
  ::mallopt(M_ARENA_MAX, 1);  // every thread's allocations in the arena mallinfo2 reports
  aiperf::testing::MockServerProcess server({"--ttft", "0", "--itl", "600000", "--osl", "4"});
  endpoints::ChatEndpoint chat{PluginConfig{}};
  const auto idle = transport::testing::measure_idle_streams(
      static_cast<uint16_t>(server.port()), 512, 20, metrics::TimestampSource::kKernel,
      [&chat]() -> std::unique_ptr<transport::ResponseHandler> {
        metrics::RequestRecord seed;
        seed.request_id = "aiperf-0123456789abcdef-0";  // as long as the engine's ids
        seed.streaming = true;
        return std::make_unique<RequestRecorder>(chat, std::move(seed), [](metrics::RequestRecord&&) {});
      });
  ASSERT_TRUE(idle.has_value()) << "not every stream delivered its first token within 20 s";
  std::cout << "heap per idle stream with its recorder: " << idle->bytes_per_stream << " bytes\n";
  EXPECT_LE(idle->bytes_per_stream, 4096);
}

}  // namespace
}  // namespace aiperf::engine
