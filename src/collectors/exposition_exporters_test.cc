// The parser against real exporters started here (Debian's
// prometheus-node-exporter and prometheus-pushgateway on 127.0.0.1), and
// against promtool's verdict on the same text.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "collectors/exposition.h"
#include "collectors/http_get.h"

extern char** environ;

namespace aiperf::collectors {
namespace {

using namespace std::chrono_literals;

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A program this test started; stopped (SIGTERM, then SIGKILL) when destroyed.
class Child {
 public:
  explicit Child(std::vector<std::string> argv) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    if (posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Child() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 50 && ::waitpid(pid_, nullptr, WNOHANG) == 0; ++i) std::this_thread::sleep_for(100ms);
    if (::waitpid(pid_, nullptr, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

bool on_path(const std::string& program) {
  return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

// GETs url until it answers 200, for at most 15 s.
std::optional<std::string> fetch_when_ready(const std::string& url) {
  for (int i = 0; i < 150; ++i) {
    auto r = http_get(url, 2s);
    if (r && r->status == 200 && !r->body.empty()) return r->body;
    std::this_thread::sleep_for(100ms);
  }
  return std::nullopt;
}

// promtool's verdict: does its text parser accept `text`? (Lint findings are not parse errors.)
bool promtool_parses(const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / ("aiperf-promtool-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(path, std::ios::binary) << text;
  std::string cmd = "promtool check metrics < " + path.string() + " 2>&1";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    std::array<char, 4096> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
    ::pclose(p);
  }
  std::filesystem::remove(path);
  return out.find("error while linting") == std::string::npos && out.find("parsing error") == std::string::npos;
}

void expect_reads_all_of(const std::string& text, std::size_t min_families) {
  auto parsed = parse_exposition(text, ExpositionFormat::kPrometheus);
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_GE(parsed->families.size(), min_families);
  std::size_t samples = 0, sample_lines = 0;
  for (const auto& f : parsed->families) samples += f.samples.size();
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start && text[start] != '#') ++sample_lines;
    start = end + 1;
  }
  EXPECT_EQ(samples, sample_lines) << "every sample line is a sample";
  if (on_path("promtool")) {
    EXPECT_TRUE(promtool_parses(text));
  }
}

TEST(ExpositionExportersTest, ReadsTheWholeOutputOfTheNodeExporter) {
  if (!on_path("prometheus-node-exporter")) GTEST_SKIP() << "apt-get install prometheus-node-exporter";
  int port = free_port();
  Child exporter({"prometheus-node-exporter", "--web.listen-address=127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(exporter.started());
  auto text = fetch_when_ready("http://127.0.0.1:" + std::to_string(port) + "/metrics");
  ASSERT_TRUE(text) << "node exporter did not answer";
  expect_reads_all_of(*text, 50);
  auto parsed = parse_exposition(*text);
  const auto* cpu = parsed->find("node_cpu_seconds_total");
  ASSERT_NE(cpu, nullptr);
  EXPECT_EQ(cpu->type, MetricType::kCounter);
}

TEST(ExpositionExportersTest, ReadsTheWholeOutputOfThePushgateway) {
  if (!on_path("prometheus-pushgateway")) GTEST_SKIP() << "apt-get install prometheus-pushgateway";
  int port = free_port();
  Child gateway({"prometheus-pushgateway", "--web.listen-address=127.0.0.1:" + std::to_string(port),
                 "--persistence.file="});
  ASSERT_TRUE(gateway.started());
  auto text = fetch_when_ready("http://127.0.0.1:" + std::to_string(port) + "/metrics");
  ASSERT_TRUE(text) << "pushgateway did not answer";
  expect_reads_all_of(*text, 20);
  auto parsed = parse_exposition(*text);
  const auto* go = parsed->find("go_gc_duration_seconds");
  ASSERT_NE(go, nullptr);
  EXPECT_EQ(go->type, MetricType::kSummary);
}

TEST(ExpositionExportersTest, AgreesWithPromtoolOnWhatIsValid) {
  if (!on_path("promtool")) GTEST_SKIP() << "apt-get install prometheus (for promtool)";
  const char* cases[] = {
      "a_total 1\n",
      "# TYPE a counter\na 1\n",
      "a{b=\"c\",} 1 -5\n",
      "a{b=\"c\\\"d\"} +Inf\n",
      "a NaN\n",
      "a{b=\"1\",b=\"2\"} 1\n",
      "a{b=\"\\x\"} 1\n",
      "a one\n",
      "a 1 1.5\n",
      "# TYPE a counter\n# TYPE a gauge\na 1\n",
      "# TYPE a histogram\na_bucket 1\n",
      "# TYPE a summary\na 1\n",
      "a 1\nb 2\na 3\n",
      "# TYPE a nonsense\na 1\n",
      "a{b=c} 1\n",
      "a{b=\"c\" 1\n",
      "a\n",
  };
  for (const char* text : cases) {
    EXPECT_EQ(parse_exposition(text, ExpositionFormat::kPrometheus).has_value(), promtool_parses(text)) << text;
  }
}

}  // namespace
}  // namespace aiperf::collectors
