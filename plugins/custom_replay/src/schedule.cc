#include "schedule.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <aiperf/sdk/config.h>

namespace aiperf_plugins::custom_replay {
namespace {

bool blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

}  // namespace

Schedule load_schedule(const std::string& path, bool skip_failed) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw aiperf::ConfigError("cannot read '" + path + "': is a directory");
  std::ifstream in(path);
  if (!in) throw aiperf::ConfigError("cannot read '" + path + "': " + std::strerror(errno));
  Schedule schedule;
  std::vector<int64_t> starts;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (blank(line)) continue;
    auto where = [&] { return path + ":" + std::to_string(number) + ": "; };
    auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (record.is_discarded()) throw aiperf::ConfigError(where() + "malformed record: not valid JSON");
    if (!record.is_object()) throw aiperf::ConfigError(where() + "malformed record: not a JSON object");
    auto metadata = record.find("metadata");
    if (metadata == record.end() || !metadata->is_object()) {
      throw aiperf::ConfigError(where() + "malformed record: no 'metadata' object");
    }
    auto start = metadata->find("request_start_ns");
    if (start == metadata->end() || !start->is_number_integer()) {
      throw aiperf::ConfigError(where() + "malformed record: 'metadata.request_start_ns' is not an integer");
    }
    ++schedule.records;
    auto error = record.find("error");
    if (skip_failed && error != record.end() && !error->is_null()) {
      ++schedule.skipped_failed;
      continue;
    }
    starts.push_back(start->get<int64_t>());
  }
  if (in.bad()) throw aiperf::ConfigError("cannot read '" + path + "': read error");
  if (starts.empty()) {
    std::string why = schedule.records == 0 ? "no records"
                                            : "no records left after skipping " +
                                                  std::to_string(schedule.skipped_failed) + " failed ones";
    throw aiperf::ConfigError("'" + path + "' has nothing to replay: " + why);
  }
  std::sort(starts.begin(), starts.end());
  schedule.offsets_ns.reserve(starts.size());
  for (auto s : starts) schedule.offsets_ns.push_back(s - starts.front());
  return schedule;
}

}  // namespace aiperf_plugins::custom_replay
