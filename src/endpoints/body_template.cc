#include "endpoints/body_template.h"

#include <array>

#include "base/json_writer.h"

namespace aiperf::endpoints {
namespace {

// DEL (0x7f) is not escaped by JSON writers, so a sentinel reads the same in the dump.
constexpr std::string_view kModel = "\x7f" "aiperf:model\x7f";
constexpr std::string_view kRole = "\x7f" "aiperf:role\x7f";
constexpr std::string_view kContent = "\x7f" "aiperf:content\x7f";
constexpr uint32_t kMaxTokens = 4294967291u;  // the largest 32-bit prime: no one asks for it
constexpr std::string_view kMaxTokensText = "4294967291";

struct Pattern {
  std::string text;
  BodyTemplate::Hole hole;
};

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

const std::array<Pattern, 4>& patterns() {
  static const std::array<Pattern, 4> all = {{
      {"[{\"content\":" + quoted(kContent) + ",\"role\":" + quoted(kRole) + "}]", BodyTemplate::Hole::kMessages},
      {quoted(kContent), BodyTemplate::Hole::kPrompt},
      {quoted(kModel), BodyTemplate::Hole::kModel},
      {std::string(kMaxTokensText), BodyTemplate::Hole::kMaxTokens},
  }};
  return all;
}

bool append_messages(const RequestInput& input, std::string& out) {
  out.push_back('[');
  bool first = true;
  for (const auto& m : input.messages) {
    out.append(first ? "{\"content\":" : ",{\"content\":");
    first = false;
    if (!append_json_string(out, m.content)) return false;
    out.append(",\"role\":");
    if (!append_json_string(out, m.role)) return false;
    out.push_back('}');
  }
  out.push_back(']');
  return true;
}

bool append_prompt(const RequestInput& input, std::string& out) {
  if (input.messages.size() == 1) return append_json_string(out, input.messages.front().content);
  std::string prompt;
  for (const auto& m : input.messages) {
    if (!prompt.empty()) prompt += "\n";
    prompt += m.content;
  }
  return append_json_string(out, prompt);
}

}  // namespace

RequestInput BodyTemplate::sentinel_input(bool streaming, bool max_tokens) {
  RequestInput input;
  input.model = std::string(kModel);
  input.messages = {Message{std::string(kRole), std::string(kContent)}};
  if (max_tokens) input.max_tokens = kMaxTokens;
  input.streaming = streaming;
  return input;
}

bool BodyTemplate::contains_sentinel(std::string_view text) {
  return text.find("\x7f" "aiperf:") != std::string_view::npos || text.find(kMaxTokensText) != std::string_view::npos;
}

BodyTemplate BodyTemplate::parse(std::string_view dump) {
  BodyTemplate t;
  std::string_view rest = dump;
  for (;;) {
    std::size_t at = std::string_view::npos;
    const Pattern* found = nullptr;
    for (const auto& p : patterns()) {  // the earliest; kMessages before the kPrompt inside it
      std::size_t i = rest.find(p.text);
      if (i < at) {
        at = i;
        found = &p;
      }
    }
    if (found == nullptr) break;
    t.literals_.emplace_back(rest.substr(0, at));
    t.holes_.push_back(found->hole);
    rest.remove_prefix(at + found->text.size());
  }
  t.literals_.emplace_back(rest);
  for (const auto& literal : t.literals_) t.literals_size_ += literal.size();
  return t;
}

bool BodyTemplate::render(const RequestInput& input, std::string& out) const {
  std::size_t size = literals_size_ + input.model.size() + 16;  // one allocation in the common case
  for (const auto& m : input.messages) size += m.content.size() + m.role.size() + 32;
  out.reserve(out.size() + size + size / 8);  // room for escapes
  for (std::size_t i = 0; i < holes_.size(); ++i) {
    out.append(literals_[i]);
    bool ok = true;
    switch (holes_[i]) {
      case Hole::kModel: ok = append_json_string(out, input.model); break;
      case Hole::kMessages: ok = append_messages(input, out); break;
      case Hole::kPrompt: ok = append_prompt(input, out); break;
      case Hole::kMaxTokens: append_json_number(out, uint64_t{input.max_tokens.value_or(0)}); break;
    }
    if (!ok) return false;
  }
  out.append(literals_.back());
  return true;
}

}  // namespace aiperf::endpoints
