// Walker/Vose alias table: O(1) sampling from a discrete distribution, with a
// generator whose output is fully specified (mt19937_64 and plain bit
// arithmetic, no std:: distributions), so a seed gives the same indices with
// every standard library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace aiperf_plugins::weighted {

/// A discrete distribution over 0..n-1 built from non-negative weights.
class AliasTable {
 public:
  /// An empty table (sample() must not be called).
  AliasTable() = default;
  /// Builds from `weights`: finite, >= 0, with a positive sum (checked by the caller).
  explicit AliasTable(const std::vector<double>& weights);

  /// One index drawn with probability weight[i] / sum; never an index of weight 0.
  std::size_t sample(std::mt19937_64& rng) const;
  /// Number of outcomes.
  std::size_t size() const { return accept_.size(); }
  /// The probability of each outcome the table encodes (for tests).
  std::vector<double> implied_probabilities() const;

 private:
  std::vector<double> accept_;      // probability of keeping column i
  std::vector<std::size_t> alias_;  // the other outcome of column i
};

}  // namespace aiperf_plugins::weighted
