#include "plugin/manifest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "plugin/names.h"

namespace aiperf::plugin {
namespace {

using nlohmann::json;

std::atomic<std::uint64_t> parse_count{0};
std::atomic<std::uint64_t> reference_count{0};

// ---------------------------------------------------------------------------
// The reference parser (nlohmann/json). Every error message comes from here.
// ---------------------------------------------------------------------------

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

// Fetches a required member of a given type, or says which and why.
template <class T>
Expected<T> member(const json& object, std::string_view where, const char* key,
                   json::value_t type) {
  auto it = object.find(key);
  if (it == object.end()) {
    return fail(ErrorCode::kInvalidManifest, "missing key '" + std::string(where) + key + "'");
  }
  bool ok = it->type() == type ||
            (type == json::value_t::number_integer && it->is_number_unsigned());
  if (!ok) {
    return fail(ErrorCode::kInvalidManifest, "key '" + std::string(where) + key + "' must be " +
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

// stays_inside for the usual case of a plain file name, without path objects.
bool library_stays_inside(std::string_view library) {
  if (!library.empty() && library.find('/') == std::string_view::npos) {
    return library != "." && library != "..";
  }
  return stays_inside(std::filesystem::path(library));
}

Error skipped_entry(std::string_view protocol_key, const std::string& protocol,
                          const std::string& name, const std::filesystem::path& path,
                          const std::string& package) {
  return make_error(ErrorCode::kUnknownProtocol, "protocol '" + std::string(protocol_key) + "' is not known to this aiperf").about(protocol + ":" + name).in_package(package).in_file(path.string());
}

Expected<ParsedManifest> validate(const std::filesystem::path& path, const json& doc) {
  using V = json::value_t;
  if (!doc.is_object()) return fail(ErrorCode::kInvalidManifest, "top level must be an object");
  ParsedManifest out;
  Manifest& m = out.manifest;
  m.path = path;

  auto schema = member<std::string>(doc, "", "schema_version", V::string);
  if (!schema) return tl::unexpected(schema.error());
  m.schema_version = *schema;
  if (m.schema_version.rfind(std::to_string(kManifestSchemaMajor) + ".", 0) != 0) {
    return fail(ErrorCode::kUnsupportedSchema,
                "schema_version " + m.schema_version + " is not supported (this aiperf reads " +
                    std::to_string(kManifestSchemaMajor) + ".x)");
  }
  auto package = member<std::string>(doc, "", "package", V::string);
  if (!package) return tl::unexpected(package.error());
  m.package = *package;
  if (m.package.empty()) return fail(ErrorCode::kInvalidManifest, "key 'package' is empty");
  auto version = member<std::string>(doc, "", "version", V::string);
  if (!version) return tl::unexpected(version.error());
  m.version = *version;

  auto library = member<std::string>(doc, "", "library", V::string);
  if (!library) return tl::unexpected(library.error());
  if (!stays_inside(*library)) {
    return fail(ErrorCode::kLibraryOutsideDirectory,
                "library '" + *library + "' must be a relative path inside " +
                    path.parent_path().string());
  }
  m.library = (path.parent_path() / *library).lexically_normal();

  auto abi = doc.find("abi");
  if (abi == doc.end()) return fail(ErrorCode::kInvalidManifest, "missing key 'abi'");
  if (!abi->is_object()) {
    return fail(ErrorCode::kInvalidManifest,
                std::string("key 'abi' must be object, got ") + abi->type_name());
  }
  auto major = member<int>(*abi, "abi.", "major", V::number_integer);
  if (!major) return tl::unexpected(major.error());
  auto minor = member<int>(*abi, "abi.", "minor", V::number_integer);
  if (!minor) return tl::unexpected(minor.error());
  m.abi_major = *major;
  m.abi_minor = *minor;

  auto plugins = doc.find("plugins");
  if (plugins == doc.end()) return fail(ErrorCode::kInvalidManifest, "missing key 'plugins'");
  if (!plugins->is_object()) {
    return fail(ErrorCode::kInvalidManifest,
                std::string("key 'plugins' must be object, got ") + plugins->type_name());
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& [protocol_key, impls] : plugins->items()) {
    std::string where = "plugins." + protocol_key;
    if (!impls.is_object()) {
      return fail(ErrorCode::kInvalidManifest,
                  "key '" + where + "' must be object, got " + impls.type_name());
    }
    std::string protocol = normalize_name(protocol_key);
    bool known = is_known_protocol(protocol);
    for (const auto& [name_key, spec] : impls.items()) {
      std::string entry_where = where + "." + name_key;
      if (!spec.is_object()) {
        return fail(ErrorCode::kInvalidManifest,
                    "key '" + entry_where + "' must be object, got " + spec.type_name());
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
      std::string prefix = entry_where + ".";
      auto symbol = member<std::string>(spec, prefix, "symbol", V::string);
      if (!symbol) return tl::unexpected(symbol.error());
      entry.symbol = *symbol;
      if (auto it = spec.find("description"); it != spec.end()) {
        if (!it->is_string()) {
          return fail(ErrorCode::kInvalidManifest,
                      "key '" + prefix + "description' must be string, got " + it->type_name());
        }
        entry.description = it->get<std::string>();
      }
      if (auto it = spec.find("priority"); it != spec.end()) {
        if (!it->is_number_integer()) {
          return fail(ErrorCode::kInvalidManifest,
                      "key '" + prefix + "priority' must be an integer, got " + it->type_name());
        }
        entry.priority = it->get<int>();
      }
      if (auto it = spec.find("metadata"); it != spec.end()) entry.metadata = *it;
      if (!known) {
        out.skipped_entries.push_back(
            skipped_entry(protocol_key, protocol, entry.name, path, m.package));
        continue;
      }
      m.entries.push_back(std::move(entry));
    }
  }
  return out;
}

Expected<ParsedManifest> reference_parse(const std::filesystem::path& path,
                                         std::string_view text) {
  auto with_context = [&](Error error) {
    error.file = path.string();
    return tl::unexpected(std::move(error));
  };
  reference_count.fetch_add(1, std::memory_order_relaxed);
  json doc;
  DuplicateKeyDetector duplicates;
  try {
    doc = json::parse(text, std::ref(duplicates));
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e400
    return with_context(make_error(ErrorCode::kMalformedJson, parse_error_text(e)));
  }
  if (!duplicates.duplicate().empty()) {
    return with_context(make_error(ErrorCode::kDuplicateName, "key '" + duplicates.duplicate() + "' appears twice in one object"));
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

// ---------------------------------------------------------------------------
// The fast path (simdjson On-Demand). It accepts exactly the valid manifests
// and builds the same ParsedManifest as the reference parser; on anything
// else (bad JSON, a duplicate key, a validation failure, something unusual
// such as very deep nesting) it declines with an error code and the caller
// runs the reference parser, which says what is wrong. Every value of the
// document is visited, so nothing the reference parser rejects is skipped.
// ---------------------------------------------------------------------------

namespace od = simdjson::ondemand;
using simdjson::error_code;
using simdjson::SUCCESS;

// Any reason to hand the text over to the reference parser.
constexpr error_code kDecline = simdjson::INCORRECT_TYPE;
constexpr int kMaxFastDepth = 64;  // deeper documents take the reference path

#define AIPERF_TRY(expr)                        \
  do {                                          \
    if (error_code e_ = (expr); e_ != SUCCESS) return e_; \
  } while (0)

// Keys of one object, to refuse duplicates (objects here are small).
class KeySet {
 public:
  // False if `key` was already there.
  bool insert(std::string_view key) {
    for (std::size_t i = 0; i < inline_count_; ++i) {
      if (inline_[i] == key) return false;
    }
    if (inline_count_ < inline_.size()) {
      inline_[inline_count_++] = key;
      return true;
    }
    for (auto k : spill_) {
      if (k == key) return false;
    }
    spill_.push_back(key);
    return true;
  }

 private:
  std::array<std::string_view, 8> inline_{};
  std::size_t inline_count_ = 0;
  std::vector<std::string_view> spill_;
};

// The value as nlohmann would have parsed it (into `out`, if not null), refusing
// duplicate keys at any depth.
error_code walk(od::value value, json* out, int depth) {
  if (depth > kMaxFastDepth) return kDecline;
  od::json_type type;
  AIPERF_TRY(value.type().get(type));
  switch (type) {
    case od::json_type::object: {
      od::object object;
      AIPERF_TRY(value.get_object().get(object));
      if (out) *out = json::object();
      KeySet keys;
      for (auto field : object) {
        std::string_view key;
        AIPERF_TRY(field.unescaped_key().get(key));
        if (!keys.insert(key)) return kDecline;
        od::value child_value;
        AIPERF_TRY(field.value().get(child_value));
        json* child = out ? &(*out)[std::string(key)] : nullptr;
        AIPERF_TRY(walk(child_value, child, depth + 1));
      }
      return SUCCESS;
    }
    case od::json_type::array: {
      od::array array;
      AIPERF_TRY(value.get_array().get(array));
      if (out) *out = json::array();
      for (auto element : array) {
        od::value item;
        AIPERF_TRY(element.get(item));
        json* child = out ? &out->emplace_back() : nullptr;
        AIPERF_TRY(walk(item, child, depth + 1));
      }
      return SUCCESS;
    }
    case od::json_type::string: {
      std::string_view text;
      AIPERF_TRY(value.get_string().get(text));
      if (out) *out = std::string(text);
      return SUCCESS;
    }
    case od::json_type::number: {
      std::string_view token = value.raw_json_token();
      od::number number;
      AIPERF_TRY(value.get_number().get(number));
      switch (number.get_number_type()) {
        case od::number_type::signed_integer: {
          int64_t i = number.get_int64();
          if (out) {
            if (i >= 0 && token.front() != '-') *out = static_cast<uint64_t>(i);  // as nlohmann
            else *out = i;
          }
          return SUCCESS;
        }
        case od::number_type::unsigned_integer:
          if (out) *out = number.get_uint64();
          return SUCCESS;
        case od::number_type::floating_point_number: {
          // nlohmann reads "-0" as the integer 0; leave such oddities to it.
          if (token.find_first_of(".eE") == std::string_view::npos) return kDecline;
          if (out) *out = number.get_double();
          return SUCCESS;
        }
      }
      return kDecline;
    }
    case od::json_type::boolean: {
      bool b;
      AIPERF_TRY(value.get_bool().get(b));
      if (out) *out = b;
      return SUCCESS;
    }
    case od::json_type::null: {
      bool is_null = false;
      AIPERF_TRY(value.is_null().get(is_null));
      if (!is_null) return kDecline;
      if (out) *out = nullptr;
      return SUCCESS;
    }
  }
  return kDecline;
}

// An integer as nlohmann's get<int>() would give it; declines floats.
error_code read_int(od::value value, int& out) {
  od::number number;
  AIPERF_TRY(value.get_number().get(number));
  switch (number.get_number_type()) {
    case od::number_type::signed_integer:
      out = static_cast<int>(number.get_int64());
      return SUCCESS;
    case od::number_type::unsigned_integer:
      out = static_cast<int>(number.get_uint64());
      return SUCCESS;
    case od::number_type::floating_point_number: break;
  }
  return kDecline;
}

error_code read_string(od::value value, std::string_view& out) {
  return value.get_string().get(out);
}

// One entry as the fast path first sees it, before sorting into nlohmann's key order.
struct FastEntry {
  std::string_view protocol_key;
  std::string_view name_key;
  bool known = false;
  ManifestEntry entry;
};

error_code read_entry(od::value value, FastEntry& e) {
  od::object spec;
  AIPERF_TRY(value.get_object().get(spec));
  KeySet keys;
  bool have_symbol = false;
  for (auto field : spec) {
    std::string_view key;
    AIPERF_TRY(field.unescaped_key().get(key));
    if (!keys.insert(key)) return kDecline;
    od::value v;
    AIPERF_TRY(field.value().get(v));
    std::string_view text;
    if (key == "symbol") {
      AIPERF_TRY(read_string(v, text));
      e.entry.symbol = text;
      have_symbol = true;
    } else if (key == "description") {
      AIPERF_TRY(read_string(v, text));
      e.entry.description = text;
    } else if (key == "priority") {
      AIPERF_TRY(read_int(v, e.entry.priority));
    } else if (key == "metadata") {
      AIPERF_TRY(walk(v, &e.entry.metadata, 4));
    } else {
      AIPERF_TRY(walk(v, nullptr, 4));
    }
  }
  return have_symbol ? SUCCESS : kDecline;
}

error_code read_plugins(od::value value, std::vector<FastEntry>& entries) {
  od::object protocols;
  AIPERF_TRY(value.get_object().get(protocols));
  KeySet protocol_keys;
  for (auto protocol_field : protocols) {
    std::string_view protocol_key;
    AIPERF_TRY(protocol_field.unescaped_key().get(protocol_key));
    if (!protocol_keys.insert(protocol_key)) return kDecline;
    od::object impls;
    AIPERF_TRY(protocol_field.value().get_object().get(impls));
    std::string protocol = normalize_name(protocol_key);
    bool known = is_known_protocol(protocol);
    KeySet name_keys;
    for (auto name_field : impls) {
      FastEntry& e = entries.emplace_back();
      AIPERF_TRY(name_field.unescaped_key().get(e.name_key));
      if (!name_keys.insert(e.name_key)) return kDecline;
      e.protocol_key = protocol_key;
      e.known = known;
      e.entry.protocol = protocol;
      e.entry.name = normalize_name(e.name_key);
      if (e.entry.name.empty() || e.entry.name.find(':') != std::string::npos) return kDecline;
      od::value spec;
      AIPERF_TRY(name_field.value().get(spec));
      AIPERF_TRY(read_entry(spec, e));
    }
  }
  return SUCCESS;
}

error_code read_abi(od::value value, Manifest& m) {
  od::object abi;
  AIPERF_TRY(value.get_object().get(abi));
  KeySet keys;
  bool have_major = false, have_minor = false;
  for (auto field : abi) {
    std::string_view key;
    AIPERF_TRY(field.unescaped_key().get(key));
    if (!keys.insert(key)) return kDecline;
    od::value v;
    AIPERF_TRY(field.value().get(v));
    if (key == "major") {
      AIPERF_TRY(read_int(v, m.abi_major));
      have_major = true;
    } else if (key == "minor") {
      AIPERF_TRY(read_int(v, m.abi_minor));
      have_minor = true;
    } else {
      AIPERF_TRY(walk(v, nullptr, 2));
    }
  }
  return have_major && have_minor ? SUCCESS : kDecline;
}

thread_local od::parser fast_parser;
thread_local PaddedText copy_buffer;

error_code fast_parse(const std::filesystem::path& path, const PaddedText& text,
                      ParsedManifest& out) {
  od::document doc;
  simdjson::padded_string_view input(text.view().data(), text.size(),
                                     text.size() + simdjson::SIMDJSON_PADDING);
  AIPERF_TRY(fast_parser.iterate(input).get(doc));
  od::object root;
  AIPERF_TRY(doc.get_object().get(root));
  Manifest& m = out.manifest;
  std::string_view schema, package, version, library;
  bool have_schema = false, have_package = false, have_version = false, have_library = false,
       have_abi = false, have_plugins = false;
  std::vector<FastEntry> entries;
  KeySet keys;
  for (auto field : root) {
    std::string_view key;
    AIPERF_TRY(field.unescaped_key().get(key));
    if (!keys.insert(key)) return kDecline;
    od::value v;
    AIPERF_TRY(field.value().get(v));
    if (key == "schema_version") {
      AIPERF_TRY(read_string(v, schema));
      have_schema = true;
    } else if (key == "package") {
      AIPERF_TRY(read_string(v, package));
      have_package = true;
    } else if (key == "version") {
      AIPERF_TRY(read_string(v, version));
      have_version = true;
    } else if (key == "library") {
      AIPERF_TRY(read_string(v, library));
      have_library = true;
    } else if (key == "abi") {
      AIPERF_TRY(read_abi(v, m));
      have_abi = true;
    } else if (key == "plugins") {
      AIPERF_TRY(read_plugins(v, entries));
      have_plugins = true;
    } else {
      AIPERF_TRY(walk(v, nullptr, 1));
    }
  }
  // Nothing but whitespace may follow the root object.
  const char* rest = nullptr;
  if (doc.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) return kDecline;

  if (!(have_schema && have_package && have_version && have_library && have_abi &&
        have_plugins)) {
    return kDecline;
  }
  static const std::string schema_prefix = std::to_string(kManifestSchemaMajor) + ".";
  if (!schema.starts_with(schema_prefix) || package.empty() || !library_stays_inside(library)) {
    return kDecline;
  }
  // nlohmann's objects are ordered by key: list the entries in that order.
  if (entries.size() > 1) {
    std::sort(entries.begin(), entries.end(), [](const FastEntry& a, const FastEntry& b) {
      return std::tie(a.protocol_key, a.name_key) < std::tie(b.protocol_key, b.name_key);
    });
    // The same implementation twice after normalisation ("Data-Dog", "data_dog").
    std::vector<const ManifestEntry*> by_name;
    for (const auto& e : entries) by_name.push_back(&e.entry);
    auto key = [](const ManifestEntry* e) { return std::tie(e->protocol, e->name); };
    std::sort(by_name.begin(), by_name.end(),
              [&](const auto* a, const auto* b) { return key(a) < key(b); });
    for (std::size_t i = 1; i < by_name.size(); ++i) {
      if (key(by_name[i - 1]) == key(by_name[i])) return kDecline;
    }
  }
  m.path = path;
  m.schema_version = schema;
  m.package = package;
  m.version = version;
  m.library = (path.parent_path() / library).lexically_normal();
  for (auto& e : entries) {
    if (e.known) {
      m.entries.push_back(std::move(e.entry));
    } else {
      out.skipped_entries.push_back(
          skipped_entry(e.protocol_key, e.entry.protocol, e.entry.name, path, m.package));
    }
  }
  return SUCCESS;
}

#undef AIPERF_TRY

}  // namespace

void PaddedText::reserve(std::size_t n) {
  if (n <= capacity_ && data_) return;
  std::size_t capacity = std::max(n, capacity_ * 2);
  auto data = std::make_unique_for_overwrite<char[]>(capacity + simdjson::SIMDJSON_PADDING);
  if (size_ > 0) std::memcpy(data.get(), data_.get(), size_);
  // simdjson may read the padding; give it defined bytes.
  std::memset(data.get() + size_, 0, capacity - size_ + simdjson::SIMDJSON_PADDING);
  data_ = std::move(data);
  capacity_ = capacity;
}

void PaddedText::assign(std::string_view text) {
  size_ = 0;
  reserve(text.size());
  if (!text.empty()) std::memcpy(data_.get(), text.data(), text.size());
  size_ = text.size();
}

int read_all(int fd, std::size_t expected_size, bool regular_file, PaddedText& text) {
  text.size_ = 0;
  text.reserve(expected_size + 1);  // one byte more: a file that grew fills it
  for (;;) {
    if (text.size_ == text.capacity_) text.reserve(text.capacity_ * 2);
    ssize_t n = ::read(fd, text.data_.get() + text.size_, text.capacity_ - text.size_);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return 0;
    text.size_ += static_cast<std::size_t>(n);
    // A regular file's read stops short only at its end: no second read to see EOF.
    if (regular_file && text.size_ == expected_size && text.size_ < text.capacity_) return 0;
  }
}

Expected<ParsedManifest> parse_manifest_reference(const std::filesystem::path& path,
                                                  std::string_view text) {
  parse_count.fetch_add(1, std::memory_order_relaxed);
  return reference_parse(path, text);
}

Expected<ParsedManifest> parse_manifest(const std::filesystem::path& path, const PaddedText& text) {
  parse_count.fetch_add(1, std::memory_order_relaxed);
  ParsedManifest out;
  if (fast_parse(path, text, out) == SUCCESS) return out;
  return reference_parse(path, text.view());
}

Expected<ParsedManifest> parse_manifest(const std::filesystem::path& path, std::string_view text) {
  copy_buffer.assign(text);
  return parse_manifest(path, copy_buffer);
}

Expected<ParsedManifest> read_manifest(const std::filesystem::path& path) {
  auto unreadable = [&](int error) {
    return tl::unexpected(make_error(ErrorCode::kManifestUnreadable, std::strerror(error)).in_file(path.string()));
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return unreadable(errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int error = errno;
    ::close(fd);
    return unreadable(error);
  }
  thread_local PaddedText text;
  int error = read_all(fd, static_cast<std::size_t>(st.st_size), S_ISREG(st.st_mode), text);
  ::close(fd);
  if (error != 0) return unreadable(error);
  return parse_manifest(path, text);
}

ManifestParseCounts manifest_parse_counts() {
  return {parse_count.load(std::memory_order_relaxed),
          reference_count.load(std::memory_order_relaxed)};
}

}  // namespace aiperf::plugin
