#include "endpoints/usage.h"

#include <gtest/gtest.h>

#include <string>

#include "endpoints/openai.h"
#include "endpoints/rankings.h"
#include "endpoints/responses.h"

namespace aiperf::endpoints {
namespace {

using nlohmann::json;

// Every shape a server has been seen to send for a count that is not one.
const char* const kImplausible[] = {"-1", "1.5", "\"7\"", "true", "{}", "[]", "1e30"};

TEST(UsageCountTest, NonNegativeIntegersAreCountsAndEverythingElseIsImplausible) {
  EXPECT_EQ(usage_count(json(nullptr)), std::nullopt);
  EXPECT_EQ(usage_count(json(7)), 7u);
  EXPECT_EQ(usage_count(json::parse("18446744073709551615")), UINT64_MAX);  // a count, but above the bound
  for (const char* shape : kImplausible) {
    EXPECT_EQ(usage_count(json::parse(shape)), kImplausibleTokenCount) << shape;
  }
}

TEST(UsageCountTest, OpenAiUsageWithImplausibleCountsIsMarkedNotAFailedRequest) {
  for (const char* shape : kImplausible) {
    std::string chunk = std::string(R"({"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":)") + shape +
                        R"(,"completion_tokens_details":{"reasoning_tokens":)" + shape + "}}}";
    ParsedResponse r = parse_openai_payload(chunk);
    EXPECT_FALSE(r.error) << shape << ": " << r.error.value_or("");
    ASSERT_TRUE(r.usage) << shape;
    EXPECT_EQ(r.usage->prompt_tokens, 3u) << shape;  // the plausible field is still read
    EXPECT_EQ(r.usage->completion_tokens, kImplausibleTokenCount) << shape;
    EXPECT_EQ(r.usage->reasoning_tokens, kImplausibleTokenCount) << shape;
  }
  ParsedResponse max = parse_openai_payload(R"({"choices":[],"usage":{"completion_tokens":18446744073709551615}})");
  ASSERT_TRUE(max.usage);
  EXPECT_GT(*max.usage->completion_tokens, kMaxPlausibleTokenCount);
}

TEST(UsageCountTest, TypedEventUsageWithImplausibleCountsIsMarked) {
  ResponsesEndpoint responses{PluginConfig{}};
  AnthropicMessagesEndpoint anthropic{PluginConfig{}};
  for (const char* shape : kImplausible) {
    auto done = responses.parse_event(
        {"response.completed",
         std::string(R"({"type":"response.completed","response":{"usage":{"input_tokens":2,"output_tokens":)") +
             shape + "}}}"});
    ASSERT_TRUE(done.response.usage) << shape;
    EXPECT_FALSE(done.response.error) << shape;
    EXPECT_EQ(done.response.usage->prompt_tokens, 2u);
    EXPECT_EQ(done.response.usage->completion_tokens, kImplausibleTokenCount) << shape;
    auto delta = anthropic.parse_event({"message_delta", std::string(R"({"usage":{"output_tokens":)") + shape + "}}"});
    ASSERT_TRUE(delta.response.usage) << shape;
    EXPECT_EQ(delta.response.usage->completion_tokens, kImplausibleTokenCount) << shape;
  }
}

TEST(UsageCountTest, RerankAndTgiUsageWithImplausibleCountsIsMarkedNotThrown) {
  RankingsEndpoint rankings{PluginConfig{}};
  HuggingFaceGenerateEndpoint tgi{PluginConfig{}};
  for (const char* shape : kImplausible) {
    auto ranked = rankings.parse_response(std::string(R"({"results":[],"usage":{"prompt_tokens":)") + shape + "}}");
    ASSERT_TRUE(ranked.usage) << shape;
    EXPECT_EQ(ranked.usage->prompt_tokens, kImplausibleTokenCount) << shape;
    auto generated =
        tgi.parse_response(std::string(R"({"generated_text":"a","details":{"generated_tokens":)") + shape + "}}");
    ASSERT_TRUE(generated.usage) << shape;
    EXPECT_EQ(generated.usage->completion_tokens, kImplausibleTokenCount) << shape;
  }
}

}  // namespace
}  // namespace aiperf::endpoints
