#include "config/profile_options.h"

#include <fmt/format.h>

#include <stdexcept>

namespace aiperf::config {
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

bool json_object_ok(const std::string& text) {
  if (text.empty()) return true;
  auto j = nlohmann::json::parse(text, nullptr, false);
  return !j.is_discarded() && j.is_object();
}

}  // namespace

nlohmann::json parse_json_object(const std::string& text, const std::string& flag) {
  if (text.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw std::invalid_argument(flag + " must be a JSON object, got: " + text);
  }
  return j;
}

std::vector<std::string> ProfileOptions::validate(bool complete) const {
  std::vector<std::string> problems;
  auto need = [&](bool ok, std::string message) {
    if (!ok) problems.push_back(std::move(message));
  };
  need(!complete || !model.empty(), "--model is required");
  need(!concurrency || *concurrency >= 1, "--concurrency must be at least 1");
  need(!request_rate || (*request_rate > 0 && std::isfinite(*request_rate)),
       fmt::format("--request-rate must be a positive number, got {}", request_rate.value_or(0)));
  need(arrival_pattern == "constant" || arrival_pattern == "poisson" || arrival_pattern == "gamma",
       "--arrival-pattern must be constant, poisson or gamma, got '" + arrival_pattern + "'");
  need(arrival_smoothness > 0, "--arrival-smoothness must be positive");
  need(!request_count || *request_count >= 1, "--request-count must be at least 1");
  need(!benchmark_duration || *benchmark_duration > 0, "--benchmark-duration must be positive");
  need(benchmark_grace_period >= 0, "--benchmark-grace-period must not be negative");
  need(!warmup_request_count || *warmup_request_count >= 1, "--warmup-request-count must be at least 1");
  need(!warmup_duration || *warmup_duration > 0, "--warmup-duration must be positive");
  need(!(request_rate && fixed_schedule), "--request-rate and --fixed-schedule exclude each other");
  need(!(timing_strategy.empty() && !timing_config.empty()), "--timing-config needs --timing-strategy");
  bool self_limiting = fixed_schedule || !timing_strategy.empty();
  need(!complete || request_count || benchmark_duration || self_limiting || !input_files.empty(),
       "say how long to run: --request-count N or --benchmark-duration SECONDS");
  need(isl >= 1, "--isl must be at least 1");
  need(!osl || *osl >= 1, "--osl must be at least 1");
  need(num_dataset_entries >= 1, "--num-dataset-entries must be at least 1");
  need(request_timeout_seconds > 0, "--request-timeout-seconds must be positive");
  need(max_error_rate >= 0 && max_error_rate <= 1,
       fmt::format("--max-error-rate must be between 0 and 1, got {}", max_error_rate));
  need(ui == "simple" || ui == "none", "--ui must be 'simple' or 'none', got '" + ui + "'");
  need(custom_endpoint.empty() || custom_endpoint.front() == '/',
       "--endpoint must start with '/', got '" + custom_endpoint + "'");
  for (const auto& h : headers) need(split_pair(h).has_value(), "--header must be Name:Value, got '" + h + "'");
  for (const auto& e : extra_inputs) {
    need(split_pair(e).has_value(), "--extra-inputs must be key:value, got '" + e + "'");
  }
  need(json_object_ok(endpoint_config), "--endpoint-config must be a JSON object");
  need(json_object_ok(timing_config), "--timing-config must be a JSON object");
  need(json_object_ok(sampler_config), "--sampler-config must be a JSON object");
  for (const auto& hook : phase_hooks) {
    auto eq = hook.find('=');
    need(eq != 0 && !hook.empty(), "--phase-hook needs a NAME, got '" + hook + "'");
    if (eq != std::string::npos) {
      need(json_object_ok(hook.substr(eq + 1)), "--phase-hook " + hook.substr(0, eq) + ": config must be a JSON object");
    }
  }
  return problems;
}

std::string ProfileOptions::run_name() const {
  std::string load = request_rate ? fmt::format("request_rate{}", *request_rate)
                                  : fmt::format("concurrency{}", concurrency.value_or(1));
  std::string name = fmt::format("{}-{}-{}", model, endpoint_type, load);
  for (char& c : name) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    if (!ok) c = '_';
  }
  return name;
}

nlohmann::json ProfileOptions::endpoint_config_json() const {
  nlohmann::json config = parse_json_object(endpoint_config, "--endpoint-config");
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

std::pair<std::string, nlohmann::json> ProfileOptions::timing(
    const std::vector<double>& timestamps_ms) const {
  if (!timing_strategy.empty()) return {timing_strategy, parse_json_object(timing_config, "--timing-config")};
  if (fixed_schedule || (!timestamps_ms.empty() && !request_rate)) {
    nlohmann::json config = {{"schedule_ms", timestamps_ms}};
    if (fixed_schedule_start_offset_ms) config["start_offset_ms"] = *fixed_schedule_start_offset_ms;
    if (fixed_schedule_end_offset_ms) config["end_offset_ms"] = *fixed_schedule_end_offset_ms;
    return {"fixed_schedule", config};
  }
  if (request_rate) {
    nlohmann::json config = {{"request_rate", *request_rate}, {"arrival_pattern", arrival_pattern},
                             {"arrival_smoothness", arrival_smoothness}, {"seed", random_seed}};
    if (concurrency) config["max_concurrency"] = *concurrency;
    return {"request_rate", config};
  }
  return {"concurrency", {{"concurrency", concurrency.value_or(1)}}};
}

std::vector<engine::PhasePlan> ProfileOptions::phases(std::size_t dataset_size,
                                                      bool strategy_stops_itself) const {
  std::vector<engine::PhasePlan> out;
  if (warmup_request_count || warmup_duration) {
    engine::PhasePlan warmup{"warmup", warmup_request_count.value_or(0), warmup_duration,
                             benchmark_grace_period};
    out.push_back(warmup);
  }
  uint64_t count = request_count.value_or(0);
  if (!request_count && !benchmark_duration && !strategy_stops_itself) count = dataset_size;
  out.push_back({"profiling", count, benchmark_duration, benchmark_grace_period});
  return out;
}

nlohmann::json ProfileOptions::hooks_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& hook : phase_hooks) {
    auto eq = hook.find('=');
    out.push_back({{"name", hook.substr(0, eq)},
                   {"config", eq == std::string::npos ? nlohmann::json::object()
                                                      : parse_json_object(hook.substr(eq + 1), "--phase-hook")}});
  }
  return out;
}

nlohmann::json ProfileOptions::to_json() const {
  nlohmann::json headers_json = nlohmann::json::object();
  for (const auto& h : headers) {
    if (auto kv = split_pair(h)) headers_json[kv->first] = is_secret_header(kv->first) ? "<redacted>" : kv->second;
  }
  auto opt = [](const auto& o) { return o ? nlohmann::json(*o) : nlohmann::json(nullptr); };
  return {
      {"endpoint", {{"model_names", {model}}, {"type", endpoint_type}, {"custom_endpoint", custom_endpoint},
                    {"streaming", streaming}, {"url", url}, {"api_key", api_key.empty() ? "" : "<redacted>"},
                    {"headers", headers_json},
                    {"extra_inputs", endpoint_config_json().value("extra", nlohmann::json::object())},
                    {"timeout_seconds", request_timeout_seconds}}},
      {"input", {{"random_seed", random_seed}, {"num_dataset_entries", num_dataset_entries},
                 {"input_files", input_files}, {"dataset_sampling_strategy", sampler},
                 {"prompt", {{"input_tokens", {{"mean", isl}, {"stddev", isl_stddev}}},
                             {"output_tokens", {{"mean", opt(osl)}, {"stddev", osl_stddev}}}}}}},
      {"loadgen", {{"concurrency", opt(concurrency)}, {"request_rate", opt(request_rate)},
                   {"arrival_pattern", arrival_pattern}, {"request_count", opt(request_count)},
                   {"benchmark_duration", opt(benchmark_duration)},
                   {"benchmark_grace_period", benchmark_grace_period},
                   {"warmup_request_count", opt(warmup_request_count)},
                   {"warmup_duration", opt(warmup_duration)}, {"timing_strategy", timing_strategy},
                   {"max_error_rate", max_error_rate}, {"goodput", goodput}}},
      {"plugins", {{"paths", plugin_paths},
                   {"phase_hooks", hooks_json()},
                   {"timing_strategy", {{"name", timing_strategy}, {"config", parse_json_object(timing_config, "")}}},
                   {"endpoint", {{"name", endpoint_type}, {"config", endpoint_config_json()}}},
                   {"dataset_sampler", {{"name", sampler}, {"config", parse_json_object(sampler_config, "")}}}}},
      {"config_file", config_file},
  };
}

}  // namespace aiperf::config
