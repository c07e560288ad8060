#include "cli/profile_options.h"

#include <fmt/format.h>

namespace aiperf::cli {
namespace {

// Splits "key:value" at the first ':'; nullopt without one.
std::optional<std::pair<std::string, std::string>> split_pair(const std::string& text) {
  auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  std::string value = text.substr(colon + 1);
  std::size_t start = value.find_first_not_of(' ');
  return std::pair{text.substr(0, colon), start == std::string::npos ? "" : value.substr(start)};
}

bool is_secret_header(std::string name) {
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name == "authorization" || name.find("api-key") != std::string::npos ||
         name.find("token") != std::string::npos;
}

}  // namespace

std::vector<std::string> ProfileOptions::validate() const {
  std::vector<std::string> problems;
  if (model.empty()) problems.push_back("--model is required");
  if (concurrency < 1) problems.push_back("--concurrency must be at least 1");
  if (request_count < 1) problems.push_back("--request-count must be at least 1");
  if (isl < 1) problems.push_back("--isl must be at least 1");
  if (osl && *osl < 1) problems.push_back("--osl must be at least 1");
  if (num_dataset_entries < 1) problems.push_back("--num-dataset-entries must be at least 1");
  if (!(request_timeout_seconds > 0)) problems.push_back("--request-timeout-seconds must be positive");
  if (!(max_error_rate >= 0 && max_error_rate <= 1)) {
    problems.push_back(fmt::format("--max-error-rate must be between 0 and 1, got {}", max_error_rate));
  }
  if (ui != "simple" && ui != "none") problems.push_back("--ui must be 'simple' or 'none', got '" + ui + "'");
  if (!custom_endpoint.empty() && custom_endpoint.front() != '/') {
    problems.push_back("--endpoint must start with '/', got '" + custom_endpoint + "'");
  }
  for (const auto& h : headers) {
    if (!split_pair(h)) problems.push_back("--header must be Name:Value, got '" + h + "'");
  }
  for (const auto& e : extra_inputs) {
    if (!split_pair(e)) problems.push_back("--extra-inputs must be key:value, got '" + e + "'");
  }
  return problems;
}

std::string ProfileOptions::run_name() const {
  std::string name = fmt::format("{}-{}-concurrency{}", model, endpoint_type, concurrency);
  for (char& c : name) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    if (!ok) c = '_';
  }
  return name;
}

nlohmann::json ProfileOptions::endpoint_config() const {
  nlohmann::json config = nlohmann::json::object();
  if (!api_key.empty()) config["api_key"] = api_key;
  if (!custom_endpoint.empty()) config["path"] = custom_endpoint;
  for (const auto& h : headers) {
    if (auto kv = split_pair(h)) config["headers"][kv->first] = kv->second;
  }
  for (const auto& e : extra_inputs) {
    if (auto kv = split_pair(e)) {
      auto value = nlohmann::json::parse(kv->second, nullptr, false);
      config["extra"][kv->first] = value.is_discarded() ? nlohmann::json(kv->second) : value;
    }
  }
  return config;
}

nlohmann::json ProfileOptions::to_json() const {
  nlohmann::json headers_json = nlohmann::json::object();
  for (const auto& h : headers) {
    if (auto kv = split_pair(h)) headers_json[kv->first] = is_secret_header(kv->first) ? "<redacted>" : kv->second;
  }
  return {
      {"endpoint", {{"model_names", {model}}, {"type", endpoint_type}, {"custom_endpoint", custom_endpoint},
                    {"streaming", streaming}, {"url", url}, {"api_key", api_key.empty() ? "" : "<redacted>"},
                    {"headers", headers_json}, {"extra_inputs", endpoint_config().value("extra", nlohmann::json::object())},
                    {"timeout_seconds", request_timeout_seconds}}},
      {"input", {{"random_seed", random_seed}, {"num_dataset_entries", num_dataset_entries},
                 {"dataset_sampling_strategy", sampler},
                 {"prompt", {{"input_tokens", {{"mean", isl}, {"stddev", isl_stddev}}},
                             {"output_tokens", {{"mean", osl ? nlohmann::json(*osl) : nlohmann::json(nullptr)},
                                                {"stddev", osl_stddev}}}}}}},
      {"loadgen", {{"concurrency", concurrency}, {"request_count", request_count},
                   {"timing_mode", "concurrency"}, {"max_error_rate", max_error_rate}}},
  };
}

}  // namespace aiperf::cli
