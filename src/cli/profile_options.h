// Everything `aiperf profile` can be told, with AIPerf's defaults.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace aiperf::cli {

/// The options of one profile run.
struct ProfileOptions {
  std::string model;
  std::string url = "http://localhost:8000";
  std::string endpoint_type = "chat";        ///< An `endpoint` implementation (built-in or plugin).
  std::string custom_endpoint;               ///< --endpoint: path overriding the endpoint's default.
  bool streaming = false;
  uint64_t concurrency = 1;
  uint64_t request_count = 10;
  uint32_t isl = 550, isl_stddev = 0;
  std::optional<uint32_t> osl;
  uint32_t osl_stddev = 0;
  uint64_t random_seed = 0;
  uint64_t num_dataset_entries = 100;
  std::string sampler = "sequential";
  std::string artifact_dir;                  ///< Default: artifacts/<run name>.
  double request_timeout_seconds = 600;
  double max_error_rate = 0;                 ///< Fraction of failed requests tolerated (0 to 1).
  std::string api_key;
  std::vector<std::string> headers;          ///< "Name:Value".
  std::vector<std::string> extra_inputs;     ///< "key:value"; value parsed as JSON when it is JSON.
  std::string ui = "simple";                 ///< "simple" progress lines, or "none".

  /// Problems with the values, one message each (empty when valid).
  std::vector<std::string> validate() const;
  /// "<model>-<endpoint>-concurrency<N>", safe as a directory name.
  std::string run_name() const;
  /// The options as JSON for the exports; the API key and Authorization headers are redacted.
  nlohmann::json to_json() const;
  /// The endpoint's config object built from the options (api_key, headers, extra, path).
  nlohmann::json endpoint_config() const;
};

}  // namespace aiperf::cli
