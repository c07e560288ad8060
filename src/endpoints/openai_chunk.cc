#include "endpoints/openai_chunk.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>

#include "base/json_reader.h"
#include "endpoints/in_place_parsing.h"

namespace aiperf::endpoints {
namespace {

using Reader = JsonReader;

// Where the content text of a chunk was: the span of its string token, when exactly one
// string went into the content (the shape memo below needs that).
struct ContentSpan {
  const char* begin = nullptr;
  const char* end = nullptr;
  int strings = 0;
};

// Text, or null (= nothing), appended to `out`.
bool text_or_null(Reader& r, std::string& out) { return r.literal("null") || r.string(&out); }

// The same for the content text, whose token's span goes to `span`.
bool content_text(Reader& r, ParsedEvent& out, ContentSpan& span) {
  if (r.literal("null")) return true;
  if (!r.peek('"')) return false;
  const char* begin = r.position();
  if (!r.string(&out.response.content)) return false;
  span = {begin, r.position(), span.strings + 1};
  return true;
}

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
bool message(Reader& r, ParsedEvent& out, ContentSpan& span) {
  return members(r, [&](std::string_view k) {
    if (k == "content") return content_text(r, out, span);
    if (k == "reasoning_content" || k == "reasoning") return text_or_null(r, out.response.reasoning_content);
    if (k == "tool_calls") return false;
    return r.skip_value(2);
  });
}

// The one choice, index 0.
bool choice(Reader& r, ParsedEvent& out, ContentSpan& span) {
  return members(r, [&](std::string_view k) {
    if (k == "delta" || k == "message") return message(r, out, span);
    if (k == "text") return content_text(r, out, span);
    if (k == "index") {
      uint64_t index = 1;
      return r.count(index) && index == 0;
    }
    return r.skip_value(2);
  });
}

// null, [] or [one choice].
bool choices(Reader& r, ParsedEvent& out, ContentSpan& span) {
  if (r.literal("null")) return true;
  if (!r.eat('[')) return false;
  if (r.eat(']')) return true;
  return choice(r, out, span) && r.eat(']');
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

// The event of `json` into `out` (reset first); false when the general parser must decide.
bool parse_chunk_into(std::string_view json, ContentSpan& span, ParsedEvent& out) {
  reset_event(out);
  Reader r(json);
  const bool ok = members(r, [&](std::string_view k) {
    if (k == "choices") return choices(r, out, span);
    if (k == "usage") return usage(r, out);
    if (k == "error") return false;  // the general parser words server errors
    return r.skip_value(1);
  });
  return ok && r.at_end();
}

std::optional<ParsedEvent> parse_chunk(std::string_view json, ContentSpan& span) {
  std::optional<ParsedEvent> out(std::in_place);
  if (!parse_chunk_into(json, span, *out)) out.reset();
  return out;
}

// A stream's chunks are one text with only the content string changing. A shape is such a
// text cut around that string, with the event the rest of it gave: a chunk made of the same
// prefix, one valid string token, and the same suffix gives that event with this string as
// content (the reader saw the same tokens, and it reads the content value as it reads any
// string), so only the string is read.
struct Shape {
  std::string prefix;  // the bytes before the content string's opening quote
  std::string suffix;  // the bytes after its closing quote
  ParsedEvent rest;    // the event, with empty content
  bool plain = false;  // `rest` is a default event (content only): built, not copied
  bool set = false;
};

// Streams in flight are told apart by their first bytes (the chunk id is there).
constexpr std::size_t kShapes = 64;
constexpr std::size_t kKeyBytes = 48;

std::size_t shape_slot(std::string_view json) {
  const std::size_t n = std::min(json.size(), kKeyBytes);
  uint64_t h = n;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, json.data() + i, 8);
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
  }
  for (; i < n; ++i) h = (h ^ static_cast<unsigned char>(json[i])) * 0x100000001B3ull;
  return static_cast<std::size_t>(h >> 58) % kShapes;
}

// Bytes that stand for themselves inside a JSON string: printable ASCII but '"' and '\\'.
constexpr std::array<bool, 256> kPlainByte = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return plain;
}();

// The text of a string token without escapes, control or non-ASCII bytes: its bytes between the
// quotes. Content tokens are short (a token or a few), so a table look-up per byte beats a scan call.
bool plain_string(std::string_view token, std::string_view& text) {
  if (token.size() < 2 || token.front() != '"' || token.back() != '"') return false;
  text = token.substr(1, token.size() - 2);
  if (text.size() > 32) {
    const char* end = text.data() + text.size();
    return json_scan_plain(text.data(), end) == end;
  }
  for (char c : text) {
    if (!kPlainByte[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

// The event of `json` into `out` when it has `shape` (false: it has not). A plain content token
// (the usual one) is taken as it is; any other goes through the reader, as the fast path reads it.
bool reuse(const Shape& shape, std::string_view json, ParsedEvent& out) {
  const std::size_t fixed = shape.prefix.size() + shape.suffix.size();
  if (!shape.set || json.size() < fixed + 2 || !json.starts_with(shape.prefix) || !json.ends_with(shape.suffix)) {
    return false;
  }
  const std::string_view token = json.substr(shape.prefix.size(), json.size() - fixed);
  std::string_view text;
  if (plain_string(token, text)) {
    if (shape.plain) {
      reset_event(out);
    } else {
      out = shape.rest;
    }
    out.response.content.append(text.data(), text.size());  // empty here: cheaper than assign
    return true;
  }
  Reader r(token);
  std::string content;
  if (!r.string(&content) || !r.at_end()) return false;
  out = shape.rest;
  out.response.content = std::move(content);
  return true;
}

// True when `e` carries nothing but what a default event carries (its content aside).
bool only_content(const ParsedEvent& e) {
  const ParsedResponse& r = e.response;
  return r.reasoning_content.empty() && !r.usage && !r.done && !r.error && !e.cached_prompt_tokens && !e.server_error;
}

}  // namespace

std::optional<ParsedEvent> parse_openai_chunk_fast(std::string_view json) {
  ContentSpan span;
  return parse_chunk(json, span);
}

bool parse_openai_chunk_fast_into(std::string_view json, ParsedEvent& out) {
  ContentSpan span;
  return parse_chunk_into(json, span, out);
}

namespace {
thread_local uint64_t reuses = 0;
}  // namespace

uint64_t openai_stream_chunk_reuses() { return reuses; }

bool parse_openai_stream_chunk_into(std::string_view json, ParsedEvent& out) {
  thread_local std::array<Shape, kShapes> shapes;  // one event loop per thread
  Shape& shape = shapes[shape_slot(json)];
  if (reuse(shape, json, out)) {
    ++reuses;
    return true;
  }
  ContentSpan span;
  std::optional<ParsedEvent> parsed = parse_chunk(json, span);
  if (!parsed) return false;
  if (span.strings == 1) {
    shape.prefix.assign(json.data(), static_cast<std::size_t>(span.begin - json.data()));
    shape.suffix.assign(span.end, static_cast<std::size_t>(json.data() + json.size() - span.end));
    shape.rest = *parsed;
    shape.rest.response.content.clear();
    shape.plain = only_content(shape.rest);
    shape.set = true;
  }
  out = std::move(*parsed);
  return true;
}

std::optional<ParsedEvent> parse_openai_stream_chunk(std::string_view json) {
  std::optional<ParsedEvent> out(std::in_place);
  if (!parse_openai_stream_chunk_into(json, *out)) out.reset();
  return out;
}

}  // namespace aiperf::endpoints
