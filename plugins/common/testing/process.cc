#include "common/testing/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <tuple>

namespace plugin_test {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<char*> c_args(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  return args;
}

int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Reads what is available within `timeout_ms`; false on EOF or timeout.
bool read_some(int fd, std::string& out, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  char buffer[4096];
  ssize_t n = read(fd, buffer, sizeof buffer);
  if (n <= 0) return false;
  out.append(buffer, static_cast<std::size_t>(n));
  return true;
}

std::string decode_chunked(const std::string& body) {
  std::string out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t eol = body.find("\r\n", pos);
    if (eol == std::string::npos) break;
    std::size_t size = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
    if (size == 0) break;
    out.append(body, eol + 2, size);
    pos = eol + 2 + size + 2;
  }
  return out;
}

}  // namespace

CommandResult run(const std::vector<std::string>& argv, int timeout_seconds) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  auto args = c_args(argv);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  CommandResult result;
  auto deadline = Clock::now() + std::chrono::seconds(timeout_seconds);
  bool timed_out = false;
  while (true) {
    if (Clock::now() > deadline) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, 200) > 0) {
      char buffer[4096];
      ssize_t n = read(fds[0], buffer, sizeof buffer);
      if (n <= 0) break;
      result.output.append(buffer, static_cast<std::size_t>(n));
    }
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = exit_code(status);
  if (timed_out) result.output += "\n[test: killed after " + std::to_string(timeout_seconds) + " s]";
  return result;
}

bool profile_supports(const std::string& aiperf, const std::string& flag) {
  return run({aiperf, "profile", "--help"}, 30).output.find(flag) != std::string::npos;
}

std::vector<std::string> chat_profile_argv(const std::string& aiperf, const std::string& plugin_dir,
                                           const std::string& url, const std::filesystem::path& artifact_dir,
                                           const std::string& concurrency, const std::string& request_count) {
  return {aiperf, "--plugin-path", plugin_dir, "profile", "-m", "mock-model", "-u", url,
          "--endpoint-type", "chat", "--streaming", "--concurrency", concurrency, "--request-count", request_count,
          "--isl", "8", "--osl", "4", "--ui", "none", "--artifact-dir", artifact_dir.string()};
}

CommandResult short_chat_profile(const std::string& aiperf, const std::string& plugin_dir, const std::string& url,
                                 const std::vector<std::string>& extra) {
  auto dir = fresh_temp_dir("profile-artifacts");
  auto argv = chat_profile_argv(aiperf, plugin_dir, url, dir, "2", "8");
  argv.insert(argv.end(), {"--warmup-request-count", "2"});
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto result = run(argv, 120);
  std::filesystem::remove_all(dir);
  return result;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) throw std::runtime_error("cannot write " + log.string());
  auto args = c_args(argv);
  pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out);
}

ChildProcess::~ChildProcess() {
  if (reaped_) return;
  kill(pid_, SIGTERM);
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (waitpid(pid_, nullptr, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool ChildProcess::running() {
  if (!reaped_ && waitpid(pid_, nullptr, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

MockServer::MockServer(const std::string& executable, const std::vector<std::string>& args) {
  static std::atomic<int> count{0};
  log_ = std::filesystem::temp_directory_path() /
         ("aiperf-plugin-test-mock-" + std::to_string(getpid()) + "-" + std::to_string(count++) + ".log");
  std::vector<std::string> argv{executable, "--port", "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<ChildProcess>(argv, log_);
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline && process_->running()) {
    std::string out = read_file(log_);
    auto marker = out.find("listening on ");
    auto eol = marker == std::string::npos ? marker : out.find('\n', marker);
    if (eol != std::string::npos) {
      port_ = std::stoi(out.substr(out.rfind(':', eol) + 1));
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  process_.reset();
  std::string out = read_file(log_);
  std::error_code ignored;
  std::filesystem::remove(log_, ignored);
  throw std::runtime_error("mock server did not start: " + out);
}

MockServer::~MockServer() {
  process_.reset();
  std::error_code ignored;
  std::filesystem::remove(log_, ignored);
}

nlohmann::json MockServer::get_json(const std::string& path) const {
  return nlohmann::json::parse(http_get(port_, path));
}

std::string http_get(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    throw std::runtime_error("connect to port " + std::to_string(port) + " failed");
  }
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    throw std::runtime_error("write failed");
  }
  std::string response;
  while (read_some(fd, response, 10000)) {
  }
  close(fd);
  auto head_end = response.find("\r\n\r\n");
  if (head_end == std::string::npos) throw std::runtime_error("no HTTP response from " + path);
  std::string head = response.substr(0, head_end);
  std::string body = response.substr(head_end + 4);
  if (head.find(" 200 ") == std::string::npos) throw std::runtime_error("GET " + path + ": " + head);
  std::string lower = head;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find("transfer-encoding: chunked") != std::string::npos ? decode_chunked(body) : body;
}

std::pair<int, int> bind_loopback(int type) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("bind to 127.0.0.1 failed");
  }
  return {fd, ntohs(addr.sin_port)};
}

int free_tcp_port() {
  auto [fd, port] = bind_loopback(SOCK_STREAM);
  close(fd);
  return port;
}

SilentListener::SilentListener() {
  std::tie(fd_, port_) = bind_loopback(SOCK_STREAM);
  if (listen(fd_, 16) != 0) throw std::runtime_error("listen failed");
}

SilentListener::~SilentListener() { close(fd_); }

std::filesystem::path fresh_temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("aiperf-plugin-test-" + name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::vector<nlohmann::json> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return nlohmann::json::parse(in);
}

}  // namespace plugin_test
