#include "mock_server/behavior.h"

#include <charconv>
#include <cmath>

#include "mock_server/tokens.h"

namespace aiperf::mock_server {
namespace {

std::optional<double> parse_double(std::string_view s) {
  // std::from_chars for double is available in GCC 12's libstdc++.
  double v = 0;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<int> parse_int(std::string_view s) {
  int v = 0;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// A uniform draw in [0, 100) determined by (seed, sequence).
double draw_percent(std::uint64_t seed, std::uint64_t sequence) {
  const std::uint64_t r = mix64(seed ^ mix64(sequence));
  return static_cast<double>(r >> 11) * 0x1.0p-53 * 100.0;
}

}  // namespace

std::string_view to_string(Fault fault) {
  switch (fault) {
    case Fault::none: return "none";
    case Fault::http_500: return "http_500";
    case Fault::http_429: return "http_429";
    case Fault::reset: return "reset";
    case Fault::stall: return "stall";
    case Fault::malformed_sse: return "malformed_sse";
    case Fault::truncated_json: return "truncated_json";
  }
  return "none";
}

std::optional<Fault> parse_fault(std::string_view name) {
  if (name == "none") return Fault::none;
  for (Fault f : kInjectableFaults) {
    if (to_string(f) == name) return f;
  }
  return std::nullopt;
}

Expected<FaultRate> parse_fault_rate(std::string_view spec) {
  const auto eq = spec.find('=');
  if (eq == std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument, "expected KIND=PCT, got '" + std::string(spec) + "'");
  }
  const auto fault = parse_fault(spec.substr(0, eq));
  if (!fault || *fault == Fault::none) {
    return fail(ErrorCode::kInvalidArgument, "unknown fault kind '" + std::string(spec.substr(0, eq)) +
                               "' (http_500, http_429, reset, stall, malformed_sse, truncated_json)");
  }
  const auto pct = parse_double(spec.substr(eq + 1));
  if (!pct || *pct < 0 || *pct > 100) {
    return fail(ErrorCode::kInvalidArgument, "fault percentage must be a number in 0-100, got '" +
                               std::string(spec.substr(eq + 1)) + "'");
  }
  return FaultRate{*fault, *pct};
}

Expected<void> validate(const BehaviorConfig& config) {
  if (!(config.ttft_ms >= 0) || !(config.itl_ms >= 0) || !(config.ttft_jitter_ms >= 0)) {
    return fail(ErrorCode::kInvalidArgument, "--ttft and --itl must be >= 0");
  }
  if (!(config.error_rate >= 0 && config.error_rate <= 100)) {
    return fail(ErrorCode::kInvalidArgument, "--error-rate must be in 0-100");
  }
  double total = config.error_rate;
  for (const auto& fr : config.fault_rates) {
    if (!(fr.percent >= 0 && fr.percent <= 100)) {
      return fail(ErrorCode::kInvalidArgument, "fault percentage must be in 0-100");
    }
    total += fr.percent;
  }
  if (total > 100.0 + 1e-9) {
    return fail(ErrorCode::kInvalidArgument, "--error-rate plus all --fault percentages exceed 100");
  }
  return {};
}

Expected<Overrides> parse_overrides(const HeaderLookup& header) {
  Overrides o;
  if (auto v = header("x-mock-fault")) {
    o.fault = parse_fault(*v);
    if (!o.fault) return fail(ErrorCode::kInvalidArgument, "X-Mock-Fault: unknown fault '" + std::string(*v) + "'");
  }
  if (auto v = header("x-mock-ttft-ms")) {
    o.ttft_ms = parse_double(*v);
    if (!o.ttft_ms || *o.ttft_ms < 0) {
      return fail(ErrorCode::kInvalidArgument, "X-Mock-TTFT-Ms: expected milliseconds >= 0, got '" + std::string(*v) + "'");
    }
  }
  if (auto v = header("x-mock-itl-ms")) {
    o.itl_ms = parse_double(*v);
    if (!o.itl_ms || *o.itl_ms < 0) {
      return fail(ErrorCode::kInvalidArgument, "X-Mock-ITL-Ms: expected milliseconds >= 0, got '" + std::string(*v) + "'");
    }
  }
  if (auto v = header("x-mock-fault-after")) {
    o.fault_after = parse_int(*v);
    if (!o.fault_after || *o.fault_after < 0) {
      return fail(ErrorCode::kInvalidArgument, "X-Mock-Fault-After: expected a token count >= 0, got '" + std::string(*v) + "'");
    }
  }
  return o;
}

Behavior::Behavior(BehaviorConfig config) : config_(std::move(config)) {}

Plan Behavior::next(const Overrides& overrides) {
  return plan_for(sequence_.fetch_add(1, std::memory_order_relaxed), overrides);
}

Plan Behavior::plan_for(std::uint64_t sequence, const Overrides& overrides) const {
  Plan plan;
  plan.sequence = sequence;
  plan.ttft_ms = config_.fast ? 0 : config_.ttft_ms;
  plan.itl_ms = config_.fast ? 0 : config_.itl_ms;
  if (!config_.fast && config_.ttft_jitter_ms > 0) {
    // A draw of its own (not the fault draw), so jitter does not change which requests fail.
    const double u = draw_percent(config_.seed ^ 0x6a09e667f3bcc909ull, sequence) / 100.0;
    plan.ttft_ms += -config_.ttft_jitter_ms * std::log1p(-u);
  }
  if (overrides.ttft_ms) plan.ttft_ms = *overrides.ttft_ms;
  if (overrides.itl_ms) plan.itl_ms = *overrides.itl_ms;
  plan.fault_after = overrides.fault_after;
  if (overrides.fault) {
    plan.fault = *overrides.fault;
    return plan;
  }
  // One draw per request: [0, error_rate) is http_500, then each --fault in order.
  const double u = draw_percent(config_.seed, sequence);
  double edge = config_.error_rate;
  if (u < edge) {
    plan.fault = Fault::http_500;
    return plan;
  }
  for (const auto& fr : config_.fault_rates) {
    edge += fr.percent;
    if (u < edge) {
      plan.fault = fr.fault;
      return plan;
    }
  }
  return plan;
}

void Behavior::reset() { sequence_.store(0, std::memory_order_relaxed); }

double Behavior::prefill_ms(int uncached_tokens, const Overrides& overrides) const {
  if (config_.fast || overrides.ttft_ms || uncached_tokens <= 0) return 0;
  return config_.prefill_us_per_token * uncached_tokens / 1000.0;
}

PrefixCache::PrefixCache(PrefixCacheConfig config) : config_(config) {
  if (config_.block_size == 0) config_.block_size = 1;
}

CacheLookup PrefixCache::lookup_and_insert(std::span<const std::uint64_t> token_ids) {
  CacheLookup out;
  if (!enabled()) return out;
  const std::size_t full = token_ids.size() / config_.block_size;
  std::vector<std::uint64_t> keys(full);
  std::uint64_t chain = 0x6a09e667f3bcc908ULL;
  for (std::size_t b = 0; b < full; ++b) {
    for (std::size_t t = b * config_.block_size; t < (b + 1) * config_.block_size; ++t) {
      chain = mix64(chain ^ token_ids[t]);
    }
    keys[b] = chain;
  }
  std::lock_guard lock(mu_);
  bool prefix = true;  // hits count only while the prefix is unbroken, as in vLLM
  for (std::uint64_t key : keys) {
    prefix = prefix && index_.count(key) > 0;
    if (prefix) ++out.hit_blocks;
    else ++out.miss_blocks;
  }
  // Last block first, so a prompt's first block is the most recent: eviction takes tails before heads.
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) touch(*it);
  out.cached_tokens = static_cast<int>(out.hit_blocks * config_.block_size);
  return out;
}

void PrefixCache::touch(std::uint64_t key) {
  if (auto it = index_.find(key); it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.push_front(key);
  index_[key] = lru_.begin();
  while (lru_.size() > config_.blocks) {
    index_.erase(lru_.back());
    lru_.pop_back();
  }
}

void PrefixCache::reset() {
  std::lock_guard lock(mu_);
  lru_.clear();
  index_.clear();
}

}  // namespace aiperf::mock_server
