#include "support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <tuple>

namespace plugin_test {
namespace {

using Clock = std::chrono::steady_clock;

// fork + exec with stdout (and optionally stderr) on a new pipe; returns {pid, read end}.
std::pair<pid_t, int> spawn(const std::vector<std::string>& argv, bool capture_stderr) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    if (capture_stderr) dup2(fds[1], STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  return {pid, fds[0]};
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

int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
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

MockServer::MockServer(const std::string& executable, const std::vector<std::string>& args) {
  std::vector<std::string> argv{executable, "--port", "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::tie(pid_, stdout_fd_) = spawn(argv, /*capture_stderr=*/false);
  std::string out;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    auto marker = out.find("listening on ");
    if (marker != std::string::npos && out.find('\n', marker) != std::string::npos) {
      port_ = std::stoi(out.substr(out.rfind(':', out.find('\n', marker)) + 1));
      return;
    }
    if (!read_some(stdout_fd_, out, 100) && waitpid(pid_, nullptr, WNOHANG) == pid_) break;
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  close(stdout_fd_);
  throw std::runtime_error("mock server did not start: " + out);
}

MockServer::~MockServer() {
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  close(stdout_fd_);
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

CommandResult run(const std::vector<std::string>& argv, int timeout_seconds) {
  auto [pid, fd] = spawn(argv, /*capture_stderr=*/true);
  CommandResult result;
  auto deadline = Clock::now() + std::chrono::seconds(timeout_seconds);
  bool timed_out = false;
  while (true) {
    if (Clock::now() > deadline) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 200) > 0) {
      char buffer[4096];
      ssize_t n = read(fd, buffer, sizeof buffer);
      if (n <= 0) break;
      result.output.append(buffer, static_cast<std::size_t>(n));
    }
  }
  close(fd);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = exit_code(status);
  if (timed_out) result.output += "\n[test: killed after " + std::to_string(timeout_seconds) + " s]";
  return result;
}

std::filesystem::path fresh_temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("aiperf-plugin-test-" + name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
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

bool profile_supports(const std::string& aiperf, const std::string& flag) {
  return run({aiperf, "profile", "--help"}, 30).output.find(flag) != std::string::npos;
}

}  // namespace plugin_test
