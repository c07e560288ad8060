#include "plugin/manifest.h"

#include <fcntl.h>
#include <unistd.h>

#include <set>
#include <vector>

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
std::string parse_error_text(const json::parse_error& e) {
  std::string what = e.what();
  auto at = what.find(" at line ");
  return at == std::string::npos ? what : what.substr(at + 1);
}

// Fetches a required member of a given type, or says which and why.
template <class T>
Expected<T> member(const json& object, std::string_view where, const char* key,
                   json::value_t type) {
  auto it = object.find(key);
  if (it == object.end()) {
    return fail(Reason::kInvalidManifest, "missing key '" + std::string(where) + key + "'");
  }
  bool ok = it->type() == type ||
            (type == json::value_t::number_integer && it->is_number_unsigned());
  if (!ok) {
    return fail(Reason::kInvalidManifest, "key '" + std::string(where) + key + "' must be " +
                                              json(type).type_name() + ", got " +
                                              it->type_name());
  }
  return it->get<T>();
}

// True when `library` (relative) stays inside the manifest's directory.
bool stays_inside(const std::filesystem::path& relative) {
  if (relative.empty() || relative.is_absolute()) return false;
  int depth = 0;
  for (const auto& part : relative.lexically_normal()) {
    if (part == "..") --depth;
    else if (part != ".") ++depth;
    if (depth < 0) return false;
  }
  return depth > 0;
}

Expected<ParsedManifest> validate(const std::filesystem::path& path, const json& doc) {
  using V = json::value_t;
  if (!doc.is_object()) return fail(Reason::kInvalidManifest, "top level must be an object");
  ParsedManifest out;
  Manifest& m = out.manifest;
  m.path = path;

  auto schema = member<std::string>(doc, "", "schema_version", V::string);
  if (!schema) return tl::unexpected(schema.error());
  m.schema_version = *schema;
  if (m.schema_version.rfind(std::to_string(kManifestSchemaMajor) + ".", 0) != 0) {
    return fail(Reason::kUnsupportedSchema,
                "schema_version " + m.schema_version + " is not supported (this aiperf reads " +
                    std::to_string(kManifestSchemaMajor) + ".x)");
  }
  auto package = member<std::string>(doc, "", "package", V::string);
  if (!package) return tl::unexpected(package.error());
  m.package = *package;
  if (m.package.empty()) return fail(Reason::kInvalidManifest, "key 'package' is empty");
  auto version = member<std::string>(doc, "", "version", V::string);
  if (!version) return tl::unexpected(version.error());
  m.version = *version;

  auto library = member<std::string>(doc, "", "library", V::string);
  if (!library) return tl::unexpected(library.error());
  if (!stays_inside(*library)) {
    return fail(Reason::kLibraryOutsideDirectory,
                "library '" + *library + "' must be a relative path inside " +
                    path.parent_path().string());
  }
  m.library = (path.parent_path() / *library).lexically_normal();

  auto abi = member<json>(doc, "", "abi", V::object);
  if (!abi) return tl::unexpected(abi.error());
  auto major = member<int>(*abi, "abi.", "major", V::number_integer);
  if (!major) return tl::unexpected(major.error());
  auto minor = member<int>(*abi, "abi.", "minor", V::number_integer);
  if (!minor) return tl::unexpected(minor.error());
  m.abi_major = *major;
  m.abi_minor = *minor;

  auto plugins = member<json>(doc, "", "plugins", V::object);
  if (!plugins) return tl::unexpected(plugins.error());
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& [protocol_key, impls] : plugins->items()) {
    std::string where = "plugins." + protocol_key;
    if (!impls.is_object()) {
      return fail(Reason::kInvalidManifest,
                  "key '" + where + "' must be object, got " + impls.type_name());
    }
    std::string protocol = normalize_name(protocol_key);
    bool known = is_known_protocol(protocol);
    for (const auto& [name_key, spec] : impls.items()) {
      std::string entry_where = where + "." + name_key;
      if (!spec.is_object()) {
        return fail(Reason::kInvalidManifest,
                    "key '" + entry_where + "' must be object, got " + spec.type_name());
      }
      ManifestEntry entry;
      entry.protocol = protocol;
      entry.name = normalize_name(name_key);
      if (entry.name.empty() || entry.name.find(':') != std::string::npos) {
        return fail(Reason::kInvalidManifest, "bad implementation name '" + name_key + "'");
      }
      if (!seen.emplace(entry.protocol, entry.name).second) {
        return fail(Reason::kDuplicateName,
                    "'" + protocol + ":" + entry.name + "' is declared more than once");
      }
      std::string prefix = entry_where + ".";
      auto symbol = member<std::string>(spec, prefix, "symbol", V::string);
      if (!symbol) return tl::unexpected(symbol.error());
      entry.symbol = *symbol;
      if (auto it = spec.find("description"); it != spec.end()) {
        if (!it->is_string()) {
          return fail(Reason::kInvalidManifest,
                      "key '" + prefix + "description' must be string, got " + it->type_name());
        }
        entry.description = it->get<std::string>();
      }
      if (auto it = spec.find("priority"); it != spec.end()) {
        if (!it->is_number_integer()) {
          return fail(Reason::kInvalidManifest,
                      "key '" + prefix + "priority' must be an integer, got " + it->type_name());
        }
        entry.priority = it->get<int>();
      }
      if (auto it = spec.find("metadata"); it != spec.end()) entry.metadata = *it;
      if (!known) {
        out.skipped_entries.push_back(
            {Reason::kUnknownProtocol, "protocol '" + protocol_key + "' is not known to this aiperf",
             path.string(), m.package, protocol + ":" + entry.name});
        continue;
      }
      m.entries.push_back(std::move(entry));
    }
  }
  return out;
}

}  // namespace

Expected<ParsedManifest> parse_manifest(const std::filesystem::path& path, std::string_view text) {
  auto with_context = [&](PluginError error) {
    error.manifest = path.string();
    return tl::unexpected(std::move(error));
  };
  json doc;
  DuplicateKeyDetector duplicates;
  try {
    doc = json::parse(text, std::ref(duplicates));
  } catch (const json::parse_error& e) {
    return with_context({Reason::kMalformedJson, parse_error_text(e), {}, {}, {}});
  }
  if (!duplicates.duplicate().empty()) {
    return with_context({Reason::kDuplicateName,
                         "key '" + duplicates.duplicate() + "' appears twice in one object",
                         {}, {}, {}});
  }
  auto parsed = validate(path, doc);
  if (!parsed) {
    PluginError error = parsed.error();
    if (doc.is_object() && doc.contains("package") && doc["package"].is_string()) {
      error.package = doc["package"].get<std::string>();
    }
    return with_context(std::move(error));
  }
  return parsed;
}

Expected<ParsedManifest> read_manifest(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return tl::unexpected(PluginError{Reason::kManifestUnreadable, std::strerror(errno),
                                      path.string(), {}, {}});
  }
  std::string text;
  char buffer[8192];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  int read_errno = errno;
  ::close(fd);
  if (n < 0) {
    return tl::unexpected(PluginError{Reason::kManifestUnreadable, std::strerror(read_errno),
                                      path.string(), {}, {}});
  }
  return parse_manifest(path, text);
}

}  // namespace aiperf::plugin
