#include "dataset/file_dataset.h"

#include <random>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "base/file.h"

namespace aiperf::dataset {
namespace {

// A malformed record, thrown inside this file only; load_jsonl_files returns it as an Error.
struct DatasetError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A file that could not be read at all.
struct FileError {
  Error error;
};

Dataset load_or_throw(const std::vector<std::filesystem::path>& files, uint64_t seed);

using nlohmann::json;

constexpr uint32_t kBlockWords = 512;

// The words of one mooncake hash block: the same id gives the same text.
std::string block_text(uint64_t hash_id, uint64_t seed, uint32_t words) {
  SyntheticOptions o;
  o.isl_mean = words;
  o.seed = seed ^ (hash_id * 0x9e3779b97f4a7c15ull);
  o.entries = 1;
  return make_synthetic_dataset(o).front().prompt;
}

uint32_t positive_count(const json& value, const std::string& where, const char* key) {
  if (!value.is_number_integer() || value.get<int64_t>() < 1) {
    throw DatasetError(where + "'" + key + "' must be a positive integer, got " + value.dump());
  }
  if (value.get<int64_t>() > kMaxInputLength) {
    throw DatasetError(where + "'" + key + "' is " + value.dump() + "; the limit is " + std::to_string(kMaxInputLength));
  }
  return static_cast<uint32_t>(value.get<int64_t>());
}

DatasetEntry parse_entry(const json& record, const std::string& where, uint64_t seed) {
  DatasetEntry entry;
  if (auto it = record.find("text"); it != record.end()) {
    if (!it->is_string()) throw DatasetError(where + "'text' must be a string");
    entry.prompt = it->get<std::string>();
  } else if (auto msgs = record.find("messages"); msgs != record.end()) {
    if (!msgs->is_array() || msgs->empty()) throw DatasetError(where + "'messages' must be a non-empty array");
    for (const auto& m : *msgs) {
      if (!m.is_object() || !m.contains("role") || !m.contains("content") || !m["role"].is_string() ||
          !m["content"].is_string()) {
        throw DatasetError(where + "each message needs string 'role' and 'content'");
      }
      entry.messages.push_back({m["role"], m["content"]});
    }
  } else if (auto len = record.find("input_length"); len != record.end()) {
    uint32_t words = positive_count(*len, where, "input_length");
    std::vector<uint64_t> ids;
    if (auto h = record.find("hash_ids"); h != record.end()) {
      if (!h->is_array()) throw DatasetError(where + "'hash_ids' must be an array");
      for (const auto& id : *h) {
        if (!id.is_number_integer()) throw DatasetError(where + "'hash_ids' must hold integers");
        ids.push_back(id.get<uint64_t>());
      }
    }
    for (std::size_t b = 0; entry.prompt_words < words; ++b) {
      uint32_t n = std::min(kBlockWords, words - entry.prompt_words);
      uint64_t id = b < ids.size() ? ids[b] : (0xffffull << 48) + b;  // unnamed tail blocks
      if (!entry.prompt.empty()) entry.prompt += ' ';
      entry.prompt += block_text(id, seed, n);
      entry.prompt_words += n;
    }
  } else {
    throw DatasetError(where + "record needs 'text', 'messages' or 'input_length'");
  }
  if (entry.prompt_words == 0) {
    std::string all = entry.prompt;
    for (const auto& m : entry.messages) all += " " + m.content;
    bool in_word = false;
    for (char c : all) {
      bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
      if (!space && !in_word) ++entry.prompt_words;
      in_word = !space;
    }
  }
  for (const char* key : {"max_tokens", "output_length"}) {
    if (auto it = record.find(key); it != record.end()) entry.max_tokens = positive_count(*it, where, key);
  }
  return entry;
}

}  // namespace

Dataset from_entries(std::vector<DatasetEntry> entries) {
  Dataset d;
  d.entries = std::move(entries);
  return d;
}

Expected<Dataset> load_jsonl_files(const std::vector<std::filesystem::path>& files, uint64_t seed) {
  try {
    return load_or_throw(files, seed);
  } catch (const FileError& e) {
    return fail(e.error);
  } catch (const DatasetError& e) {
    return fail(ErrorCode::kMalformedInput, e.what());
  }
}

namespace {

Dataset load_or_throw(const std::vector<std::filesystem::path>& files, uint64_t seed) {
  Dataset d;
  std::vector<std::optional<double>> weights, timestamps;
  for (const auto& file : files) {
    auto text = read_bounded_regular_file(file, kMaxInputFileBytes);
    if (!text) throw FileError{std::move(text.error()).in_file(file.string())};
    std::istringstream in(std::move(*text));
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      std::string where = file.string() + ":" + std::to_string(number) + ": ";
      json record = json::parse(line, nullptr, false);
      if (record.is_discarded() || !record.is_object()) throw DatasetError(where + "not a JSON object");
      d.entries.push_back(parse_entry(record, where, seed));
      d.sources.push_back(file.filename().string());
      auto number_of = [&](const char* key) -> std::optional<double> {
        auto it = record.find(key);
        if (it == record.end()) return std::nullopt;
        if (!it->is_number() || it->get<double>() < 0) {
          throw DatasetError(where + "'" + key + "' must be a non-negative number");
        }
        if (it->get<double>() > kMaxTimestampMs) {  // also bounds weights: no real weight is this large
          throw DatasetError(where + "'" + key + "' is " + it->dump() + "; the limit is 1e11 (a timestamp of 3 years, in ms)");
        }
        return it->get<double>();
      };
      weights.push_back(number_of("weight"));
      timestamps.push_back(number_of("timestamp"));
    }
  }
  if (d.entries.empty()) throw DatasetError("input files hold no records");
  auto count = [](const auto& v) { return std::count_if(v.begin(), v.end(), [](auto& x) { return x.has_value(); }); };
  if (auto n = count(timestamps); n > 0) {
    if (static_cast<std::size_t>(n) != timestamps.size()) {
      throw DatasetError("some records have a 'timestamp' and others not: a trace needs one on every record");
    }
    for (auto t : timestamps) d.timestamps_ms.push_back(*t);
  }
  if (count(weights) > 0) {
    for (auto w : weights) d.weights.push_back(w.value_or(1.0));  // unweighted records count once
  }
  return d;
}

}  // namespace
}  // namespace aiperf::dataset
