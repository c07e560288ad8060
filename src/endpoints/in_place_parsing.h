// What a built-in endpoint offers beyond the SDK's Endpoint: parsing a streamed event into the
// caller's event (a stream's chunks then reuse one event, its strings keep their buffers, instead
// of building, moving and freeing a new one per chunk), and the promise that its request bodies
// are valid JSON (inputs.json then writes them without checking each). Plugins keep
// Endpoint::parse_event and are checked; the engine asks for these interfaces once (dynamic_cast).
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

/// An endpoint whose request bodies are always valid JSON text (dumped from a DOM, or rendered
/// from a template that was: BodyTemplate).
class JsonBodyEndpoint {
 protected:
  ~JsonBodyEndpoint() = default;
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
