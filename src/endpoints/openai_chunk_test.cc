// The chunk fast path against the general parser (simdjson On-Demand): for generated
// chunks in OpenAI's shapes, and for every mutation of them, the fast path either
// declines or gives exactly the general parser's event.
#include "endpoints/openai_chunk.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "endpoints/openai.h"

namespace aiperf::endpoints {
namespace {

using nlohmann::ordered_json;

void expect_same(const ParsedEvent& a, const ParsedEvent& b, const std::string& text) {
  ASSERT_EQ(a.response.content, b.response.content) << text;
  ASSERT_EQ(a.response.reasoning_content, b.response.reasoning_content) << text;
  ASSERT_EQ(a.response.done, b.response.done) << text;
  ASSERT_EQ(a.response.error, b.response.error) << text;
  ASSERT_EQ(a.response.usage.has_value(), b.response.usage.has_value()) << text;
  if (a.response.usage) {
    ASSERT_EQ(a.response.usage->prompt_tokens, b.response.usage->prompt_tokens) << text;
    ASSERT_EQ(a.response.usage->completion_tokens, b.response.usage->completion_tokens) << text;
    ASSERT_EQ(a.response.usage->reasoning_tokens, b.response.usage->reasoning_tokens) << text;
  }
  ASSERT_EQ(a.cached_prompt_tokens, b.cached_prompt_tokens) << text;
  ASSERT_EQ(a.server_error, b.server_error) << text;
}

class Chunks {
 public:
  explicit Chunks(uint64_t seed) : rng_(seed) {}

  std::string token() {
    static const char* kPieces[] = {"hello", " world", "\"", "\\", "\n", "\t", "\x01", "/", "\xc3\xa9",
                                    "\xe2\x82\xac", "\xf0\x9f\x98\x80", "", "{", "]", "null"};
    std::string s;
    for (std::size_t n = rng_() % 4; n > 0; --n) s += kPieces[rng_() % std::size(kPieces)];
    return s;
  }
  bool coin(int in = 2) { return rng_() % in == 0; }

  ordered_json text_or_null() { return coin(6) ? ordered_json(nullptr) : ordered_json(token()); }

  ordered_json usage() {
    ordered_json u = ordered_json::object();
    if (!coin(5)) u["prompt_tokens"] = rng_() % 5000;
    if (!coin(5)) u["completion_tokens"] = coin(8) ? ordered_json(nullptr) : ordered_json(rng_() % 5000);
    u["total_tokens"] = rng_() % 9000;
    if (coin(3)) u["completion_tokens_details"] = coin() ? ordered_json(nullptr) : ordered_json{{"reasoning_tokens", rng_() % 100}};
    if (coin(3)) u["prompt_tokens_details"] = ordered_json{{"audio_tokens", 0}, {"cached_tokens", rng_() % 100}};
    return u;
  }

  ordered_json choice(bool chat, bool whole) {
    ordered_json c = ordered_json::object();
    auto put_index = [&] { c["index"] = 0; };
    if (coin()) put_index();
    if (chat) {
      ordered_json delta = ordered_json::object();
      if (coin(3)) delta["role"] = "assistant";
      if (!coin(4)) delta["content"] = text_or_null();
      if (coin(4)) delta[coin() ? "reasoning_content" : "reasoning"] = text_or_null();
      if (coin(5)) delta["refusal"] = nullptr;
      c[whole ? "message" : "delta"] = delta;
    } else {
      c["text"] = text_or_null();
    }
    if (!c.contains("index")) put_index();
    c["logprobs"] = nullptr;
    c["finish_reason"] = coin(4) ? ordered_json("stop") : ordered_json(nullptr);
    if (coin(6)) c["stop_reason"] = coin() ? ordered_json(nullptr) : ordered_json(42);
    return c;
  }

  // A chat or completions chunk (or whole body) as vLLM, SGLang, OpenAI and the mock send them.
  std::string chunk() {
    const bool chat = coin();
    const bool whole = coin(5);
    ordered_json j = ordered_json::object();
    j["id"] = "chatcmpl-" + std::to_string(rng_() % 100000);
    j["object"] = chat ? "chat.completion.chunk" : "text_completion";
    j["created"] = 1700000000 + rng_() % 1000;
    j["model"] = "meta-llama/Llama-3-8B";
    if (coin(4)) j["system_fingerprint"] = nullptr;
    const bool usage_chunk = coin(6);
    j["choices"] = usage_chunk ? ordered_json::array() : ordered_json::array({choice(chat, whole)});
    if (usage_chunk || whole || coin(3)) j["usage"] = usage_chunk || whole ? usage() : ordered_json(nullptr);
    if (coin(8)) j["nested"] = ordered_json{{"a", {1, 2.5, -3e-7, true, false, nullptr, "s"}}, {"b", ordered_json::object()}};
    std::string text = j.dump(coin(4) ? 1 : -1);
    return text;
  }

  // One random edit: a byte changed, deleted, duplicated, or a piece inserted.
  std::string mutate(std::string s) {
    if (s.empty()) return s;
    static const char* kInserts[] = {",", "\"", "\\", "\\u", "\\ud800", "0", "-", ".", "e", "{", "}", "[", "]",
                                     ":", " ", "\xff", "\xc3", "null", "1.5", "\"tool_calls\":[]", "\"error\":{}",
                                     ",{\"index\":1}", "\x00"};
    const std::size_t at = rng_() % s.size();
    switch (rng_() % 4) {
      case 0: s[at] = static_cast<char>(rng_() % 256); break;
      case 1: s.erase(at, 1 + rng_() % 3); break;
      case 2: s.insert(at, s.substr(at, 1 + rng_() % 4)); break;
      default: s.insert(at, kInserts[rng_() % std::size(kInserts)]); break;
    }
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

TEST(OpenAiChunkTest, FastPathEqualsTheGeneralParserOnOpenAiShapes) {
  Chunks chunks(16);
  int taken = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const std::string text = chunks.chunk();
    const auto fast = parse_openai_chunk_fast(text);
    if (!fast) continue;
    ++taken;
    expect_same(*fast, parse_openai_event_general(text), text);
  }
  EXPECT_GT(taken, n * 9 / 10) << "the common shapes take the fast path";
}

TEST(OpenAiChunkTest, FastPathDeclinesOrAgreesOnMutatedChunks) {
  Chunks chunks(61);
  int taken = 0, declined = 0;
  for (int i = 0; i < 100000; ++i) {
    std::string text = chunks.chunk();
    for (int edits = 1 + i % 3; edits > 0; --edits) text = chunks.mutate(text);
    const auto fast = parse_openai_chunk_fast(text);
    if (!fast) {
      ++declined;
      continue;
    }
    ++taken;
    expect_same(*fast, parse_openai_event_general(text), text);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(taken, 1000);
  EXPECT_GT(declined, 1000);
}

// `base` with its content text (delta, message or text of the first choice) set to `text`.
std::string with_content(const std::string& base, const ordered_json& text) {
  ordered_json j = ordered_json::parse(base);
  if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty()) return base;
  ordered_json& c = j["choices"][0];
  for (const char* key : {"delta", "message"}) {
    if (c.contains(key)) c[key]["content"] = text;
  }
  if (c.contains("text")) c["text"] = text;
  return j.dump(base.find('\n') != std::string::npos ? 1 : -1);
}

// Streams interleaved as on one event loop: the shape memo answers as the fast path does, for
// chunks that only change their content, for broken ones, and for chunks whose content token
// was replaced by raw bytes (a second member, an unclosed string, a number).
TEST(OpenAiChunkTest, StreamChunkMemoAnswersAsTheFastPath) {
  Chunks chunks(7);
  const uint64_t reused_before = openai_stream_chunk_reuses();
  std::vector<std::string> streams(40);
  int compared = 0;
  for (int i = 0; i < 60000; ++i) {
    std::string& base = streams[static_cast<std::size_t>(i) % streams.size()];
    if (base.empty() || chunks.coin(50)) base = chunks.chunk();
    // Now and then a long content (past the memo's short-text loop): a token after 40 plain bytes.
    const std::string content = chunks.coin(8) ? std::string(40, 'x') + chunks.token() : chunks.token();
    std::string text = with_content(base, chunks.coin(10) ? ordered_json(nullptr) : ordered_json(content));
    if (chunks.coin(6)) text = chunks.mutate(text);
    if (chunks.coin(20)) {
      static const char* kRaw[] = {R"("a","content":"b")", R"("a)", R"(12)", R"("a" "b")", R"("\")", R"("x"},{"y":")",
                                   "\"\xff\"", R"(null)", R"("")"};
      const std::string marker = "\\u0002";  // a content text the generator never sends
      std::string marked = with_content(base, "\x02");
      if (const auto at = marked.find(marker); at != std::string::npos) {
        text = marked.substr(0, at - 1) + kRaw[i % std::size(kRaw)] + marked.substr(at + marker.size() + 1);
      }
    }
    const auto fast = parse_openai_chunk_fast(text);
    const auto memo = parse_openai_stream_chunk(text);
    ASSERT_EQ(fast.has_value(), memo.has_value()) << text;
    if (fast) {
      expect_same(*memo, *fast, text);
      ++compared;
    }
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(compared, 40000);
  EXPECT_GT(openai_stream_chunk_reuses() - reused_before, 20000u) << "most stream chunks reuse a shape";
}

// The in-place parse (what the recorder uses for a stream) into one event reused across streams,
// event types and payloads: always what parse_event answers, nothing left over from the event
// before (usage, reasoning, an error, the end marker), whichever path (memo, fast, general) answers.
TEST(OpenAiChunkTest, ParseEventIntoAReusedEventAnswersAsParseEvent) {
  Chunks chunks(11);
  const ChatEndpoint endpoint{PluginConfig()};
  std::vector<std::string> streams(8);
  ParsedEvent reused;
  const char* kTypes[] = {"message", "message", "message", "message", "error", "", "ping"};
  const char* kOthers[] = {"[DONE]", " [DONE] ", R"({"error":{"message":"boom"}})", "not json",
                           R"({"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":3}}})",
                           R"({"choices":[{"index":0,"delta":{"reasoning_content":"hm"}}]})"};
  for (int i = 0; i < 20000; ++i) {
    std::string& base = streams[static_cast<std::size_t>(i) % streams.size()];
    if (base.empty() || chunks.coin(30)) base = chunks.chunk();
    std::string text = with_content(base, ordered_json(chunks.token()));
    if (chunks.coin(8)) text = chunks.mutate(text);
    if (chunks.coin(6)) text = kOthers[static_cast<std::size_t>(i) % std::size(kOthers)];
    const StreamEvent event{kTypes[static_cast<std::size_t>(i) % std::size(kTypes)], text};
    endpoint.parse_event_into(event, reused);
    expect_same(reused, endpoint.parse_event(event), std::string(event.type) + ": " + text);
    if (HasFatalFailure()) return;
  }
}

TEST(OpenAiChunkTest, TakesTheMockAndVllmChunkShapes) {
  for (std::string_view text : {
           R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}]})",
           R"({"choices":[{"delta":{"content":"Hi","role":"assistant"},"finish_reason":null,"index":0,"logprobs":null}],"created":1,"id":"c","model":"m","object":"chat.completion.chunk"})",
           R"({"choices":[{"finish_reason":null,"index":0,"logprobs":null,"text":"Hi"}],"created":1,"id":"c","model":"m","object":"text_completion"})",
           R"({"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}})",
       }) {
    const auto fast = parse_openai_chunk_fast(text);
    ASSERT_TRUE(fast.has_value()) << text;
    expect_same(*fast, parse_openai_event_general(text), std::string(text));
  }
  EXPECT_EQ(parse_openai_event(R"({"choices":[{"index":0,"delta":{"content":"a\nb\u00e9"}}]})").response.content,
            "a\nb\xc3\xa9");
}

TEST(OpenAiChunkTest, LeavesErrorsToolCallsAndSecondChoicesToTheGeneralParser) {
  for (std::string_view text : {
           R"({"error":{"message":"boom"}})",
           R"({"choices":[{"index":0,"delta":{"tool_calls":[{"function":{"name":"f"}}]}}]})",
           R"({"choices":[{"index":1,"delta":{"content":"x"}}]})",
           R"({"choices":[{"index":0,"delta":{"content":"x"}},{"index":1,"delta":{"content":"y"}}]})",
           R"({"choices":[{"index":0,"delta":{"content":"x"}}]} trailing)",
           R"({"usage":{"prompt_tokens":-1}})",
           R"({"ch\u006fices":[]})",
       }) {
    EXPECT_FALSE(parse_openai_chunk_fast(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace aiperf::endpoints
