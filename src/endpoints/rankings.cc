#include "endpoints/rankings.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include <nlohmann/json.hpp>

#include "endpoints/usage.h"

namespace aiperf::endpoints {
namespace {

using nlohmann::json;

json without(json config, std::initializer_list<const char*> keys) {
  for (const char* k : keys) config.erase(k);
  return config;
}

std::string prompt_of(const RequestInput& input) {
  std::string out;
  for (const auto& m : input.messages) out += (out.empty() ? "" : "\n") + m.content;
  return out;
}


ParsedResponse error_or_malformed(const json& j, std::string_view payload) {
  ParsedResponse out;
  if (j.is_object() && j.contains("error")) {
    const json& e = j["error"];
    std::string message = e.is_string() ? e.get<std::string>() : e.is_object() ? e.value("message", "") : "";
    out.error = "server error: " + (message.empty() ? std::string("(no message)") : message);
  } else {
    out.error = "malformed response: " + std::string(payload.substr(0, 120));
  }
  return out;
}

// Passage i: a rotation of the query's words, so passages differ but stay on topic.
std::string passage(const std::string& query, uint32_t i) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t end = query.find(' ', start);
    if (end == std::string::npos) end = query.size();
    if (end > start) words.push_back(query.substr(start, end - start));
    start = end + 1;
  }
  if (words.empty()) return "passage " + std::to_string(i);
  std::string out;
  for (std::size_t k = 0; k < words.size(); ++k) {
    out += (k ? " " : "") + words[(k + i) % words.size()];
  }
  return out;
}

}  // namespace

RankingsEndpoint::RankingsEndpoint(const PluginConfig& config)
    : settings_([&] {
        config.allow_only({"format", "passages_mean", "passages_stddev", "path", "api_key", "headers", "extra"});
        const std::string f = config.get<std::string>("format", "cohere");
        const char* path = f == "tei" ? "/rerank" : f == "nim" ? "/v1/ranking" : "/v1/rerank";
        return OpenAiSettings::from(PluginConfig(without(config.json(), {"format", "passages_mean",
                                                                         "passages_stddev"})),
                                    path);
      }()) {
  const std::string f = config.get<std::string>("format", "cohere");
  if (f == "tei") {
    format_ = RankingsFormat::kTei;
  } else if (f == "nim") {
    format_ = RankingsFormat::kNim;
  } else if (f != "cohere") {
    throw ConfigError("key 'format' must be cohere, tei or nim, got '" + f + "'");
  }
  mean_ = config.get<double>("passages_mean", 10.0);
  stddev_ = config.get<double>("passages_stddev", 0.0);
  if (mean_ < 1 || stddev_ < 0) throw ConfigError("passages_mean must be >= 1 and passages_stddev >= 0");
}

uint32_t RankingsEndpoint::passages_for(std::string_view request_id) const {
  if (stddev_ == 0) return static_cast<uint32_t>(std::lround(mean_));
  std::mt19937_64 rng(std::hash<std::string_view>{}(request_id));
  std::normal_distribution<double> dist(mean_, stddev_);
  return static_cast<uint32_t>(std::max(1.0, std::round(dist(rng))));
}

HttpRequestSpec RankingsEndpoint::format_request(const RequestInput& input) const {
  const std::string query = prompt_of(input);
  const uint32_t n = passages_for(input.request_id);
  json texts = json::array();
  for (uint32_t i = 0; i < n; ++i) {
    texts.push_back(format_ == RankingsFormat::kNim ? json{{"text", passage(query, i + 1)}} : json(passage(query, i + 1)));
  }
  json body;
  switch (format_) {
    case RankingsFormat::kCohere: body = {{"model", input.model}, {"query", query}, {"documents", texts}}; break;
    case RankingsFormat::kTei: body = {{"query", query}, {"texts", texts}}; break;
    case RankingsFormat::kNim: body = {{"model", input.model}, {"query", {{"text", query}}}, {"passages", texts}}; break;
  }
  for (const auto& [key, value] : settings_.extra.items()) body[key] = value;
  RequestInput plain = input;
  plain.streaming = false;  // rerank APIs do not stream
  return json_request(settings_, settings_.path, plain, std::move(body));
}

// A ranking is a list of {index, score-ish}; its length is checked, not the scores.
ParsedResponse RankingsEndpoint::parse_response(std::string_view payload) const {
  const json j = json::parse(payload, nullptr, false);
  const json* list = nullptr;
  if (j.is_array()) list = &j;
  if (j.is_object() && j.contains("results") && j["results"].is_array()) list = &j["results"];
  if (j.is_object() && j.contains("rankings") && j["rankings"].is_array()) list = &j["rankings"];
  if (list == nullptr) return error_or_malformed(j, payload);
  ParsedResponse out;
  if (j.is_object() && j.contains("usage") && j["usage"].is_object()) {  // some servers report prompt usage
    Usage u;
    if (j["usage"].contains("prompt_tokens")) u.prompt_tokens = usage_count(j["usage"]["prompt_tokens"]);
    out.usage = u;
  }
  return out;
}

HuggingFaceGenerateEndpoint::HuggingFaceGenerateEndpoint(const PluginConfig& config)
    : settings_([&] {
        config.allow_only({"path", "stream_path", "api_key", "headers", "extra"});
        return OpenAiSettings::from(PluginConfig(without(config.json(), {"stream_path"})), "/generate");
      }()),
      stream_path_(config.get<std::string>("stream_path", "/generate_stream")),
      templates_(make_body_templates(settings_.extra.dump(-1, ' ', false, json::error_handler_t::replace),
                                     [&](const RequestInput& sentinel) { return format_request_with_dom(sentinel).body; })) {}

HttpRequestSpec HuggingFaceGenerateEndpoint::format_request(const RequestInput& input) const {
  const auto& shape = templates_[shape_of(input.streaming, input.max_tokens.has_value())];
  if (!shape) return format_request_with_dom(input);
  HttpRequestSpec spec = request_without_body(settings_, input.streaming ? stream_path_ : settings_.path, input);
  if (!shape->render(input, spec.body)) return format_request_with_dom(input);  // not UTF-8: the DOM's error
  return spec;
}

HttpRequestSpec HuggingFaceGenerateEndpoint::format_request_with_dom(const RequestInput& input) const {
  json parameters = {{"details", true}};
  if (input.max_tokens) parameters["max_new_tokens"] = *input.max_tokens;
  for (const auto& [key, value] : settings_.extra.items()) parameters[key] = value;
  json body = {{"inputs", prompt_of(input)}, {"parameters", parameters}};
  return json_request(settings_, input.streaming ? stream_path_ : settings_.path, input, std::move(body));
}

// Stream events: {"token": {"text", "special"}, "details": null | {generated_tokens}};
// a whole body: {"generated_text", "details": {generated_tokens}} (or a one-element array of it).
ParsedResponse HuggingFaceGenerateEndpoint::parse_response(std::string_view payload) const {
  json j = json::parse(payload, nullptr, false);
  if (j.is_array() && j.size() == 1) j = j[0];
  if (!j.is_object() || j.contains("error")) return error_or_malformed(j, payload);
  ParsedResponse out;
  if (auto t = j.find("token"); t != j.end() && t->is_object()) {
    if (!t->value("special", false)) out.content = t->value("text", "");
  } else if (auto g = j.find("generated_text"); g != j.end() && g->is_string()) {
    out.content = g->get<std::string>();
  } else {
    return error_or_malformed(j, payload);
  }
  if (auto d = j.find("details"); d != j.end() && d->is_object() && d->contains("generated_tokens")) {
    Usage u;
    u.completion_tokens = usage_count((*d)["generated_tokens"]);
    out.usage = u;
    out.done = true;
  }
  return out;
}

}  // namespace aiperf::endpoints
