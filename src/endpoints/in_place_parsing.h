// What a built-in endpoint offers beyond the SDK's Endpoint: parsing a streamed event into the
// caller's event. A stream's chunks then reuse one event (its strings keep their buffers) instead
// of building, moving and freeing a new one per chunk. Plugins keep Endpoint::parse_event; the
// request recorder asks for this interface once per request (dynamic_cast) and falls back to it.
#pragma once

#include "aiperf/sdk/endpoint.h"

namespace aiperf::endpoints {

/// An endpoint that parses events in place. Same thread rules as Endpoint::parse_event.
class InPlaceEventParser {
 public:
  /// Writes what `event` carries into `out`, as `out = parse_event(event)` would (every field
  /// of `out` is overwritten). May throw as parse_event may.
  virtual void parse_event_into(const StreamEvent& event, ParsedEvent& out) const = 0;

 protected:
  ~InPlaceEventParser() = default;
};

/// Sets `event` to a default event, keeping its strings' buffers.
inline void reset_event(ParsedEvent& event) {
  event.response.content.clear();
  event.response.reasoning_content.clear();
  event.response.usage.reset();
  event.response.done = false;
  event.response.error.reset();
  event.cached_prompt_tokens.reset();
  event.server_error = false;
}

}  // namespace aiperf::endpoints
