// Helpers shared by tests: temporary plugin directories, copies of the
// fixture plugins, what the process has mapped, and running the aiperf binary.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace aiperf::testing {

/// A fresh private directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  /// The directory.
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Directory holding the built fixture plugin `name` (good, crash, abi_major, abi_tag).
std::filesystem::path fixture_dir(std::string_view name);

/// Copies fixture `name` (library and manifest) into `dest`.
void install_fixture(std::string_view name, const std::filesystem::path& dest);

/// Writes `text` to `path`.
void write_file(const std::filesystem::path& path, std::string_view text);

/// True when a file whose path contains `needle` is mapped into this process.
bool is_mapped(std::string_view needle);

/// Result of running a command.
struct CommandResult {
  int exit_code = -1;  ///< Exit status, or 128+signal.
  std::string out;     ///< stdout.
  std::string err;     ///< stderr.
};

/// Runs the built `aiperf` with `args` (a shell-quoted string) and captures its output.
CommandResult run_aiperf(const std::string& args, const std::string& env = "");

/// Runs a shell command and captures its output.
CommandResult run_shell(const std::string& command);

/// A command running in the background (its own process group), e.g. to interrupt it.
class BackgroundCommand {
 public:
  /// Starts `command` with sh -c; stdout and stderr go to files in a private directory.
  explicit BackgroundCommand(const std::string& command);
  /// Kills the process group if still running.
  ~BackgroundCommand();
  BackgroundCommand(const BackgroundCommand&) = delete;
  BackgroundCommand& operator=(const BackgroundCommand&) = delete;
  /// Sends `sig` to the command's process group.
  void signal(int sig);
  /// Waits up to `timeout_ms` for exit; exit_code -1 if it is still running (then it is killed).
  CommandResult wait(int timeout_ms);
  /// What the command has written to stdout so far.
  std::string out_so_far() const;

 private:
  TempDir dir_;
  int pid_ = -1;
};

/// The shell command line that run_aiperf() would run for `args`.
std::string aiperf_command(const std::string& args, const std::string& env = "");

}  // namespace aiperf::testing
