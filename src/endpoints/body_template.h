// A request body serialised once per endpoint and request shape, with holes where
// each request's own values go (model, messages or prompt, max tokens), so that
// formatting a request is a few appends, not a JSON DOM built and dumped.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aiperf/sdk/endpoint.h"

namespace aiperf::endpoints {

/// Body text with holes; built from the dump of a body whose inputs were the sentinels below.
class BodyTemplate {
 public:
  /// A value the template fills in per request.
  enum class Hole : uint8_t {
    kModel,      ///< input.model as a JSON string.
    kMessages,   ///< input.messages as [{"content": ..., "role": ...}, ...].
    kPrompt,     ///< the messages' contents joined by '\n', as a JSON string.
    kMaxTokens,  ///< *input.max_tokens.
  };

  /// A request whose values are sentinels: its body's dump, split by parse(), gives the template.
  static RequestInput sentinel_input(bool streaming, bool max_tokens);
  /// True when `text` (e.g. the dump of configured extra fields) contains a sentinel, so a
  /// template built with it would be ambiguous.
  static bool contains_sentinel(std::string_view text);
  /// Splits the dump of the body of sentinel_input() at the sentinels.
  static BodyTemplate parse(std::string_view dump);

  /// Appends the body for `input`; false when one of its strings is not valid UTF-8
  /// (nothing usable appended: the caller takes its reference path).
  bool render(const RequestInput& input, std::string& out) const;

 private:
  std::vector<std::string> literals_;  ///< holes_.size() + 1 pieces of constant text.
  std::vector<Hole> holes_;
  std::size_t literals_size_ = 0;  ///< Sum of the literals' sizes.
};

/// One template per request shape, indexed by shape_of(); all empty when the endpoint's
/// configured extra fields contain a sentinel (the DOM path is used then).
using BodyTemplates = std::array<std::optional<BodyTemplate>, 4>;

/// The shape of a request: bit 0 streaming, bit 1 max_tokens set.
inline std::size_t shape_of(bool streaming, bool max_tokens) { return (streaming ? 1 : 0) | (max_tokens ? 2 : 0); }

/// Templates from `reference(input)`, the endpoint's DOM body for an input, unless
/// `extra_dump` (its configured extra fields, serialised) contains a sentinel.
template <typename Reference>
BodyTemplates make_body_templates(std::string_view extra_dump, Reference&& reference) {
  BodyTemplates out;
  if (BodyTemplate::contains_sentinel(extra_dump)) return out;
  for (std::size_t shape = 0; shape < out.size(); ++shape) {
    out[shape] = BodyTemplate::parse(reference(BodyTemplate::sentinel_input((shape & 1) != 0, (shape & 2) != 0)));
  }
  return out;
}

}  // namespace aiperf::endpoints
