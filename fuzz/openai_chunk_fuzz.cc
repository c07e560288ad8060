// libFuzzer target for the OpenAI chunk fast path (endpoints/openai_chunk.h) and the
// one-pass JSON validator (base/json_reader.h). Invariants (a violation aborts):
//   * when parse_openai_chunk_fast answers, its event equals the general parser's;
//   * parse_openai_stream_chunk (whose shape memo carries over from input to input, as from
//     chunk to chunk) answers exactly as parse_openai_chunk_fast;
//   * json_valid(input) implies nlohmann's accept(input) for inputs without NUL bytes,
//     exponents or runs of 300+ digits (nlohmann refuses numbers that overflow a double).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/json_reader.h"
#include "endpoints/openai.h"
#include "endpoints/openai_chunk.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

bool same(const aiperf::ParsedEvent& a, const aiperf::ParsedEvent& b) {
  auto usage_eq = [](const std::optional<aiperf::Usage>& x, const std::optional<aiperf::Usage>& y) {
    if (x.has_value() != y.has_value()) return false;
    return !x || (x->prompt_tokens == y->prompt_tokens && x->completion_tokens == y->completion_tokens &&
                  x->reasoning_tokens == y->reasoning_tokens);
  };
  return a.response.content == b.response.content && a.response.reasoning_content == b.response.reasoning_content &&
         a.response.done == b.response.done && a.response.error == b.response.error &&
         usage_eq(a.response.usage, b.response.usage) && a.cached_prompt_tokens == b.cached_prompt_tokens &&
         a.server_error == b.server_error;
}

// Could a number in `text` overflow a double (an exponent, or 300 digits in a row)?
bool may_overflow(std::string_view text) {
  if (text.find_first_of("eE") != std::string_view::npos) return true;
  std::size_t run = 0;
  for (char c : text) {
    run = c >= '0' && c <= '9' ? run + 1 : 0;
    if (run >= 300) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto fast = aiperf::endpoints::parse_openai_chunk_fast(text);
  if (fast) {
    check(same(*fast, aiperf::endpoints::parse_openai_event_general(text)), "fast path differs from the general parser");
  }
  const auto memo = aiperf::endpoints::parse_openai_stream_chunk(text);
  check(memo.has_value() == fast.has_value() && (!fast || same(*memo, *fast)), "shape memo differs from the fast path");
  if (text.find('\0') == std::string_view::npos && !may_overflow(text) && aiperf::json_valid(text)) {
    check(nlohmann::json::accept(text), "json_valid accepted what nlohmann refuses");
  }
  return 0;
}
