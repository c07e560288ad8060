// End-to-end tests: the real aiperf-mock-server process over 127.0.0.1.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <fstream>
#include <latch>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "mock_server/testing/mock_server_process.h"
#include "mock_server/tokens.h"

namespace aiperf::mock_server {
namespace {

using aiperf::testing::http_get;
using aiperf::testing::http_post;
using aiperf::testing::HttpConnection;
using aiperf::testing::HttpResponse;
using aiperf::testing::MockServerProcess;
using aiperf::testing::RequestOptions;
using aiperf::testing::ndjson_lines;
using aiperf::testing::sse_data;
using nlohmann::json;
using namespace std::chrono_literals;

std::string chat_body(int max_tokens, bool stream, bool include_usage = false, std::string model = "mock-model") {
  json j{{"model", model},
         {"messages", json::array({json{{"role", "user"}, {"content", "tell me a story please"}}})},
         {"stream", stream}};
  if (max_tokens > 0) j["max_tokens"] = max_tokens;
  if (include_usage) j["stream_options"] = json{{"include_usage", true}};
  return j.dump();
}

std::string completions_body(int max_tokens, bool stream) {
  return json{{"model", "mock-model"}, {"prompt", "one two three"}, {"max_tokens", max_tokens}, {"stream", stream}}
      .dump();
}

RequestOptions with_headers(aiperf::testing::HttpHeaders h, std::chrono::milliseconds timeout = 5000ms) {
  RequestOptions o;
  o.headers = std::move(h);
  o.timeout = timeout;
  return o;
}

// Content (delta.content or text) of every SSE event that is JSON with choices.
std::vector<std::string> stream_tokens(const std::vector<std::string>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (e == "[DONE]") continue;
    const json j = json::parse(e, nullptr, false);
    if (j.is_discarded() || j["choices"].empty()) continue;
    const json& c = j["choices"][0];
    out.push_back(c.contains("delta") ? c["delta"].value("content", "") : c.value("text", ""));
  }
  return out;
}

class MockServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new MockServerProcess(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static int port() { return server_->port(); }
  static MockServerProcess* server_;
};
MockServerProcess* MockServerTest::server_ = nullptr;

TEST_F(MockServerTest, ChatStreamingSendsOneTokenPerChunkAndDone) {
  auto r = http_post(port(), "/v1/chat/completions", chat_body(8, true), with_headers({{"X-Request-Id", "abc-1"}}));
  ASSERT_TRUE(r.complete) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "text/event-stream");
  EXPECT_EQ(r.header("transfer-encoding"), "chunked");
  EXPECT_EQ(r.header("x-request-id"), "abc-1");
  const auto events = sse_data(r.body);
  ASSERT_EQ(events.size(), 9u);
  EXPECT_EQ(events.back(), "[DONE]");
  const auto tokens = stream_tokens(events);
  ASSERT_EQ(tokens.size(), 8u);
  for (std::size_t i = 0; i < tokens.size(); ++i) EXPECT_EQ(tokens[i], token_text(i));
  for (const auto& e : events) EXPECT_EQ(e.find("\"usage\""), std::string::npos) << "no usage without include_usage";
  EXPECT_EQ(json::parse(events[0])["choices"][0]["delta"]["role"], "assistant");
}

TEST_F(MockServerTest, ChatStreamingUsageChunkOnlyWithIncludeUsage) {
  auto r = http_post(port(), "/v1/chat/completions", chat_body(5, true, true));
  ASSERT_TRUE(r.complete) << r.error;
  const auto events = sse_data(r.body);
  ASSERT_EQ(events.size(), 7u);
  const json usage = json::parse(events[5]);
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["prompt_tokens"], 5);
  EXPECT_EQ(usage["usage"]["completion_tokens"], 5);
  EXPECT_EQ(usage["usage"]["total_tokens"], 10);
  EXPECT_EQ(events[6], "[DONE]");
}

TEST_F(MockServerTest, ChatNonStreamingReturnsJsonWithUsage) {
  auto r = http_post(port(), "/v1/chat/completions", chat_body(12, false));
  ASSERT_TRUE(r.complete) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/json");
  const json j = json::parse(r.body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["choices"][0]["message"]["content"], tokens_text(12));
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["usage"]["completion_tokens"], 12);
  EXPECT_EQ(j["usage"]["prompt_tokens"], 5);
  EXPECT_FALSE(r.header("x-request-id").value_or("").empty());
}

TEST_F(MockServerTest, CompletionsStreamingAndNonStreaming) {
  auto s = http_post(port(), "/v1/completions", completions_body(6, true));
  ASSERT_TRUE(s.complete) << s.error;
  const auto events = sse_data(s.body);
  EXPECT_EQ(json::parse(events[0])["object"], "text_completion");
  EXPECT_EQ(stream_tokens(events).size(), 6u);
  auto n = http_post(port(), "/v1/completions", completions_body(6, false));
  ASSERT_TRUE(n.complete) << n.error;
  const json j = json::parse(n.body);
  EXPECT_EQ(j["choices"][0]["text"], tokens_text(6));
  EXPECT_EQ(j["usage"]["prompt_tokens"], 3);
  EXPECT_EQ(j["usage"]["completion_tokens"], 6);
}

TEST_F(MockServerTest, OutputLengthEqualsMaxTokensOrTheDefault) {
  for (int n : {1, 3, 100}) {
    auto r = http_post(port(), "/v1/chat/completions", chat_body(n, true));
    EXPECT_EQ(stream_tokens(sse_data(r.body)).size(), static_cast<std::size_t>(n));
  }
  auto body = json::parse(chat_body(0, false));
  body["max_completion_tokens"] = 4;
  body["ignore_eos"] = true;
  auto r = http_post(port(), "/v1/chat/completions", body.dump());
  EXPECT_EQ(json::parse(r.body)["usage"]["completion_tokens"], 4);
  r = http_post(port(), "/v1/chat/completions", chat_body(0, false));
  EXPECT_EQ(json::parse(r.body)["usage"]["completion_tokens"], 16);
}

TEST_F(MockServerTest, EmbeddingsAreDeterministic) {
  const std::string body = R"({"model":"emb","input":["hello world","again"]})";
  auto a = http_post(port(), "/v1/embeddings", body);
  auto b = http_post(port(), "/v1/embeddings", body);
  ASSERT_EQ(a.status, 200) << a.body;
  const json j = json::parse(a.body);
  ASSERT_EQ(j["data"].size(), 2u);
  EXPECT_EQ(j["data"][0]["embedding"].size(), 16u);
  EXPECT_EQ(j["usage"]["prompt_tokens"], 3);
  EXPECT_EQ(j["data"], json::parse(b.body)["data"]);
}

TEST_F(MockServerTest, ModelsAndHealth) {
  auto h = http_get(port(), "/health");
  EXPECT_EQ(h.status, 200);
  auto m = http_get(port(), "/v1/models");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(json::parse(m.body)["data"][0]["id"], "mock-model");
}

TEST_F(MockServerTest, OllamaGenerateAndChatStreamNdjsonByDefault) {
  auto g = http_post(port(), "/api/generate", R"({"model":"llama3","prompt":"why is the sky blue","options":{"num_predict":4}})");
  ASSERT_TRUE(g.complete) << g.error;
  EXPECT_EQ(g.header("content-type"), "application/x-ndjson");
  auto lines = ndjson_lines(g.body);
  ASSERT_EQ(lines.size(), 5u);
  for (int i = 0; i < 4; ++i) {
    const json l = json::parse(lines[static_cast<std::size_t>(i)]);
    EXPECT_EQ(l["response"], token_text(static_cast<std::size_t>(i)));
    EXPECT_EQ(l["done"], false);
  }
  const json fin = json::parse(lines[4]);
  EXPECT_EQ(fin["done"], true);
  EXPECT_EQ(fin["eval_count"], 4);
  EXPECT_EQ(fin["prompt_eval_count"], 5);
  EXPECT_TRUE(fin.contains("total_duration"));

  auto c = http_post(port(), "/api/chat", R"({"model":"llama3","messages":[{"role":"user","content":"hi"}],"options":{"num_predict":3}})");
  lines = ndjson_lines(c.body);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(json::parse(lines[1])["message"]["content"], " bravo");

  auto n = http_post(port(), "/api/chat", R"({"model":"llama3","stream":false,"messages":[{"role":"user","content":"hi"}],"options":{"num_predict":3}})");
  const json j = json::parse(n.body);
  EXPECT_EQ(j["message"]["content"], tokens_text(3));
  EXPECT_EQ(j["done"], true);
  EXPECT_EQ(j["eval_count"], 3);
}

TEST_F(MockServerTest, BadRequestsGetJsonErrorsAndTheServerSurvives) {
  struct Case {
    const char* method;
    const char* path;
    std::string body;
    int status;
  };
  const Case cases[] = {
      {"POST", "/v1/chat/completions", "{not json", 400},
      {"POST", "/v1/chat/completions", R"({"model":"m"})", 400},
      {"POST", "/v1/completions", R"({"model":"m","prompt":"x","max_tokens":-3})", 400},
      {"POST", "/v1/nothing", "{}", 404},
      {"GET", "/v1/chat/completions", "", 405},
      {"POST", "/api/generate", "[]", 400},
  };
  for (const auto& c : cases) {
    HttpConnection conn(port());
    auto r = conn.request(c.method, c.path, c.body);
    EXPECT_EQ(r.status, c.status) << c.path << " " << c.body;
    const json j = json::parse(r.body, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.body;
    EXPECT_TRUE(j.contains("error"));
  }
  auto bad_header = http_post(port(), "/v1/chat/completions", chat_body(2, false), with_headers({{"X-Mock-Fault", "boom"}}));
  EXPECT_EQ(bad_header.status, 400);
  EXPECT_NE(bad_header.body.find("X-Mock-Fault"), std::string::npos);
  EXPECT_EQ(http_get(port(), "/health").status, 200);
}

TEST_F(MockServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  HttpConnection conn(port());
  for (int i = 0; i < 5; ++i) {
    auto r = conn.request("POST", "/v1/chat/completions", chat_body(3, i % 2 == 0));
    ASSERT_TRUE(r.complete) << r.error;
    EXPECT_EQ(r.status, 200);
    ASSERT_TRUE(conn.connected());
  }
}

TEST_F(MockServerTest, Http500AndHttp429Faults) {
  auto e = http_post(port(), "/v1/chat/completions", chat_body(4, true), with_headers({{"X-Mock-Fault", "http_500"}}));
  EXPECT_EQ(e.status, 500);
  EXPECT_EQ(json::parse(e.body)["error"]["type"], "server_error");
  auto t = http_post(port(), "/v1/chat/completions", chat_body(4, true), with_headers({{"X-Mock-Fault", "http_429"}}));
  EXPECT_EQ(t.status, 429);
  EXPECT_EQ(t.header("retry-after"), "1");
  EXPECT_EQ(json::parse(t.body)["error"]["code"], "rate_limit_exceeded");
}

TEST_F(MockServerTest, ResetIsSeenAsAReadErrorMidStream) {
  auto r = http_post(port(), "/v1/chat/completions", chat_body(10, true),
                     with_headers({{"X-Mock-Fault", "reset"}, {"X-Mock-Fault-After", "3"}, {"X-Mock-ITL-Ms", "2"}}));
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.complete);
  EXPECT_TRUE(r.reset) << r.error;
  EXPECT_EQ(stream_tokens(sse_data(r.body)).size(), 3u);
  auto n = http_post(port(), "/v1/completions", completions_body(10, false), with_headers({{"X-Mock-Fault", "reset"}}));
  EXPECT_FALSE(n.complete);
  EXPECT_TRUE(n.reset) << n.error;
}

TEST_F(MockServerTest, StallIsSeenAsATimeout) {
  const auto start = std::chrono::steady_clock::now();
  auto r = http_post(port(), "/v1/chat/completions", chat_body(10, true),
                     with_headers({{"X-Mock-Fault", "stall"}}, 300ms));
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.timed_out) << r.error;
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(stream_tokens(sse_data(r.body)).size(), 5u);
  EXPECT_LT(waited, 2s);
}

TEST_F(MockServerTest, MalformedSseLineIsPresentAndAllTokensStillArrive) {
  auto r = http_post(port(), "/v1/chat/completions", chat_body(6, true), with_headers({{"X-Mock-Fault", "malformed_sse"}}));
  ASSERT_TRUE(r.complete) << r.error;
  const auto events = sse_data(r.body);
  int invalid = 0;
  for (const auto& e : events) invalid += (e != "[DONE]" && !json::accept(e));
  EXPECT_EQ(invalid, 1);
  EXPECT_EQ(stream_tokens(events).size(), 6u);
}

TEST_F(MockServerTest, TruncatedJsonBodyAndChunk) {
  auto r = http_post(port(), "/v1/chat/completions", chat_body(6, false), with_headers({{"X-Mock-Fault", "truncated_json"}}));
  ASSERT_TRUE(r.complete) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-length"), std::to_string(r.body.size()));
  EXPECT_FALSE(json::accept(r.body));
  EXPECT_EQ(r.body.front(), '{');

  auto s = http_post(port(), "/v1/chat/completions", chat_body(6, true), with_headers({{"X-Mock-Fault", "truncated_json"}}));
  ASSERT_TRUE(s.complete) << s.error;
  const auto events = sse_data(s.body);
  int truncated = 0;
  for (const auto& e : events) truncated += (e != "[DONE]" && !json::accept(e) && e.front() == '{');
  EXPECT_EQ(truncated, 1);
}

TEST(MockServerProcessTest, ErrorRateWithSeedIsReproducible) {
  auto statuses = [](MockServerProcess& s) {
    std::vector<int> out;
    HttpConnection conn(s.port());
    for (int i = 0; i < 40; ++i) out.push_back(conn.request("POST", "/v1/completions", completions_body(1, false)).status);
    return out;
  };
  MockServerProcess a({"--error-rate", "30", "--random-seed", "7"});
  MockServerProcess b({"--error-rate", "30", "--random-seed", "7"});
  const auto sa = statuses(a);
  EXPECT_EQ(sa, statuses(b));
  const auto errors = std::count(sa.begin(), sa.end(), 500);
  EXPECT_GT(errors, 3);
  EXPECT_LT(errors, 25);
  EXPECT_EQ(std::count(sa.begin(), sa.end(), 200) + errors, 40);
  // /mock/reset restarts the sequence.
  EXPECT_EQ(http_post(a.port(), "/mock/reset", "").status, 200);
  EXPECT_EQ(statuses(a), sa);
}

TEST(MockServerProcessTest, FaultRateFlagInjectsFaults) {
  MockServerProcess s({"--fault", "http_429=100", "--random-seed", "1"});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(http_post(s.port(), "/v1/chat/completions", chat_body(2, false)).status, 429);
  // A header can still switch the fault off.
  EXPECT_EQ(http_post(s.port(), "/v1/chat/completions", chat_body(2, false), with_headers({{"X-Mock-Fault", "none"}})).status,
            200);
}

TEST(MockServerProcessTest, RecordAndStatsMatchWhatTheClientDid) {
  const std::string path = ::testing::TempDir() + "/mock_server_test_record.jsonl";
  std::remove(path.c_str());
  MockServerProcess s({"--record", path, "--ttft", "3", "--itl", "1"});
  const int p = s.port();
  http_post(p, "/v1/chat/completions", chat_body(4, true, true), with_headers({{"X-Request-Id", "r-stream"}}));
  http_post(p, "/v1/completions", completions_body(7, false), with_headers({{"X-Request-Id", "r-plain"}}));
  http_post(p, "/v1/chat/completions", chat_body(4, false), with_headers({{"X-Request-Id", "r-500"}, {"X-Mock-Fault", "http_500"}}));
  http_post(p, "/v1/chat/completions", "{", with_headers({{"X-Request-Id", "r-bad"}}));
  http_get(p, "/health");  // not recorded

  const json records = json::parse(http_get(p, "/mock/records").body);
  ASSERT_EQ(records.size(), 4u);
  std::map<std::string, json> by_id;
  for (const auto& r : records) by_id[r["request_id"]] = r;
  EXPECT_EQ(by_id["r-stream"]["route"], "/v1/chat/completions");
  EXPECT_EQ(by_id["r-stream"]["stream"], true);
  EXPECT_EQ(by_id["r-stream"]["completion_tokens"], 4);
  EXPECT_EQ(by_id["r-stream"]["prompt_tokens"], 5);
  EXPECT_EQ(by_id["r-stream"]["ttft_ms"], 3.0);
  EXPECT_EQ(by_id["r-stream"]["itl_ms"], 1.0);
  EXPECT_EQ(by_id["r-stream"]["model"], "mock-model");
  EXPECT_GE(by_id["r-stream"]["first_token_ms"].get<double>(), 3.0);
  EXPECT_EQ(by_id["r-plain"]["completion_tokens"], 7);
  EXPECT_EQ(by_id["r-plain"]["stream"], false);
  EXPECT_EQ(by_id["r-500"]["status"], 500);
  EXPECT_EQ(by_id["r-500"]["fault"], "http_500");
  EXPECT_EQ(by_id["r-500"]["completion_tokens"], 0);
  EXPECT_EQ(by_id["r-bad"]["status"], 400);

  const json stats = json::parse(http_get(p, "/mock/stats").body);
  EXPECT_EQ(stats["requests"], 4);
  EXPECT_EQ(stats["in_flight"], 0);
  EXPECT_EQ(stats["by_status"]["200"], 2);
  EXPECT_EQ(stats["by_status"]["500"], 1);
  EXPECT_EQ(stats["by_status"]["400"], 1);
  EXPECT_EQ(stats["by_fault"]["http_500"], 1);

  std::ifstream in(path);
  std::string line;
  std::vector<json> lines;
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(json(lines), records);

  EXPECT_EQ(http_post(p, "/mock/reset", "").status, 200);
  EXPECT_TRUE(json::parse(http_get(p, "/mock/records").body).empty());
  EXPECT_EQ(json::parse(http_get(p, "/mock/stats").body)["requests"], 0);
}

TEST(MockServerProcessTest, ClientThatLeftBeforeTheFirstTokenIsRecordedAsClosedWithNothingSent) {
  // --itl 0: every token is due at once and goes out in one write, which a closed peer still
  // accepts (its RST comes after), so only looking before writing tells that the client left.
  MockServerProcess s({"--ttft", "300", "--itl", "0"});
  {
    HttpConnection conn(s.port());
    const auto r = conn.request("POST", "/v1/chat/completions", chat_body(8, true),
                                with_headers({{"X-Request-Id", "gone-early"}}, 30ms));
    EXPECT_FALSE(r.complete);
  }  // closed here, long before the first token is due
  json records;
  for (int i = 0; i < 100 && records.empty(); ++i) {  // the record lands at the 300 ms deadline
    std::this_thread::sleep_for(20ms);
    records = json::parse(http_get(s.port(), "/mock/records").body);
  }
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["request_id"], "gone-early");
  EXPECT_EQ(records[0]["client_closed"], true);
  EXPECT_EQ(records[0]["completion_tokens"], 0) << "nothing is generated for a client that left";
}

TEST(MockServerProcessTest, PeakInFlightCountsParallelStreams) {
  // Every client connects first and all send together; a long TTFT keeps them
  // all in flight at once even on a loaded machine.
  MockServerProcess s({"--ttft", "600", "--itl", "10"});
  constexpr int kStreams = 200;
  std::atomic<int> ok{0};
  std::latch ready(kStreams);
  std::vector<std::thread> clients;
  for (int i = 0; i < kStreams; ++i) {
    clients.emplace_back([&] {
      HttpConnection conn(s.port());
      ready.arrive_and_wait();
      auto r = conn.request("POST", "/v1/chat/completions", chat_body(10, true));
      if (r.complete && r.status == 200 && stream_tokens(sse_data(r.body)).size() == 10u) ++ok;
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok, kStreams);
  const json stats = json::parse(http_get(s.port(), "/mock/stats").body);
  EXPECT_EQ(stats["requests"], kStreams);
  EXPECT_EQ(stats["peak_in_flight"], kStreams);
  EXPECT_EQ(stats["in_flight"], 0);
  EXPECT_EQ(stats["by_status"]["200"], kStreams);
}

// Checks one stream against --ttft 50 --itl 5; returns "" or what was off.
std::string check_timing(const HttpResponse& r, int tokens) {
  if (!r.complete || r.chunks.size() < static_cast<std::size_t>(tokens)) return "incomplete: " + r.error;
  std::string off;
  const double ttft = r.chunk_ms(0);
  if (std::abs(ttft - 50.0) > 5.0) off += " ttft=" + std::to_string(ttft);
  for (int i = 0; i < tokens; ++i) {
    const double t = r.chunk_ms(static_cast<std::size_t>(i));
    if (t < 50.0 + 5.0 * i - 0.5) off += " token " + std::to_string(i) + " early at " + std::to_string(t);
    if (i > 0) {
      const double gap = t - r.chunk_ms(static_cast<std::size_t>(i - 1));
      if (std::abs(gap - 5.0) > 5.0) off += " gap" + std::to_string(i) + "=" + std::to_string(gap);
    }
  }
  const double itl = (r.chunk_ms(static_cast<std::size_t>(tokens - 1)) - ttft) / (tokens - 1);
  if (std::abs(itl - 5.0) > 1.0) off += " mean_itl=" + std::to_string(itl);
  return off;
}

TEST(MockServerProcessTest, ChunkArrivalTimesMatchInjectedTtftAndItl) {
  MockServerProcess s({"--ttft", "50", "--itl", "5"});
  constexpr int kTokens = 20;
  // The machine is shared: a stream passes if one of three attempts is on time.
  std::string off = "not run";
  for (int attempt = 0; attempt < 3 && !off.empty(); ++attempt) {
    off = check_timing(http_post(s.port(), "/v1/chat/completions", chat_body(kTokens, true)), kTokens);
  }
  EXPECT_EQ(off, "");
  // The server's own record agrees (first token written at ~50 ms, last at ~145 ms).
  const json records = json::parse(http_get(s.port(), "/mock/records").body);
  ASSERT_FALSE(records.empty());
  const json& rec = records.back();
  EXPECT_EQ(rec["ttft_ms"], 50.0);
  EXPECT_EQ(rec["itl_ms"], 5.0);
  EXPECT_NEAR(rec["first_token_ms"].get<double>(), 50.0, 5.0);
  EXPECT_NEAR(rec["last_token_ms"].get<double>(), 50.0 + 5.0 * (kTokens - 1), 5.0);
  // The last write ([DONE]) was issued after the last token's, and before the exchange ended.
  EXPECT_GE(rec["last_write_ms"].get<double>(), rec["last_token_ms"].get<double>() - 1.0);
  EXPECT_LE(rec["last_write_ms"].get<double>(), rec["duration_ms"].get<double>());
}

TEST(MockServerProcessTest, FastIgnoresConfiguredLatency) {
  MockServerProcess s({"--fast", "--ttft", "2000", "--itl", "100"});
  const auto start = std::chrono::steady_clock::now();
  auto r = http_post(s.port(), "/v1/chat/completions", chat_body(50, true));
  EXPECT_TRUE(r.complete);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST(MockServerProcessTest, SigtermAndSigintExitZeroEvenWithStalledStreams) {
  MockServerProcess s;
  HttpConnection stalled(s.port());
  std::thread t([&] {
    stalled.request("POST", "/v1/chat/completions", chat_body(4, true), with_headers({{"X-Mock-Fault", "stall"}}, 3000ms));
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(s.stop(), 0);
  t.join();

  MockServerProcess s2;
  ::kill(s2.pid(), SIGINT);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(s2.stop(), 0);
}

// A chat body whose one user message is `words` mock-vocabulary words starting at word `first`.
std::string words_body(std::size_t first, std::size_t words) {
  std::string text;
  for (std::size_t i = 0; i < words; ++i) text += std::string(i ? " " : "") + std::string(vocabulary_word(first + i)) + std::to_string(first + i);
  return json{{"model", "mock-model"}, {"messages", json::array({json{{"role", "user"}, {"content", text}}})},
              {"max_tokens", 1}}
      .dump();
}

TEST(MockServerPrefixCacheTest, ReportsCachedTokensAndChargesPrefillForTheRest) {
  const int block = 8, blocks = 3;
  const double us_per_token = 2000;
  MockServerProcess s({"--prefix-cache-blocks", "64", "--block-size", std::to_string(block), "--prefill-us-per-token",
                       std::to_string(us_per_token), "--ttft", "0", "--itl", "0"});
  const std::string body = words_body(0, block * blocks + 1);
  auto cold = http_post(s.port(), "/v1/chat/completions", body);
  auto warm = http_post(s.port(), "/v1/chat/completions", body);
  ASSERT_EQ(cold.status, 200);
  ASSERT_EQ(warm.status, 200);
  EXPECT_FALSE(json::parse(cold.body)["usage"].contains("prompt_tokens_details"));
  EXPECT_EQ(json::parse(warm.body)["usage"]["prompt_tokens_details"]["cached_tokens"], block * blocks);
  const json records = json::parse(http_get(s.port(), "/mock/records").body);
  ASSERT_EQ(records.size(), 2u);
  const int prompt = block * blocks + 1;
  EXPECT_DOUBLE_EQ(records[0]["ttft_ms"].get<double>(), us_per_token * prompt / 1000.0);
  EXPECT_DOUBLE_EQ(records[1]["ttft_ms"].get<double>(), us_per_token * (prompt - block * blocks) / 1000.0);
  const json stats = json::parse(http_get(s.port(), "/mock/stats").body)["prefix_cache"];
  EXPECT_EQ(stats["hit_blocks"], blocks);
  EXPECT_EQ(stats["miss_blocks"], blocks);
  EXPECT_EQ(stats["cached_tokens"], block * blocks);
  http_post(s.port(), "/mock/reset", "");
  auto after_reset = http_post(s.port(), "/v1/chat/completions", body);
  EXPECT_FALSE(json::parse(after_reset.body)["usage"].contains("prompt_tokens_details"));
}

TEST(MockServerProcessTest, BadFlagsExitNonZeroWithAMessage) {
  EXPECT_THROW(MockServerProcess({"--error-rate", "150"}), std::runtime_error);
}

}  // namespace
}  // namespace aiperf::mock_server
