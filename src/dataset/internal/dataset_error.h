// Errors thrown while reading input files, inside src/dataset only; the
// public loaders return them as aiperf::Error.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string_view>

#include "base/error.h"

namespace aiperf::dataset::internal {

/// A malformed record; the message starts with "file:line: ".
struct DatasetError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A file that could not be read at all.
struct FileError {
  Error error;
};

/// Whitespace-separated words in text (the estimate without a tokenizer).
inline std::size_t count_words(std::string_view text) {
  std::size_t n = 0;
  bool in_word = false;
  for (char c : text) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

}  // namespace aiperf::dataset::internal
