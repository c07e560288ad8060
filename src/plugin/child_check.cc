#include "plugin/child_check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace aiperf::plugin {
namespace {

// Child -> parent message: one reason byte ('\xff' = ok), then the text.
constexpr unsigned char kOk = 0xff;

void write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::optional<Error> check_in_child(const PluginRegistry& registry,
                                          const ImplementationRef& ref,
                                          std::chrono::milliseconds timeout,
                                          const ChildProbe& probe) {
  auto candidates = registry.candidates(ref);
  if (candidates.empty()) {
    auto missing = registry.get_implementation(ref.protocol, ref.name);
    return missing ? std::nullopt : std::optional(missing.error());
  }
  const auto& top = candidates.front();
  if (top.source == Source::kBuiltin && !probe) return std::nullopt;
  Error context = make_error(ErrorCode::kCrashed, {}).about(ref.str());
  if (top.package) {
    context.file = top.package->manifest.path.string();
    context.package = top.package->manifest.package;
  }

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    context.message = std::string("cannot create pipe: ") + std::strerror(errno);
    return context;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    context.message = std::string("cannot fork: ") + std::strerror(errno);
    return context;
  }
  if (pid == 0) {
    ::close(fds[0]);
    auto factory = registry.get_implementation(ref.protocol, ref.name);
    std::string message(1, static_cast<char>(kOk));
    std::optional<Error> error;
    if (!factory) error = factory.error();
    else if (probe) error = probe();
    if (error) {
      message[0] = static_cast<char>(error->code);
      message += error->message;
    }
    write_all(fds[1], message);
    ::_exit(0);  // no destructors or atexit handlers of the parent's state
  }
  ::close(fds[1]);
  std::string reply;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = ready == 0;
      break;
    }
    char buffer[4096];
    ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;  // EOF: the child exited or died
    reply.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    context.message = "loading did not finish within " + std::to_string(timeout.count()) +
                      " ms; the checking process was killed";
    return context;
  }
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    context.message = "loading killed the checking process with signal " + std::to_string(sig) +
                      " (" + ::strsignal(sig) + ")";
    return context;
  }
  if (reply.empty()) {
    context.message = "the checking process exited with status " +
                      std::to_string(WEXITSTATUS(status)) + " before reporting";
    return context;
  }
  if (static_cast<unsigned char>(reply[0]) == kOk) return std::nullopt;
  context.code = static_cast<ErrorCode>(static_cast<unsigned char>(reply[0]));
  context.message = reply.substr(1);
  return context;
}

}  // namespace aiperf::plugin
