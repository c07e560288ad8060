#include "mock_server/testing/mock_server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace aiperf::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Waits for pid until the deadline; returns true and sets status if it exited.
bool wait_until(int pid, Clock::time_point deadline, int& status) {
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) {
      status = 0;
      return true;  // not our child any more
    }
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

int decode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string MockServerProcess::default_binary() {
  if (const char* env = std::getenv("AIPERF_MOCK_SERVER"); env && *env) return env;
#ifdef AIPERF_MOCK_SERVER_PATH
  return AIPERF_MOCK_SERVER_PATH;
#else
  return "aiperf-mock-server";
#endif
}

MockServerProcess::MockServerProcess(std::vector<std::string> args, std::chrono::milliseconds startup_timeout,
                                     std::string binary) {
  if (binary.empty()) binary = default_binary();
  std::vector<std::string> argv_s{binary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  argv_s.push_back("--port");
  argv_s.push_back("0");
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    throw std::runtime_error("cannot start " + binary + ": " + std::strerror(rc));
  }
  pid_ = pid;
  stdout_fd_ = fds[0];

  // Read the "listening on HOST:PORT" line.
  const auto deadline = Clock::now() + startup_timeout;
  std::string out;
  std::string failure;
  while (out.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      failure = "no 'listening on' line within " + std::to_string(startup_timeout.count()) + " ms";
      break;
    }
    pollfd p{stdout_fd_, POLLIN, 0};
    const int pr = ::poll(&p, 1, static_cast<int>(left));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) continue;
    char buf[256];
    const ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int status = 0;
      wait_until(pid_, Clock::now() + std::chrono::seconds(2), status);
      failure = "exited before listening (status " + std::to_string(decode(status)) + ")";
      pid_ = -1;
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  const std::string prefix = "listening on ";
  const auto line = out.substr(0, out.find('\n'));
  const auto colon = line.rfind(':');
  if (failure.empty() && (line.rfind(prefix, 0) != 0 || colon == std::string::npos)) {
    failure = "unexpected first line: '" + line + "'";
  }
  if (!failure.empty()) {
    stop(std::chrono::seconds(2));
    throw std::runtime_error("aiperf-mock-server (" + binary + "): " + failure);
  }
  host_ = line.substr(prefix.size(), colon - prefix.size());
  port_ = std::atoi(line.c_str() + colon + 1);
}

MockServerProcess::~MockServerProcess() { stop(); }

std::string MockServerProcess::base_url() const {
  return "http://" + (host_.empty() ? std::string("127.0.0.1") : host_) + ":" + std::to_string(port_);
}

int MockServerProcess::stop(std::chrono::milliseconds timeout) {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    if (wait_until(pid_, Clock::now() + timeout, status)) {
      exit_status_ = decode(status);
    } else {
      ::kill(pid_, SIGKILL);
      wait_until(pid_, Clock::now() + std::chrono::seconds(5), status);
      exit_status_ = -1;
    }
    pid_ = -1;
  }
  if (stdout_fd_ >= 0) {
    ::close(stdout_fd_);
    stdout_fd_ = -1;
  }
  return exit_status_;
}

}  // namespace aiperf::testing
