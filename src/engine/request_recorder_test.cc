#include "engine/request_recorder.h"

#include <gtest/gtest.h>

#include <set>

#include "base/utf8.h"
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

// Chunks are kept apart as they arrive and reach the record whole, in order: short and long
// texts, reasoning beside content or alone, each with its read's stamp and clock.
TEST(RequestRecorderTest, ManyStreamedChunksKeepTheirTextsStampsAndClocks) {
  Harness h;
  auto r = h.make(true);
  r->on_sent(1);
  r->on_headers(200, {}, 2);
  struct Expected {
    std::string content, reasoning;
    int64_t ts;
    metrics::TimestampSource source;
  };
  std::vector<Expected> expected;
  for (int i = 0; i < 300; ++i) {
    const std::string content = i % 7 == 3 ? "" : std::string(static_cast<std::size_t>(i % 40), char('a' + i % 26));
    const std::string reasoning = i % 5 == 0 ? "why " + std::to_string(i) : "";
    std::string event = "data: {\"choices\":[{\"delta\":{";
    event += "\"content\":\"" + content + "\"";
    if (!reasoning.empty()) event += ",\"reasoning_content\":\"" + reasoning + "\"";
    event += "}}]}\n\n";
    const auto source = i % 3 == 0 ? metrics::TimestampSource::kKernel : metrics::TimestampSource::kUser;
    r->on_stamped_body(event, 100 + i, source);
    if (!content.empty() || !reasoning.empty()) expected.push_back({content, reasoning, 100 + i, source});
  }
  r->on_complete(std::nullopt);
  ASSERT_TRUE(h.out && h.out->ok());
  ASSERT_EQ(h.out->responses.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const metrics::Chunk& c = h.out->responses[i];
    EXPECT_EQ(c.content, expected[i].content) << i;
    EXPECT_EQ(c.reasoning, expected[i].reasoning) << i;
    EXPECT_EQ(c.timestamp_ns, expected[i].ts) << i;
    EXPECT_EQ(c.timestamp_source, expected[i].source) << i;
    EXPECT_FALSE(c.token_count) << i;
  }
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

// A recorder's storage is kept for the next request of the thread (one past glibc's thread
// cache per request otherwise), up to kKeptPerThread; a recycled one starts clean.
TEST(RequestRecorderTest, AFreedRecorderIsReusedByTheNextAndStartsClean) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "recorders are not recycled under sanitizers";
#endif
  Harness h;
  auto first = h.make(false);
  first->on_sent(10);
  first->on_headers(500, {}, 20);
  first->on_body("half an error", 30);
  const void* storage = first.get();
  first.reset();
  auto second = h.make(false);
  EXPECT_EQ(static_cast<const void*>(second.get()), storage);
  second->on_sent(10);
  second->on_headers(200, {}, 20);
  second->on_body(R"({"choices":[{"message":{"content":"ok"}}]})", 30);
  second->on_complete(std::nullopt);
  ASSERT_TRUE(h.out->ok());
  EXPECT_EQ(h.out->responses.at(0).content, "ok");

  std::vector<std::unique_ptr<RequestRecorder>> many;
  for (std::size_t i = 0; i < RequestRecorder::kKeptPerThread + 10; ++i) many.push_back(h.make(false));
  std::set<const void*> addresses;
  for (const auto& r : many) addresses.insert(r.get());
  EXPECT_EQ(addresses.size(), many.size()) << "a recycled block is handed out once";
  many.clear();  // the first kKeptPerThread are kept, the rest go back to the heap
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


// A typed-event API in the shape of Anthropic Messages: only content_block_delta carries output.
class TypedEventEndpoint final : public Endpoint {
 public:
  HttpRequestSpec format_request(const RequestInput&) const override { return {}; }
  ParsedResponse parse_response(std::string_view) const override { return {}; }
  ParsedEvent parse_event(const StreamEvent& event) const override {
    ParsedEvent out;
    if (event.type == "content_block_delta") out.response.content = std::string(event.data);
    if (event.type == "message_stop") out.response.done = true;
    return out;
  }
};

TEST(RequestRecorderTest, TypedEventsReachTheEndpointWithTheirType) {
  TypedEventEndpoint endpoint;
  std::optional<metrics::RequestRecord> out;
  metrics::RequestRecord seed;
  seed.streaming = true;
  RequestRecorder r(endpoint, std::move(seed), [&](metrics::RequestRecord&& rec) { out = std::move(rec); });
  r.on_sent(1);
  r.on_headers(200, {}, 2);
  r.on_body("event: message_start\ndata: {}\n\nevent: content_block_delta\ndata: Hel\n\n", 10);
  r.on_body("event: ping\ndata: {}\n\nevent: content_block_delta\ndata: lo\n\nevent: message_stop\ndata: {}\n\n", 20);
  r.on_complete(std::nullopt);
  ASSERT_TRUE(out && out->ok()) << out->error->message;
  ASSERT_EQ(out->responses.size(), 2u);
  EXPECT_EQ(out->responses[0].content, "Hel");
  EXPECT_EQ(out->responses[0].timestamp_ns, 10);
  EXPECT_EQ(out->responses[1].timestamp_ns, 20);
  EXPECT_EQ(out->http_status, 200);
}

TEST(RequestRecorderTest, ErrorEventInA200StreamIsAServerErrorEvent) {
  Harness h;
  auto r = h.make(true);
  r->on_sent(1);
  r->on_headers(200, {}, 2);
  r->on_body(sse("a") + "event: error\ndata: {\"error\":{\"message\":\"overloaded\"}}\n\n", 3);
  r->on_complete(std::nullopt);
  ASSERT_FALSE(h.out->ok());
  EXPECT_EQ(h.out->error->kind, metrics::ErrorKind::kServerErrorEvent);
  EXPECT_NE(h.out->error->message.find("overloaded"), std::string::npos);
}

TEST(RequestRecorderTest, EndpointThatCannotStreamHasItsBodyParsedWhole) {
  endpoints::EmbeddingsEndpoint embeddings{PluginConfig{}};
  std::optional<metrics::RequestRecord> out;
  metrics::RequestRecord seed;
  seed.streaming = true;  // as --streaming asked
  RequestRecorder r(embeddings, std::move(seed), [&](metrics::RequestRecord&& rec) { out = std::move(rec); });
  r.on_sent(1);
  r.on_headers(200, {}, 2);
  r.on_body(R"({"data":[{"embedding":[0.1]}],"usage":{"prompt_tokens":4}})", 3);
  r.on_complete(std::nullopt);
  ASSERT_TRUE(out->ok()) << out->error->message;
  EXPECT_FALSE(out->streaming);
  EXPECT_FALSE(out->generates_text);
  EXPECT_EQ(out->usage->prompt_tokens, 4u);
}

TEST(RequestRecorderTest, ErrorBodyIsCutOnACharacterBoundaryAndMadeValid) {
  Harness h;
  auto r = h.make(false);
  r->on_sent(1);
  r->on_headers(500, {}, 2);
  std::string body;
  for (int i = 0; i < 150; ++i) body += "\xE9\x94\x99";
  r->on_body(body + "\xFF", 3);
  r->on_complete(std::nullopt);
  const std::string& message = h.out->error->message;
  EXPECT_EQ(valid_utf8(message), message);
  EXPECT_LT(message.size(), 330u);
}

// Issue 9: an endpoint (plugin code) that throws while parsing ended in terminate().
class ThrowingEndpoint final : public Endpoint {
 public:
  HttpRequestSpec format_request(const RequestInput&) const override { return {}; }
  ParsedResponse parse_response(std::string_view) const override { return {}; }
  ParsedEvent parse_event(const StreamEvent&) const override { throw std::runtime_error("unexpected shape"); }
};

TEST(RequestRecorderTest, EndpointThatThrowsFailsTheRequestInsteadOfTerminating) {
  ThrowingEndpoint endpoint;
  for (bool streaming : {true, false}) {
    std::optional<metrics::RequestRecord> out;
    metrics::RequestRecord seed;
    seed.streaming = streaming;
    RequestRecorder r(endpoint, std::move(seed), [&](metrics::RequestRecord&& rec) { out = std::move(rec); });
    r.on_sent(1);
    r.on_headers(200, {}, 2);
    r.on_body(sse("a"), 10);
    r.on_complete(std::nullopt);
    ASSERT_TRUE(out && out->error);
    EXPECT_EQ(out->error->kind, metrics::ErrorKind::kOther);
    EXPECT_NE(out->error->message.find("unexpected shape"), std::string::npos) << out->error->message;
  }
}

// A plugin endpoint that passes a server's counts through unchecked.
class PassThroughUsageEndpoint final : public Endpoint {
 public:
  HttpRequestSpec format_request(const RequestInput&) const override { return {}; }
  ParsedResponse parse_response(std::string_view) const override {
    ParsedResponse r;
    r.content = "x";
    r.usage = Usage{12, uint64_t{1} << 40, kImplausibleTokenCount};
    return r;
  }
};

TEST(RequestRecorderTest, ImplausibleUsageFromAnyEndpointIsDroppedAndMarked) {
  PassThroughUsageEndpoint endpoint;
  for (bool streaming : {true, false}) {
    std::optional<metrics::RequestRecord> out;
    metrics::RequestRecord seed;
    seed.streaming = streaming;
    RequestRecorder r(endpoint, std::move(seed), [&](metrics::RequestRecord&& rec) { out = std::move(rec); });
    r.on_sent(1);
    r.on_headers(200, {}, 2);
    r.on_body(streaming ? sse("a") : "{}", 10);
    r.on_complete(std::nullopt);
    ASSERT_TRUE(out && out->ok()) << (out && out->error ? out->error->message : "");
    ASSERT_TRUE(out->usage);
    EXPECT_EQ(out->usage->prompt_tokens, 12u);  // plausible: kept
    EXPECT_FALSE(out->usage->completion_tokens);
    EXPECT_FALSE(out->usage->reasoning_tokens);
    EXPECT_TRUE(out->implausible_usage);
  }
}

TEST(RequestRecorderTest, KernelStampedReadsMarkTheirChunksAndTransportFactsAreKept) {
  Harness h;
  auto r = h.make(true);
  r->on_sent(1);
  r->on_headers(200, {}, 2);
  r->on_stamped_body(sse("a"), 10, metrics::TimestampSource::kKernel);
  r->on_stamped_body(sse("b"), 20, metrics::TimestampSource::kUser);
  metrics::TransportRecord t;
  t.tls_handshake_ns = 1234;
  r->on_transport(t);
  r->on_complete(std::nullopt);
  ASSERT_TRUE(h.out && h.out->ok());
  ASSERT_EQ(h.out->responses.size(), 2u);
  EXPECT_EQ(h.out->responses[0].timestamp_source, metrics::TimestampSource::kKernel);
  EXPECT_EQ(h.out->responses[1].timestamp_source, metrics::TimestampSource::kUser);
  EXPECT_EQ(h.out->transport.tls_handshake_ns, 1234);
}

TEST(RequestRecorderTest, ServerTimingHeaderIsStoredOnTheRecord) {
  Harness h;
  auto r = h.make(false);
  r->on_sent(10);
  const transport::HeaderField headers[] = {{"Server-Timing", "queue;dur=1.5, prefill;dur=12, decode;dur=30.25"}};
  r->on_headers(200, headers, 20);
  r->on_body(R"({"choices":[{"message":{"content":"hi"}}]})", 30);
  r->on_complete(std::nullopt);
  ASSERT_TRUE(h.out->ok());
  EXPECT_EQ(h.out->server_queue_ms, 1.5);
  EXPECT_EQ(h.out->server_prefill_ms, 12);
  EXPECT_EQ(h.out->server_decode_ms, 30.25);
  EXPECT_FALSE(h.out->server_timing_malformed);
}

TEST(RequestRecorderTest, ServerTimingEventEndsAStreamWithoutReachingTheEndpoint) {
  Harness h;
  auto r = h.make(true);
  r->on_sent(1000);
  r->on_headers(200, {}, 1100);
  r->on_body(sse("a") + "data: [DONE]\n\nevent: server-timing\ndata: queue;dur=0.5, prefill;dur=4, decode;dur=9\n\n",
             2000);
  r->on_complete(std::nullopt);
  ASSERT_TRUE(h.out->ok()) << h.out->error->message;
  ASSERT_EQ(h.out->responses.size(), 1u);
  EXPECT_EQ(h.out->server_queue_ms, 0.5);
  EXPECT_EQ(h.out->server_prefill_ms, 4);
  EXPECT_EQ(h.out->server_decode_ms, 9);
}

TEST(RequestRecorderTest, MalformedServerTimingIsIgnoredAndFlaggedNotAFailure) {
  for (const char* bad : {"queue;dur=abc", "queue;dur=-3", "queue;desc=\"open", "(x)"}) {
    Harness h;
    auto r = h.make(true);
    r->on_sent(1000);
    r->on_headers(200, {}, 1100);
    r->on_body(sse("a") + "event: server-timing\ndata: " + bad + "\n\n", 2000);
    r->on_complete(std::nullopt);
    ASSERT_TRUE(h.out->ok()) << bad;
    EXPECT_TRUE(h.out->server_timing_malformed) << bad;
    EXPECT_FALSE(h.out->server_queue_ms) << bad;
    EXPECT_EQ(h.out->responses.size(), 1u) << bad;
  }
}

}  // namespace
}  // namespace aiperf::engine
