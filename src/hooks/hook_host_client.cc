#include "hooks/hook_host_client.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "hooks/hook_host.h"
#include "hooks/phase_stats_json.h"

namespace aiperf::hooks {
namespace {

using nlohmann::json;

// How long a host may take to exit after aiperf closed its connection.
constexpr std::chrono::milliseconds kExitGrace{5000};

// In the forked child: only async-signal-safe calls until exec.
[[noreturn]] void exec_host(char** argv, int fd, pid_t parent) {
  ::fcntl(fd, F_SETFD, 0);              // the one descriptor the host inherits on purpose
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);   // aiperf gone (even by SIGKILL): the host goes too
  if (::getppid() != parent) ::_exit(127);
  // Ctrl-C and SIGTERM are aiperf's to handle; a closed connection stops the host.
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::signal(sig, SIG_IGN);
  ::signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // aiperf's threads block the signals it watches
  ::execv(argv[0], argv);
  ::_exit(127);
}

// "crashed: signal 11 (Segmentation fault)" or "exited: status 3".
std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return fmt::format("crashed: signal {} ({})", sig, ::strsignal(sig));
  }
  return fmt::format("exited: status {}", WEXITSTATUS(status));
}

}  // namespace

HookHostClient::HookHostClient(HookHostOptions options, std::string name, pid_t pid, int fd)
    : options_(std::move(options)), name_(std::move(name)), pid_(pid), fd_(fd), reader_(fd) {
  if (!options_.report) options_.report = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
}

Expected<std::shared_ptr<HookHostClient>> HookHostClient::start(HookHostOptions options, std::string name) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return fail(ErrorCode::kCrashed, fmt::format("phase hook '{}': cannot start its hook host: socketpair: {}", name,
                                                 std::strerror(errno)));
  }
  std::string exe = options.executable.string(), command(kHookHostCommand), fd_arg = std::to_string(sv[1]);
  char* argv[] = {exe.data(), command.data(), fd_arg.data(), nullptr};
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) exec_host(argv, sv[1], parent);
  ::close(sv[1]);
  if (pid < 0) {
    ::close(sv[0]);
    return fail(ErrorCode::kCrashed,
                fmt::format("phase hook '{}': cannot start its hook host: fork: {}", name, std::strerror(errno)));
  }
  std::shared_ptr<HookHostClient> client(new HookHostClient(std::move(options), std::move(name), pid, sv[0]));
  std::lock_guard lock(client->mutex_);
  auto reply = client->round_trip(wire::hello(client->options_.search_path, client->options_.allow_insecure),
                                  "hook host start");
  if (!reply) return fail(std::move(reply.error()));
  if (!reply->value("ok", false)) {
    return fail(ErrorCode::kCrashed, fmt::format("phase hook '{}': hook host refused to start: {}", client->name_,
                                                 reply->value("error", std::string())));
  }
  return client;
}

HookHostClient::~HookHostClient() {
  ::close(fd_);  // the host sees end of file, destroys the hook and exits
  if (lost_) return;
  auto status = reap(kExitGrace);
  if (status != "exited: status 0") options_.report(fmt::format("\u2717 phase hook '{}' {} at exit", name_, status));
}

bool HookHostClient::alive() const {
  std::lock_guard lock(mutex_);
  return !lost_;
}

std::string HookHostClient::reap(std::chrono::milliseconds grace) {
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (;;) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) return describe_status(status);
    if (r < 0 && errno != EINTR) return "";
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
  return fmt::format("did not exit within {} ms (killed)", grace.count());
}

std::string HookHostClient::lose(const std::string& how, const std::string& during) {
  lost_ = true;
  return fmt::format("phase hook '{}' {} in {}", name_, how, during);
}

Expected<json> HookHostClient::round_trip(const json& request, const std::string& during) {
  if (lost_) return fail(ErrorCode::kCrashed, fmt::format("phase hook '{}' was lost earlier", name_));
  if (!wire::write_all(fd_, wire::encode(request))) {
    return fail(ErrorCode::kCrashed, lose(reap(kExitGrace), during));
  }
  auto frame = reader_.read(options_.timeout);
  switch (frame.status) {
    case wire::ReadStatus::kOk:
      return std::move(frame.message);
    case wire::ReadStatus::kClosed:
      return fail(ErrorCode::kCrashed, lose(reap(kExitGrace), during));
    case wire::ReadStatus::kTimedOut:
      ::kill(pid_, SIGKILL);
      reap(kExitGrace);
      return fail(ErrorCode::kCrashed,
                  lose(fmt::format("hung: no reply within {} ms (killed)", options_.timeout.count()), during));
    case wire::ReadStatus::kMalformed:
      break;
  }
  ::kill(pid_, SIGKILL);
  reap(kExitGrace);
  return fail(ErrorCode::kCrashed, lose("broke the hook host protocol (" + frame.error + ")", during));
}

Expected<std::vector<RemoteCallback>> HookHostClient::load(const json& config) {
  std::lock_guard lock(mutex_);
  // Three steps, so a crash says where: static constructors, the hook's constructor, register_with.
  const std::pair<json, std::string> steps[] = {
      {{{"op", "load"}, {"name", name_}}, "library load"},
      {{{"op", "create"}, {"config", config}}, "constructor"},
      {{{"op", "register"}}, "register_with"}};
  json last;
  for (const auto& [request, during] : steps) {
    auto reply = round_trip(request, during);
    if (!reply) return fail(std::move(reply.error()));
    if (!reply->value("ok", false)) return fail(ErrorCode::kFactoryFailed, reply->value("error", std::string("failed")));
    if (during == "library load") packages_ = reply->value("packages", json::array());
    last = std::move(*reply);
  }
  std::vector<RemoteCallback> callbacks;
  for (const auto& c : last.value("callbacks", json::array())) {
    callbacks.push_back({c.value("kind", std::string()), c.value("owner", std::string())});
  }
  kinds_.clear();
  for (const auto& c : callbacks) kinds_.push_back(c.kind);
  return callbacks;
}

void HookHostClient::call(std::size_t index, const PhaseStats& stats) {
  std::unique_lock lock(mutex_);
  if (lost_ || index >= kinds_.size()) return;
  auto reply = round_trip({{"op", "call"}, {"index", index}, {"stats", to_json(stats)}}, kinds_[index]);
  if (!reply) {
    options_.report("\u2717 " + reply.error().message);
    return;
  }
  if (!reply->value("ok", false)) throw std::runtime_error(reply->value("error", std::string("failed")));
}

Expected<std::unique_ptr<IsolatedPhaseHook>> load_isolated_hook(PhaseHookRegistry& registry,
                                                                const HookHostOptions& options,
                                                                const std::string& name, const json& config) {
  auto client = HookHostClient::start(options, name);
  if (!client) return fail(std::move(client.error()));
  auto callbacks = (*client)->load(config);
  if (!callbacks) return fail(std::move(callbacks.error()));
  for (std::size_t i = 0; i < callbacks->size(); ++i) {
    auto forward = [c = *client, i](const PhaseStats& s) { c->call(i, s); };
    const auto& cb = (*callbacks)[i];
    if (cb.kind == "phase_start") registry.register_phase_start(cb.owner, forward);
    else registry.register_phase_complete(cb.owner, forward);
  }
  return std::make_unique<IsolatedPhaseHook>(std::move(*client));
}

json isolated_packages(const std::vector<std::unique_ptr<PhaseHook>>& hooks) {
  json out = json::array();
  for (const auto& hook : hooks) {
    const auto* isolated = dynamic_cast<const IsolatedPhaseHook*>(hook.get());
    if (!isolated) continue;
    for (const auto& package : isolated->client().packages()) {
      bool seen = std::any_of(out.begin(), out.end(), [&](const json& p) { return p["package"] == package["package"]; });
      if (!seen) out.push_back(package);
    }
  }
  return out;
}

}  // namespace aiperf::hooks
