#include "plugin/manifest_parser.h"

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "plugin/internal/test_hooks.h"
#include "plugin/manifest_schema.h"
#include "plugin/names.h"

namespace aiperf::plugin {
namespace {

using nlohmann::json;

// nlohmann keeps the last of duplicate keys silently; this parser callback
// notices them so "duplicate names" is an error, not a coin toss.
class DuplicateKeyDetector {
 public:
  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start: keys_.emplace_back(); break;
      case json::parse_event_t::object_end: keys_.pop_back(); break;
      case json::parse_event_t::key:
        if (!keys_.back().insert(parsed.get<std::string>()).second && duplicate_.empty()) {
          duplicate_ = parsed.get<std::string>();
        }
        break;
      default: break;
    }
    return true;
  }
  const std::string& duplicate() const { return duplicate_; }

 private:
  std::vector<std::set<std::string>> keys_;
  std::string duplicate_;
};

// Strips nlohmann's "[json.exception.parse_error.101] parse error " prefix.
std::string parse_error_text(const json::exception& e) {
  std::string what = e.what();
  auto at = what.find(" at line ");
  if (at != std::string::npos) return what.substr(at + 1);
  auto bracket = what.find("] ");  // e.g. out_of_range.406 "number overflow parsing '1e400'"
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

bool has_type(const json& value, schema::Type type) {
  switch (type) {
    case schema::Type::kString: return value.is_string();
    case schema::Type::kInteger: return value.is_number_integer();  // signed or unsigned
    case schema::Type::kObject: return value.is_object();
    case schema::Type::kAny: return true;
  }
  return false;
}

// Checks one schema field of `object` (presence, type); the value or null if absent.
Expected<const json*> field(const json& object, std::string_view where, const schema::Field& f) {
  auto it = object.find(f.key);
  std::string key = std::string(where) + std::string(f.key);
  if (it == object.end()) {
    if (f.required) return fail(ErrorCode::kInvalidManifest, "missing key '" + key + "'");
    return nullptr;
  }
  if (!has_type(*it, f.type)) {
    return fail(ErrorCode::kInvalidManifest, "key '" + key + "' must be " +
                                                 std::string(f.type_words) + ", got " +
                                                 it->type_name());
  }
  return &*it;
}

// Stores a checked value into its place in the manifest.
void store(const json& value, std::string& out) { out = value.get<std::string>(); }
void store(const json& value, int& out) { out = value.get<int>(); }
void store(const json& value, json& out) { out = value; }
void store(const json& value, PathText& out) { out = value.get<std::string>(); }

// The meaning checks beyond type, in schema order, right after each field.
std::optional<Error> check_meaning(const schema::Field& f, const Manifest& m,
                                   const std::filesystem::path& path) {
  if (f.key == "schema_version" &&
      m.schema_version.rfind(std::to_string(kManifestSchemaMajor) + ".", 0) != 0) {
    return make_error(ErrorCode::kUnsupportedSchema,
                      "schema_version " + m.schema_version + " is not supported (this aiperf reads " +
                          std::to_string(kManifestSchemaMajor) + ".x)");
  }
  if (f.key == "package" && m.package.empty()) {
    return make_error(ErrorCode::kInvalidManifest, "key 'package' is empty");
  }
  if (f.key == "library" && !library_stays_inside(m.library.native())) {
    return make_error(ErrorCode::kLibraryOutsideDirectory,
                      "library '" + m.library.string() + "' must be a relative path inside " +
                          path.parent_path().string());
  }
  return std::nullopt;
}

// The top level and abi, by the schema: everything but the entries.
std::optional<Error> validate_header(const std::filesystem::path& path, const json& doc,
                                     Manifest& m) {
  std::optional<Error> problem;
  const json* abi = nullptr;
  schema::for_each_value(m, [&](const schema::Field& f, auto& value) {
    if (problem) return;
    bool in_abi = schema::is_in(schema::kAbiFields, f);
    if (in_abi && abi == nullptr) {
      auto found = field(doc, "", schema::kTopFields[*schema::find(schema::kTopFields, "abi")]);
      if (!found) return void(problem = found.error());
      abi = *found;
    }
    auto found = field(in_abi ? *abi : doc, in_abi ? "abi." : "", f);
    if (!found) return void(problem = found.error());
    if (*found) store(**found, value);
    problem = check_meaning(f, m, path);
  });
  if (problem) return problem;
  m.library = PathText((path.parent_path() / m.library).lexically_normal());
  return std::nullopt;
}

// One implementation, plugins.PROTOCOL.NAME, by the schema.
// `seen` holds the protocol:name pairs before it, to refuse one declared twice.
Expected<ManifestEntry> validate_entry(const std::string& where, const std::string& protocol,
                                       const std::string& name_key, const json& spec,
                                       std::set<std::pair<std::string, std::string>>& seen) {
  if (!spec.is_object()) {
    return fail(ErrorCode::kInvalidManifest,
                "key '" + where + "' must be object, got " + spec.type_name());
  }
  ManifestEntry entry;
  entry.protocol = protocol;
  entry.name = normalize_name(name_key);
  if (entry.name.empty() || entry.name.find(':') != std::string::npos) {
    return fail(ErrorCode::kInvalidManifest, "bad implementation name '" + name_key + "'");
  }
  if (!seen.emplace(entry.protocol, entry.name).second) {
    return fail(ErrorCode::kDuplicateName,
                "'" + protocol + ":" + entry.name + "' is declared more than once");
  }
  std::optional<Error> problem;
  schema::for_each_value_of_entry(entry, [&](const schema::Field& f, auto& value) {
    if (problem) return;
    auto found = field(spec, where + ".", f);
    if (!found) return void(problem = found.error());
    if (*found) store(**found, value);
  });
  if (problem) return tl::unexpected(std::move(*problem));
  return entry;
}

std::optional<Error> validate_plugins(const std::filesystem::path& path, const json& plugins,
                                      ParsedManifest& out) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& [protocol_key, impls] : plugins.items()) {
    std::string where = "plugins." + protocol_key;
    if (!impls.is_object()) {
      return make_error(ErrorCode::kInvalidManifest,
                        "key '" + where + "' must be object, got " + impls.type_name());
    }
    std::string protocol = normalize_name(protocol_key);
    bool known = is_known_protocol(protocol);
    for (const auto& [name_key, spec] : impls.items()) {
      auto entry = validate_entry(where + "." + name_key, protocol, name_key, spec, seen);
      if (!entry) return entry.error();
      if (!known) {
        out.skipped_entries.push_back(
            skipped_entry(protocol_key, protocol, entry->name, path, out.manifest.package));
        continue;
      }
      out.manifest.entries.push_back(std::move(*entry));
    }
  }
  return std::nullopt;
}

Expected<ParsedManifest> validate(const std::filesystem::path& path, const json& doc) {
  if (!doc.is_object()) return fail(ErrorCode::kInvalidManifest, "top level must be an object");
  ParsedManifest out;
  out.manifest.path = PathText(path);
  if (auto problem = validate_header(path, doc, out.manifest)) return fail(std::move(*problem));
  auto plugins = field(doc, "", schema::kTopFields[*schema::find(schema::kTopFields, "plugins")]);
  if (!plugins) return tl::unexpected(plugins.error());
  if (auto problem = validate_plugins(path, **plugins, out)) return fail(std::move(*problem));
  return out;
}

}  // namespace

bool library_stays_inside(std::string_view library) {
  if (!library.empty() && library.find('/') == std::string_view::npos) {
    return library != "." && library != "..";  // the usual case, without path objects
  }
  std::filesystem::path relative(library);
  if (relative.empty() || relative.is_absolute()) return false;
  int depth = 0;
  for (const auto& part : relative.lexically_normal()) {
    if (part == "..") --depth;
    else if (part != ".") ++depth;
    if (depth < 0) return false;
  }
  return depth > 0;
}

Error skipped_entry(std::string_view protocol_key, const std::string& protocol,
                    const std::string& name, const std::filesystem::path& path,
                    const std::string& package) {
  return make_error(ErrorCode::kUnknownProtocol,
                    "protocol '" + std::string(protocol_key) + "' is not known to this aiperf")
      .about(protocol + ":" + name)
      .in_package(package)
      .in_file(path.string());
}

Expected<ParsedManifest> parse_manifest_reference(const std::filesystem::path& path,
                                                  std::string_view text) {
  internal::count_parse(/*reference=*/true);
  auto with_context = [&](Error error) {
    error.file = path.string();
    return tl::unexpected(std::move(error));
  };
  json doc;
  DuplicateKeyDetector duplicates;
  try {
    doc = json::parse(text, std::ref(duplicates));
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e400
    return with_context(make_error(ErrorCode::kMalformedJson, parse_error_text(e)));
  }
  if (!duplicates.duplicate().empty()) {
    return with_context(make_error(ErrorCode::kDuplicateName,
                                   "key '" + duplicates.duplicate() + "' appears twice in one object"));
  }
  auto parsed = validate(path, doc);
  if (!parsed) {
    Error error = parsed.error();
    if (doc.is_object() && doc.contains("package") && doc["package"].is_string()) {
      error.package = doc["package"].get<std::string>();
    }
    return with_context(std::move(error));
  }
  return parsed;
}

}  // namespace aiperf::plugin
