#include "endpoints/openai_chunk.h"

#include <cstdint>
#include <string>

#include "base/json_reader.h"

namespace aiperf::endpoints {
namespace {

using Reader = JsonReader;

// Text, or null (= nothing), appended to `out`.
bool text_or_null(Reader& r, std::string& out) { return r.literal("null") || r.string(&out); }

// A chat "delta" or "message": content and reasoning; tool calls are left to the general parser.
bool message(Reader& r, ParsedResponse& out) {
  if (!r.eat('{')) return false;
  if (r.eat('}')) return true;
  do {
    std::string_view k;
    if (!r.key(k)) return false;
    bool ok = true;
    if (k == "content") {
      ok = text_or_null(r, out.content);
    } else if (k == "reasoning_content" || k == "reasoning") {
      ok = text_or_null(r, out.reasoning_content);
    } else if (k == "tool_calls") {
      ok = false;
    } else {
      ok = r.skip_value(2);
    }
    if (!ok) return false;
  } while (r.eat(','));
  return r.eat('}');
}

// The one choice, index 0.
bool choice(Reader& r, ParsedEvent& out) {
  if (!r.eat('{')) return false;
  if (r.eat('}')) return true;
  do {
    std::string_view k;
    if (!r.key(k)) return false;
    bool ok = true;
    if (k == "delta" || k == "message") {
      ok = message(r, out.response);
    } else if (k == "text") {
      ok = text_or_null(r, out.response.content);
    } else if (k == "index") {
      uint64_t index = 1;
      ok = r.count(index) && index == 0;
    } else {
      ok = r.skip_value(2);
    }
    if (!ok) return false;
  } while (r.eat(','));
  return r.eat('}');
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
  if (!r.eat('{')) return false;
  if (r.eat('}')) return true;
  do {
    std::string_view k;
    if (!r.key(k)) return false;
    if (!(k == name ? count_or_null(r, out) : r.skip_value(3))) return false;
  } while (r.eat(','));
  return r.eat('}');
}

bool usage(Reader& r, ParsedEvent& out) {
  if (r.literal("null")) return true;
  if (!r.eat('{')) return false;
  Usage u;
  if (!r.eat('}')) {
    do {
      std::string_view k;
      if (!r.key(k)) return false;
      bool ok = true;
      if (k == "prompt_tokens") {
        ok = count_or_null(r, u.prompt_tokens);
      } else if (k == "completion_tokens") {
        ok = count_or_null(r, u.completion_tokens);
      } else if (k == "completion_tokens_details") {
        ok = detail(r, "reasoning_tokens", u.reasoning_tokens);
      } else if (k == "prompt_tokens_details") {
        ok = detail(r, "cached_tokens", out.cached_prompt_tokens);
      } else {
        ok = r.skip_value(2);
      }
      if (!ok) return false;
    } while (r.eat(','));
    if (!r.eat('}')) return false;
  }
  out.response.usage = u;
  return true;
}

}  // namespace

std::optional<ParsedEvent> parse_openai_chunk_fast(std::string_view json) {
  Reader r(json);
  ParsedEvent out;
  if (!r.eat('{')) return std::nullopt;
  if (!r.eat('}')) {
    do {
      std::string_view k;
      if (!r.key(k)) return std::nullopt;
      bool ok = true;
      if (k == "choices") {
        ok = choices(r, out);
      } else if (k == "usage") {
        ok = usage(r, out);
      } else if (k == "error") {
        ok = false;  // the general parser words server errors
      } else {
        ok = r.skip_value(1);
      }
      if (!ok) return std::nullopt;
    } while (r.eat(','));
    if (!r.eat('}')) return std::nullopt;
  }
  if (!r.at_end()) return std::nullopt;
  return out;
}

}  // namespace aiperf::endpoints
