#include "transport/url.h"

#include <gtest/gtest.h>

namespace aiperf::transport {
namespace {

TEST(ParseHttpUrl, HostPortAndBasePath) {
  auto u = parse_http_url("http://127.0.0.1:8000/v1");
  ASSERT_TRUE(u) << u.error().describe();
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8000);
  EXPECT_EQ(u->base_path, "/v1");
  EXPECT_EQ(u->authority(), "127.0.0.1:8000");
  EXPECT_EQ(u->join("/chat/completions"), "/v1/chat/completions");
  EXPECT_EQ(u->join("chat/completions"), "/v1/chat/completions");
}

TEST(ParseHttpUrl, DefaultsAndNormalisation) {
  auto u = parse_http_url("  HTTP://Example.com/  ");
  ASSERT_TRUE(u) << u.error().describe();
  EXPECT_EQ(u->host, "Example.com");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->base_path, "");
  EXPECT_EQ(u->join("/v1/models"), "/v1/models");

  auto trailing = parse_http_url("http://h:1/v1//");
  ASSERT_TRUE(trailing);
  EXPECT_EQ(trailing->base_path, "/v1");
  EXPECT_EQ(trailing->port, 1);
}

TEST(ParseHttpUrl, SchemeIsOptionalLikeAiperf) {
  auto u = parse_http_url("localhost:8000");
  ASSERT_TRUE(u) << u.error().describe();
  EXPECT_EQ(u->host, "localhost");
  EXPECT_EQ(u->port, 8000);
  auto bare = parse_http_url("my-server.local");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->port, 80);
}

TEST(ParseHttpUrl, Ipv6Literal) {
  auto u = parse_http_url("http://[::1]:9000/api");
  ASSERT_TRUE(u) << u.error().describe();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 9000);
  EXPECT_EQ(u->base_path, "/api");
  EXPECT_EQ(u->authority(), "[::1]:9000");
  auto no_port = parse_http_url("http://[fe80::1]");
  ASSERT_TRUE(no_port);
  EXPECT_EQ(no_port->port, 80);
}

TEST(ParseHttpUrl, HttpsSelectsTlsAndDefaultsToPort443) {
  auto u = parse_http_url("https://api.openai.com/v1");
  ASSERT_TRUE(u) << u.error().describe();
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "api.openai.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->base_path, "/v1");
  auto upper = parse_http_url("HTTPS://x:8443");
  ASSERT_TRUE(upper) << upper.error().describe();
  EXPECT_TRUE(upper->tls);
  EXPECT_EQ(upper->port, 8443);
  auto plain = parse_http_url("http://x");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->port, 80);
}

TEST(ParseHttpUrl, RejectsBadInputWithAReason) {
  const struct {
    const char* url;
    const char* why;
  } cases[] = {
      {"", "empty"},
      {"ftp://host", "unsupported scheme"},
      {"http://", "missing host"},
      {"http://:8000", "missing host"},
      {"http://host:", "empty port"},
      {"http://host:0", "out of range"},
      {"http://host:65536", "out of range"},
      {"http://host:123456", "out of range"},
      {"http://host:80a", "not a number"},
      {"http://host:-1", "not a number"},
      {"http://user:pw@host", "credentials"},
      {"http://host/v1?x=1", "query"},
      {"http://host/v1#frag", "query"},
      {"http://ho st", "whitespace"},
      {"http://ho$t", "invalid character"},
      {"http://[::1", "unterminated"},
      {"http://[]", "invalid IPv6"},
      {"http://[zz::1]", "invalid character"},
      {"http://[::1]x", "unexpected characters"},
      {"http://ho\tst", "whitespace"},
  };
  for (const auto& c : cases) {
    auto u = parse_http_url(c.url);
    ASSERT_FALSE(u) << c.url;
    EXPECT_NE(u.error().message.find(c.why), std::string::npos) << c.url << " -> " << u.error().message;
  }
}

TEST(ParseHttpUrl, MaxPortAndGarbageNeverThrow) {
  auto u = parse_http_url("http://h:65535");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 65535);
  // Arbitrary bytes: an answer, never an exception.
  std::string junk;
  for (int i = 0; i < 256; ++i) {
    junk.push_back(static_cast<char>(i));
    EXPECT_NO_THROW((void)parse_http_url(junk));
    EXPECT_NO_THROW((void)parse_http_url("http://" + junk));
  }
}

TEST(ParseHttpUrl, StrGivesTheCanonicalForm) {
  EXPECT_EQ(parse_http_url("HTTP://127.0.0.1:9000/v1/")->str(), "http://127.0.0.1:9000/v1");
  EXPECT_EQ(parse_http_url("https://[::1]")->str(), "https://[::1]:443");
}

TEST(ParseSourceAddresses, ExpandsListsAndInclusiveRanges) {
  auto a = parse_source_addresses("127.0.0.2-127.0.0.4, ::1,10.0.0.1");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(*a, (std::vector<std::string>{"127.0.0.2", "127.0.0.3", "127.0.0.4", "::1", "10.0.0.1"}));
  auto across = parse_source_addresses("10.0.0.255-10.0.1.0");
  ASSERT_TRUE(across);
  EXPECT_EQ(*across, (std::vector<std::string>{"10.0.0.255", "10.0.1.0"}));
}

TEST(ParseSourceAddresses, RefusesWhatIsNotAnAddressOrTooMany) {
  for (const char* bad : {"", "localhost", "127.0.0.9-127.0.0.1", "1.2.3.4,", "::1-::2", "10.0.0.0-10.2.0.0"}) {
    auto a = parse_source_addresses(bad);
    ASSERT_FALSE(a) << bad;
    EXPECT_NE(a.error().message.find("invalid source address"), std::string::npos) << a.error().message;
  }
}

TEST(ParseSourceAddresses, GarbageNeverThrows) {
  std::string junk;
  for (int i = 0; i < 256; ++i) {
    junk.push_back(static_cast<char>(i));
    EXPECT_NO_THROW((void)parse_source_addresses(junk));
    EXPECT_NO_THROW((void)parse_source_addresses("127.0.0.1-" + junk));
  }
}

}  // namespace
}  // namespace aiperf::transport
