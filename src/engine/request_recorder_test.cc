#include "engine/request_recorder.h"

#include <gtest/gtest.h>

#include "endpoints/openai.h"

namespace aiperf::engine {
namespace {

struct Harness {
  endpoints::ChatEndpoint chat{PluginConfig{}};
  std::optional<metrics::RequestRecord> out;
  int calls = 0;
  std::unique_ptr<RequestRecorder> make(bool streaming) {
    metrics::RequestRecord seed;
    seed.request_id = "r";
    seed.streaming = streaming;
    return std::make_unique<RequestRecorder>(chat, std::move(seed), [this](metrics::RequestRecord&& r) {
      ++calls;
      out = std::move(r);
    });
  }
};

std::string sse(std::string_view content) {
  return "data: {\"choices\":[{\"delta\":{\"content\":\"" + std::string(content) + "\"}}]}\n\n";
}

TEST(RequestRecorderTest, StreamedChunksKeepTheirReadTimestamps) {
  Harness h;
  auto r = h.make(true);
  r->on_sent(1000);
  r->on_headers(200, {}, 1100);
  std::string stream = sse("a") + sse("b") +
                       "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n" +
                       "data: [DONE]\n\n";
  std::string first = sse("a");
  r->on_body(std::string_view(stream).substr(0, first.size() + 7), 2000);  // "a" and part of "b"
  r->on_body(std::string_view(stream).substr(first.size() + 7), 3000);
  r->on_complete(std::nullopt);
  ASSERT_EQ(h.calls, 1);
  const auto& rec = *h.out;
  EXPECT_TRUE(rec.ok()) << rec.error->message;
  EXPECT_EQ(rec.start_ns, 1000);
  ASSERT_EQ(rec.responses.size(), 2u);
  EXPECT_EQ(rec.responses[0].content, "a");
  EXPECT_EQ(rec.responses[0].timestamp_ns, 2000);
  EXPECT_EQ(rec.responses[1].timestamp_ns, 3000);  // completed by the second read
  ASSERT_TRUE(rec.usage);
  EXPECT_EQ(rec.usage->completion_tokens, 2u);
  EXPECT_EQ(rec.end_ns, 3000);
}

TEST(RequestRecorderTest, NonStreamedBodyIsOneChunkAtTheLastRead) {
  Harness h;
  auto r = h.make(false);
  r->on_sent(10);
  r->on_headers(200, {}, 20);
  std::string body = R"({"choices":[{"message":{"content":"hi there"}}],"usage":{"completion_tokens":2}})";
  r->on_body(body.substr(0, 10), 30);
  r->on_body(body.substr(10), 40);
  r->on_complete(std::nullopt);
  ASSERT_TRUE(h.out->ok());
  ASSERT_EQ(h.out->responses.size(), 1u);
  EXPECT_EQ(h.out->responses[0].content, "hi there");
  EXPECT_EQ(h.out->responses[0].timestamp_ns, 40);
}

TEST(RequestRecorderTest, HttpErrorKeepsStatusAndBody) {
  Harness h;
  auto r = h.make(true);
  r->on_sent(1);
  r->on_headers(429, {}, 2);
  r->on_body(R"({"error":{"message":"slow down"}})", 3);
  r->on_complete(std::nullopt);
  ASSERT_FALSE(h.out->ok());
  EXPECT_EQ(h.out->error->kind, metrics::ErrorKind::kHttpStatus);
  EXPECT_EQ(h.out->error->http_status, 429);
  EXPECT_NE(h.out->error->message.find("slow down"), std::string::npos);
}

TEST(RequestRecorderTest, MalformedSseLineIsAParseError) {
  Harness h;
  auto r = h.make(true);
  r->on_sent(1);
  r->on_headers(200, {}, 2);
  r->on_body(sse("a") + "data: {oops\n\n" + sse("b"), 3);
  r->on_complete(std::nullopt);
  ASSERT_FALSE(h.out->ok());
  EXPECT_EQ(h.out->error->kind, metrics::ErrorKind::kParse);
  EXPECT_EQ(h.out->responses.size(), 2u);  // what arrived is still recorded
}

TEST(RequestRecorderTest, TransportErrorWinsAndIsClassified) {
  Harness h;
  auto r = h.make(true);
  r->on_sent(1);
  r->on_headers(200, {}, 2);
  r->on_body(sse("a"), 3);
  r->on_complete(transport::TransportError{transport::TransportErrorKind::kIo, "connection reset"});
  ASSERT_FALSE(h.out->ok());
  EXPECT_EQ(h.out->error->kind, metrics::ErrorKind::kIo);
  EXPECT_EQ(h.out->error->message, "connection reset");
}

TEST(RequestRecorderTest, StreamEndingMidEventIsTruncated) {
  Harness h;
  auto r = h.make(true);
  r->on_sent(1);
  r->on_headers(200, {}, 2);
  r->on_body("data: {\"choices\":[{\"delta\":{\"content\":\"x", 3);
  r->on_complete(std::nullopt);
  ASSERT_FALSE(h.out->ok());
  EXPECT_EQ(h.out->error->kind, metrics::ErrorKind::kParse);
}

}  // namespace
}  // namespace aiperf::engine
