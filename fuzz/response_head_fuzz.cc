// libFuzzer target for transport::ResponseHeadParser and BodyDecoder (the HTTP client's response
// framing).
//
// Input layout: byte 0 picks a split point, byte 1 bit 0 says the request was HEAD, the rest is
// what the server sent. Invariants checked (a violation aborts):
//   * feeding whole, in two pieces, or one byte at a time gives the same outcome (status, fields,
//     keep-alive, body, completeness, or an error);
//   * an accepted head has a status in 100..999, field names that are tokens, values with no CR, LF
//     or NUL and no surrounding whitespace, and views that lie inside the input;
//   * the decoded body is never longer than the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "transport/response_head.h"

namespace {

using aiperf::transport::BodyDecoder;
using aiperf::transport::HeaderField;
using aiperf::transport::ResponseHead;
using aiperf::transport::ResponseHeadParser;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

struct Outcome {
  bool failed = false;  // messages may quote what had arrived, so only the fact is compared
  int status = 0;
  bool keep_alive = false;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
  bool done = false;
  bool operator==(const Outcome&) const = default;
};

bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && std::string_view("\"(),/:;<=>?@[\\]{}").find(c) == std::string_view::npos;
}

void check_head(const ResponseHead& h, const std::vector<HeaderField>& fields, std::string_view in) {
  check(h.status >= 100 && h.status <= 999, "status out of range");
  check(h.head_bytes <= in.size(), "head longer than the input");
  for (const HeaderField& f : fields) {
    check(!f.name.empty(), "empty field name");
    for (char c : f.name) check(is_token_char(c), "field name is not a token");
    for (char c : f.value) check(c != '\r' && c != '\n' && c != '\0', "CR, LF or NUL in a value");
    if (!f.value.empty()) {
      check(f.value.front() != ' ' && f.value.front() != '\t', "value starts with whitespace");
      check(f.value.back() != ' ' && f.value.back() != '\t', "value ends with whitespace");
    }
    check(f.name.data() >= in.data() && f.value.data() + f.value.size() <= in.data() + h.head_bytes,
          "field outside the head");
  }
}

// The client's way: bytes accumulate until the head is complete; then each piece goes to the body.
Outcome run(const std::vector<std::string_view>& pieces, bool head_request, std::size_t total) {
  Outcome o;
  ResponseHeadParser parser;
  std::vector<HeaderField> fields;
  std::string received;
  std::optional<BodyDecoder> body;
  const auto feed = [&](std::string_view in) {
    while (!in.empty() && !body->done()) {
      auto piece = body->next(in);
      if (!piece) {
        o.failed = true;
        return false;
      }
      o.body += *piece;
    }
    return true;
  };
  for (std::string_view p : pieces) {
    if (body) {
      if (!feed(p)) return o;
      continue;
    }
    received += p;
    auto head = parser.parse(received, fields, head_request);
    while (head && *head && (*head)->status < 200 && (*head)->status != 101) {
      check_head(**head, fields, received);
      received.erase(0, (*head)->head_bytes);
      head = parser.parse(received, fields, head_request);
    }
    if (!head) {
      o.failed = true;
      return o;
    }
    if (!*head) continue;
    check_head(**head, fields, received);
    o.status = (*head)->status;
    o.keep_alive = (*head)->keep_alive;
    for (const auto& f : fields) o.fields.emplace_back(f.name, f.value);
    body.emplace(**head);
    if (!feed(std::string_view(received).substr((*head)->head_bytes))) return o;
  }
  if (body) o.done = body->done() || body->until_close();
  check(o.body.size() <= total, "body longer than the input");
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool head_request = (data[1] & 1) != 0;
  const std::string_view s(reinterpret_cast<const char*>(data + 2), size - 2);
  const std::size_t i = data[0] % (s.size() + 1);
  const Outcome whole = run({s}, head_request, s.size());
  check(run({s.substr(0, i), s.substr(i)}, head_request, s.size()) == whole, "two-piece split differs from whole");
  if (s.size() <= 4096) {
    std::vector<std::string_view> bytes;
    for (std::size_t k = 0; k < s.size(); ++k) bytes.push_back(s.substr(k, 1));
    check(run(bytes, head_request, s.size()) == whole, "1-byte feed differs from whole");
  }
  return 0;
}
