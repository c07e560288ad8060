#include "endpoints/legacy_endpoint.h"

#include <gtest/gtest.h>

namespace aiperf::endpoints {
namespace {

// Stands for a plugin built against API 1.0: it implements only the 1.0 members.
class OldPlugin final : public Endpoint {
 public:
  HttpRequestSpec format_request(const RequestInput&) const override { return {"POST", "/old", {}, "{}"}; }
  StreamFraming stream_framing() const override { return StreamFraming::kNdjson; }
  ParsedResponse parse_response(std::string_view payload) const override {
    ParsedResponse r;
    r.content = std::string(payload);
    return r;
  }
};

TEST(LegacyEndpointTest, OldPluginSeesOnlyUntypedEventsAsBefore) {
  auto adapted = adapt_to_host(std::make_unique<OldPlugin>(), 0);
  ASSERT_NE(dynamic_cast<LegacyEndpoint*>(adapted.get()), nullptr);
  EXPECT_EQ(adapted->format_request({}).path, "/old");
  EXPECT_EQ(adapted->stream_framing(), StreamFraming::kNdjson);
  EXPECT_EQ(adapted->parse_event({"message", "tok"}).response.content, "tok");
  EXPECT_EQ(adapted->parse_event({"", "line"}).response.content, "line");
  EXPECT_EQ(adapted->parse_event({"content_block_delta", "x"}).response.content, "");
  EXPECT_TRUE(adapted->can_stream());
  EXPECT_TRUE(adapted->generates_text());
}

TEST(LegacyEndpointTest, CurrentEndpointsAreNotWrapped) {
  auto adapted = adapt_to_host(std::make_unique<OldPlugin>(), 1);
  EXPECT_EQ(dynamic_cast<LegacyEndpoint*>(adapted.get()), nullptr);
}

}  // namespace
}  // namespace aiperf::endpoints
