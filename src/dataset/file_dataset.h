// Datasets read from JSONL files: single-turn prompts or chat messages, and
// traces (timestamped, with input/output lengths and hash ids): mooncake and
// Bailian JSONL, BurstGPT CSV.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/error.h"
#include "dataset/synthetic.h"
#include "dataset/text_source.h"

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
/// Tokens per hash_ids block when neither --block-size nor the format says (the mooncake traces').
inline constexpr uint32_t kDefaultBlockSize = 512;
/// A trace timestamp above this (ms; about 3 years) is refused: nanoseconds would overflow later.
inline constexpr double kMaxTimestampMs = 1e11;

/// How an input file is read (--custom-dataset-type, AIPerf's names).
enum class DatasetType {
  kAuto,           ///< By each record's fields (the default).
  kSingleTurn,     ///< {"text"|"texts"|"messages", ...}: one request per record.
  kMultiTurn,      ///< {"session_id", "turns": [{"text", "delay", ...}, ...]}: one conversation per record.
  kRandomPool,     ///< Records as single_turn, sampled at random with replacement.
  kMooncakeTrace,  ///< {"input_length", "output_length", "hash_ids", "timestamp"}.
  kShareGpt,       ///< A JSON array of {"conversations": [{"from": "human"|"gpt", "value"}]}.
  kBailianTrace,   ///< Bailian JSONL {"timestamp": s, "input_length", "output_length", "hash_ids" (16-token blocks), ...}.
  kBurstGptTrace,  ///< BurstGPT CSV: Timestamp (s), Model, Request tokens, Response tokens, Total tokens, Log Type.
};

/// Parses a --custom-dataset-type name; nullopt if unknown.
std::optional<DatasetType> parse_dataset_type(std::string_view name);

/// Everything that shapes how input files become entries.
struct FileOptions {
  DatasetType type = DatasetType::kAuto;
  uint64_t seed = 0;
  std::optional<uint32_t> block_size;      ///< Tokens per hash_ids block (--block-size); default: the format's.
  TextSource source = word_source();       ///< Text of the hash blocks (a tokenizer's, or words).
};

/// Reads the files as `options.type` says. Each entry's class label is its
/// record's "class" field, else the file name. Errors carry file:line.
Expected<Dataset> load_input_files(const std::vector<std::filesystem::path>& files, const FileOptions& options);

/// Reads JSONL records, one per line (blank lines skipped):
///   {"text": "...", "max_tokens": N, "weight": W, "timestamp": MS}
///   {"messages": [{"role": "user", "content": "..."}], ...}
///   {"timestamp": MS, "input_length": N, "output_length": M, "hash_ids": [..]}  (mooncake)
/// Mooncake prompts are synthesised: one block of block_size tokens per hash id, the same
/// block for the same id (so prefix caching behaves as in the trace), each ending in a
/// separator the next block cannot merge with; the last block holds the rest of input_length.
/// A malformed record is kMalformedInput with file and line; an unreadable, non-regular or
/// too large file is its own Error.
Expected<Dataset> load_jsonl_files(const std::vector<std::filesystem::path>& files, uint64_t seed);

/// Wraps synthetic entries as a Dataset.
Dataset from_entries(std::vector<DatasetEntry> entries);

}  // namespace aiperf::dataset
