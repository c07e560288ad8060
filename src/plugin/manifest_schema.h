// The manifest schema, written once: every key, its type and whether it is
// required, bound to where its value lives in Manifest / ManifestEntry. The
// reference parser validates by it, the fast parser dispatches and checks
// presence by it, and the discovery cache encodes and decodes by it.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "plugin/manifest.h"

namespace aiperf::plugin::schema {

/// The JSON type a key must have.
enum class Type {
  kString,   ///< A JSON string.
  kInteger,  ///< A JSON integer (signed or unsigned), read as int.
  kObject,   ///< A JSON object (described by its own field list).
  kAny,      ///< Any JSON value, kept as is (metadata).
};

/// One key of an object in the manifest.
struct Field {
  std::string_view key;
  Type type;
  bool required;
  std::string_view type_words;  ///< How an error names the type: "string", "an integer".
};

/// Top-level keys.
inline constexpr std::array<Field, 6> kTopFields = {{
    {"schema_version", Type::kString, true, "string"},
    {"package", Type::kString, true, "string"},
    {"version", Type::kString, true, "string"},
    {"library", Type::kString, true, "string"},
    {"abi", Type::kObject, true, "object"},
    {"plugins", Type::kObject, true, "object"},
}};

/// Keys of "abi".
inline constexpr std::array<Field, 2> kAbiFields = {{
    {"major", Type::kInteger, true, "number"},
    {"minor", Type::kInteger, true, "number"},
}};

/// Keys of one implementation, plugins.PROTOCOL.NAME.
inline constexpr std::array<Field, 4> kEntryFields = {{
    {"symbol", Type::kString, true, "string"},
    {"description", Type::kString, false, "string"},
    {"priority", Type::kInteger, false, "an integer"},
    {"metadata", Type::kAny, false, "any"},
}};

/// Index of `key` in `fields`, or nullopt for a key the schema does not know
/// (unknown keys are allowed and ignored).
template <std::size_t N>
constexpr std::optional<std::size_t> find(const std::array<Field, N>& fields, std::string_view key) {
  for (std::size_t i = 0; i < N; ++i) {
    if (fields[i].key == key) return i;
  }
  return std::nullopt;
}

/// True when `f` is one of `fields` (by identity: the lists are the schema).
template <std::size_t N>
constexpr bool is_in(const std::array<Field, N>& fields, const Field& f) {
  return &f >= fields.data() && &f < fields.data() + N;
}

/// Bit mask of the required fields of a list.
template <std::size_t N>
constexpr unsigned required_mask(const std::array<Field, N>& fields) {
  unsigned mask = 0;
  for (std::size_t i = 0; i < N; ++i) mask |= fields[i].required ? 1u << i : 0u;
  return mask;
}

/// Calls f(field, value) for each stored scalar of a manifest, in schema order:
/// the top-level strings (library as its resolved path) and abi.major/minor.
/// `M` is Manifest or const Manifest.
template <class M, class F>
void for_each_value(M& m, F&& f) {
  f(kTopFields[0], m.schema_version);
  f(kTopFields[1], m.package);
  f(kTopFields[2], m.version);
  f(kTopFields[3], m.library);
  f(kAbiFields[0], m.abi_major);
  f(kAbiFields[1], m.abi_minor);
}

/// Calls f(field, value) for each stored value of an entry, in schema order.
template <class E, class F>
void for_each_value_of_entry(E& e, F&& f) {
  f(kEntryFields[0], e.symbol);
  f(kEntryFields[1], e.description);
  f(kEntryFields[2], e.priority);
  f(kEntryFields[3], e.metadata);
}

}  // namespace aiperf::plugin::schema
