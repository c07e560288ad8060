// Every value of the document is visited, so nothing the reference parser
// rejects is skipped; the schema (manifest_schema.h) says which keys exist,
// their types, and which are required.
#include "plugin/internal/fast_manifest.h"

#include <algorithm>
#include <array>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <simdjson.h>

#include "plugin/manifest_parser.h"
#include "plugin/manifest_schema.h"
#include "plugin/names.h"

namespace aiperf::plugin::internal {
namespace {

using nlohmann::json;
namespace od = simdjson::ondemand;
using simdjson::error_code;
using simdjson::SUCCESS;

// Any reason to hand the text over to the reference parser.
constexpr error_code kDecline = simdjson::INCORRECT_TYPE;
constexpr int kMaxFastDepth = 64;  // deeper documents take the reference path

#define AIPERF_TRY(expr)                                  \
  do {                                                    \
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

error_code walk(od::value value, json* out, int depth);

error_code walk_object(od::value value, json* out, int depth) {
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

error_code walk_array(od::value value, json* out, int depth) {
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

error_code walk_number(od::value value, json* out) {
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
    case od::number_type::floating_point_number:
      // nlohmann reads "-0" as the integer 0; leave such oddities to it.
      if (token.find_first_of(".eE") == std::string_view::npos) return kDecline;
      if (out) *out = number.get_double();
      return SUCCESS;
  }
  return kDecline;
}

// The value as nlohmann would have parsed it (into `out`, if not null), refusing
// duplicate keys at any depth.
error_code walk(od::value value, json* out, int depth) {
  if (depth > kMaxFastDepth) return kDecline;
  od::json_type type;
  AIPERF_TRY(value.type().get(type));
  switch (type) {
    case od::json_type::object: return walk_object(value, out, depth);
    case od::json_type::array: return walk_array(value, out, depth);
    case od::json_type::number: return walk_number(value, out);
    case od::json_type::string: {
      std::string_view text;
      AIPERF_TRY(value.get_string().get(text));
      if (out) *out = std::string(text);
      return SUCCESS;
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

// Readers by the type of the place a schema field is stored in.
error_code read_into(od::value value, int& out) {  // as nlohmann's get<int>(); declines floats
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
error_code read_into(od::value value, std::string& out) {
  std::string_view text;
  AIPERF_TRY(value.get_string().get(text));
  out = text;
  return SUCCESS;
}
error_code read_into(od::value value, PathText& out) {
  std::string_view text;
  AIPERF_TRY(value.get_string().get(text));
  out = text;
  return SUCCESS;
}
error_code read_into(od::value value, json& out, int depth) { return walk(value, &out, depth); }

// Reads the members of `object` that `fields` describes into their places in
// `target` (visited by `bind`); unknown keys are walked; every required key must be there.
template <std::size_t N, class Target, class Bind>
error_code read_fields(od::value value, const std::array<schema::Field, N>& fields, Target& target,
                       Bind bind, int depth) {
  od::object object;
  AIPERF_TRY(value.get_object().get(object));
  KeySet keys;
  unsigned present = 0;
  for (auto field : object) {
    std::string_view key;
    AIPERF_TRY(field.unescaped_key().get(key));
    if (!keys.insert(key)) return kDecline;
    od::value v;
    AIPERF_TRY(field.value().get(v));
    auto index = schema::find(fields, key);
    if (!index) {
      AIPERF_TRY(walk(v, nullptr, depth));
      continue;
    }
    present |= 1u << *index;
    error_code result = kDecline;
    bind(target, [&](const schema::Field& f, auto& slot) {
      if (&f != &fields[*index]) return;
      if constexpr (std::is_same_v<std::decay_t<decltype(slot)>, json>) result = read_into(v, slot, depth);
      else result = read_into(v, slot);
    });
    AIPERF_TRY(result);
  }
  const unsigned required = schema::required_mask(fields);
  return (present & required) == required ? SUCCESS : kDecline;
}

// One entry as the fast path first sees it, before sorting into nlohmann's key order.
struct FastEntry {
  std::string_view protocol_key;
  std::string_view name_key;
  bool known = false;
  ManifestEntry entry;
};

constexpr auto bind_entry = [](ManifestEntry& e, auto&& f) { schema::for_each_value_of_entry(e, f); };
constexpr auto bind_manifest = [](Manifest& m, auto&& f) { schema::for_each_value(m, f); };

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
      AIPERF_TRY(read_fields(spec, schema::kEntryFields, e.entry, bind_entry, 4));
    }
  }
  return SUCCESS;
}

// The root object: the schema's top-level fields, abi and plugins.
error_code read_root(od::document& doc, Manifest& m, std::vector<FastEntry>& entries) {
  od::object root;
  AIPERF_TRY(doc.get_object().get(root));
  KeySet keys;
  unsigned present = 0;
  for (auto field : root) {
    std::string_view key;
    AIPERF_TRY(field.unescaped_key().get(key));
    if (!keys.insert(key)) return kDecline;
    od::value v;
    AIPERF_TRY(field.value().get(v));
    auto index = schema::find(schema::kTopFields, key);
    if (!index) {
      AIPERF_TRY(walk(v, nullptr, 1));
      continue;
    }
    present |= 1u << *index;
    if (key == "abi") {
      AIPERF_TRY(read_fields(v, schema::kAbiFields, m, bind_manifest, 2));
    } else if (key == "plugins") {
      AIPERF_TRY(read_plugins(v, entries));
    } else {
      error_code result = kDecline;
      schema::for_each_value(m, [&](const schema::Field& f, auto& slot) {
        if (&f == &schema::kTopFields[*index]) result = read_into(v, slot);
      });
      AIPERF_TRY(result);
    }
  }
  // Nothing but whitespace may follow the root object.
  const char* rest = nullptr;
  if (doc.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) return kDecline;
  constexpr unsigned required = schema::required_mask(schema::kTopFields);
  return (present & required) == required ? SUCCESS : kDecline;
}

// nlohmann's objects are ordered by key: list the entries in that order, and
// decline the same implementation twice after normalisation ("Data-Dog", "data_dog").
bool order_entries(std::vector<FastEntry>& entries) {
  if (entries.size() < 2) return true;
  std::sort(entries.begin(), entries.end(), [](const FastEntry& a, const FastEntry& b) {
    return std::tie(a.protocol_key, a.name_key) < std::tie(b.protocol_key, b.name_key);
  });
  std::vector<const ManifestEntry*> by_name;
  for (const auto& e : entries) by_name.push_back(&e.entry);
  auto key = [](const ManifestEntry* e) { return std::tie(e->protocol, e->name); };
  std::sort(by_name.begin(), by_name.end(),
            [&](const auto* a, const auto* b) { return key(a) < key(b); });
  for (std::size_t i = 1; i < by_name.size(); ++i) {
    if (key(by_name[i - 1]) == key(by_name[i])) return false;
  }
  return true;
}

thread_local od::parser fast_parser;

#undef AIPERF_TRY

}  // namespace

bool fast_parse_manifest(const std::filesystem::path& path, const PaddedText& text,
                         ParsedManifest& out) {
  od::document doc;
  simdjson::padded_string_view input(text.view().data(), text.size(),
                                     text.size() + simdjson::SIMDJSON_PADDING);
  if (fast_parser.iterate(input).get(doc) != SUCCESS) return false;
  Manifest& m = out.manifest;
  std::vector<FastEntry> entries;
  if (read_root(doc, m, entries) != SUCCESS) return false;
  static const std::string schema_prefix = std::to_string(kManifestSchemaMajor) + ".";
  if (!m.schema_version.starts_with(schema_prefix) || m.package.empty() ||
      !library_stays_inside(m.library.native())) {
    return false;
  }
  if (!order_entries(entries)) return false;
  m.path = PathText(path);
  m.library = PathText((path.parent_path() / m.library).lexically_normal());
  for (auto& e : entries) {
    if (e.known) {
      m.entries.push_back(std::move(e.entry));
    } else {
      out.skipped_entries.push_back(
          skipped_entry(e.protocol_key, e.entry.protocol, e.entry.name, path, m.package));
    }
  }
  return true;
}

}  // namespace aiperf::plugin::internal
