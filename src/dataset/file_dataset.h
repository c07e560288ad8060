// Datasets read from JSONL files: single-turn prompts or chat messages, and
// mooncake traces (timestamped, with input/output lengths and hash ids).
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/error.h"
#include "dataset/synthetic.h"

namespace aiperf::dataset {

/// A dataset with what samplers and schedules may need besides the prompts.
struct Dataset {
  std::vector<DatasetEntry> entries;
  std::vector<double> weights;        ///< Per entry ("weight" field), or empty if no entry had one.
  std::vector<std::string> sources;   ///< Per entry: the file name it came from.
  std::vector<double> timestamps_ms;  ///< Per entry ("timestamp"), or empty: a trace selects fixed_schedule.
};

/// Input files larger than this are refused (2 GiB).
inline constexpr std::size_t kMaxInputFileBytes = std::size_t{2} << 30;
/// A mooncake record's input_length above this is refused: more than any model's context.
inline constexpr uint32_t kMaxInputLength = 1u << 20;
/// A trace timestamp above this (ms; about 3 years) is refused: nanoseconds would overflow later.
inline constexpr double kMaxTimestampMs = 1e11;

/// Reads JSONL records, one per line (blank lines skipped):
///   {"text": "...", "max_tokens": N, "weight": W, "timestamp": MS}
///   {"messages": [{"role": "user", "content": "..."}], ...}
///   {"timestamp": MS, "input_length": N, "output_length": M, "hash_ids": [..]}  (mooncake)
/// Mooncake prompts are synthesised: one 512-word block per hash id, the same
/// block for the same id (so prefix caching behaves as in the trace), cut to input_length.
/// A malformed record is kMalformedInput with file and line; an unreadable, non-regular or
/// too large file is its own Error.
Expected<Dataset> load_jsonl_files(const std::vector<std::filesystem::path>& files, uint64_t seed);

/// Wraps synthetic entries as a Dataset.
Dataset from_entries(std::vector<DatasetEntry> entries);

}  // namespace aiperf::dataset
