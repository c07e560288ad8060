#include "mock_server/request.h"

#include <gtest/gtest.h>

#include "mock_server/tokens.h"

namespace aiperf::mock_server {
namespace {

TEST(MockTokensTest, TokenTextCountsBackAsOneTokenEach) {
  EXPECT_EQ(token_text(0), "alpha");
  EXPECT_EQ(token_text(1), " bravo");
  EXPECT_EQ(token_text(kVocabularySize), " alpha");
  for (std::size_t n : {0u, 1u, 2u, 63u, 64u, 65u, 500u}) EXPECT_EQ(count_tokens(tokens_text(n)), n);
  EXPECT_EQ(count_tokens("  hello \t world\n again "), 3u);
  EXPECT_EQ(count_tokens(""), 0u);
}

TEST(MockTokensTest, EmbeddingsAreDeterministicAndNormalised) {
  const auto a = embedding_vector("hello", 8);
  EXPECT_EQ(a, embedding_vector("hello", 8));
  EXPECT_NE(a, embedding_vector("hellp", 8));
  double norm = 0;
  for (float x : a) norm += static_cast<double>(x) * x;
  EXPECT_NEAR(norm, 1.0, 1e-5);
}

TEST(MockRequestTest, RoutesByMethodAndPath) {
  EXPECT_EQ(route_for("POST", "/v1/chat/completions"), Route::chat);
  EXPECT_EQ(route_for("POST", "/v1/completions?x=1"), Route::completions);
  EXPECT_EQ(route_for("GET", "/v1/chat/completions"), Route::bad_method);
  EXPECT_EQ(route_for("GET", "/health"), Route::health);
  EXPECT_EQ(route_for("POST", "/api/generate"), Route::ollama_generate);
  EXPECT_EQ(route_for("GET", "/nope"), Route::not_found);
  EXPECT_TRUE(is_recorded(Route::chat));
  EXPECT_TRUE(is_recorded(Route::not_found));
  EXPECT_FALSE(is_recorded(Route::health));
  EXPECT_FALSE(is_recorded(Route::mock_stats));
}

TEST(MockRequestTest, ChatCountsPromptWordsAndHonoursMaxTokens) {
  auto r = parse_request(Route::chat, R"({"model":"m","messages":[{"role":"system","content":"be brief"},
      {"role":"user","content":[{"type":"text","text":"hello there you"}]}],
      "max_tokens":7,"stream":true,"stream_options":{"include_usage":true},"ignore_eos":true})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->model, "m");
  EXPECT_EQ(r->prompt_tokens, 5);
  EXPECT_EQ(r->output_tokens, 7);
  EXPECT_TRUE(r->max_tokens_given);
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  EXPECT_TRUE(r->ignore_eos);
}

TEST(MockRequestTest, MaxCompletionTokensWinsAndDefaultApplies) {
  auto r = parse_request(Route::chat, R"({"model":"m","messages":[{"role":"user","content":"x"}],
      "max_tokens":7,"max_completion_tokens":3})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->output_tokens, 3);
  RequestDefaults d;
  d.output_tokens = 11;
  r = parse_request(Route::chat, R"({"model":"m","messages":[{"role":"user","content":"x"}]})", d);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->output_tokens, 11);
  EXPECT_FALSE(r->max_tokens_given);
  EXPECT_FALSE(r->stream);
}

TEST(MockRequestTest, EosAfterStopsEarlyUnlessIgnoreEosOrMinTokensHoldIt) {
  RequestDefaults d;
  d.eos_after = 5;
  const std::string head = R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":40)";
  auto early = parse_request(Route::chat, head + "}", d);
  ASSERT_TRUE(early);
  EXPECT_EQ(early->output_tokens, 5);
  EXPECT_TRUE(early->stopped_at_eos);
  auto ignore = parse_request(Route::chat, head + R"(,"ignore_eos":true})", d);
  ASSERT_TRUE(ignore);
  EXPECT_EQ(ignore->output_tokens, 40);
  auto min = parse_request(Route::completions, R"({"model":"m","prompt":"x","max_tokens":40,"min_tokens":12})", d);
  ASSERT_TRUE(min);
  EXPECT_EQ(min->output_tokens, 12);
  auto exact = parse_request(Route::chat, head + R"(,"min_tokens":40})", d);
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->output_tokens, 40);
  EXPECT_FALSE(exact->stopped_at_eos);
  EXPECT_FALSE(parse_request(Route::chat, head + R"(,"min_tokens":41})", d)) << "min_tokens above max_tokens";
}

TEST(MockRequestTest, NoUsageDropsStreamUsageEvenWhenAskedFor) {
  RequestDefaults d;
  d.report_usage = false;
  auto r = parse_request(Route::chat, R"({"model":"m","messages":[{"role":"user","content":"x"}],
      "stream":true,"stream_options":{"include_usage":true}})", d);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->include_usage);
  EXPECT_FALSE(r->report_usage);
}

TEST(MockRequestTest, CompletionsAcceptStringsAndTokenIds) {
  auto r = parse_request(Route::completions, R"({"model":"m","prompt":"one two three"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->prompt_tokens, 3);
  r = parse_request(Route::completions, R"({"model":"m","prompt":[1,2,3,4]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->prompt_tokens, 4);
  r = parse_request(Route::completions, R"({"model":"m","prompt":["a b","c"]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->prompt_tokens, 3);
}

TEST(MockRequestTest, EmbeddingsInputs) {
  auto r = parse_request(Route::embeddings, R"({"model":"e","input":["a b","c"],"dimensions":4})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->inputs.size(), 2u);
  EXPECT_EQ(r->prompt_tokens, 3);
  EXPECT_EQ(r->dimensions, 4);
  EXPECT_FALSE(parse_request(Route::embeddings, R"({"model":"e","input":[]})"));
  EXPECT_FALSE(parse_request(Route::embeddings, R"({"model":"e","input":5})"));
}

TEST(MockRequestTest, OllamaStreamsByDefaultAndReadsNumPredict) {
  auto r = parse_request(Route::ollama_generate, R"({"model":"llama","prompt":"why is the sky blue","options":{"num_predict":5}})");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->stream);
  EXPECT_EQ(r->output_tokens, 5);
  EXPECT_EQ(r->prompt_tokens, 5);
  r = parse_request(Route::ollama_chat, R"({"model":"llama","stream":false,"messages":[{"role":"user","content":"hi"}]})");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->stream);
  EXPECT_EQ(r->output_tokens, RequestDefaults{}.output_tokens);
}

TEST(MockRequestTest, RejectsBadBodiesWith400) {
  const char* bad[] = {
      "not json",
      "[1,2]",
      R"({"messages":[{"role":"user","content":"x"}]})",
      R"({"model":1,"messages":[{"role":"user","content":"x"}]})",
      R"({"model":"m"})",
      R"({"model":"m","messages":[]})",
      R"({"model":"m","messages":[{"role":"user","content":5}]})",
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"})",
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0})",
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":"5"})",
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":100000000})",
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream_options":3})",
  };
  for (const char* body : bad) {
    auto r = parse_request(Route::chat, body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().status, 400);
    EXPECT_FALSE(r.error().message.empty());
  }
}

}  // namespace
}  // namespace aiperf::mock_server
