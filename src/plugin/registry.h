// The lazy plugin registry: every implementation of every protocol, built-in
// or from a plugin package, known by name. Discovery reads manifests only;
// a plugin's library is opened by the first create of one of its entries.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "aiperf/sdk/abi.h"
#include "aiperf/sdk/protocols.h"
#include "plugin/discovery.h"
#include "plugin/manifest.h"
#include "plugin/names.h"
#include "plugin/plugin_error.h"
#include "plugin/plugin_library.h"
#include "plugin/search_path.h"

namespace aiperf::plugin {

/// Where an implementation comes from.
enum class Source { kBuiltin, kPlugin };

/// A discovered plugin package: its manifest and its (lazily opened) library.
struct PluginPackage {
  PluginPackage(Manifest m, PathOrigin o, LibraryOptions options);
  const Manifest manifest;
  const PathOrigin origin;
  PluginLibrary library;
  uint64_t rank = 0;  ///< Discovery order.
};

/// What `plugins list/show` report about one implementation. Reading it loads nothing.
struct ImplementationInfo {
  ImplementationRef ref;
  Source source = Source::kBuiltin;
  std::string description;
  int priority = 0;
  nlohmann::json metadata;
  std::shared_ptr<const PluginPackage> package;  ///< Null for built-ins.
  std::string symbol;                            ///< Factory symbol (plugins).
  bool loaded = false;                           ///< Library opened (built-ins: always false).
  std::optional<std::string> shadowed_by;        ///< Set when another candidate wins the name.
};

/// One candidate as a listing shows it, copying nothing: views into the registry,
/// valid while it lives and is not changed. Reading it loads nothing.
struct ImplementationRow {
  const ImplementationRef* ref = nullptr;
  Source source = Source::kBuiltin;
  int priority = 0;
  const PluginPackage* package = nullptr;  ///< Null for built-ins.
  bool loaded = false;                     ///< Library opened (built-ins: always false).
  std::optional<std::string> shadowed_by;  ///< As ImplementationInfo::shadowed_by.
};

/// Options that change how plugins are found, trusted and loaded.
struct RegistryOptions {
  bool allow_insecure = false;  ///< Load from world-writable or foreign-owned places.
  /// Before a library is opened in this process, open it in a forked child
  /// first (the same descriptor, see plugin_library.h), so a static constructor
  /// that crashes or hangs for this long is a kCrashed error instead of the end
  /// of aiperf. Zero: no pre-check. Creates then fork: make them before
  /// starting threads that may hold locks the child's dlopen needs.
  std::chrono::milliseconds precheck_timeout{0};
  /// Where discovery reads; null: the real file system (another one: no discovery cache).
  const FileSystem* file_system = nullptr;
};

/// Registry of implementations by protocol and name. Populate it (builtins,
/// discover) from one thread; after that, queries and creates are thread-safe.
class PluginRegistry {
 public:
  explicit PluginRegistry(RegistryOptions options = {});
  // Not copyable: a copy's insertion hints would point into the original.
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;
  PluginRegistry(PluginRegistry&&) = default;  // map nodes (and hints to them) move along
  PluginRegistry& operator=(PluginRegistry&&) = default;

  /// Registers a built-in implementation whose factory is linked into aiperf.
  void register_builtin(std::string_view protocol, std::string_view name,
                        aiperf_factory_fn factory, std::string description);

  /// Registers the entries of one manifest without opening its library.
  /// A package already registered under the same name is reported and skipped.
  std::optional<Error> register_lazy(Manifest manifest, PathOrigin origin);

  /// Scans each directory for *.aiperf-plugin.json (in name order) and registers
  /// them (discovery.h), with the discovery cache of this environment.
  DiscoveryReport discover(const std::vector<SearchDir>& search_path);

  /// True when protocol:name has any implementation. Loads nothing.
  bool is_registered(std::string_view protocol, std::string_view name) const;

  /// Sorted names of the implementations of a protocol. Loads nothing.
  std::vector<std::string> list_implementations(std::string_view protocol) const;

  /// Every candidate for every name (winners and shadowed), sorted. Loads nothing.
  std::vector<ImplementationInfo> implementations() const;

  /// The same candidates in the same order as rows that copy nothing: for listings.
  std::vector<ImplementationRow> rows() const;

  /// Candidates for one protocol:name, winner first (empty if unknown). Loads nothing.
  std::vector<ImplementationInfo> candidates(const ImplementationRef& ref) const;

  /// Discovered packages whose library is mapped into this process right now, as the
  /// dynamic loader reports it (dl_iterate_phdr), in discovery order.
  std::vector<std::shared_ptr<const PluginPackage>> mapped_packages() const;

  /// Conflicts between candidates, one line each, e.g. a plugin overriding a built-in.
  /// discover() also puts them into DiscoveryReport::notes.
  std::vector<std::string> conflicts() const;

  /// The winning factory for protocol:name, loading its library on first use.
  Expected<aiperf_factory_fn> get_implementation(std::string_view protocol,
                                                 std::string_view name) const;

  /// Builds an instance of protocol interface P from `config` (a JSON object).
  template <Protocol P>
  Expected<std::unique_ptr<P>> create_instance(std::string_view name,
                                               const nlohmann::json& config = {}) const {
    auto raw = create_raw(ProtocolTraits<P>::name, name, config);
    if (!raw) return tl::unexpected(raw.error());
    return std::unique_ptr<P>(static_cast<P*>(*raw));
  }

 private:
  // One implementation of a name; several candidates compete for one name.
  struct Candidate {
    ImplementationRef ref;
    Source source = Source::kBuiltin;
    int priority = 0;
    std::shared_ptr<PluginPackage> package;  // plugins
    const ManifestEntry* entry = nullptr;    // plugins: in package->manifest, not copied
    std::string description;                 // built-ins
    aiperf_factory_fn builtin = nullptr;     // built-ins
    uint64_t rank = 0;                       // registration order = search path order

    // Higher priority, then plugin over built-in, then earlier on the search path.
    bool beats(const Candidate& other) const;
  };
  using Key = std::pair<std::string, std::string>;  // protocol, name (normalised)
  // std::pair's order, with each string compared once (pair's < compares the
  // protocols twice).
  struct KeyLess {
    bool operator()(const Key& a, const Key& b) const {
      int c = a.first.compare(b.first);
      return c != 0 ? c < 0 : a.second < b.second;
    }
  };

  void add(Candidate candidate);
  std::vector<Candidate>& list_for(const Key& key);
  const Candidate* winner(std::string_view protocol, std::string_view name) const;
  ImplementationInfo info(const Candidate& candidate, const Candidate& top) const;
  // Each name's candidate list (winner first), protocols in canonical order, then names.
  std::vector<const std::vector<Candidate>*> ordered_lists() const;
  Error not_found(std::string_view protocol, std::string_view name) const;
  Expected<void*> create_raw(std::string_view protocol, std::string_view name,
                             const nlohmann::json& config) const;

  RegistryOptions options_;
  using CandidateMap = std::map<Key, std::vector<Candidate>, KeyLess>;
  CandidateMap candidates_;  // each vector winner first
  // Each protocol's name added last: where list_for() tries first (an element,
  // never end(), so the hints survive a move of the map).
  std::vector<std::pair<std::string, CandidateMap::iterator>> last_added_;
  // By package name (a view of the package's own manifest.package): only
  // looked up and walked in no order, so hashed, with no copy of the name.
  std::unordered_map<std::string_view, std::shared_ptr<PluginPackage>> packages_;
  uint64_t next_rank_ = 0;
};

/// Describes where a candidate comes from: "built-in" or "plugin PACKAGE (MANIFEST)".
std::string describe_source(const ImplementationInfo& info);

}  // namespace aiperf::plugin
