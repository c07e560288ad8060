#include "timing/user_centric_strategy.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace aiperf::timing {

UserCentricStrategy::UserCentricStrategy(const PluginConfig& config) {
  config.allow_only({"user_centric_rate", "num_users"});
  rate_ = config.require<double>("user_centric_rate");
  if (!(rate_ > 0) || !std::isfinite(rate_)) {
    throw ConfigError("key 'user_centric_rate' must be a positive number, got " + std::to_string(rate_));
  }
  const auto users = config.require<int64_t>("num_users");
  if (users < 1 || users > 1'000'000) throw ConfigError("key 'num_users' must be in 1-1000000");
  users_ = static_cast<uint64_t>(users);
  gap_ns_ = static_cast<int64_t>(std::llround(static_cast<double>(users_) / rate_ * 1e9));
  // Staggered: one user every 1/R s, so the first turns already arrive at the target rate.
  for (uint64_t i = 0; i < users_; ++i) idle_.push(static_cast<int64_t>(std::llround(static_cast<double>(i) * 1e9 / rate_)));
}

Credit UserCentricStrategy::next_credit(const CreditState&) {
  if (idle_.empty()) return {Credit::Kind::kWaitForReturn, 0, {}};  // every user is in a conversation
  const int64_t at = idle_.top();
  idle_.pop();
  return {Credit::Kind::kSendAt, at, {}};
}

void UserCentricStrategy::on_credit_returned(const CreditReturn& outcome) {
  // The user's cadence goes on from its last send; a late response restarts it at the end.
  idle_.push(std::max(outcome.sent_ns + gap_ns_, outcome.end_ns));
}

std::string UserCentricStrategy::summary() const {
  return fmt::format("user-centric: {} users at {:g} turns/s in total, {:.3f} s between a user's turns", users_, rate_,
                     static_cast<double>(gap_ns_) / 1e9);
}

}  // namespace aiperf::timing
