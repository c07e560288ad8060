#include "config/config_file.h"

#include "base/file.h"
#include "config/option_table.h"

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

// Reads one file, collecting errors instead of stopping at the first.
class Reader {
 public:
  Reader(std::filesystem::path path, ProfileOptions& o, const EnvLookup& env)
      : path_(std::move(path)), o_(o), env_(env) {}

  /// Errors in file order.
  std::vector<Error> sorted_errors() {
    std::stable_sort(errors_.begin(), errors_.end(),
                     [](const Error& a, const Error& b) { return std::pair(a.line, a.column) < std::pair(b.line, b.column); });
    return errors_;
  }

  void error(const YAML::Node& at, const std::string& message) {
    auto mark = at.Mark();
    errors_.push_back(make_error(ErrorCode::kInvalidArgument, message).in_file(path_.string(), mark.line + 1, mark.column + 1));
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
                      "'" + node.Scalar() + "'");
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

  bool check_keys(const YAML::Node& map, const std::string& where, const std::vector<std::string>& known) {
    bool ok = true;
    for (const auto& kv : map) {
      std::string key = kv.first.Scalar();
      bool found = false;
      for (const auto& k : known) found = found || key == k;
      if (found) continue;
      std::string best;
      std::size_t best_distance = 3;
      for (const auto& k : known) {
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
  void read_option(const OptionSpec& spec, const YAML::Node& node);
  void read_plugins(const YAML::Node& plugins, const YAML::Node& benchmark);

  std::filesystem::path path_;
  ProfileOptions& o_;
  const EnvLookup& env_;
  std::vector<Error> errors_;
};

// Known keys of one section: the table's, plus YAML-only ones.
std::vector<std::string> section_keys(std::string_view section) {
  std::vector<std::string> keys;
  for (const auto& spec : option_table()) {
    auto dot = spec.key.find('.');
    if (spec.key.substr(0, dot) == section) keys.emplace_back(spec.key.substr(dot + 1, spec.key.find('.', dot + 1) - dot - 1));
  }
  if (section == "benchmark") keys.emplace_back("timing_mode");
  if (section == "plugins") keys.insert(keys.end(), {"paths", "endpoint", "dataset_sampler"});
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

void Reader::read_option(const OptionSpec& spec, const YAML::Node& node) {
  std::string key(spec.key.substr(spec.key.find('.') + 1));
  auto v = to_json(node);
  if (!v) return;
  if (spec.relative_path) {
    auto relative_to_file = [base = path_.parent_path()](json& item) {
      if (!item.is_string() || item.get<std::string>().empty()) return;
      std::filesystem::path p(item.get<std::string>());
      item = (p.is_relative() ? base / p : p).string();
    };
    if (v->is_array()) {
      for (auto& item : *v) relative_to_file(item);
    } else {
      relative_to_file(*v);
    }
  }
  if (auto r = spec.binding.from_json(o_, *v); !r) {
    std::string got = spec.secret || !node.IsScalar() ? "" : ", got '" + node.Scalar() + "'";
    error(node, "key '" + key + "' " + r.error().message + got);
  }
}

void Reader::read(const YAML::Node& root) {
  if (root.IsNull()) return;
  if (!root.IsMap()) {
    error(root, "the config must be a mapping of sections (endpoint, benchmark, input, output, plugins)");
    return;
  }
  static const std::vector<std::string> kSections = {"endpoint", "benchmark", "input", "output", "plugins"};
  if (!check_keys(root, "", kSections)) return;
  for (const auto& name : kSections) {
    YAML::Node node = root[name];
    if (!node || node.IsNull()) continue;
    if (!node.IsMap()) {
      error(node, "section '" + name + "' must be a mapping");
      continue;
    }
    check_keys(node, name, section_keys(name));
  }
  for (const auto& spec : option_table()) {
    if (spec.plugin_section) continue;
    auto dot = spec.key.find('.');
    YAML::Node section = root[std::string(spec.key.substr(0, dot))];
    if (!section || !section.IsMap()) continue;
    YAML::Node node = section[std::string(spec.key.substr(dot + 1))];
    if (node) read_option(spec, node);
  }
  read_plugins(root["plugins"], root["benchmark"]);
}

void Reader::read_plugins(const YAML::Node& pl, const YAML::Node& benchmark) {
  if (pl && pl.IsMap() && pl["paths"]) {
    YAML::Node paths = pl["paths"];
    if (!paths.IsSequence()) {
      error(paths, "key 'plugins.paths' must be a list of directories");
    } else {
      for (const auto& n : paths) {
        if (auto p = get<std::string>(n, "plugins.paths", "a directory")) {
          std::filesystem::path dir(*p);
          o_.plugin_paths.push_back((dir.is_relative() ? path_.parent_path() / dir : dir).lexically_normal().string());
        }
      }
    }
  }
  if (pl && pl.IsMap() && pl["phase_hooks"]) {
    if (!pl["phase_hooks"].IsSequence()) error(pl["phase_hooks"], "key 'plugins.phase_hooks' must be a list of {name, config}");
    else read_option(*find_option_by_key("plugins.phase_hooks"), pl["phase_hooks"]);
  }
  auto impl = [&](const char* key, std::string& name, json& config) {
    if (!pl || !pl.IsMap() || !pl[key]) return false;
    auto parsed = implementation(pl[key], std::string("plugins.") + key);
    if (parsed) name = parsed->first, config = parsed->second;
    return parsed.has_value();
  };
  impl("endpoint", o_.endpoint_type, o_.endpoint_config);
  impl("dataset_sampler", o_.sampler, o_.sampler_config);
  std::optional<std::string> timing_mode;
  if (benchmark && benchmark.IsMap() && benchmark["timing_mode"]) {
    timing_mode = get<std::string>(benchmark["timing_mode"], "timing_mode", "a string");
  }
  if (impl("timing_strategy", o_.timing_strategy, o_.timing_config)) {
    if (timing_mode && *timing_mode != o_.timing_strategy) {
      error(benchmark["timing_mode"], "benchmark.timing_mode '" + *timing_mode + "' differs from plugins.timing_strategy '" +
                                          o_.timing_strategy + "'");
    }
  } else if (timing_mode) {
    if (*timing_mode == "fixed_schedule") o_.fixed_schedule = true;
    else if (*timing_mode == "request_rate" && !o_.request_rate) error(benchmark["timing_mode"], "timing_mode request_rate needs benchmark.request_rate");
    else if (*timing_mode != "concurrency" && *timing_mode != "request_rate") o_.timing_strategy = *timing_mode;
  }
}

}  // namespace

std::optional<std::string> process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

void apply_api_key_from_environment(ProfileOptions& options, const EnvLookup& env) {
  if (!options.api_key.empty()) return;
  for (const char* name : {"AIPERF_API_KEY", "OPENAI_API_KEY"}) {
    if (auto v = env(name); v && !v->empty()) {
      options.api_key = *v;
      return;
    }
  }
}

std::vector<Error> apply_config_file(const std::filesystem::path& path, ProfileOptions& options, const EnvLookup& env) {
  auto text = read_bounded_regular_file(path, kMaxConfigFileBytes);
  if (!text) return {std::move(text.error()).in_file(path.string())};
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::ParserException& e) {
    return {make_error(ErrorCode::kMalformedInput, e.msg).in_file(path.string(), e.mark.line + 1, e.mark.column + 1)};
  } catch (const YAML::Exception& e) {
    return {make_error(ErrorCode::kMalformedInput, e.what()).in_file(path.string())};
  }
  Reader reader(path, options, env);
  reader.read(root);
  options.config_file = path.string();
  return reader.sorted_errors();
}

}  // namespace aiperf::config
