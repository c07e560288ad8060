#include "metrics/goodput.h"

#include <charconv>
#include <cmath>
#include <optional>

namespace aiperf::metrics {
namespace {

constexpr MetricId kAllowed[] = {MetricId::kTimeToFirstToken, MetricId::kTimeToSecondToken,
                                 MetricId::kRequestLatency, MetricId::kInterTokenLatency,
                                 MetricId::kOutputTokenThroughputPerUser};

std::string allowed_tags() {
  std::string out;
  for (auto id : kAllowed) out += (out.empty() ? "" : ", ") + std::string(metric_info(id).tag);
  return out;
}

// The request's value of `id` in display units, if it has one.
std::optional<double> value_of(const RequestMetrics& r, MetricId id) {
  auto ms = [](std::optional<int64_t> ns) -> std::optional<double> {
    if (!ns) return std::nullopt;
    return static_cast<double>(*ns) / 1e6;
  };
  switch (id) {
    case MetricId::kTimeToFirstToken: return ms(r.time_to_first_token_ns);
    case MetricId::kTimeToSecondToken: return ms(r.time_to_second_token_ns);
    case MetricId::kRequestLatency: return ms(r.request_latency_ns);
    case MetricId::kInterTokenLatency:
      if (!r.inter_token_latency_ns) return std::nullopt;
      return *r.inter_token_latency_ns / 1e6;
    case MetricId::kOutputTokenThroughputPerUser: return r.output_token_throughput_per_user;
    default: return std::nullopt;
  }
}

}  // namespace

Expected<std::vector<Slo>> parse_goodput(std::string_view text) {
  std::vector<Slo> slos;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find_first_of(" ,", pos);
    std::string_view part = text.substr(pos, end == std::string_view::npos ? end : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    if (part.empty()) continue;
    auto colon = part.find(':');
    if (colon == std::string_view::npos) {
      return fail(ErrorCode::kInvalidArgument, "goodput objective '" + std::string(part) + "' must be TAG:VALUE");
    }
    auto tag = part.substr(0, colon);
    auto value_text = part.substr(colon + 1);
    auto id = metric_from_tag(tag);
    bool allowed = false;
    for (auto a : kAllowed) allowed = allowed || (id && *id == a);
    if (!allowed) {
      return fail(ErrorCode::kInvalidArgument, "goodput metric '" + std::string(tag) + "' is not supported; use one of: " +
                            allowed_tags());
    }
    double value = 0;
    auto [ptr, ec] = std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
    if (ec != std::errc() || ptr != value_text.data() + value_text.size() || !(value > 0) ||
        !std::isfinite(value)) {
      return fail(ErrorCode::kInvalidArgument, "goodput value for '" + std::string(tag) + "' must be a positive number, got '" +
                            std::string(value_text) + "'");
    }
    slos.push_back({*id, value, *id == MetricId::kOutputTokenThroughputPerUser});
  }
  if (slos.empty()) return fail(ErrorCode::kInvalidArgument, std::string("--goodput needs at least one TAG:VALUE"));
  return slos;
}

bool meets_slos(const RequestMetrics& request, const std::vector<Slo>& slos) {
  if (!request.ok) return false;
  for (const auto& slo : slos) {
    auto value = value_of(request, slo.metric);
    if (!value) return false;
    if (slo.higher_is_better ? *value < slo.bound : *value > slo.bound) return false;
  }
  return true;
}

}  // namespace aiperf::metrics
