#include "endpoints/rankings.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace aiperf::endpoints {
namespace {

using nlohmann::json;

RequestInput query(std::string id) { return RequestInput{"rr", {{"user", "what is a cat"}}, std::nullopt, true, id}; }

TEST(RankingsEndpointTest, EachFormatHasItsShapeAndNeverStreams) {
  struct Case {
    const char* format;
    const char* path;
    const char* list;
  } cases[] = {{"cohere", "/v1/rerank", "documents"}, {"tei", "/rerank", "texts"}, {"nim", "/v1/ranking", "passages"}};
  for (const auto& c : cases) {
    RankingsEndpoint e{PluginConfig(json{{"format", c.format}, {"passages_mean", 3}})};
    EXPECT_FALSE(e.can_stream());
    EXPECT_FALSE(e.generates_text());
    HttpRequestSpec spec = e.format_request(query("a"));
    EXPECT_EQ(spec.path, c.path);
    json body = json::parse(spec.body);
    EXPECT_EQ(body[c.list].size(), 3u) << c.format;
    EXPECT_FALSE(body.contains("stream"));
  }
  EXPECT_THROW(RankingsEndpoint(PluginConfig(json{{"format", "bing"}})), ConfigError);
}

TEST(RankingsEndpointTest, PassageCountsFollowMeanAndStddevDeterministically) {
  RankingsEndpoint e{PluginConfig(json{{"passages_mean", 20}, {"passages_stddev", 5}})};
  double sum = 0;
  for (int i = 0; i < 400; ++i) {
    const auto n = e.passages_for("req-" + std::to_string(i));
    EXPECT_GE(n, 1u);
    sum += n;
    EXPECT_EQ(n, e.passages_for("req-" + std::to_string(i)));
  }
  EXPECT_NEAR(sum / 400, 20.0, 1.5);
}

TEST(RankingsEndpointTest, ParsesEachResponseShapeAndErrors) {
  RankingsEndpoint e{PluginConfig{}};
  EXPECT_FALSE(e.parse_response(R"({"results":[{"index":0,"relevance_score":0.9}]})").error);
  EXPECT_FALSE(e.parse_response(R"([{"index":1,"score":0.2}])").error);
  EXPECT_FALSE(e.parse_response(R"({"rankings":[{"index":0,"logit":1.5}]})").error);
  auto err = e.parse_response(R"({"error":{"message":"too many passages"}})");
  ASSERT_TRUE(err.error);
  EXPECT_NE(err.error->find("too many passages"), std::string::npos);
  EXPECT_TRUE(e.parse_response("not json").error);
}

TEST(HuggingFaceGenerateEndpointTest, StreamsFromGenerateStreamAndReadsDetails) {
  HuggingFaceGenerateEndpoint e{PluginConfig{}};
  RequestInput in{"tgi", {{"user", "hello"}}, 7, true, "id"};
  EXPECT_EQ(e.format_request(in).path, "/generate_stream");
  in.streaming = false;
  HttpRequestSpec spec = e.format_request(in);
  EXPECT_EQ(spec.path, "/generate");
  EXPECT_EQ(json::parse(spec.body)["parameters"]["max_new_tokens"], 7);
  EXPECT_EQ(e.parse_response(R"({"token":{"id":1,"text":" hi","special":false},"generated_text":null,"details":null})")
                .content,
            " hi");
  auto last = e.parse_response(
      R"({"token":{"id":2,"text":"!","special":false},"generated_text":" hi!","details":{"generated_tokens":2}})");
  EXPECT_EQ(last.content, "!");  // the token, not the whole text again
  EXPECT_EQ(last.usage->completion_tokens, 2u);
  auto whole = e.parse_response(R"([{"generated_text":"a b","details":{"generated_tokens":2}}])");
  EXPECT_EQ(whole.content, "a b");
  EXPECT_TRUE(e.parse_response(R"({"error":"Input validation error","error_type":"validation"})").error);
}

}  // namespace
}  // namespace aiperf::endpoints
