#include "plugin/registry.h"

#include <link.h>
#include <sys/stat.h>

#include <algorithm>
#include <memory>
#include <set>
#include <system_error>
#include <tuple>

#include "plugin/internal/discovery_cache.h"

namespace aiperf::plugin {

bool PluginRegistry::Candidate::beats(const Candidate& other) const {
  return std::tuple(-priority, source == Source::kBuiltin, rank) <
         std::tuple(-other.priority, other.source == Source::kBuiltin, other.rank);
}

namespace {

// path.parent_path() as a string, without splitting the path into components:
// the part before the last '/', less trailing slashes ("/" for the root, ""
// when there is no '/'). Discovery builds manifest paths as DIR/NAME.
std::string parent_directory(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return {};
  auto end = path.find_last_not_of('/', slash);
  return end == std::string::npos ? std::string("/") : path.substr(0, end + 1);
}

}  // namespace

PluginPackage::PluginPackage(Manifest m, PathOrigin o, LibraryOptions options)
    : manifest(std::move(m)), origin(o),
      library(manifest.library.native(), parent_directory(manifest.path.native()), options) {}

PluginRegistry::PluginRegistry(RegistryOptions options) : options_(options) {}

std::vector<PluginRegistry::Candidate>& PluginRegistry::list_for(const Key& key) {
  // Within a protocol, names mostly come in order (manifests are read in file
  // name order), so the place after the protocol's last name is tried first:
  // two comparisons instead of a walk from the root (the walk was half of
  // registering 10,000 packages).
  const KeyLess less;
  auto last = std::find_if(last_added_.begin(), last_added_.end(),
                           [&](const auto& p) { return p.first == key.first; });
  if (last == last_added_.end()) {
    auto at = candidates_.try_emplace(key).first;
    last_added_.emplace_back(key.first, at);
    return at->second;
  }
  auto& at = last->second;
  auto next = std::next(at);
  if (less(at->first, key) && (next == candidates_.end() || less(key, next->first))) {
    at = candidates_.emplace_hint(next, key, std::vector<Candidate>{});
  } else {
    at = candidates_.try_emplace(key).first;
  }
  return at->second;
}

void PluginRegistry::add(Candidate candidate) {
  candidate.rank = next_rank_++;
  auto& list = list_for({candidate.ref.protocol, candidate.ref.name});
  auto at = std::find_if(list.begin(), list.end(),
                         [&](const Candidate& c) { return candidate.beats(c); });
  list.insert(at, std::move(candidate));
}

void PluginRegistry::register_builtin(std::string_view protocol, std::string_view name,
                                      aiperf_factory_fn factory, std::string description) {
  Candidate c;
  c.ref = {normalize_name(protocol), normalize_name(name)};
  c.source = Source::kBuiltin;
  c.description = std::move(description);
  c.builtin = factory;
  add(std::move(c));
}

std::optional<Error> PluginRegistry::register_lazy(Manifest manifest, PathOrigin origin) {
  if (auto at = packages_.find(manifest.package); at != packages_.end()) {
    return make_error(ErrorCode::kDuplicatePackage, "already found at " + at->second->manifest.path.string() +
                                                        " (earlier on the search path, which wins)")
        .in_package(manifest.package)
        .in_file(manifest.path.string());
  }
  auto package = std::make_shared<PluginPackage>(
      std::move(manifest), origin, LibraryOptions{options_.allow_insecure, options_.precheck_timeout});
  package->rank = next_rank_;
  packages_.emplace(package->manifest.package, package);
  for (const auto& entry : package->manifest.entries) {
    Candidate c;
    c.ref.protocol = entry.protocol;
    c.ref.name = entry.name;
    c.source = Source::kPlugin;
    c.priority = entry.priority;
    c.package = package;
    c.entry = &entry;
    add(std::move(c));
  }
  return std::nullopt;
}

DiscoveryReport PluginRegistry::discover(const std::vector<SearchDir>& search_path) {
  DiscoveryOptions options;
  options.check_trust = !options_.allow_insecure;
  options.file_system = options_.file_system;
  // The cache is keyed by real files' identities: none for another file system.
  if (!options_.file_system) options.cache_file = internal::discovery_cache_file();
  return discover_into(*this, search_path, options);
}

const PluginRegistry::Candidate* PluginRegistry::winner(std::string_view protocol,
                                                        std::string_view name) const {
  auto it = candidates_.find({normalize_name(protocol), normalize_name(name)});
  return it == candidates_.end() || it->second.empty() ? nullptr : &it->second.front();
}

bool PluginRegistry::is_registered(std::string_view protocol, std::string_view name) const {
  return winner(protocol, name) != nullptr;
}

std::vector<std::string> PluginRegistry::list_implementations(std::string_view protocol) const {
  std::vector<std::string> names;
  std::string p = normalize_name(protocol);
  for (const auto& [key, list] : candidates_) {
    if (key.first == p && !list.empty()) names.push_back(key.second);
  }
  return names;  // std::map keeps them sorted
}

namespace {

// Who wins a name when `c` does not, as ImplementationInfo::shadowed_by says it.
template <class C>
std::optional<std::string> shadowed_by(const C& c, const C& top) {
  if (&c == &top) return std::nullopt;
  if (top.source == Source::kBuiltin) return std::string("built-in");
  return "plugin " + top.package->manifest.package + " (" + top.package->manifest.path.string() + ")";
}

}  // namespace

ImplementationInfo PluginRegistry::info(const Candidate& c, const Candidate& top) const {
  ImplementationInfo out;
  out.ref = c.ref;
  out.source = c.source;
  out.description = c.entry ? c.entry->description : c.description;
  out.priority = c.priority;
  if (c.entry) {
    out.metadata = c.entry->metadata;
    out.symbol = c.entry->symbol;
  }
  out.package = c.package;
  out.loaded = c.package && c.package->library.loaded();
  out.shadowed_by = shadowed_by(c, top);
  return out;
}

std::vector<const std::vector<PluginRegistry::Candidate>*> PluginRegistry::ordered_lists() const {
  // The map is ordered by protocol, then name, so each protocol is one run of
  // it; ordering the runs (known protocols in kProtocols' order, then the rest
  // as the map has them) orders everything without comparing names again.
  struct Run {
    std::size_t rank;
    decltype(candidates_)::const_iterator begin, end;
  };
  std::vector<Run> runs;
  for (auto it = candidates_.begin(); it != candidates_.end();) {
    auto end = std::next(it);
    while (end != candidates_.end() && end->first.first == it->first.first) ++end;
    auto at = std::find(kProtocols.begin(), kProtocols.end(), it->first.first);
    runs.push_back({static_cast<std::size_t>(at - kProtocols.begin()), it, end});
    it = end;
  }
  std::stable_sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.rank < b.rank; });
  std::vector<const std::vector<Candidate>*> out;
  out.reserve(candidates_.size());
  for (const auto& run : runs) {
    for (auto it = run.begin; it != run.end; ++it) out.push_back(&it->second);
  }
  return out;
}

std::vector<ImplementationInfo> PluginRegistry::implementations() const {
  std::vector<ImplementationInfo> out;
  for (const auto* list : ordered_lists()) {
    for (const auto& c : *list) out.push_back(info(c, list->front()));
  }
  return out;
}

std::vector<ImplementationRow> PluginRegistry::rows() const {
  std::vector<ImplementationRow> out;
  out.reserve(candidates_.size());
  for (const auto* list : ordered_lists()) {
    for (const auto& c : *list) {
      out.push_back({&c.ref, c.source, c.priority, c.package.get(),
                     c.package && c.package->library.loaded(), shadowed_by(c, list->front())});
    }
  }
  return out;
}

std::vector<ImplementationInfo> PluginRegistry::candidates(const ImplementationRef& ref) const {
  std::vector<ImplementationInfo> out;
  auto it = candidates_.find({normalize_name(ref.protocol), normalize_name(ref.name)});
  if (it == candidates_.end()) return out;
  for (const auto& c : it->second) out.push_back(info(c, it->second.front()));
  return out;
}

std::vector<std::shared_ptr<const PluginPackage>> PluginRegistry::mapped_packages() const {
  // By file identity: a library loaded through /proc/self/fd/N has that name.
  std::set<std::pair<dev_t, ino_t>> mapped;
  ::dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* out) {
        struct stat st {};
        if (info->dlpi_name && *info->dlpi_name && ::stat(info->dlpi_name, &st) == 0) {
          static_cast<std::set<std::pair<dev_t, ino_t>>*>(out)->emplace(st.st_dev, st.st_ino);
        }
        return 0;
      },
      &mapped);
  std::vector<std::pair<uint64_t, std::shared_ptr<const PluginPackage>>> found;
  for (const auto& [name, package] : packages_) {
    auto file = package->library.loaded_file();
    struct stat st {};
    if (file.second == 0 && ::stat(package->manifest.library.c_str(), &st) == 0) {
      file = {st.st_dev, st.st_ino};
    }
    if (file.second != 0 && mapped.count(file)) found.emplace_back(package->rank, package);
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::shared_ptr<const PluginPackage>> out;
  for (auto& [rank, package] : found) out.push_back(std::move(package));
  return out;
}

std::vector<std::string> PluginRegistry::conflicts() const {
  std::vector<std::string> out;
  for (const auto& [key, list] : candidates_) {
    for (std::size_t i = 1; i < list.size(); ++i) {
      auto top = info(list.front(), list.front());
      auto loser = info(list[i], list.front());
      out.push_back(list.front().ref.str() + ": " + describe_source(top) + " (priority " +
                    std::to_string(top.priority) + ") overrides " + describe_source(loser) +
                    " (priority " + std::to_string(loser.priority) + ")");
    }
  }
  return out;
}

Error PluginRegistry::not_found(std::string_view protocol, std::string_view name) const {
  std::string p = normalize_name(protocol);
  if (!is_known_protocol(p)) {
    std::string known;
    for (auto k : kProtocols) known += (known.empty() ? "" : ", ") + std::string(k);
    return make_error(ErrorCode::kNotFound, "unknown protocol '" + p + "'; protocols: " + known).about(p + ":" + normalize_name(name));
  }
  std::string available;
  for (const auto& n : list_implementations(p)) available += (available.empty() ? "" : ", ") + n;
  return make_error(ErrorCode::kNotFound, "no " + p + " implementation named '" + normalize_name(name) + "'; available: " +
              (available.empty() ? "(none)" : available)).about(p + ":" + normalize_name(name));
}

Expected<aiperf_factory_fn> PluginRegistry::get_implementation(std::string_view protocol,
                                                               std::string_view name) const {
  const Candidate* c = winner(protocol, name);
  if (c == nullptr) return tl::unexpected(not_found(protocol, name));
  if (c->source == Source::kBuiltin) return c->builtin;
  auto factory = c->package->library.factory(c->entry->symbol);
  if (!factory) {
    Error error = factory.error();
    error.file = c->package->manifest.path.string();
    error.package = c->package->manifest.package;
    error.subject = c->ref.str();
    return tl::unexpected(std::move(error));
  }
  return factory;
}

Expected<void*> PluginRegistry::create_raw(std::string_view protocol, std::string_view name,
                                           const nlohmann::json& config) const {
  auto factory = get_implementation(protocol, name);
  if (!factory) return tl::unexpected(factory.error());
  const Candidate* c = winner(protocol, name);
  auto with_context = [&](ErrorCode code, std::string message) {
    Error error = make_error(code, std::move(message)).about(c->ref.str());
    if (c->package) {
      error.file = c->package->manifest.path.string();
      error.package = c->package->manifest.package;
    }
    return tl::unexpected(std::move(error));
  };
  if (!config.is_null() && !config.is_object()) {
    return with_context(ErrorCode::kFactoryFailed,
                        std::string("config must be a mapping, got ") + config.type_name());
  }
  std::string config_text = config.is_null() ? "{}" : config.dump();
  aiperf_factory_args args{sizeof(aiperf_factory_args), c->ref.protocol.c_str(),
                           c->ref.name.c_str(), config_text.c_str()};
  aiperf_factory_result result{};
  int status = (*factory)(&args, &result);
  result.error[sizeof result.error - 1] = '\0';
  std::string_view made = result.protocol ? result.protocol : "";
  if (made != c->ref.protocol) {
    // The symbol builds something else: never cast it to the wrong interface.
    // Its instance (if any) is leaked on purpose: we cannot know how to destroy it.
    return with_context(ErrorCode::kProtocolMismatch,
                        "symbol '" + (c->entry ? c->entry->symbol : std::string()) + "' builds a " +
                            (made.empty() ? std::string("(unknown)") : std::string(made)) +
                            ", not a " + c->ref.protocol);
  }
  if (status != 0 || result.instance == nullptr) {
    return with_context(ErrorCode::kFactoryFailed,
                        result.error[0] ? result.error : "factory returned no instance");
  }
  return result.instance;
}

std::string describe_source(const ImplementationInfo& info) {
  if (info.source == Source::kBuiltin) return "built-in";
  return "plugin " + info.package->manifest.package + " (" + info.package->manifest.path.string() +
         ")";
}

}  // namespace aiperf::plugin
