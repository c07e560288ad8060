#include "e2e/e2e_support.h"

#include <algorithm>
#include <fstream>

namespace aiperf::testing {

std::string profile_args(const MockServerProcess& server, const TempDir& dir) {
  return "profile -m mock -u " + server.base_url() + " --ui none --artifact-dir '" + dir.path().string() + "' ";
}

ProfileRun read_run(const TempDir& dir, CommandResult result) {
  ProfileRun run{std::move(result), {}, {}};
  std::ifstream aggregate(dir.path() / "profile_export_aiperf.json");
  if (aggregate) run.aggregate = nlohmann::json::parse(aggregate);
  std::ifstream lines(dir.path() / "profile_export.jsonl");
  for (std::string line; std::getline(lines, line);) run.records.push_back(nlohmann::json::parse(line));
  return run;
}

ProfileRun profile(const MockServerProcess& server, const TempDir& dir, const std::string& args) {
  return read_run(dir, run_aiperf(profile_args(server, dir) + args));
}

std::vector<double> send_times(const std::vector<nlohmann::json>& records) {
  std::vector<double> t;
  for (const auto& r : records) t.push_back(r["metadata"]["request_start_ns"].get<double>());
  std::sort(t.begin(), t.end());
  const double first = t.empty() ? 0 : t.front();
  for (auto& x : t) x = (x - first) / 1e9;
  return t;
}

nlohmann::json mock_json(const MockServerProcess& server, const std::string& path) {
  return nlohmann::json::parse(http_get(server.port(), path).body);
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace aiperf::testing
