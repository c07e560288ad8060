// The official npm clients (openai for /v1/responses, @anthropic-ai/sdk for
// /v1/messages) against the mock server: a check that the mock speaks these
// APIs as their own clients expect. Installed by scripts/fetch-npm-clients.sh;
// skipped with a message when node or the clients are absent.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "e2e/e2e_support.h"

namespace aiperf::testing {
namespace {

std::filesystem::path clients_dir() {
  const char* data = std::getenv("AIPERF_TEST_DATA");
  const char* home = std::getenv("HOME");
  std::filesystem::path base = data ? data : std::filesystem::path(home ? home : "/root") / ".cache/aiperf/test-data";
  return base / "clients" / "node_modules";
}

TEST(NpmClientsTest, OfficialClientsReadTheMocksResponsesAndMessages) {
  const auto modules = clients_dir();
  if (run_shell("command -v node >/dev/null").exit_code != 0) GTEST_SKIP() << "node not installed";
  if (!std::filesystem::exists(modules / "openai") || !std::filesystem::exists(modules / "@anthropic-ai/sdk")) {
    GTEST_SKIP() << "npm clients absent in " << modules << ": run scripts/fetch-npm-clients.sh";
  }
  MockServerProcess server({"--fast"});
  auto r = run_shell("NODE_PATH='" + modules.string() + "' timeout 60 node '" AIPERF_SOURCE_DIR
                     "/tests/e2e/npm_clients/check_mock.mjs' " + server.base_url());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto seen = nlohmann::json::parse(r.out);
  EXPECT_EQ(seen["responses_text"], "alpha bravo charlie delta echo");
  EXPECT_EQ(seen["responses_usage"]["output_tokens"], 5);
  EXPECT_EQ(seen["responses_deltas"].size(), 4u);
  EXPECT_EQ(seen["responses_stream_usage"]["output_tokens"], 4);
  EXPECT_EQ(seen["messages_text"], "alpha bravo charlie delta echo");
  EXPECT_EQ(seen["messages_usage"]["input_tokens"], 3);
  EXPECT_EQ(seen["messages_deltas"].size(), 4u);
  EXPECT_EQ(seen["messages_stream_text"], "alpha bravo charlie delta");
  EXPECT_EQ(seen["messages_stream_usage"]["output_tokens"], 4);
}

}  // namespace
}  // namespace aiperf::testing
