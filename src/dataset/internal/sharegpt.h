// ShareGPT's JSON (the public ShareGPT_V3 file's shape, read locally): an
// array of {"id", "conversations": [{"from": "human"|"gpt", "value"}]}.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "dataset/synthetic.h"

namespace aiperf::dataset::internal {

/// One entry per conversation with a human turn followed by a gpt turn: the
/// prompt is the first human turn, max_tokens the reply's word count (as
/// AIPerf and vLLM's benchmarks do); shorter conversations are skipped.
/// Throws DatasetError naming file:line of a malformed record.
std::vector<DatasetEntry> read_sharegpt(const std::filesystem::path& file, std::string_view text);

/// Byte offsets of the elements of a top-level JSON array (strings and nesting
/// respected); throws DatasetError with file:line if `text` is not an array.
std::vector<std::size_t> array_element_offsets(const std::filesystem::path& file, std::string_view text);

}  // namespace aiperf::dataset::internal
