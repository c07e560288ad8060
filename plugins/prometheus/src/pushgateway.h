// Pushing exposition text to a Prometheus Pushgateway group.
//
// Each phase is its own group, /metrics/job/<job>/phase/<phase>[/<label>/<value>...],
// so a PUT for "profiling" replaces that phase's series and leaves "warmup"
// alone; the Pushgateway adds the grouping labels (job, phase, extra labels)
// to every series it exposes.
//
// Why not prometheus::Gateway::Push(): in prometheus-cpp 1.0.1 it sets no curl
// timeout (an unresponsive gateway blocks the benchmark for minutes) and
// reports a failure only as a negated CURLcode. We keep prometheus-cpp for the
// exposition format and send the PUT with libcurl ourselves, bounded by
// `timeout` and with the cause in the error.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>

namespace aiperf_prometheus {

/// Where pushes go and how long one may take.
struct PushgatewayTarget {
  std::string endpoint;                       ///< Base URL without a trailing '/', e.g. "http://127.0.0.1:9091".
  std::string job = "aiperf";                 ///< The `job` grouping label.
  std::map<std::string, std::string> labels;  ///< Extra grouping labels.
  std::chrono::milliseconds timeout{3000};    ///< Bound on one push, connect included.
};

/// The group's URL path for `phase`: "/metrics/job/<job>/phase/<phase>/<label>/<value>...".
/// Values outside [A-Za-z0-9_-] are sent base64url-encoded (`<label>@base64/<value>`).
std::string group_path(const PushgatewayTarget& target, std::string_view phase);

/// Replaces the group of `phase` with `exposition` (HTTP PUT).
/// Throws std::runtime_error naming the endpoint and the HTTP status or the transport cause.
void push_group(const PushgatewayTarget& target, std::string_view phase, const std::string& exposition);

/// `url` with any "user:password@" removed, for messages.
std::string redact_userinfo(std::string_view url);

}  // namespace aiperf_prometheus
