#include "mock_server/responder.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mock_server/testing/http_client.h"
#include "mock_server/tokens.h"

namespace aiperf::mock_server {
namespace {

using nlohmann::json;

std::vector<Write> drain(Script& s) {
  std::vector<Write> out;
  Write w;
  while (s.next(w)) out.push_back(w);
  return out;
}

// Decodes chunk framing of one write holding exactly whole chunks.
std::vector<std::string> unchunk(std::string_view bytes) {
  std::vector<std::string> out;
  while (!bytes.empty()) {
    const auto eol = bytes.find("\r\n");
    const std::size_t n = std::stoul(std::string(bytes.substr(0, eol)), nullptr, 16);
    if (n == 0) break;
    out.emplace_back(bytes.substr(eol + 2, n));
    bytes.remove_prefix(eol + 2 + n + 2);
  }
  return out;
}

Request chat(int n, bool stream) {
  auto r = parse_request(Route::chat, R"({"model":"m","messages":[{"role":"user","content":"a b c"}],"max_tokens":)" +
                                          std::to_string(n) + ",\"stream\":" + (stream ? "true" : "false") +
                                          R"(,"stream_options":{"include_usage":true}})");
  EXPECT_TRUE(r);
  return *r;
}

Exchange exchange() {
  Exchange ex;
  ex.request_id = "r1";
  return ex;
}

TEST(MockResponderTest, StreamSchedulesTokenIAtTtftPlusIItl) {
  Plan plan;
  plan.ttft_ms = 50;
  plan.itl_ms = 5;
  Script s = make_script(chat(4, true), plan, exchange());
  EXPECT_EQ(s.status(), 200);
  EXPECT_EQ(s.ending(), Ending::keep_alive);
  const auto w = drain(s);
  ASSERT_EQ(w.size(), 1u + 4u + 1u);  // head, tokens, tail
  EXPECT_EQ(w[0].at_ms, 0);
  EXPECT_NE(w[0].bytes.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(w[0].bytes.find("X-Request-Id: r1\r\n"), std::string::npos);
  for (int i = 0; i < 4; ++i) {
    EXPECT_DOUBLE_EQ(w[1 + i].at_ms, 50 + 5 * i);
    EXPECT_EQ(w[1 + i].tokens, 1);
    const auto events = testing::sse_data(unchunk(w[1 + i].bytes).at(0));
    ASSERT_EQ(events.size(), 1u);
    const json j = json::parse(events[0]);
    EXPECT_EQ(j["object"], "chat.completion.chunk");
    EXPECT_EQ(j["id"], "chatcmpl-r1");
    EXPECT_EQ(j["choices"][0]["delta"]["content"], token_text(static_cast<std::size_t>(i)));
    EXPECT_EQ(j["choices"][0]["finish_reason"].is_null(), i != 3);
  }
  const auto tail = unchunk(w[5].bytes);
  ASSERT_EQ(tail.size(), 2u);
  const json usage = json::parse(testing::sse_data(tail[0]).at(0));
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["prompt_tokens"], 3);
  EXPECT_EQ(usage["usage"]["completion_tokens"], 4);
  EXPECT_EQ(usage["usage"]["total_tokens"], 7);
  EXPECT_EQ(tail[1], "data: [DONE]\n\n");
  EXPECT_TRUE(w[5].bytes.ends_with("0\r\n\r\n"));
}

TEST(MockResponderTest, NonStreamingIsDueWithTheLastToken) {
  Plan plan;
  plan.ttft_ms = 10;
  plan.itl_ms = 2;
  Script s = make_script(chat(6, false), plan, exchange());
  const auto w = drain(s);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_DOUBLE_EQ(w[0].at_ms, 20);
  EXPECT_EQ(w[0].tokens, 6);
  const auto body = w[0].bytes.substr(w[0].bytes.find("\r\n\r\n") + 4);
  EXPECT_NE(w[0].bytes.find("Content-Length: " + std::to_string(body.size())), std::string::npos);
  const json j = json::parse(body);
  EXPECT_EQ(j["choices"][0]["message"]["content"], tokens_text(6));
  EXPECT_EQ(j["usage"]["completion_tokens"], 6);
}

TEST(MockResponderTest, ResetAndStallStopAfterKTokens) {
  for (Fault f : {Fault::reset, Fault::stall}) {
    Plan plan;
    plan.fault = f;
    Script s = make_script(chat(10, true), plan, exchange());
    EXPECT_EQ(s.ending(), f == Fault::reset ? Ending::reset : Ending::stall);
    const auto w = drain(s);
    ASSERT_EQ(w.size(), 1u + 5u);  // head + half the tokens
    plan.fault_after = 2;
    Script s2 = make_script(chat(10, true), plan, exchange());
    EXPECT_EQ(drain(s2).size(), 3u);
  }
}

TEST(MockResponderTest, MalformedAndTruncatedStreamsInsertOneBadEvent) {
  for (Fault f : {Fault::malformed_sse, Fault::truncated_json}) {
    Plan plan;
    plan.fault = f;
    plan.fault_after = 1;
    Script s = make_script(chat(3, true), plan, exchange());
    const auto w = drain(s);
    ASSERT_EQ(w.size(), 1u + 3u + 1u + 1u);
    int tokens = 0, bad = 0;
    for (std::size_t i = 1; i + 1 < w.size(); ++i) {
      tokens += w[i].tokens;
      const auto data = testing::sse_data(unchunk(w[i].bytes).at(0)).at(0);
      bad += json::accept(data) ? 0 : 1;
    }
    EXPECT_EQ(tokens, 3);
    EXPECT_EQ(bad, 1);
    EXPECT_EQ(w[2].tokens, 0) << "bad event comes after the first token";
  }
}

TEST(MockResponderTest, TruncatedNonStreamingBodyHasMatchingLength) {
  Plan plan;
  plan.fault = Fault::truncated_json;
  Script s = make_script(chat(8, false), plan, exchange());
  const auto w = drain(s);
  ASSERT_EQ(w.size(), 1u);
  const auto body = w[0].bytes.substr(w[0].bytes.find("\r\n\r\n") + 4);
  EXPECT_NE(w[0].bytes.find("Content-Length: " + std::to_string(body.size()) + "\r\n"), std::string::npos);
  EXPECT_FALSE(json::accept(body));
  EXPECT_EQ(w[0].tokens, 0);
}

TEST(MockResponderTest, Http429CarriesRetryAfterAndOpenAiError) {
  Plan plan;
  plan.fault = Fault::http_429;
  plan.ttft_ms = 100;
  Script s = make_script(chat(8, true), plan, exchange());
  EXPECT_EQ(s.status(), 429);
  const auto w = drain(s);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].at_ms, 0);
  EXPECT_EQ(w[0].bytes.rfind("HTTP/1.1 429 Too Many Requests\r\n", 0), 0u);
  EXPECT_NE(w[0].bytes.find("Retry-After: 1\r\n"), std::string::npos);
  const json j = json::parse(w[0].bytes.substr(w[0].bytes.find("\r\n\r\n") + 4));
  EXPECT_EQ(j["error"]["code"], "rate_limit_exceeded");
}

TEST(MockResponderTest, ReasoningTokensComeFirst) {
  auto r = parse_request(Route::chat, R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":4,"reasoning":true,"stream":true})");
  ASSERT_TRUE(r);
  Script s = make_script(*r, Plan{}, exchange());
  const auto w = drain(s);
  ASSERT_EQ(w.size(), 6u);
  const json first = json::parse(testing::sse_data(unchunk(w[1].bytes).at(0)).at(0));
  EXPECT_EQ(first["choices"][0]["delta"]["reasoning_content"], "alpha");
  const json third = json::parse(testing::sse_data(unchunk(w[3].bytes).at(0)).at(0));
  EXPECT_EQ(third["choices"][0]["delta"]["content"], "alpha");
}

TEST(MockResponderTest, OllamaStreamEndsWithDoneLine) {
  auto r = parse_request(Route::ollama_generate, R"({"model":"llama","prompt":"a b","options":{"num_predict":3}})");
  ASSERT_TRUE(r);
  Plan plan;
  plan.ttft_ms = 10;
  plan.itl_ms = 1;
  Script s = make_script(*r, plan, exchange());
  const auto w = drain(s);
  ASSERT_EQ(w.size(), 5u);
  EXPECT_NE(w[0].bytes.find("application/x-ndjson"), std::string::npos);
  const json line = json::parse(unchunk(w[2].bytes).at(0));
  EXPECT_EQ(line["response"], " bravo");
  EXPECT_EQ(line["done"], false);
  const json fin = json::parse(unchunk(w[4].bytes).at(0));
  EXPECT_EQ(fin["done"], true);
  EXPECT_EQ(fin["eval_count"], 3);
  EXPECT_EQ(fin["prompt_eval_count"], 2);
  EXPECT_EQ(fin["prompt_eval_duration"], 10000000);
  EXPECT_EQ(fin["total_duration"], 12000000);
}

TEST(MockResponderTest, ErrorsUseTheRouteStyle) {
  Script openai = make_error(Route::chat, 400, "nope", exchange());
  Script ollama = make_error(Route::ollama_chat, 400, "nope", exchange());
  Write a, b;
  ASSERT_TRUE(openai.next(a));
  ASSERT_TRUE(ollama.next(b));
  EXPECT_EQ(json::parse(a.bytes.substr(a.bytes.find("\r\n\r\n") + 4))["error"]["message"], "nope");
  EXPECT_EQ(json::parse(b.bytes.substr(b.bytes.find("\r\n\r\n") + 4))["error"], "nope");
}

TEST(MockResponderTest, ServerTimingSlotsOnlyWithTheOptionAndFilledAtSendTime) {
  Plan plan;
  plan.ttft_ms = 50;
  plan.itl_ms = 5;
  Script plain = make_script(chat(3, false), plan, exchange());
  for (const auto& w : drain(plain)) EXPECT_EQ(w.timing, TimingSlot::none);
  Exchange ex = exchange();
  ex.server_timing = true;
  // Non-streamed: a header slot inside the head, prefill ending at the first token's due time.
  Script one = make_script(chat(3, false), plan, ex);
  auto writes = drain(one);
  ASSERT_EQ(writes.size(), 1u);
  Write w = writes[0];
  ASSERT_EQ(w.timing, TimingSlot::header);
  ASSERT_TRUE(w.first_token_due_ms);
  ServerTiming t = measure_timing(w, 0.25, std::nullopt, std::nullopt, 61.25);
  EXPECT_DOUBLE_EQ(t.queue_ms, 0.25);
  EXPECT_DOUBLE_EQ(t.prefill_ms, 49.75);
  EXPECT_DOUBLE_EQ(t.decode_ms, 11.25);
  fill_timing_slot(w, t);
  const auto head_end = w.bytes.find("\r\n\r\n");
  const auto field = w.bytes.find("Server-Timing: queue;dur=0.250, prefill;dur=49.750, decode;dur=11.250\r\n");
  ASSERT_NE(field, std::string::npos) << w.bytes;
  EXPECT_LT(field, head_end);
  EXPECT_EQ(w.timing, TimingSlot::none);  // filled once
  // Streamed: the last write carries an `event: server-timing` chunk before the final chunk.
  Script stream = make_script(chat(3, true), plan, ex);
  auto parts = drain(stream);
  Write tail = parts.back();
  ASSERT_EQ(tail.timing, TimingSlot::sse_event);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) EXPECT_EQ(parts[i].timing, TimingSlot::none);
  t = measure_timing(tail, 0.5, 50.5, 60.5, 61);
  EXPECT_DOUBLE_EQ(t.prefill_ms, 50);
  EXPECT_DOUBLE_EQ(t.decode_ms, 10);
  fill_timing_slot(tail, t);
  auto events = unchunk(tail.bytes);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back(), "event: server-timing\ndata: queue;dur=0.500, prefill;dur=50.000, decode;dur=10.000\n\n");
  EXPECT_TRUE(tail.bytes.ends_with("0\r\n\r\n"));
}

}  // namespace
}  // namespace aiperf::mock_server
