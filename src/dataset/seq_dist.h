// --seq-dist: a mixture of input/output lengths (AIPerf's "ISL,OSL:PCT;..."
// syntax, each length optionally "MEAN|STDDEV"), each request labelled with
// its component for per-class metrics.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "dataset/synthetic.h"
#include "dataset/text_source.h"

namespace aiperf::dataset {

/// One component of the mixture.
struct SeqDistComponent {
  uint32_t isl = 0, isl_stddev = 0;  ///< Input length (tokens) and its spread.
  uint32_t osl = 0, osl_stddev = 0;  ///< Output length (max_tokens) and its spread.
  double percent = 0;                ///< Share of requests, in percent.
  std::string label;                 ///< Class label, "isl<ISL>_osl<OSL>".
};

/// Parses the mixture; percentages must be positive and add up to 100. The
/// error quotes the component at fault.
Expected<std::vector<SeqDistComponent>> parse_seq_dist(std::string_view text);

/// The component of each of `n` draws (seeded, independent draws by percentage).
std::vector<std::size_t> draw_components(const std::vector<SeqDistComponent>& mixture, std::size_t n, uint64_t seed);

/// `entries` synthetic entries drawn from the mixture, each labelled with its component.
Expected<std::vector<DatasetEntry>> make_mixture_dataset(const std::vector<SeqDistComponent>& mixture,
                                                         std::size_t entries, uint64_t seed, const TextSource& source);

}  // namespace aiperf::dataset
