#include "hooks/internal/wire.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace aiperf::hooks::wire {
namespace {

using nlohmann::json;

// A connected socket pair, closed on destruction.
struct Pair {
  Pair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fd), 0); }
  ~Pair() {
    for (int f : fd) if (f >= 0) ::close(f);
  }
  void close_writer() { ::close(fd[1]), fd[1] = -1; }
  int fd[2] = {-1, -1};
};

TEST(HookHostWireTest, EncodesOneCompactLineEvenWithInvalidUtf8) {
  json message = {{"op", "call"}, {"error", std::string("bad \xff byte\nand a newline")}};
  auto line = encode(message);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // the newline inside the string is escaped
  auto back = decode(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ((*back)["op"], "call");
}

TEST(HookHostWireTest, DecodeRefusesWhatIsNotAJsonObject) {
  for (std::string_view bad : {"", "{", "[1,2]", "42", "\"text\""}) {
    auto r = decode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kMalformedInput);
  }
}

TEST(HookHostWireTest, HelloCarriesTheSearchPathInOrderWithOrigins) {
  std::vector<plugin::SearchDir> path = {{"/a", plugin::PathOrigin::kCommandLine},
                                         {"/b c", plugin::PathOrigin::kEnvironment},
                                         {"/d", plugin::PathOrigin::kInstallPrefix}};
  auto message = *decode(encode(hello(path, true)).substr(0, encode(hello(path, true)).size() - 1));
  EXPECT_EQ(message["version"], kVersion);
  EXPECT_EQ(message["allow_insecure"], true);
  auto back = search_path_from(message);
  ASSERT_TRUE(back) << back.error().describe();
  ASSERT_EQ(back->size(), path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    EXPECT_EQ((*back)[i].dir, path[i].dir);
    EXPECT_EQ((*back)[i].origin, path[i].origin);
  }
  message["search_path"][1]["origin"] = "somewhere";
  EXPECT_FALSE(search_path_from(message));
}

TEST(HookHostWireTest, ReaderSplitsFramesArrivingInPiecesAndTogether) {
  Pair p;
  std::string two = encode({{"n", 1}}) + encode({{"n", 2}});
  std::thread writer([&] {
    for (char c : two.substr(0, 5)) write_all(p.fd[1], std::string(1, c));
    write_all(p.fd[1], two.substr(5));
  });
  FrameReader reader(p.fd[0]);
  auto first = reader.read(std::chrono::seconds(5));
  auto second = reader.read(std::chrono::seconds(5));
  writer.join();
  ASSERT_EQ(first.status, ReadStatus::kOk);
  ASSERT_EQ(second.status, ReadStatus::kOk);
  EXPECT_EQ(first.message["n"], 1);
  EXPECT_EQ(second.message["n"], 2);
}

TEST(HookHostWireTest, ReaderReportsTimeoutThenClosedThenMalformed) {
  Pair p;
  FrameReader reader(p.fd[0]);
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(reader.read(std::chrono::milliseconds(50)).status, ReadStatus::kTimedOut);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(50));
  write_all(p.fd[1], "not json\n");
  auto bad = reader.read(std::chrono::seconds(5));
  EXPECT_EQ(bad.status, ReadStatus::kMalformed);
  EXPECT_FALSE(bad.error.empty());
  write_all(p.fd[1], "{\"half\":");
  p.close_writer();
  EXPECT_EQ(reader.read(std::chrono::seconds(5)).status, ReadStatus::kClosed);
}

TEST(HookHostWireTest, WritingToAClosedPeerFailsWithoutSigpipe) {
  Pair p;
  ::close(p.fd[0]), p.fd[0] = -1;
  EXPECT_FALSE(write_all(p.fd[1], encode({{"op", "hello"}})));  // a SIGPIPE would end the test binary
}

TEST(HookHostWireTest, OkAndFailedRepliesHaveTheirShape) {
  auto good = ok({{"packages", json::array()}});
  EXPECT_EQ(good["ok"], true);
  EXPECT_TRUE(good.contains("packages"));
  auto bad = failed("boom");
  EXPECT_EQ(bad["ok"], false);
  EXPECT_EQ(bad["error"], "boom");
}

}  // namespace
}  // namespace aiperf::hooks::wire
