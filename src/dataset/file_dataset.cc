#include "dataset/file_dataset.h"

#include <map>
#include <random>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "dataset/internal/dataset_error.h"
#include "dataset/internal/sharegpt.h"
#include "dataset/internal/trace_formats.h"

namespace aiperf::dataset {
namespace {

using internal::DatasetError;
using internal::FileError;
using nlohmann::json;

uint32_t positive_count(const json& value, const std::string& where, const char* key) {
  if (!value.is_number_integer() || value.get<int64_t>() < 1) {
    throw DatasetError(where + "'" + key + "' must be a positive integer, got " + value.dump());
  }
  if (value.get<int64_t>() > kMaxInputLength) {
    throw DatasetError(where + "'" + key + "' is " + value.dump() + "; the limit is " + std::to_string(kMaxInputLength));
  }
  return static_cast<uint32_t>(value.get<int64_t>());
}

std::string string_field(const json& v, const std::string& where, const char* what) {
  if (!v.is_string()) throw DatasetError(where + what + " must be a string");
  return v.get<std::string>();
}

// Reads files into entries; holds the mooncake block cache.
class Loader {
 public:
  explicit Loader(const FileOptions& options)
      : o_(options),
        block_size_(options.block_size.value_or(options.type == DatasetType::kBailianTrace ? internal::kBailianBlockSize
                                                                                            : kDefaultBlockSize)) {}
  Dataset load(const std::vector<std::filesystem::path>& files);

 private:
  void read_jsonl(const std::filesystem::path& file, const std::string& text);
  void add_record(const json& record, const std::string& where, const std::string& label);
  DatasetEntry parse_entry(const json& record, const std::string& where);
  void parse_mooncake(const json& record, const std::string& where, DatasetEntry& entry);
  void add_turns(const json& record, const std::string& where, const std::string& label);
  const std::string& block(uint64_t hash_id, uint32_t tokens, const std::string& where);

  const FileOptions& o_;
  const uint32_t block_size_;  // tokens per hash_ids block: --block-size, else the format's
  Dataset d_;
  std::vector<std::optional<double>> weights_, timestamps_;
  std::map<std::pair<uint64_t, uint32_t>, std::string> blocks_;
  uint64_t records_ = 0;
};

// One deterministic block per (hash id, length): the same id always gives the same tokens.
const std::string& Loader::block(uint64_t hash_id, uint32_t tokens, const std::string& where) {
  auto [it, inserted] = blocks_.try_emplace({hash_id, tokens});
  if (!inserted) return it->second;
  std::mt19937_64 rng(o_.seed ^ (hash_id * 0x9e3779b97f4a7c15ULL));
  auto text = o_.source.block(tokens, rng);
  if (!text) {
    blocks_.erase(it);
    throw DatasetError(where + "hash block of " + std::to_string(tokens) + " tokens: " + text.error().message);
  }
  it->second = std::move(*text);
  return it->second;
}

void Loader::parse_mooncake(const json& record, const std::string& where, DatasetEntry& entry) {
  const uint32_t tokens = positive_count(record["input_length"], where, "input_length");
  std::vector<uint64_t> ids;
  if (auto h = record.find("hash_ids"); h != record.end()) {
    if (!h->is_array()) throw DatasetError(where + "'hash_ids' must be an array");
    for (const auto& id : *h) {
      if (!id.is_number_integer()) throw DatasetError(where + "'hash_ids' must hold integers");
      ids.push_back(id.get<uint64_t>());
    }
  }
  const uint32_t size = block_size_;
  for (std::size_t b = 0; entry.prompt_words < tokens; ++b) {
    const uint32_t n = std::min(size, tokens - entry.prompt_words);
    // Blocks past the named ones belong to this record alone.
    const uint64_t id = b < ids.size() ? ids[b] : (0xfffeULL << 48) ^ (records_ << 20) ^ b;
    entry.prompt += block(id, n, where);
    entry.prompt_words += n;
  }
  entry.tokens_exact = o_.source.exact;
}

DatasetEntry Loader::parse_entry(const json& record, const std::string& where) {
  DatasetEntry entry;
  const bool trace = o_.type == DatasetType::kMooncakeTrace || o_.type == DatasetType::kBailianTrace ||
                     o_.type == DatasetType::kBurstGptTrace;
  if (trace && !record.contains("input_length") && !record.contains("text_input")) {
    throw DatasetError(where + "a mooncake_trace record needs 'input_length' (or 'text_input')");
  }
  if (auto it = record.find(trace ? "text_input" : "text"); it != record.end()) {
    entry.prompt = string_field(*it, where, trace ? "'text_input'" : "'text'");
  } else if (auto texts = record.find("texts"); texts != record.end() && !trace) {
    if (!texts->is_array() || texts->empty()) throw DatasetError(where + "'texts' must be a non-empty array");
    for (const auto& t : *texts) entry.prompt += (entry.prompt.empty() ? "" : "\n") + string_field(t, where, "each of 'texts'");
  } else if (auto msgs = record.find("messages"); msgs != record.end() && !trace) {
    if (!msgs->is_array() || msgs->empty()) throw DatasetError(where + "'messages' must be a non-empty array");
    for (const auto& m : *msgs) {
      if (!m.is_object() || !m.contains("role") || !m.contains("content") || !m["role"].is_string() ||
          !m["content"].is_string()) {
        throw DatasetError(where + "each message needs string 'role' and 'content'");
      }
      entry.messages.push_back({m["role"], m["content"]});
    }
  } else if (record.contains("input_length") && o_.type != DatasetType::kSingleTurn &&
             o_.type != DatasetType::kRandomPool) {
    parse_mooncake(record, where, entry);
  } else {
    throw DatasetError(where + "record needs 'text', 'messages' or 'input_length'");
  }
  if (entry.prompt_words == 0) {
    std::string all = entry.prompt;
    for (const auto& m : entry.messages) all += " " + m.content;
    entry.prompt_words = static_cast<uint32_t>(internal::count_words(all));
  }
  for (const char* key : {"max_tokens", "output_length"}) {
    if (auto it = record.find(key); it != record.end()) entry.max_tokens = positive_count(*it, where, key);
  }
  return entry;
}

// multi_turn: each turn one request, in order, labelled with the file (or the record's class).
void Loader::add_turns(const json& record, const std::string& where, const std::string& label) {
  auto turns = record.find("turns");
  if (turns == record.end() || !turns->is_array() || turns->empty()) {
    throw DatasetError(where + "a multi_turn record needs a non-empty 'turns' array");
  }
  if (auto id = record.find("session_id"); id != record.end() && !id->is_string()) {
    throw DatasetError(where + "'session_id' must be a string");
  }
  json first = (*turns)[0];
  if (!first.is_object()) throw DatasetError(where + "turn 0: must be an object");
  if (record.contains("timestamp")) first["timestamp"] = record["timestamp"];
  add_record(first, where + "turn 0: ", label);
  DatasetEntry& conversation = d_.entries.back();
  conversation.conversation = true;
  for (std::size_t k = 1; k < turns->size(); ++k) {
    const json& turn = (*turns)[k];
    const std::string at = where + "turn " + std::to_string(k) + ": ";
    if (!turn.is_object()) throw DatasetError(at + "must be an object");
    DatasetEntry e = parse_entry(turn, at);
    if (!e.messages.empty()) throw DatasetError(at + "a later turn is one user message: 'text' or 'texts'");
    Turn next{std::move(e.prompt), e.prompt_words, e.max_tokens, 0};
    if (auto d = turn.find("delay"); d != turn.end()) {
      if (!d->is_number() || d->get<double>() < 0) throw DatasetError(at + "'delay' must be a non-negative number (ms)");
      next.delay_ms = d->get<double>();
    }
    conversation.next_turns.push_back(std::move(next));
  }
}

void Loader::add_record(const json& record, const std::string& where, const std::string& label) {
  DatasetEntry entry = parse_entry(record, where);
  entry.class_label = label;
  if (auto c = record.find("class"); c != record.end()) entry.class_label = string_field(*c, where, "'class'");
  d_.entries.push_back(std::move(entry));
  d_.sources.push_back(label);
  ++records_;
  auto number_of = [&](const char* key) -> std::optional<double> {
    auto it = record.find(key);
    if (it == record.end()) return std::nullopt;
    if (!it->is_number() || it->get<double>() < 0) throw DatasetError(where + "'" + key + "' must be a non-negative number");
    if (it->get<double>() > kMaxTimestampMs) {  // also bounds weights: no real weight is this large
      throw DatasetError(where + "'" + key + "' is " + it->dump() + "; the limit is 1e11 (a timestamp of 3 years, in ms)");
    }
    return it->get<double>();
  };
  weights_.push_back(number_of("weight"));
  timestamps_.push_back(number_of("timestamp"));
}

void Loader::read_jsonl(const std::filesystem::path& file, const std::string& text) {
  std::istringstream in(text);
  std::string line;
  const std::string label = file.filename().string();
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string where = file.string() + ":" + std::to_string(number) + ": ";
    json record = json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object()) throw DatasetError(where + "not a JSON object");
    if (o_.type == DatasetType::kMultiTurn) add_turns(record, where, label);
    else if (o_.type == DatasetType::kBailianTrace) add_record(internal::bailian_record(record, where), where, label);
    else add_record(record, where, label);
  }
}

Dataset Loader::load(const std::vector<std::filesystem::path>& files) {
  for (const auto& file : files) {
    auto text = read_bounded_regular_file(file, kMaxInputFileBytes);
    if (!text) throw FileError{std::move(text.error()).in_file(file.string())};
    if (o_.type == DatasetType::kBurstGptTrace) {
      const std::string label = file.filename().string();
      for (const auto& [line, record] : internal::read_burst_gpt(file, *text)) {
        add_record(record, file.string() + ":" + std::to_string(line) + ": ", label);
      }
      continue;
    }
    if (o_.type != DatasetType::kShareGpt) {
      read_jsonl(file, *text);
      continue;
    }
    for (auto& record : internal::read_sharegpt(file, *text)) {
      d_.entries.push_back(std::move(record));
      d_.sources.push_back(file.filename().string());
      weights_.emplace_back();
      timestamps_.emplace_back();
    }
  }
  if (d_.entries.empty()) throw DatasetError("input files hold no records");
  auto count = [](const auto& v) { return std::count_if(v.begin(), v.end(), [](auto& x) { return x.has_value(); }); };
  if (auto n = count(timestamps_); n > 0) {
    if (static_cast<std::size_t>(n) != timestamps_.size()) {
      throw DatasetError("some records have a 'timestamp' and others not: a trace needs one on every record");
    }
    for (auto t : timestamps_) d_.timestamps_ms.push_back(*t);
  }
  if (count(weights_) > 0) {
    for (auto w : weights_) d_.weights.push_back(w.value_or(1.0));  // unweighted records count once
  }
  return std::move(d_);
}

}  // namespace

std::optional<DatasetType> parse_dataset_type(std::string_view name) {
  if (name.empty() || name == "auto") return DatasetType::kAuto;
  if (name == "single_turn") return DatasetType::kSingleTurn;
  if (name == "multi_turn") return DatasetType::kMultiTurn;
  if (name == "random_pool") return DatasetType::kRandomPool;
  if (name == "mooncake_trace") return DatasetType::kMooncakeTrace;
  if (name == "bailian_trace") return DatasetType::kBailianTrace;
  if (name == "burst_gpt_trace") return DatasetType::kBurstGptTrace;
  if (name == "sharegpt") return DatasetType::kShareGpt;
  return std::nullopt;
}

Dataset from_entries(std::vector<DatasetEntry> entries) {
  Dataset d;
  d.entries = std::move(entries);
  return d;
}

Expected<Dataset> load_input_files(const std::vector<std::filesystem::path>& files, const FileOptions& options) {
  try {
    return Loader(options).load(files);
  } catch (const FileError& e) {
    return fail(e.error);
  } catch (const DatasetError& e) {
    return fail(ErrorCode::kMalformedInput, e.what());
  }
}

Expected<Dataset> load_jsonl_files(const std::vector<std::filesystem::path>& files, uint64_t seed) {
  FileOptions options;
  options.seed = seed;
  return load_input_files(files, options);
}

}  // namespace aiperf::dataset
