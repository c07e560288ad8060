#include "entry_weights.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

namespace aiperf_plugins::weighted {
namespace {

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

std::string joined(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// The dataset's own per-entry weights, or 1 each when it has none.
std::vector<double> own_weights(const aiperf::DatasetInfo& dataset, bool required) {
  if (dataset.weights.empty()) {
    if (required) {
      throw aiperf::ConfigError(
          "weighted: the dataset has no weights: give its records a 'weight' field, or set "
          "'weights_by_file' in the sampler config");
    }
    return std::vector<double>(dataset.size, 1.0);
  }
  if (dataset.weights.size() != dataset.size) {
    throw aiperf::ConfigError("weighted: the dataset has " + std::to_string(dataset.size) + " entries but " +
                              std::to_string(dataset.weights.size()) + " weights");
  }
  for (std::size_t i = 0; i < dataset.size; ++i) {
    double w = dataset.weights[i];
    if (!std::isfinite(w) || w < 0) {
      throw aiperf::ConfigError("weighted: entry " + std::to_string(i) + " has weight " + number(w) +
                                "; weights must be finite and >= 0");
    }
  }
  return dataset.weights;
}

// The configured weight of each distinct source file.
std::map<std::string, double> file_weights(const aiperf::DatasetInfo& dataset, const WeightSettings& settings) {
  if (dataset.sources.size() != dataset.size) {
    throw aiperf::ConfigError(
        "weighted: 'weights_by_file' needs a dataset loaded from files (the dataset names no source file "
        "for its entries)");
  }
  std::set<std::string> files(dataset.sources.begin(), dataset.sources.end());
  std::map<std::string, double> weights;
  for (const auto& [key, weight] : settings.by_file) {
    // A key is the file name as the dataset reports it, or a path ending in it.
    std::string name = files.count(key) ? key : std::filesystem::path(key).filename().string();
    if (!files.count(name)) {
      throw aiperf::ConfigError("weighted: 'weights_by_file' names '" + key +
                                "', which is not an input file of this dataset (files: " + joined(files) + ")");
    }
    if (!weights.emplace(name, weight).second) {
      throw aiperf::ConfigError("weighted: 'weights_by_file' gives file '" + name + "' two weights");
    }
  }
  for (const auto& f : files) {
    if (!weights.count(f)) {
      throw aiperf::ConfigError("weighted: input file '" + f +
                                "' has no weight in 'weights_by_file' (give it 0 to leave it out)");
    }
  }
  return weights;
}

}  // namespace

WeightSettings WeightSettings::from_config(const aiperf::PluginConfig& config) {
  config.allow_only({"weights_by_file", "file_weight_mode"});
  WeightSettings s;
  auto mode = config.get<std::string>("file_weight_mode", "share");
  if (mode == "share") {
    s.mode = FileWeightMode::kShare;
  } else if (mode == "per_entry") {
    s.mode = FileWeightMode::kPerEntry;
  } else {
    throw aiperf::ConfigError("key 'file_weight_mode' must be 'share' or 'per_entry', got '" + mode + "'");
  }
  if (!config.has("weights_by_file") || config.json().at("weights_by_file").is_null()) return s;
  const auto& by_file = config.json().at("weights_by_file");
  if (!by_file.is_object() || by_file.empty()) {
    throw aiperf::ConfigError("key 'weights_by_file' must be a non-empty mapping of file name to weight, got " +
                              by_file.dump());
  }
  for (const auto& [file, weight] : by_file.items()) {
    if (!weight.is_number() || !std::isfinite(weight.get<double>()) || weight.get<double>() < 0) {
      throw aiperf::ConfigError("weights_by_file['" + file + "'] must be a number >= 0, got " + weight.dump());
    }
    s.by_file.emplace_back(file, weight.get<double>());
  }
  return s;
}

std::vector<double> entry_weights(const aiperf::DatasetInfo& dataset, const WeightSettings& settings) {
  if (dataset.size == 0) throw aiperf::ConfigError("weighted: the dataset is empty");
  std::vector<double> weights = own_weights(dataset, /*required=*/settings.by_file.empty());
  if (!settings.by_file.empty()) {
    auto per_file = file_weights(dataset, settings);
    std::map<std::string, double> file_totals;  // sum of the entries' own weights per file
    for (std::size_t i = 0; i < dataset.size; ++i) file_totals[dataset.sources[i]] += weights[i];
    for (const auto& [file, total] : file_totals) {
      if (settings.mode == FileWeightMode::kShare && total == 0 && per_file[file] > 0) {
        throw aiperf::ConfigError("weighted: every entry of '" + file +
                                  "' has weight 0, so its share in 'weights_by_file' cannot be spread");
      }
    }
    for (std::size_t i = 0; i < dataset.size; ++i) {
      const std::string& file = dataset.sources[i];
      double w = per_file[file] * weights[i];
      weights[i] = settings.mode == FileWeightMode::kShare && w > 0 ? w / file_totals[file] : w;
    }
  }
  double sum = 0;
  for (double w : weights) sum += w;
  if (!(sum > 0)) throw aiperf::ConfigError("weighted: every weight is zero: nothing can be sampled");
  if (!std::isfinite(sum)) throw aiperf::ConfigError("weighted: the weights sum to infinity");
  return weights;
}

}  // namespace aiperf_plugins::weighted
