// Everything `aiperf profile` can be told (AIPerf's flag names and defaults),
// and what follows from it: phases, the timing strategy and its config.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/benchmark.h"

namespace aiperf::config {

/// The options of one profile run.
struct ProfileOptions {
  // Endpoint
  std::string model;
  std::string url = "http://localhost:8000";
  std::string endpoint_type = "chat";        ///< An `endpoint` implementation (built-in or plugin).
  std::string custom_endpoint;               ///< --endpoint: path overriding the endpoint's default.
  std::string endpoint_config;               ///< --endpoint-config: JSON object for the endpoint.
  bool streaming = false;
  double request_timeout_seconds = 600;
  std::string api_key;
  std::vector<std::string> headers;          ///< "Name:Value".
  std::vector<std::string> extra_inputs;     ///< "key:value"; value parsed as JSON when it is JSON.
  // Load
  std::optional<uint64_t> concurrency;       ///< Concurrency mode: in flight; rate mode: ceiling.
  std::optional<double> request_rate;
  std::string arrival_pattern = "poisson";
  double arrival_smoothness = 1.0;
  bool fixed_schedule = false;               ///< Also implied by an input file with timestamps.
  std::optional<double> fixed_schedule_start_offset_ms, fixed_schedule_end_offset_ms;
  std::string timing_strategy;               ///< Explicit implementation (e.g. a plugin's).
  std::string timing_config;                 ///< JSON object for an explicit timing strategy.
  // Phases
  std::optional<uint64_t> request_count;
  std::optional<double> benchmark_duration;
  double benchmark_grace_period = 30;
  std::optional<uint64_t> warmup_request_count;
  std::optional<double> warmup_duration;
  // Dataset
  std::vector<std::string> input_files;
  uint32_t isl = 550, isl_stddev = 0;
  std::optional<uint32_t> osl;
  uint32_t osl_stddev = 0;
  uint64_t random_seed = 0;
  uint64_t num_dataset_entries = 100;
  std::string sampler = "sequential";
  std::string sampler_config;                ///< JSON object for the sampler.
  // Hooks, outputs
  std::vector<std::string> phase_hooks;      ///< "NAME" or "NAME={json config}".
  std::string goodput;                       ///< "tag:value tag:value".
  std::string artifact_dir;                  ///< Default: artifacts/<run name>.
  double max_error_rate = 0;                 ///< Fraction of failed requests tolerated (0 to 1).
  std::string ui = "simple";                 ///< "simple" progress, or "none".
  // From a config file
  std::string config_file;                   ///< --config: the YAML file applied under the flags.
  std::vector<std::string> plugin_paths;     ///< plugins.paths, made absolute.
  std::vector<std::string> config_errors;    ///< Problems found in the config file.

  /// Problems with the values alone, one message each (empty when valid). With
  /// `complete` false, what flags may still add (model, run length) is not required.
  std::vector<std::string> validate(bool complete = true) const;
  /// "<model>-<endpoint>-<mode><N>", safe as a directory name.
  std::string run_name() const;
  /// The options as JSON for the exports (redact with config::redact_secrets before writing).
  nlohmann::json to_json() const;
  /// The phase hooks as [{name, config}].
  nlohmann::json hooks_json() const;
  /// The endpoint's config object: --endpoint-config merged with api_key, headers, extra, path.
  nlohmann::json endpoint_config_json() const;
  /// The timing strategy name and config for a dataset with `timestamps_ms` (may be empty).
  std::pair<std::string, nlohmann::json> timing(const std::vector<double>& timestamps_ms) const;
  /// Warmup (if asked for) and profiling phases. Without a count or duration the
  /// profiling phase sends the dataset once, unless the strategy stops by itself.
  std::vector<engine::PhasePlan> phases(std::size_t dataset_size, bool strategy_stops_itself) const;
};

/// Parses a JSON object given on the command line; `flag` names it in the error.
nlohmann::json parse_json_object(const std::string& text, const std::string& flag);

}  // namespace aiperf::config
