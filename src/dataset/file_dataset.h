// Datasets read from JSONL files: single-turn prompts or chat messages, and
// mooncake traces (timestamped, with input/output lengths and hash ids).
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "dataset/synthetic.h"

namespace aiperf::dataset {

/// A dataset with what samplers and schedules may need besides the prompts.
struct Dataset {
  std::vector<DatasetEntry> entries;
  std::vector<double> weights;        ///< Per entry ("weight" field), or empty if no entry had one.
  std::vector<std::string> sources;   ///< Per entry: the file name it came from.
  std::vector<double> timestamps_ms;  ///< Per entry ("timestamp"), or empty: a trace selects fixed_schedule.
};

/// A malformed input file; the message starts with "FILE:LINE:".
class DatasetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Reads JSONL records, one per line (blank lines skipped):
///   {"text": "...", "max_tokens": N, "weight": W, "timestamp": MS}
///   {"messages": [{"role": "user", "content": "..."}], ...}
///   {"timestamp": MS, "input_length": N, "output_length": M, "hash_ids": [..]}  (mooncake)
/// Mooncake prompts are synthesised: one 512-word block per hash id, the same
/// block for the same id (so prefix caching behaves as in the trace), cut to input_length.
Dataset load_jsonl_files(const std::vector<std::filesystem::path>& files, uint64_t seed);

/// Wraps synthetic entries as a Dataset.
Dataset from_entries(std::vector<DatasetEntry> entries);

}  // namespace aiperf::dataset
