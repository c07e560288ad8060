// Memory of in-flight streams: an idle stream (head and a first token read, the
// server silent) holds at most 4 KiB of heap in the client, read buffer included.
#include <malloc.h>

#include <gtest/gtest.h>

#include <iostream>

#include "mock_server/testing/mock_server_process.h"
#include "transport/testing/idle_streams.h"

namespace aiperf::transport {
namespace {

using aiperf::testing::MockServerProcess;

TEST(HttpClientMemory, IdleStreamHoldsAtMost4KiB) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator does not report through mallinfo2";
#endif
  ::mallopt(M_ARENA_MAX, 1);  // every thread's allocations in the arena mallinfo2 reports
  // The first token at once, the next one after ten minutes: the streams stay idle.
  MockServerProcess server({"--ttft", "0", "--itl", "600000", "--osl", "4"});
  for (auto clock : {metrics::TimestampSource::kKernel, metrics::TimestampSource::kUser}) {
    const auto idle = testing::measure_idle_streams(static_cast<uint16_t>(server.port()), 200, 20, clock);
    ASSERT_TRUE(idle.has_value()) << "not every stream delivered its first token within 20 s";
    std::cout << "heap per idle stream: " << idle->bytes_per_stream << " bytes\n";
    EXPECT_LE(idle->bytes_per_stream, 4096);
    EXPECT_GT(idle->bytes_per_stream, 0);  // the measurement sees the streams at all
  }
}

}  // namespace
}  // namespace aiperf::transport
