#include "plugin/internal/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace aiperf::plugin::internal {
namespace {

// Child -> parent message: one code byte ('\xff' = ok), then the text.
constexpr unsigned char kOk = 0xff;

void write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

[[noreturn]] void run_child(int fd, const ChildWork& work) {
  std::string message(1, static_cast<char>(kOk));
  if (auto error = work()) {
    message[0] = static_cast<char>(error->code);
    message += error->message;
  }
  write_all(fd, message);
  ::_exit(0);  // no destructors or atexit handlers of the parent's state
}

// Reads the child's reply until EOF or the deadline; false on timeout.
bool read_reply(int fd, std::chrono::milliseconds timeout, std::string& reply) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return false;
    if (ready < 0) return true;
    char buffer[4096];
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;  // EOF: the child exited or died
    reply.append(buffer, static_cast<std::size_t>(n));
  }
}

Error crashed(std::string message) { return make_error(ErrorCode::kCrashed, std::move(message)); }

}  // namespace

std::optional<Error> run_in_child(const ChildWork& work, std::chrono::milliseconds timeout,
                                  std::string_view what) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return crashed(std::string("cannot create pipe: ") + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) {
    int error = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return crashed(std::string("cannot fork: ") + std::strerror(error));
  }
  if (pid == 0) {
    ::close(fds[0]);
    run_child(fds[1], work);
  }
  ::close(fds[1]);
  std::string reply;
  bool finished = read_reply(fds[0], timeout, reply);
  ::close(fds[0]);
  if (!finished) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!finished) {
    return crashed(std::string(what) + " did not finish within " + std::to_string(timeout.count()) +
                   " ms; the checking process was killed");
  }
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return crashed(std::string(what) + " killed the checking process with signal " +
                   std::to_string(sig) + " (" + ::strsignal(sig) + ")");
  }
  if (reply.empty()) {
    return crashed("the checking process exited with status " +
                   std::to_string(WEXITSTATUS(status)) + " before reporting");
  }
  if (static_cast<unsigned char>(reply[0]) == kOk) return std::nullopt;
  return make_error(static_cast<ErrorCode>(static_cast<unsigned char>(reply[0])), reply.substr(1));
}

}  // namespace aiperf::plugin::internal
