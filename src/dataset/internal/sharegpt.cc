#include "dataset/internal/sharegpt.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "dataset/internal/dataset_error.h"

namespace aiperf::dataset::internal {
namespace {

using nlohmann::json;

std::string where(const std::filesystem::path& file, std::string_view text, std::size_t offset) {
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
  return file.string() + ":" + std::to_string(line) + ": ";
}

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

// The first gpt reply after the first human turn, as (prompt, reply); false if there is none.
bool first_exchange(const json& turns, const std::string& at, std::string& prompt, std::string& reply) {
  bool have_prompt = false;
  for (const auto& t : turns) {
    if (!t.is_object() || !t.contains("from") || !t.contains("value") || !t["from"].is_string() ||
        !t["value"].is_string()) {
      throw DatasetError(at + "each conversation turn needs string 'from' and 'value'");
    }
    const std::string& from = t["from"].get_ref<const std::string&>();
    if (!have_prompt && from == "human") {
      prompt = t["value"].get<std::string>();
      have_prompt = true;
    } else if (have_prompt && from == "gpt") {
      reply = t["value"].get<std::string>();
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::size_t> array_element_offsets(const std::filesystem::path& file, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && is_space(text[i])) ++i;
  if (i == text.size() || text[i] != '[') throw DatasetError(where(file, text, i) + "a ShareGPT file is a JSON array");
  std::vector<std::size_t> out;
  int depth = 0;
  bool in_string = false, expect_element = true;
  for (++i; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (is_space(c)) continue;
    if (depth == 0 && c == ']') return out;
    if (depth == 0 && c == ',') {
      expect_element = true;
      continue;
    }
    if (depth == 0 && expect_element) out.push_back(i), expect_element = false;
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') ++depth;
    else if (c == '}' || c == ']') --depth;
  }
  throw DatasetError(where(file, text, text.size()) + "the JSON array is not closed");
}

std::vector<DatasetEntry> read_sharegpt(const std::filesystem::path& file, std::string_view text) {
  std::vector<DatasetEntry> out;
  auto offsets = array_element_offsets(file, text);
  for (std::size_t k = 0; k < offsets.size(); ++k) {
    const std::size_t end = k + 1 < offsets.size() ? offsets[k + 1] : text.rfind(']');
    std::string_view slice = text.substr(offsets[k], end - offsets[k]);
    while (!slice.empty() && (is_space(slice.back()) || slice.back() == ',')) slice.remove_suffix(1);
    const std::string at = where(file, text, offsets[k]);
    json record = json::parse(slice, nullptr, false);
    if (record.is_discarded() || !record.is_object()) throw DatasetError(at + "not a JSON object");
    auto turns = record.find("conversations");
    if (turns == record.end() || !turns->is_array()) throw DatasetError(at + "record needs a 'conversations' array");
    DatasetEntry entry;
    std::string reply;
    if (!first_exchange(*turns, at, entry.prompt, reply)) continue;
    entry.prompt_words = static_cast<uint32_t>(count_words(entry.prompt));
    entry.max_tokens = static_cast<uint32_t>(std::max<std::size_t>(1, count_words(reply)));
    entry.class_label = file.filename().string();
    if (entry.prompt_words > 0) out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace aiperf::dataset::internal
