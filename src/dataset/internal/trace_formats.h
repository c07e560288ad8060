// The peers' trace formats, read into the mooncake record shape
// ({"timestamp": ms, "input_length", "output_length", "hash_ids"}) so they take
// the same path as mooncake_trace: timestamps select fixed_schedule, prompts
// are synthesised to input_length exactly (in tokens with a tokenizer).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace aiperf::dataset::internal {

/// Tokens per hash_ids block of the public Bailian traces (their files are named *_blksz_16).
inline constexpr uint32_t kBailianBlockSize = 16;

/// A Bailian trace line ({"chat_id", "parent_chat_id", "timestamp": s, "input_length",
/// "output_length", "type", "turn", "hash_ids"}) as a mooncake record. Every line is a whole
/// request as the service received it (a follow-up's input_length and hash_ids already cover
/// its history), so each is replayed on its own at its timestamp. Throws DatasetError
/// starting with `where` ("file:line: ").
nlohmann::json bailian_record(const nlohmann::json& line, const std::string& where);

/// BurstGPT's CSV (a header naming at least Timestamp, Request tokens, Response tokens; Model,
/// Total tokens, Log Type... ignored): (line number, mooncake record) per data row, timestamps
/// s -> ms. Throws DatasetError naming file:line of a malformed header or row.
std::vector<std::pair<std::size_t, nlohmann::json>> read_burst_gpt(const std::filesystem::path& file,
                                                                   std::string_view text);

}  // namespace aiperf::dataset::internal
