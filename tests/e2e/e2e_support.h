// What the end-to-end tests share: running `aiperf profile` against a mock
// server and reading back what it wrote.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock_server/testing/mock_server_process.h"
#include "support/test_support.h"

namespace aiperf::testing {

/// A finished `aiperf profile` run and its artifacts.
struct ProfileRun {
  CommandResult result;
  nlohmann::json aggregate;             ///< profile_export_aiperf.json (null if absent).
  std::vector<nlohmann::json> records;  ///< profile_export.jsonl lines.
};

/// "profile -m mock -u <server> --ui none --artifact-dir <dir> " (append more flags).
std::string profile_args(const MockServerProcess& server, const TempDir& dir);

/// Reads the artifacts in `dir` of a run that produced `result`.
ProfileRun read_run(const TempDir& dir, CommandResult result);

/// Runs `aiperf profile` against `server` with `args`, artifacts into `dir`.
ProfileRun profile(const MockServerProcess& server, const TempDir& dir, const std::string& args);

/// Send times in seconds relative to the first send, sorted.
std::vector<double> send_times(const std::vector<nlohmann::json>& records);

/// GET `path` from the mock server, parsed as JSON (e.g. "/mock/stats").
nlohmann::json mock_json(const MockServerProcess& server, const std::string& path);

/// The whole text of a file ("" if it cannot be read).
std::string slurp(const std::filesystem::path& path);

}  // namespace aiperf::testing
