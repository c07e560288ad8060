// Issue 9's promises about files, as real processes: a disk that fills up during
// the run, a re-run into an old artifact directory, secrets in server error bodies,
// a server whose usage counts are not plausible.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <filesystem>
#include <fstream>

#include "e2e/e2e_support.h"
#include "e2e/scripted_server.h"

namespace aiperf {
namespace {

using testing::MockServerProcess;
using testing::TempDir;

// A tmpfs of `kib` KiB mounted on a fresh directory (needs root; skipped otherwise).
class SmallDisk {
 public:
  explicit SmallDisk(int kib) : path_(dir_.path() / "disk") {
    std::filesystem::create_directories(path_);
    std::string options = "size=" + std::to_string(kib) + "k";
    mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  TempDir dir_;
  std::filesystem::path path_;
  bool mounted_ = false;
};

std::vector<std::string> files_in(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ReliabilityE2ETest, FullDiskLeavesNoPartialFileAndStillWritesTheSummaries) {
  SmallDisk disk(48);
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  MockServerProcess server({"--fast"});
  auto out = disk.path() / "out";
  // ~600 bytes per JSONL line: 400 requests overflow 48 KiB; the two summaries fit.
  auto r = testing::run_aiperf("profile -m mock -u " + server.base_url() +
                               " --ui none --request-count 400 --concurrency 8 --artifact-dir '" + out.string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("profile_export.jsonl"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  auto files = files_in(out);
  for (const auto& f : files) EXPECT_FALSE(f.ends_with(".tmp")) << "partial file left: " << f;
  EXPECT_TRUE(std::filesystem::exists(out / "profile_export_aiperf.json")) << "summary not attempted";
  EXPECT_TRUE(std::filesystem::exists(out / "profile_export_aiperf.csv"));
}

TEST(ReliabilityE2ETest, ARunIntoAnOldArtifactDirMovesThePreviousExportsAside) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto first = testing::profile(server, dir, "--request-count 3");
  ASSERT_EQ(first.result.exit_code, 0) << first.result.err;
  auto second = testing::profile(server, dir, "--request-count 5");
  ASSERT_EQ(second.result.exit_code, 0) << second.result.err;
  EXPECT_EQ(second.aggregate["request_count"]["avg"], 5);
  auto previous = nlohmann::json::parse(testing::slurp(dir.path() / "previous" / "profile_export_aiperf.json"));
  EXPECT_EQ(previous["request_count"]["avg"], 3);
  EXPECT_NE(second.result.err.find("previous/"), std::string::npos) << second.result.err;
}

// A server whose usage is 2^64 - 1, negative, fractional, a string or above 2^31: the
// requests succeed, the counts are the client's, and the responses are counted.
TEST(ReliabilityE2ETest, ImplausibleServerUsageIsIgnoredCountedAndWarnedOnce) {
  for (const char* shape : {"18446744073709551615", "-1", "2.5", "\"12\"", "4294967296"}) {
    std::string body = std::string(R"({"id":"c","object":"chat.completion","choices":[{"index":0,"message":)") +
                       R"({"role":"assistant","content":"one two three"},"finish_reason":"stop"}],)" +
                       R"("usage":{"prompt_tokens":)" + shape + R"(,"completion_tokens":)" + shape + "}}";
    testing::ScriptedServer server({{0, testing::close_delimited("application/json", body)}});
    TempDir dir;
    auto r = testing::run_aiperf("profile -m mock -u " + server.base_url() + " --ui none --request-count 3 "
                                 "--no-server-metrics "  // the server counts every request it sees
                                 "--artifact-dir '" + dir.path().string() + "'");
    auto run = testing::read_run(dir, r);
    EXPECT_EQ(r.exit_code, 0) << shape << "\n" << r.err;
    ASSERT_TRUE(run.aggregate.is_object()) << r.err;
    EXPECT_EQ(run.aggregate["implausible_usage"]["avg"], run.aggregate["request_count"]["avg"]) << shape;
    EXPECT_EQ(run.aggregate["request_count"]["avg"], server.requests()) << shape;
    const auto& sources = run.aggregate["token_count_sources"];
    EXPECT_FALSE(sources["output_sequence_length"].contains("reported")) << shape << " " << sources;
    EXPECT_FALSE(sources["input_sequence_length"].contains("reported")) << shape << " " << sources;
    EXPECT_GT(run.aggregate["output_sequence_length"]["min"].get<double>(), 0) << shape;
    EXPECT_LT(run.aggregate["output_sequence_length"]["max"].get<double>(), 1e6) << shape;
    const std::string warning = "token usage that is not a plausible count";
    auto first = r.err.find(warning);
    EXPECT_NE(first, std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(warning, first + 1), std::string::npos) << "warned more than once:\n" << r.err;
  }
}

// Every file in `dir` and below, with its text.
std::vector<std::pair<std::string, std::string>> every_file(const std::filesystem::path& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.emplace_back(e.path().string(), testing::slurp(e.path()));
  }
  return out;
}

// A server that quotes the request's Authorization / x-api-key in its error bodies: the key
// (from the environment or --api-key, as Bearer or x-api-key) is in no file and no output.
TEST(ReliabilityE2ETest, KeyEchoedByTheServerInErrorBodiesAppearsNowhere) {
  MockServerProcess server({"--fast", "--error-rate", "100", "--echo-auth-in-errors"});
  const std::string key = "sk-echo-4242-secret";
  for (const std::string how : {"env chat", "flag chat", "env anthropic_messages"}) {
    TempDir dir;
    bool flag = how.starts_with("flag");
    std::string endpoint = how.substr(how.find(' ') + 1);
    auto r = testing::run_aiperf("profile -m mock -u " + server.base_url() + " --endpoint-type " + endpoint +
                                     " --ui simple --request-count 3 --max-error-rate 1 --artifact-dir '" +
                                     dir.path().string() + "'" + (flag ? " --api-key " + key : ""),
                                 flag ? "" : "AIPERF_API_KEY=" + key);
    EXPECT_EQ(r.exit_code, 0) << how << "\n" << r.err;
    EXPECT_EQ(r.out.find(key), std::string::npos) << how << " stdout leaks the key:\n" << r.out;
    EXPECT_EQ(r.err.find(key), std::string::npos) << how << " stderr leaks the key:\n" << r.err;
    auto files = every_file(dir.path());
    EXPECT_GE(files.size(), 3u);
    for (const auto& [path, text] : files) EXPECT_EQ(text.find(key), std::string::npos) << path << " leaks the key";
    // The server did echo it: what it echoed is there, redacted.
    auto doc = nlohmann::json::parse(testing::slurp(dir.path() / "profile_export_aiperf.json"));
    ASSERT_FALSE(doc["error_summary"].empty()) << how;
    std::string message = doc["error_summary"][0]["error_details"]["message"];
    EXPECT_NE(message.find("<redacted>"), std::string::npos) << how << ": " << message;
  }
}

}  // namespace
}  // namespace aiperf
