// libFuzzer target for the tokenizer.json loader (and, when a file loads, the
// pipeline it builds).
//
// Input layout: the whole input is a tokenizer.json. Invariants checked (a
// violation aborts): loading never crashes and either succeeds or returns an
// Error with a message; a loaded tokenizer encodes sample text and the input
// itself without crashing, count() equals encode().size(), and decode() of
// those ids returns valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tokenizer/internal/byte_level.h"
#include "tokenizer/tokenizer.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

void exercise(const aiperf::tokenizer::Tokenizer& tok, std::string_view text) {
  for (bool special : {true, false}) {
    aiperf::tokenizer::EncodeOptions options{special, special};
    auto ids = tok.encode(text, options);
    check(tok.count(text, options) == ids.size(), "count() == encode().size()");
    std::string decoded = tok.decode(ids, !special);
    check(aiperf::tokenizer::internal::utf8_lossy(decoded) == decoded, "decode() gives valid UTF-8");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  auto tok = aiperf::tokenizer::load_tokenizer_json(json, "fuzz.json");
  if (!tok) {
    check(!tok.error().message.empty(), "an error has a message");
    return 0;
  }
  exercise(*tok, "Hello, world! 汉字 😀 <|end|>  \n\t x");
  exercise(*tok, json.substr(0, 512));
  return 0;
}
