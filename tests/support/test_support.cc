#include "support/test_support.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace aiperf::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/aiperf-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::add, ec);
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path fixture_dir(std::string_view name) {
  return std::filesystem::path(AIPERF_FIXTURE_DIR) / name;
}

void install_fixture(std::string_view name, const std::filesystem::path& dest) {
  for (const auto& entry : std::filesystem::directory_iterator(fixture_dir(name))) {
    auto file = entry.path().filename().string();
    if (file.ends_with(".so") || file.ends_with(".aiperf-plugin.json")) {
      std::filesystem::copy_file(entry.path(), dest / file,
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }
}

void write_file(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

bool is_mapped(std::string_view needle) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

CommandResult run_shell(const std::string& command) {
  TempDir dir;
  auto out = dir.path() / "out";
  auto err = dir.path() / "err";
  std::string full = "(" + command + ") >'" + out.string() + "' 2>'" + err.string() + "' </dev/null";
  int status = std::system(full.c_str());
  CommandResult result;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
  auto slurp = [](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  result.out = slurp(out);
  result.err = slurp(err);
  return result;
}

std::string aiperf_command(const std::string& args, const std::string& env) {
  // Isolate from the developer's own plugins: no user dir, no inherited path.
  return "env -u AIPERF_PLUGIN_PATH XDG_DATA_HOME=/nonexistent " + env + " '" + std::string(AIPERF_BIN) +
         "' " + args;
}

CommandResult run_aiperf(const std::string& args, const std::string& env) {
  return run_shell(aiperf_command(args, env));
}

namespace {
std::string slurp_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

BackgroundCommand::BackgroundCommand(const std::string& command) {
  std::string out = (dir_.path() / "out").string(), err = (dir_.path() / "err").string();
  pid_ = ::fork();
  if (pid_ == 0) {
    ::setpgid(0, 0);
    std::string full = "exec " + command + " >'" + out + "' 2>'" + err + "' </dev/null";
    ::execl("/bin/sh", "sh", "-c", full.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);
}

BackgroundCommand::~BackgroundCommand() {
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void BackgroundCommand::signal(int sig) { ::kill(-pid_, sig); }

std::string BackgroundCommand::out_so_far() const { return slurp_file(dir_.path() / "out"); }

CommandResult BackgroundCommand::wait(int timeout_ms) {
  CommandResult result;
  int status = 0;
  for (int waited = 0; waited <= timeout_ms; waited += 10) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
      else if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
      break;
    }
    ::usleep(10'000);
  }
  result.out = slurp_file(dir_.path() / "out");
  result.err = slurp_file(dir_.path() / "err");
  return result;
}

}  // namespace aiperf::testing
