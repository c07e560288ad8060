#include "endpoints/openai_chunk.h"

#include <cstdint>
#include <string>

#include "base/json_reader.h"

namespace aiperf::endpoints {
namespace {

using Reader = JsonReader;

// Text, or null (= nothing), appended to `out`.
bool text_or_null(Reader& r, std::string& out) { return r.literal("null") || r.string(&out); }

// An object: `member(key)` reads each member's value; false as soon as one is declined.
template <class Member>
bool members(Reader& r, Member&& member) {
  if (!r.eat('{')) return false;
  if (r.eat('}')) return true;
  do {
    std::string_view k;
    if (!r.key(k) || !member(k)) return false;
  } while (r.eat(','));
  return r.eat('}');
}

// A chat "delta" or "message": content and reasoning; tool calls are left to the general parser.
bool message(Reader& r, ParsedResponse& out) {
  return members(r, [&](std::string_view k) {
    if (k == "content") return text_or_null(r, out.content);
    if (k == "reasoning_content" || k == "reasoning") return text_or_null(r, out.reasoning_content);
    if (k == "tool_calls") return false;
    return r.skip_value(2);
  });
}

// The one choice, index 0.
bool choice(Reader& r, ParsedEvent& out) {
  return members(r, [&](std::string_view k) {
    if (k == "delta" || k == "message") return message(r, out.response);
    if (k == "text") return text_or_null(r, out.response.content);
    if (k == "index") {
      uint64_t index = 1;
      return r.count(index) && index == 0;
    }
    return r.skip_value(2);
  });
}

// null, [] or [one choice].
bool choices(Reader& r, ParsedEvent& out) {
  if (r.literal("null")) return true;
  if (!r.eat('[')) return false;
  if (r.eat(']')) return true;
  return choice(r, out) && r.eat(']');
}

// A count: null leaves it unset; anything but a plain non-negative integer is declined.
bool count_or_null(Reader& r, std::optional<uint64_t>& out) {
  if (r.literal("null")) return true;
  uint64_t n = 0;
  if (!r.count(n)) return false;
  out = n;
  return true;
}

// {"reasoning_tokens": N, ...} or null.
bool detail(Reader& r, std::string_view name, std::optional<uint64_t>& out) {
  if (r.literal("null")) return true;
  return members(r, [&](std::string_view k) { return k == name ? count_or_null(r, out) : r.skip_value(3); });
}

bool usage(Reader& r, ParsedEvent& out) {
  if (r.literal("null")) return true;
  Usage u;
  const bool ok = members(r, [&](std::string_view k) {
    if (k == "prompt_tokens") return count_or_null(r, u.prompt_tokens);
    if (k == "completion_tokens") return count_or_null(r, u.completion_tokens);
    if (k == "completion_tokens_details") return detail(r, "reasoning_tokens", u.reasoning_tokens);
    if (k == "prompt_tokens_details") return detail(r, "cached_tokens", out.cached_prompt_tokens);
    return r.skip_value(2);
  });
  if (ok) out.response.usage = u;
  return ok;
}

}  // namespace

std::optional<ParsedEvent> parse_openai_chunk_fast(std::string_view json) {
  Reader r(json);
  ParsedEvent out;
  const bool ok = members(r, [&](std::string_view k) {
    if (k == "choices") return choices(r, out);
    if (k == "usage") return usage(r, out);
    if (k == "error") return false;  // the general parser words server errors
    return r.skip_value(1);
  });
  if (!ok) return std::nullopt;
  if (!r.at_end()) return std::nullopt;
  return out;
}

}  // namespace aiperf::endpoints
