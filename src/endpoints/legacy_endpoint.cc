#include "endpoints/legacy_endpoint.h"

namespace aiperf::endpoints {

ParsedEvent LegacyEndpoint::parse_event(const StreamEvent& event) const {
  // 1.0 behaviour: only untyped ("message") events carried data to the endpoint.
  if (!event.type.empty() && event.type != "message") return {};
  return ParsedEvent{inner_->parse_response(event.data), std::nullopt, false};
}

std::unique_ptr<Endpoint> adapt_to_host(std::unique_ptr<Endpoint> endpoint, int api_minor) {
  if (!endpoint || api_minor >= 1) return endpoint;
  return std::make_unique<LegacyEndpoint>(std::move(endpoint));
}

}  // namespace aiperf::endpoints
