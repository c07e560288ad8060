// Reading a recorded run: the send times of a profile_export.jsonl.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace aiperf_plugins::custom_replay {

/// The send times of a recorded run, relative to its first request.
struct Schedule {
  std::vector<int64_t> offsets_ns;  ///< Sorted; the first is 0.
  std::size_t records = 0;          ///< Records in the file.
  std::size_t skipped_failed = 0;   ///< Records left out because they had an error.
};

/// Reads `metadata.request_start_ns` of every record of the JSONL file at `path`
/// (blank lines ignored), leaving out records with a non-null `error` when
/// `skip_failed`. Throws aiperf::ConfigError naming the file (and line) when the
/// file cannot be read, a line is malformed, or nothing is left to replay.
Schedule load_schedule(const std::string& path, bool skip_failed);

}  // namespace aiperf_plugins::custom_replay
