#include "config/config_file.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <algorithm>
#include <map>
#include <tuple>

namespace aiperf::config {
namespace {

using nlohmann::json;

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool is_secret_key(std::string key) {
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"api_key", "apikey", "api-key", "token", "password", "secret", "authorization"}) {
    if (key.find(word) != std::string::npos) return true;
  }
  return false;
}

// Reads one file, collecting errors instead of stopping at the first.
class Reader {
 public:
  Reader(std::filesystem::path path, ProfileOptions& o, const EnvLookup& env)
      : path_(std::move(path)), o_(o), env_(env) {}

  /// Errors in file order.
  std::vector<std::string> sorted_errors() {
    std::stable_sort(errors_.begin(), errors_.end(),
                     [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
    std::vector<std::string> out;
    for (const auto& e : errors_) out.push_back(std::get<1>(e));
    return out;
  }

  void error(const YAML::Node& at, const std::string& message) {
    auto mark = at.Mark();
    errors_.emplace_back(std::pair(mark.line, mark.column),
                         path_.string() + ":" + std::to_string(mark.line + 1) + ":" +
                             std::to_string(mark.column + 1) + ": " + message);
  }

  // ${VAR} and ${VAR:-default} in a scalar; nullopt (with an error) if a variable is unset.
  std::optional<std::string> expand(const YAML::Node& node) {
    std::string text = node.Scalar(), out;
    for (std::size_t i = 0; i < text.size();) {
      if (text.compare(i, 2, "${") != 0) {
        out += text[i++];
        continue;
      }
      auto close = text.find('}', i);
      if (close == std::string::npos) {
        error(node, "unterminated ${ in '" + text + "'");
        return std::nullopt;
      }
      std::string inner = text.substr(i + 2, close - i - 2);
      auto sep = inner.find(":-");
      std::string name = inner.substr(0, sep);
      auto value = env_(name);
      if (value) out += *value;
      else if (sep != std::string::npos) out += inner.substr(sep + 2);
      else {
        error(node, "environment variable " + name + " is not set (use ${" + name + ":-default} for a default)");
        return std::nullopt;
      }
      i = close + 1;
    }
    return out;
  }

  // A YAML value as JSON: quoted scalars stay strings; plain ones become numbers/bools/null when they look so.
  std::optional<json> to_json(const YAML::Node& node) {
    switch (node.Type()) {
      case YAML::NodeType::Null: return json(nullptr);
      case YAML::NodeType::Sequence: {
        json out = json::array();
        for (const auto& item : node) {
          auto v = to_json(item);
          if (!v) return std::nullopt;
          out.push_back(*v);
        }
        return out;
      }
      case YAML::NodeType::Map: {
        json out = json::object();
        for (const auto& kv : node) {
          auto v = to_json(kv.second);
          if (!v) return std::nullopt;
          out[kv.first.Scalar()] = *v;
        }
        return out;
      }
      default: break;
    }
    auto text = expand(node);
    if (!text) return std::nullopt;
    if (node.Tag() == "!") return json(*text);  // quoted: always a string
    if (*text == "true" || *text == "True") return json(true);
    if (*text == "false" || *text == "False") return json(false);
    if (*text == "null" || *text == "~") return json(nullptr);
    auto number = json::parse(*text, nullptr, false);
    if (!number.is_discarded() && number.is_number()) return number;
    return json(*text);
  }

  template <class T>
  std::optional<T> get(const YAML::Node& node, const std::string& key, const char* what) {
    auto v = to_json(node);
    if (!v) return std::nullopt;
    try {
      if constexpr (std::is_same_v<T, std::string>) {
        if (!v->is_string() && !v->is_number()) throw json::type_error::create(302, "", nullptr);
        return v->is_string() ? v->template get<std::string>() : v->dump();
      } else if constexpr (std::is_same_v<T, bool>) {
        if (!v->is_boolean()) throw json::type_error::create(302, "", nullptr);
        return v->template get<bool>();
      } else if constexpr (std::is_integral_v<T>) {
        if (!v->is_number_integer() || v->template get<int64_t>() < 0) throw json::type_error::create(302, "", nullptr);
        return v->template get<T>();
      } else {
        if (!v->is_number()) throw json::type_error::create(302, "", nullptr);
        return v->template get<T>();
      }
    } catch (const json::exception&) {
      error(node, "key '" + key + "' must be " + what + ", got " +
                      (is_secret_key(key) ? std::string("a value of another type") : "'" + node.Scalar() + "'"));
      return std::nullopt;
    }
  }

  // A {name, config} mapping of the plugins section.
  std::optional<std::pair<std::string, json>> implementation(const YAML::Node& node, const std::string& key) {
    if (!node.IsMap()) {
      error(node, "key '" + key + "' must be a mapping with 'name' and optional 'config'");
      return std::nullopt;
    }
    if (!check_keys(node, key, {"name", "config"})) return std::nullopt;
    if (!node["name"]) {
      error(node, "key '" + key + "' needs a 'name'");
      return std::nullopt;
    }
    auto name = get<std::string>(node["name"], key + ".name", "a string");
    json config = json::object();
    if (node["config"]) {
      auto c = to_json(node["config"]);
      if (!c) return std::nullopt;
      if (!c->is_object() && !c->is_null()) {
        error(node["config"], "key '" + key + ".config' must be a mapping");
        return std::nullopt;
      }
      if (c->is_object()) config = *c;
    }
    if (!name) return std::nullopt;
    return std::pair{*name, config};
  }

  bool check_keys(const YAML::Node& map, const std::string& where, std::initializer_list<const char*> known) {
    bool ok = true;
    for (const auto& kv : map) {
      std::string key = kv.first.Scalar();
      bool found = false;
      for (const char* k : known) found = found || key == k;
      if (found) continue;
      std::string best;
      std::size_t best_distance = 3;
      for (const char* k : known) {
        auto d = edit_distance(key, k);
        if (d < best_distance) best_distance = d, best = k;
      }
      std::string full = where.empty() ? key : where + "." + key;
      error(kv.first, "unknown key '" + full + "'" + (best.empty() ? "" : " (did you mean '" + best + "'?)"));
      ok = false;
    }
    return ok;
  }

  void read(const YAML::Node& root);

 private:
  std::filesystem::path path_;
  ProfileOptions& o_;
  const EnvLookup& env_;
  std::vector<std::tuple<std::pair<int, int>, std::string>> errors_;
};

void Reader::read(const YAML::Node& root) {
  if (root.IsNull()) return;
  if (!root.IsMap()) {
    error(root, "the config must be a mapping of sections (endpoint, benchmark, input, output, plugins)");
    return;
  }
  if (!check_keys(root, "", {"endpoint", "benchmark", "input", "output", "plugins"})) return;
  auto section = [&](const char* name, std::initializer_list<const char*> keys) -> YAML::Node {
    YAML::Node node = root[name];
    if (!node || node.IsNull()) return YAML::Node();
    if (!node.IsMap()) {
      error(node, std::string("section '") + name + "' must be a mapping");
      return YAML::Node();
    }
    check_keys(node, name, keys);
    return node;
  };
  auto set = [&]<class T>(const YAML::Node& sec, const char* key, T& field, const char* what) {
    if (!sec || !sec[key]) return;
    if (auto v = get<T>(sec[key], std::string(key), what)) field = *v;
  };
  auto set_opt = [&]<class T>(const YAML::Node& sec, const char* key, std::optional<T>& field, const char* what) {
    if (!sec || !sec[key]) return;
    if (auto v = get<T>(sec[key], std::string(key), what)) field = *v;
  };

  YAML::Node ep = section("endpoint", {"model", "url", "type", "custom_endpoint", "streaming", "timeout_seconds",
                                       "api_key", "headers", "extra_inputs"});
  set(ep, "model", o_.model, "a string");
  set(ep, "url", o_.url, "a string");
  set(ep, "type", o_.endpoint_type, "a string");
  set(ep, "custom_endpoint", o_.custom_endpoint, "a string");
  set(ep, "streaming", o_.streaming, "true or false");
  set(ep, "timeout_seconds", o_.request_timeout_seconds, "a number");
  set(ep, "api_key", o_.api_key, "a string");
  for (const char* key : {"headers", "extra_inputs"}) {
    if (!ep || !ep[key]) continue;
    auto v = to_json(ep[key]);
    if (!v) continue;
    if (!v->is_object()) {
      error(ep[key], std::string("key 'endpoint.") + key + "' must be a mapping");
      continue;
    }
    for (const auto& [k, value] : v->items()) {
      std::string text = value.is_string() ? value.get<std::string>() : value.dump();
      (std::string(key) == "headers" ? o_.headers : o_.extra_inputs).push_back(k + ":" + text);
    }
  }

  YAML::Node b = section("benchmark", {"timing_mode", "concurrency", "request_rate", "arrival_pattern",
                                       "arrival_smoothness", "fixed_schedule", "fixed_schedule_start_offset",
                                       "fixed_schedule_end_offset", "request_count", "duration", "grace_period",
                                       "warmup_request_count", "warmup_duration", "max_error_rate", "goodput"});
  set_opt(b, "concurrency", o_.concurrency, "a positive integer");
  set_opt(b, "request_rate", o_.request_rate, "a number");
  set(b, "arrival_pattern", o_.arrival_pattern, "a string");
  set(b, "arrival_smoothness", o_.arrival_smoothness, "a number");
  set(b, "fixed_schedule", o_.fixed_schedule, "true or false");
  set_opt(b, "fixed_schedule_start_offset", o_.fixed_schedule_start_offset_ms, "a number (ms)");
  set_opt(b, "fixed_schedule_end_offset", o_.fixed_schedule_end_offset_ms, "a number (ms)");
  set_opt(b, "request_count", o_.request_count, "a positive integer");
  set_opt(b, "duration", o_.benchmark_duration, "a number (seconds)");
  set(b, "grace_period", o_.benchmark_grace_period, "a number (seconds)");
  set_opt(b, "warmup_request_count", o_.warmup_request_count, "a positive integer");
  set_opt(b, "warmup_duration", o_.warmup_duration, "a number (seconds)");
  set(b, "max_error_rate", o_.max_error_rate, "a number between 0 and 1");
  if (b && b["goodput"]) {
    if (b["goodput"].IsMap()) {
      std::string text;
      for (const auto& kv : b["goodput"]) {
        auto v = get<std::string>(kv.second, "goodput." + kv.first.Scalar(), "a number");
        if (v) text += (text.empty() ? "" : " ") + kv.first.Scalar() + ":" + *v;
      }
      o_.goodput = text;
    } else {
      set(b, "goodput", o_.goodput, "a mapping of metric: bound, or a string");
    }
  }
  std::optional<std::string> timing_mode;
  if (b && b["timing_mode"]) timing_mode = get<std::string>(b["timing_mode"], "timing_mode", "a string");

  YAML::Node in = section("input", {"files", "isl", "isl_stddev", "osl", "osl_stddev", "random_seed",
                                    "num_dataset_entries", "sampling_strategy"});
  if (in && in["files"]) {
    auto base = path_.parent_path();
    auto add = [&](const YAML::Node& n) {
      if (auto f = get<std::string>(n, "input.files", "a path")) {
        std::filesystem::path p(*f);
        o_.input_files.push_back((p.is_relative() ? base / p : p).string());
      }
    };
    if (in["files"].IsSequence()) {
      for (const auto& n : in["files"]) add(n);
    } else {
      add(in["files"]);
    }
  }
  set(in, "isl", o_.isl, "a positive integer");
  set(in, "isl_stddev", o_.isl_stddev, "a non-negative integer");
  set_opt(in, "osl", o_.osl, "a positive integer");
  set(in, "osl_stddev", o_.osl_stddev, "a non-negative integer");
  set(in, "random_seed", o_.random_seed, "a non-negative integer");
  set(in, "num_dataset_entries", o_.num_dataset_entries, "a positive integer");
  set(in, "sampling_strategy", o_.sampler, "a string");

  YAML::Node out = section("output", {"artifact_dir", "ui"});
  set(out, "artifact_dir", o_.artifact_dir, "a path");
  set(out, "ui", o_.ui, "'simple' or 'none'");

  YAML::Node pl = section("plugins", {"paths", "phase_hooks", "timing_strategy", "endpoint", "dataset_sampler"});
  if (pl && pl["paths"]) {
    auto base = path_.parent_path();
    YAML::Node paths = pl["paths"];
    if (!paths.IsSequence()) {
      error(paths, "key 'plugins.paths' must be a list of directories");
    } else {
      for (const auto& n : paths) {
        if (auto p = get<std::string>(n, "plugins.paths", "a directory")) {
          std::filesystem::path dir(*p);
          o_.plugin_paths.push_back((dir.is_relative() ? base / dir : dir).lexically_normal().string());
        }
      }
    }
  }
  if (pl && pl["phase_hooks"]) {
    YAML::Node hooks = pl["phase_hooks"];
    if (!hooks.IsSequence()) {
      error(hooks, "key 'plugins.phase_hooks' must be a list of {name, config}");
    } else {
      for (const auto& n : hooks) {
        if (auto impl = implementation(n, "plugins.phase_hooks[]")) {
          o_.phase_hooks.push_back(impl->first + "=" + impl->second.dump());
        }
      }
    }
  }
  if (pl && pl["endpoint"]) {
    if (auto impl = implementation(pl["endpoint"], "plugins.endpoint")) {
      o_.endpoint_type = impl->first;
      o_.endpoint_config = impl->second.dump();
    }
  }
  if (pl && pl["dataset_sampler"]) {
    if (auto impl = implementation(pl["dataset_sampler"], "plugins.dataset_sampler")) {
      o_.sampler = impl->first;
      o_.sampler_config = impl->second.dump();
    }
  }
  if (pl && pl["timing_strategy"]) {
    if (auto impl = implementation(pl["timing_strategy"], "plugins.timing_strategy")) {
      o_.timing_strategy = impl->first;
      o_.timing_config = impl->second.dump();
      if (timing_mode && *timing_mode != impl->first) {
        error(b["timing_mode"], "benchmark.timing_mode '" + *timing_mode + "' differs from plugins.timing_strategy '" +
                                    impl->first + "'");
      }
    }
  } else if (timing_mode) {
    if (*timing_mode == "fixed_schedule") o_.fixed_schedule = true;
    else if (*timing_mode == "request_rate" && !o_.request_rate) error(b["timing_mode"], "timing_mode request_rate needs benchmark.request_rate");
    else if (*timing_mode != "concurrency" && *timing_mode != "request_rate") o_.timing_strategy = *timing_mode;
  }
}

}  // namespace

std::optional<std::string> process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::vector<std::string> apply_config_file(const std::filesystem::path& path, ProfileOptions& options,
                                           const EnvLookup& env) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const YAML::BadFile&) {
    return {path.string() + ": cannot be read"};
  } catch (const YAML::ParserException& e) {
    return {path.string() + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
            ": " + e.msg};
  }
  Reader reader(path, options, env);
  reader.read(root);
  options.config_file = path.string();
  return reader.sorted_errors();
}

json redact_secrets(json value) {
  if (value.is_object()) {
    for (auto& [key, item] : value.items()) {
      if (is_secret_key(key) && !item.is_null() && !(item.is_string() && item.get<std::string>().empty())) {
        item = "<redacted>";
      } else {
        item = redact_secrets(item);
      }
    }
  } else if (value.is_array()) {
    for (auto& item : value) item = redact_secrets(item);
  }
  return value;
}

}  // namespace aiperf::config
