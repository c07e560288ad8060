#include "mock_server/testing/http_client.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace aiperf::testing {
namespace {

// A one-shot TCP server on 127.0.0.1 that sends `reply` in pieces of `step` bytes.
class RawServer {
 public:
  RawServer(std::string reply, std::size_t step) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 1);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this, reply = std::move(reply), step] {
      const int c = ::accept(fd_, nullptr, nullptr);
      char buf[4096];
      (void)::recv(c, buf, sizeof buf, 0);
      for (std::size_t off = 0; off < reply.size(); off += step) {
        (void)::send(c, reply.data() + off, std::min(step, reply.size() - off), MSG_NOSIGNAL);
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      ::close(c);
    });
  }
  ~RawServer() {
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST(TestingHttpClientTest, DecodesChunkedBodiesSplitAtAnyByte) {
  const std::string reply =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n"
      "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n";
  for (std::size_t step : {1u, 2u, 3u, 7u, 1000u}) {
    RawServer s(reply, step);
    auto r = http_get(s.port(), "/");
    ASSERT_TRUE(r.complete) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("x-a"), "b");
    EXPECT_EQ(r.body, "hello, world");
    ASSERT_EQ(r.chunks.size(), 2u);
    EXPECT_EQ(r.chunks[1].data, ", world");
  }
}

TEST(TestingHttpClientTest, ReadsContentLengthAndCloseDelimitedBodies) {
  {
    RawServer s("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc", 2);
    auto r = http_get(s.port(), "/");
    EXPECT_TRUE(r.complete);
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body, "abc");
  }
  {
    RawServer s("HTTP/1.1 200 OK\r\n\r\nuntil close", 4);
    auto r = http_get(s.port(), "/");
    EXPECT_TRUE(r.complete);
    EXPECT_EQ(r.body, "until close");
  }
  {
    RawServer s("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 10);
    auto r = http_get(s.port(), "/");
    EXPECT_FALSE(r.complete);
    EXPECT_EQ(r.body, "abc");
    EXPECT_FALSE(r.error.empty());
  }
}

TEST(TestingHttpClientTest, ConnectionRefusedIsAnError) {
  int port = 0;
  {
    RawServer s("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 100);
    port = s.port();
    http_get(port, "/");
  }
  auto r = http_get(port, "/");
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.complete);
  EXPECT_FALSE(r.error.empty());
}

TEST(TestingHttpClientTest, SplitsSseAndNdjson) {
  EXPECT_EQ(sse_data("data: a\n\ndata: {\"b\":1}\n\n: comment\n\ndata: [DONE]\n\n"),
            (std::vector<std::string>{"a", "{\"b\":1}", "[DONE]"}));
  EXPECT_EQ(ndjson_lines("{}\n\n{\"a\":1}\n"), (std::vector<std::string>{"{}", "{\"a\":1}"}));
}

}  // namespace
}  // namespace aiperf::testing
