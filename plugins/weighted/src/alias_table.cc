#include "alias_table.h"

#include <algorithm>

namespace aiperf_plugins::weighted {

AliasTable::AliasTable(const std::vector<double>& weights)
    : accept_(weights.size(), 0.0), alias_(weights.size(), 0) {
  const std::size_t n = weights.size();
  double sum = 0;
  std::size_t heaviest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sum += weights[i];
    if (weights[i] > weights[heaviest]) heaviest = i;
  }
  std::vector<double> scaled(n);
  std::vector<std::size_t> small, large;
  for (std::size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / sum;
    alias_[i] = i;
    (scaled[i] < 1.0 ? small : large).push_back(i);
  }
  // Zero weights first, while large columns surely remain to absorb them.
  std::stable_partition(small.begin(), small.end(), [&](std::size_t i) { return weights[i] == 0; });
  std::reverse(small.begin(), small.end());  // popped from the back
  while (!small.empty() && !large.empty()) {
    std::size_t s = small.back(), l = large.back();
    small.pop_back();
    accept_[s] = scaled[s];
    alias_[s] = l;
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Rounding leftovers are full columns; a zero weight never becomes one.
  for (auto i : large) accept_[i] = 1.0;
  for (auto i : small) {
    accept_[i] = weights[i] > 0 ? 1.0 : 0.0;
    alias_[i] = weights[i] > 0 ? i : heaviest;
  }
}

std::size_t AliasTable::sample(std::mt19937_64& rng) const {
  __extension__ using u128 = unsigned __int128;
  // Column: the high 64 bits of a 64x64 product (bias below n / 2^64).
  auto column = static_cast<std::size_t>((static_cast<u128>(rng()) * accept_.size()) >> 64);
  double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // uniform in [0, 1)
  return u < accept_[column] ? column : alias_[column];
}

std::vector<double> AliasTable::implied_probabilities() const {
  const double n = static_cast<double>(accept_.size());
  std::vector<double> p(accept_.size(), 0.0);
  for (std::size_t i = 0; i < accept_.size(); ++i) {
    p[i] += accept_[i] / n;
    p[alias_[i]] += (1.0 - accept_[i]) / n;
  }
  return p;
}

}  // namespace aiperf_plugins::weighted
