#include "adaptive_rate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <tuple>

namespace aiperf_plugins::adaptive_rate {
namespace {

double positive(const aiperf::PluginConfig& config, const char* key, double fallback) {
  double value = config.get<double>(key, fallback);
  if (!(value > 0) || !std::isfinite(value)) {
    throw aiperf::ConfigError(std::string("key '") + key + "' must be a positive number, got " +
                              config.json().at(key).dump());
  }
  return value;
}

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

}  // namespace

Settings Settings::from_config(const aiperf::PluginConfig& config) {
  config.allow_only({"initial_rate", "scale_factor", "interval_seconds", "slo", "backoff_factor",
                     "max_rate", "max_intervals"});
  Settings s;
  if (!config.has("initial_rate")) throw aiperf::ConfigError("missing required key 'initial_rate' (req/s)");
  s.initial_rate = positive(config, "initial_rate", 0);
  s.scale_factor = config.get<double>("scale_factor", 1.5);
  if (!(s.scale_factor > 1) || !std::isfinite(s.scale_factor)) {
    throw aiperf::ConfigError("key 'scale_factor' must be greater than 1, got " +
                              config.json().at("scale_factor").dump());
  }
  s.interval_seconds = positive(config, "interval_seconds", 5);
  if (!config.has("slo")) {
    throw aiperf::ConfigError(
        "missing required key 'slo' ({metric: time_to_first_token|request_latency, percentile, threshold_ms})");
  }
  s.slo = Slo::from_json(config.json().at("slo"));
  s.backoff_factor = config.get<double>("backoff_factor", 0.5);
  if (!(s.backoff_factor > 0 && s.backoff_factor < 1)) {
    throw aiperf::ConfigError("key 'backoff_factor' must be between 0 and 1 (exclusive), got " +
                              config.json().at("backoff_factor").dump());
  }
  if (config.has("max_rate") && !config.json().at("max_rate").is_null()) {
    s.max_rate = positive(config, "max_rate", 0);
    if (*s.max_rate < s.initial_rate) {
      throw aiperf::ConfigError("key 'max_rate' (" + format("%g", *s.max_rate) +
                                ") is below 'initial_rate' (" + format("%g", s.initial_rate) + ")");
    }
  }
  if (config.has("max_intervals") && !config.json().at("max_intervals").is_null()) {
    const auto& value = config.json().at("max_intervals");
    if (!value.is_number_integer() || value.get<int64_t>() < 1) {
      throw aiperf::ConfigError("key 'max_intervals' must be a positive integer, got " + value.dump());
    }
    s.max_intervals = value.get<uint64_t>();
  }
  return s;
}

AdaptiveRateStrategy::AdaptiveRateStrategy(const aiperf::PluginConfig& config)
    : settings_(Settings::from_config(config)),
      interval_ns_(std::llround(settings_.interval_seconds * 1e9)),
      rate_(settings_.initial_rate) {
  if (interval_ns_ < 1) throw aiperf::ConfigError("key 'interval_seconds' is shorter than a nanosecond");
}

uint64_t AdaptiveRateStrategy::interval_of(int64_t t) const {
  return t <= 0 ? 0 : static_cast<uint64_t>(t / interval_ns_);
}

int64_t AdaptiveRateStrategy::interval_start(uint64_t k) const {
  return static_cast<int64_t>(k) * interval_ns_;
}

aiperf::Credit AdaptiveRateStrategy::next_credit(const aiperf::CreditState& /*state*/) {
  using Kind = aiperf::Credit::Kind;
  if (stopped_) return {Kind::kStop, 0, {}};
  if (awaiting_evaluation_) {
    // The previous interval is over (its successor's first send went out): decide the new rate.
    awaiting_evaluation_ = false;
    IntervalResult done = evaluate(interval_ - 1, /*last=*/false);
    std::tie(rate_, ceiling_) = decide(done, evaluated_, ceiling_);
    evaluated_.push_back(done);
  }
  // Send i of interval k at start_k + i / rate: computed from i, never accumulated.
  double offset = static_cast<double>(next_send_) * 1e9 / rate_;
  int64_t end = interval_start(interval_ + 1);
  if (offset < static_cast<double>(interval_ns_)) {
    int64_t at = std::min<int64_t>(interval_start(interval_) + std::llround(offset), end - 1);
    ++next_send_;
    return {Kind::kSendAt, at, {}};
  }
  if (settings_.max_intervals && interval_ + 1 >= *settings_.max_intervals) {
    stopped_ = true;
    return {Kind::kStop, 0, {}};
  }
  // The next interval's first send is at its start whatever its rate, so it can be
  // issued now; the rate is decided at the next call, once this interval is complete.
  ++interval_;
  next_send_ = 1;
  awaiting_evaluation_ = true;
  return {Kind::kSendAt, end, {}};
}

void AdaptiveRateStrategy::on_credit_returned(const aiperf::CreditReturn& outcome) {
  double value = std::numeric_limits<double>::infinity();  // a failure breaks the SLO
  if (outcome.ok) {
    std::optional<double> measured = settings_.slo.metric == SloMetric::kTimeToFirstToken
                                         ? (outcome.ttft_ms ? outcome.ttft_ms : outcome.latency_ms)
                                         : outcome.latency_ms;
    if (!measured) return;  // nothing to judge
    value = *measured;
  }
  samples_[interval_of(outcome.end_ns)].push_back({interval_of(outcome.scheduled_ns), value});
}

IntervalResult AdaptiveRateStrategy::evaluate(uint64_t k, bool last) const {
  IntervalResult result;
  result.rate = k < evaluated_.size() ? evaluated_[k].rate : rate_;
  std::vector<double> values;
  // The last interval also owns its own requests that complete after it ends
  // (the phase drains them); an earlier interval's stragglers belong to none.
  for (auto it = samples_.lower_bound(k); it != samples_.end() && (last || it->first == k); ++it) {
    for (const auto& sample : it->second) {
      if (it->first == k || sample.sent_in >= k) values.push_back(sample.value);
    }
  }
  result.samples = values.size();
  if (values.empty()) return result;  // nothing completed: the server is not keeping up
  result.observed_ms = percentile(values, settings_.slo.percentile);
  result.held = result.observed_ms <= settings_.slo.threshold_ms;
  return result;
}

std::pair<double, std::optional<double>> AdaptiveRateStrategy::decide(
    const IntervalResult& result, const std::vector<IntervalResult>& earlier,
    std::optional<double> ceiling) const {
  double r = result.rate;
  double next = 0;
  if (result.held) {
    next = r * settings_.scale_factor;
    // After a breach, search between this rate and the lowest one that broke.
    if (ceiling && next >= *ceiling) next = r + (*ceiling - r) / 2;
  } else {
    ceiling = ceiling ? std::min(*ceiling, r) : r;
    double floor = 0;  // the highest rate below r that held
    for (const auto& e : earlier) {
      if (e.held && e.rate < r) floor = std::max(floor, e.rate);
    }
    next = r - settings_.backoff_factor * (r - floor);
  }
  if (settings_.max_rate) next = std::min(next, *settings_.max_rate);
  return {next, ceiling};
}

std::vector<IntervalResult> AdaptiveRateStrategy::intervals() const {
  std::vector<IntervalResult> all = evaluated_;
  double current_rate = rate_;
  if (awaiting_evaluation_) {
    // The current interval has only sent its first request; its rate is what the
    // previous interval's verdict gives.
    all.push_back(evaluate(interval_ - 1, /*last=*/false));
    current_rate = decide(all.back(), evaluated_, ceiling_).first;
  }
  IntervalResult current = evaluate(interval_, /*last=*/true);
  current.rate = current_rate;
  if (next_send_ > 0) all.push_back(current);  // it has begun
  return all;
}

std::optional<double> AdaptiveRateStrategy::highest_held_rate() const {
  std::optional<double> best;
  for (const auto& r : intervals()) {
    if (r.held && (!best || r.rate > *best)) best = r.rate;
  }
  return best;
}

std::string AdaptiveRateStrategy::summary() const {
  const Slo& slo = settings_.slo;
  std::string p = "p" + format("%g", slo.percentile);
  std::string objective = slo.metric_name() + " " + p + " <= " + format("%g", slo.threshold_ms) + " ms";
  auto all = intervals();
  auto best = highest_held_rate();
  std::string line = best ? "highest rate that held: " + format("%.2f", *best) + " req/s"
                          : std::string("no rate held the SLO");
  line += " (" + objective + "); " + std::to_string(all.size()) + " interval" +
          (all.size() == 1 ? "" : "s") + " of " + format("%g", settings_.interval_seconds) + " s:";
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& r = all[i];
    line += (i ? ", " : " ") + format("%.2f", r.rate) + (r.held ? " held" : " broke");
    if (r.samples == 0) {
      line += " (no request completed)";
    } else {
      line += " (" + p + " " + (std::isinf(r.observed_ms) ? std::string("failed") : format("%.1f", r.observed_ms) + " ms") +
              ", n=" + std::to_string(r.samples) + ")";
    }
  }
  return line;
}

}  // namespace aiperf_plugins::adaptive_rate
