// The mock server as official clients see it (issue 11): typed-event APIs,
// Ollama's own routes and errors, encoding_format, n, HTTP/1.0 keep-alive,
// reasoning shapes and per-token send times in the record.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "mock_server/testing/mock_server_process.h"

namespace aiperf::mock_server {
namespace {

using aiperf::testing::http_get;
using aiperf::testing::http_post;
using aiperf::testing::MockServerProcess;
using aiperf::testing::sse_data;
using nlohmann::json;

// Types and data of "event: T\ndata: D\n\n" blocks (the testing client's sse_data keeps only data).
std::vector<std::pair<std::string, json>> typed_events(const std::string& body) {
  std::vector<std::pair<std::string, json>> out;
  std::size_t pos = 0;
  while ((pos = body.find("event: ", pos)) != std::string::npos) {
    const std::size_t eol = body.find('\n', pos);
    const std::size_t data = body.find("data: ", eol);
    const std::size_t end = body.find("\n\n", data);
    out.emplace_back(body.substr(pos + 7, eol - pos - 7), json::parse(body.substr(data + 6, end - data - 6)));
    pos = end;
  }
  return out;
}

TEST(MockFidelityTest, ResponsesStreamTypedDeltasThenCompletedWithUsage) {
  MockServerProcess s({"--fast", "--cached-prompt-tokens", "2"});
  json body{{"model", "m"}, {"input", "one two three"}, {"max_output_tokens", 4}, {"stream", true}};
  auto r = http_post(s.port(), "/v1/responses", body.dump());
  ASSERT_TRUE(r.complete) << r.error;
  auto events = typed_events(r.body);
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events.front().first, "response.created");
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(events[i].first, "response.output_text.delta");
  EXPECT_EQ(events.back().first, "response.completed");
  const json& usage = events.back().second["response"]["usage"];
  EXPECT_EQ(usage["input_tokens"], 3);
  EXPECT_EQ(usage["output_tokens"], 4);
  EXPECT_EQ(usage["input_tokens_details"]["cached_tokens"], 2);
  EXPECT_EQ(r.body.find("[DONE]"), std::string::npos);
}

TEST(MockFidelityTest, MessagesStreamInAnthropicShapeAndRequireMaxTokens) {
  MockServerProcess s({"--fast"});
  json body{{"model", "claude"}, {"max_tokens", 3}, {"stream", true}, {"thinking", {{"type", "enabled"}}},
            {"messages", json::array({{{"role", "user"}, {"content", "a b c d"}}})}};
  auto r = http_post(s.port(), "/v1/messages", body.dump());
  ASSERT_TRUE(r.complete) << r.error;
  std::vector<std::string> types;
  for (const auto& [type, data] : typed_events(r.body)) types.push_back(type);
  const std::vector<std::string> want = {"message_start", "content_block_start", "content_block_delta",
                                         "content_block_stop", "content_block_start", "content_block_delta",
                                         "content_block_delta", "content_block_stop", "message_delta", "message_stop"};
  EXPECT_EQ(types, want);
  auto events = typed_events(r.body);
  EXPECT_EQ(events[0].second["message"]["usage"]["input_tokens"], 4);
  EXPECT_EQ(events[2].second["delta"]["type"], "thinking_delta");
  EXPECT_EQ(events[5].second["delta"]["type"], "text_delta");
  EXPECT_EQ(events[8].second["usage"]["output_tokens"], 3);

  body.erase("max_tokens");
  auto missing = http_post(s.port(), "/v1/messages", body.dump());
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(json::parse(missing.body)["type"], "error");
}

TEST(MockFidelityTest, OllamaRoutesErrorsAndThinking) {
  MockServerProcess s({"--fast", "--model", "llama3"});
  auto tags = json::parse(http_get(s.port(), "/api/tags").body);
  EXPECT_EQ(tags["models"][0]["name"], "llama3");
  EXPECT_TRUE(json::parse(http_get(s.port(), "/api/version").body).contains("version"));
  auto missing = http_get(s.port(), "/api/nothing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(json::parse(missing.body)["error"].is_string()) << missing.body;  // Ollama's shape, not OpenAI's

  json body{{"model", "llama3"}, {"think", true}, {"options", {{"num_predict", 4}}},
            {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}};
  auto r = http_post(s.port(), "/api/chat", body.dump());
  ASSERT_TRUE(r.complete) << r.error;
  int thinking = 0, content = 0;
  for (const auto& line : aiperf::testing::ndjson_lines(r.body)) {
    json j = json::parse(line);
    if (j["done"] == true) break;
    thinking += j["message"].contains("thinking") ? 1 : 0;
    content += j["message"]["content"] != "" ? 1 : 0;
  }
  EXPECT_EQ(thinking, 2);
  EXPECT_EQ(content, 2);
}

TEST(MockFidelityTest, MissingModelNamesTheParamAndBase64EmbeddingsDecode) {
  MockServerProcess s({"--fast", "--embedding-dim", "4"});
  auto bad = http_post(s.port(), "/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["error"]["param"], "model");

  auto floats = json::parse(http_post(s.port(), "/v1/embeddings", R"({"model":"m","input":"abc"})").body);
  auto b64 = json::parse(
      http_post(s.port(), "/v1/embeddings", R"({"model":"m","input":"abc","encoding_format":"base64"})").body);
  const std::string text = b64["data"][0]["embedding"];
  ASSERT_EQ(text.size(), 24u);  // 4 floats = 16 bytes = 24 base64 characters
  // Decode the first float (6 characters carry its 4 bytes and 4 more bits).
  auto value = [](char c) { return static_cast<uint32_t>(std::strchr(
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", c) -
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"); };
  uint32_t bits = 0;
  for (int i = 0; i < 4; ++i) bits = bits << 6 | value(text[i]);  // 24 bits: bytes 0-2
  uint32_t b3 = value(text[4]) << 2 | value(text[5]) >> 4;
  uint32_t le = (bits >> 16 & 0xFF) | (bits >> 8 & 0xFF) << 8 | (bits & 0xFF) << 16 | (b3 & 0xFF) << 24;
  float f = 0;
  std::memcpy(&f, &le, sizeof f);
  EXPECT_FLOAT_EQ(f, floats["data"][0]["embedding"][0].get<float>());
}

TEST(MockFidelityTest, NGivesOneIndexedChoicePerEventAndCountsAllTokens) {
  MockServerProcess s({"--fast"});
  json body{{"model", "m"}, {"n", 3}, {"max_tokens", 2}, {"stream", true},
            {"stream_options", {{"include_usage", true}}},
            {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}};
  auto r = http_post(s.port(), "/v1/chat/completions", body.dump());
  std::vector<int> indices;
  int completion = 0;
  for (const auto& e : sse_data(r.body)) {
    if (e == "[DONE]") continue;
    json j = json::parse(e);
    if (j["choices"].empty()) completion = j["usage"]["completion_tokens"];
    for (const auto& c : j["choices"]) indices.push_back(c["index"]);
    EXPECT_LE(j["choices"].size(), 1u);
  }
  EXPECT_EQ(indices, (std::vector<int>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(completion, 6);
}

// Sends raw bytes on a fresh socket and returns what arrives within 2 s (or until close).
std::string raw_exchange(int port, const std::string& request, bool* closed) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string in;
  char buf[4096];
  *closed = false;
  for (int i = 0; i < 20; ++i) {  // bounded: at most 20 polls of 100 ms
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) {
      if (in.find("\r\n\r\n") != std::string::npos) break;
      continue;
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      *closed = true;
      break;
    }
    in.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return in;
}

TEST(MockFidelityTest, Http10KeepAliveIsAnsweredWithKeepAlive) {
  MockServerProcess s({"--fast"});
  bool closed = true;
  std::string reply = raw_exchange(s.port(), "GET /health HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &closed);
  EXPECT_NE(reply.find("Connection: keep-alive"), std::string::npos) << reply;
  EXPECT_FALSE(closed);
  std::string plain = raw_exchange(s.port(), "GET /health HTTP/1.0\r\n\r\n", &closed);
  EXPECT_TRUE(closed) << plain;
}

TEST(MockFidelityTest, RecordHoldsEverySendTimeAndTheReasoningFieldIsConfigurable) {
  MockServerProcess s({"--ttft", "20", "--itl", "5", "--reasoning-field", "reasoning"});
  json body{{"model", "m"}, {"max_tokens", 6}, {"stream", true}, {"reasoning", true},
            {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}};
  auto r = http_post(s.port(), "/v1/chat/completions", body.dump());
  ASSERT_TRUE(r.complete);
  auto events = sse_data(r.body);
  EXPECT_TRUE(json::parse(events[0])["choices"][0]["delta"].contains("reasoning"));
  json record = json::parse(http_get(s.port(), "/mock/records").body)[0];
  ASSERT_EQ(record["token_ms"].size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_GE(record["token_ms"][i].get<double>(), 20.0 + 5.0 * static_cast<double>(i) - 0.01) << i;
  }
  EXPECT_EQ(record["token_ms"][0], record["first_token_ms"]);
  EXPECT_EQ(record["token_ms"][5], record["last_token_ms"]);
}

}  // namespace
}  // namespace aiperf::mock_server

namespace aiperf::mock_server {
namespace {

TEST(MockFidelityTest, RerankRoutesAnswerInTheirOwnShapes) {
  MockServerProcess s({"--fast"});
  auto cohere = json::parse(http_post(s.port(), "/v1/rerank",
                                      R"({"model":"r","query":"a b","documents":["x y","z"]})").body);
  EXPECT_EQ(cohere["results"].size(), 2u);
  EXPECT_GT(cohere["results"][0]["relevance_score"].get<double>(), cohere["results"][1]["relevance_score"].get<double>());
  auto tei = json::parse(http_post(s.port(), "/rerank", R"({"query":"a","texts":["x","y","z"]})").body);
  ASSERT_TRUE(tei.is_array());
  EXPECT_EQ(tei.size(), 3u);
  auto nim = json::parse(http_post(s.port(), "/v1/ranking",
                                   R"({"model":"r","query":{"text":"a"},"passages":[{"text":"x"}]})").body);
  EXPECT_EQ(nim["rankings"].size(), 1u);
  json record = json::parse(http_get(s.port(), "/mock/records").body)[0];
  EXPECT_EQ(record["prompt_tokens"], 5);  // query and passages
}

TEST(MockFidelityTest, TgiGenerateStreamEndsWithDetails) {
  MockServerProcess s({"--fast"});
  auto r = http_post(s.port(), "/generate_stream", R"({"inputs":"hi there","parameters":{"max_new_tokens":3}})");
  ASSERT_TRUE(r.complete) << r.error;
  auto events = sse_data(r.body);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(json::parse(events[0])["token"]["text"], "alpha");
  EXPECT_TRUE(json::parse(events[0])["details"].is_null());
  EXPECT_EQ(json::parse(events[2])["details"]["generated_tokens"], 3);
  EXPECT_EQ(json::parse(events[2])["generated_text"], "alpha bravo charlie");
  auto whole = json::parse(http_post(s.port(), "/generate", R"({"inputs":"hi","parameters":{"max_new_tokens":2}})").body);
  EXPECT_EQ(whole["generated_text"], "alpha bravo");
}

}  // namespace
}  // namespace aiperf::mock_server
