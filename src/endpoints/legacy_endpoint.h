// Runs an endpoint plugin built against plugin API 1.0 in a 1.1 host. Its
// vtable ends before the 1.1 members, so the host must never call those on
// it: the wrapper forwards only the 1.0 members and answers the 1.1 ones
// with 1.0 behaviour (it can stream, it generates text, only untyped events
// reach parse_response).
#pragma once

#include <memory>

#include "aiperf/sdk/endpoint.h"

namespace aiperf::endpoints {

/// An API 1.0 endpoint seen through the 1.1 interface.
class LegacyEndpoint final : public Endpoint {
 public:
  /// Takes ownership of a 1.0 endpoint.
  explicit LegacyEndpoint(std::unique_ptr<Endpoint> inner) : inner_(std::move(inner)) {}

  HttpRequestSpec format_request(const RequestInput& input) const override {
    return inner_->format_request(input);
  }
  StreamFraming stream_framing() const override { return inner_->stream_framing(); }
  ParsedResponse parse_response(std::string_view payload) const override {
    return inner_->parse_response(payload);
  }
  bool can_stream() const override { return true; }
  bool generates_text() const override { return true; }
  ParsedEvent parse_event(const StreamEvent& event) const override;

 private:
  std::unique_ptr<Endpoint> inner_;
};

/// `endpoint` as a host may call it: wrapped in LegacyEndpoint when it was built
/// with plugin API minor `api_minor` < 1 (a plugin's manifest `abi.minor`; built-ins are current).
std::unique_ptr<Endpoint> adapt_to_host(std::unique_ptr<Endpoint> endpoint, int api_minor);

}  // namespace aiperf::endpoints
