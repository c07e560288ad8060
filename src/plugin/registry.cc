#include "plugin/registry.h"

#include <dirent.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>
#include <tuple>

#include <set>

#include "plugin/discovery_cache.h"
#include "plugin/trust.h"

namespace aiperf::plugin {

bool PluginRegistry::Candidate::beats(const Candidate& other) const {
  return std::tuple(-priority, source == Source::kBuiltin, rank) <
         std::tuple(-other.priority, other.source == Source::kBuiltin, other.rank);
}

PluginRegistry::PluginRegistry(RegistryOptions options) : options_(options) {}

void PluginRegistry::add(Candidate candidate) {
  candidate.rank = next_rank_++;
  auto& list = candidates_[{candidate.ref.protocol, candidate.ref.name}];
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
  auto at = packages_.lower_bound(manifest.package);  // one walk of the map, not two
  if (at != packages_.end() && at->first == manifest.package) {
    return make_error(ErrorCode::kDuplicatePackage, "already found at " + at->second->manifest.path.string() +
                                                        " (earlier on the search path, which wins)")
        .in_package(manifest.package)
        .in_file(manifest.path.string());
  }
  auto package = std::make_shared<PluginPackage>(std::move(manifest), origin,
                                                 options_.allow_insecure);
  package->rank = next_rank_;
  packages_.emplace_hint(at, package->manifest.package, package);
  for (const auto& entry : package->manifest.entries) {
    Candidate c;
    c.ref.protocol = entry.protocol;
    c.ref.name = entry.name;
    c.source = Source::kPlugin;
    c.description = entry.description;
    c.priority = entry.priority;
    c.metadata = entry.metadata;
    c.package = package;
    c.symbol = entry.symbol;
    add(std::move(c));
  }
  return std::nullopt;
}

namespace {

// std::string's order (bytes as unsigned char), compared 8 bytes at a time: file
// names share long prefixes, and a memcmp call per comparison dominated the sort.
bool byte_order_less(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) {
      if constexpr (std::endian::native == std::endian::little) {
        x = __builtin_bswap64(x);
        y = __builtin_bswap64(y);
      }
      return x < y;
    }
  }
  for (; i < n; ++i) {
    if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
  }
  return a.size() < b.size();
}

// The *.aiperf-plugin.json entries of an open directory, sorted by name: views
// of NUL-terminated names kept in one buffer (no allocation per name).
class ManifestNames {
 public:
  explicit ManifestNames(DIR* dir) {
    std::vector<std::pair<std::size_t, std::size_t>> spans;  // offset, length in buffer_
    while (const dirent* entry = ::readdir(dir)) {
      std::string_view name = entry->d_name;
      if (name.size() > kManifestSuffix.size() && name.ends_with(kManifestSuffix)) {
        spans.emplace_back(buffer_.size(), name.size());
        buffer_.append(name).push_back('\0');
      }
    }
    names_.reserve(spans.size());
    for (auto [offset, length] : spans) names_.emplace_back(buffer_.data() + offset, length);
    std::sort(names_.begin(), names_.end(), byte_order_less);
  }
  const std::vector<std::string_view>& names() const { return names_; }

 private:
  std::string buffer_;
  std::vector<std::string_view> names_;  // each followed by a NUL in buffer_
};

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

// One manifest of a directory already checked: its trust (by the stat of the
// file itself), then its parse, from the cache when the file is unchanged.
// Problems go to `errors`; nullopt then.
class ManifestLoader {
 public:
  ManifestLoader(bool check_trust, DiscoveryCache& cache, std::vector<Error>& errors)
      : check_trust_(check_trust), cache_(cache), errors_(errors) {}

  // On success the result's manifest.path is `path` (which may be moved from).
  // `name` is NUL-terminated (a ManifestNames view).
  std::optional<ParsedManifest> load(int dir_fd, std::string_view name,
                                     std::filesystem::path& path) {
    if (cache_.enabled()) {
      // One fstatat per manifest: enough for the trust check and the cache key.
      struct stat st {};
      if (::fstatat(dir_fd, name.data(), &st, 0) == 0) {
        if (!trusted(st, path)) return std::nullopt;
        if (auto hit = cache_.lookup(name, FileKey::of(st), path)) return hit;
      }
    }
    // Symlinked manifests are followed (packagers use them), as stat() did.
    int fd = ::openat(dir_fd, name.data(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
      int error = errno;
      // Rare: say what the path-based check says (e.g. of a dangling symlink).
      if (check_trust_) {
        if (auto problem = untrusted_reason(path)) {
          insecure(*problem, path);
          return std::nullopt;
        }
      }
      return unreadable(error, path);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      int error = errno;
      ::close(fd);
      return unreadable(error, path);
    }
    if (!trusted(st, path)) {
      ::close(fd);
      return std::nullopt;
    }
    int error = read_all(fd, static_cast<std::size_t>(st.st_size), S_ISREG(st.st_mode), text_);
    ::close(fd);
    if (error != 0) return unreadable(error, path);
    auto parsed = parse_manifest(path, text_);
    if (!parsed) {
      errors_.push_back(std::move(parsed.error()));
      return std::nullopt;
    }
    // The key of what was read: a later change shows as another key.
    cache_.store(name, FileKey::of(st), *parsed);
    return std::move(*parsed);
  }

 private:
  bool trusted(const struct stat& st, const std::filesystem::path& path) {
    if (!check_trust_) return true;
    auto problem = untrusted_file_reason(st, path, euid_);
    if (problem) insecure(*problem, path);
    return !problem;
  }
  void insecure(const std::string& problem, const std::filesystem::path& path) {
    errors_.push_back(make_error(ErrorCode::kInsecure, problem + "; skipping it").in_file(path.string()));
  }
  std::nullopt_t unreadable(int error, const std::filesystem::path& path) {
    errors_.push_back(make_error(ErrorCode::kManifestUnreadable, std::strerror(error)).in_file(path.string()));
    return std::nullopt;
  }

  const bool check_trust_;
  const uid_t euid_ = ::geteuid();
  DiscoveryCache& cache_;
  std::vector<Error>& errors_;
  PaddedText text_;
};

}  // namespace

DiscoveryReport PluginRegistry::discover(const std::vector<SearchDir>& search_path) {
  DiscoveryReport report;
  DiscoveryCache cache(discovery_cache_file());
  ManifestLoader loader(!options_.allow_insecure, cache, report.errors);
  for (const auto& [dir, origin] : search_path) {
    // Missing, unreadable or empty directories are normal.
    std::unique_ptr<DIR, DirCloser> listing(::opendir(dir.c_str()));
    if (!listing) continue;
    ManifestNames listed(listing.get());
    const std::vector<std::string_view>& names = listed.names();
    if (names.empty()) continue;
    // The directory is checked once here; each manifest by the stat of the file.
    if (!options_.allow_insecure) {
      if (auto problem = untrusted_directory_reason(dir)) {
        for (const auto& name : names) {
          report.errors.push_back(make_error(ErrorCode::kInsecure, *problem + "; skipping its plugins (allow with "
                                              "--allow-insecure-plugins or " +
                                       kAllowInsecureEnv + "=1)").in_file((dir / std::string(name)).string()));
        }
        report.manifests += names.size();
        continue;
      }
    }
    const int dir_fd = ::dirfd(listing.get());
    // dir / name, as the one string a path is built from (operator/ would split it twice).
    std::string prefix = dir.native();
    if (!prefix.empty() && prefix.back() != '/') prefix += '/';
    cache.begin_directory(dir);
    for (const auto& name : names) {
      ++report.manifests;
      std::string joined;
      joined.reserve(prefix.size() + name.size());
      joined.append(prefix).append(name);
      std::filesystem::path path(std::move(joined));
      auto parsed = loader.load(dir_fd, name, path);
      if (!parsed) continue;
      for (auto& skipped : parsed->skipped_entries) report.errors.push_back(std::move(skipped));
      Manifest& manifest = parsed->manifest;
      if (auto problem = abi_version_problem(manifest.abi_major, manifest.abi_minor)) {
        report.errors.push_back(make_error(ErrorCode::kAbiMismatch, "manifest declares " + *problem).in_package(manifest.package).in_file(manifest.path.string()));
        continue;
      }
      if (auto registered = register_lazy(std::move(manifest), origin)) {
        report.errors.push_back(std::move(*registered));
        continue;
      }
      ++report.packages;
    }
    cache.end_directory();
  }
  cache.save();
  return report;
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

ImplementationInfo PluginRegistry::info(const Candidate& c, const Candidate& top) const {
  ImplementationInfo out;
  out.ref = c.ref;
  out.source = c.source;
  out.description = c.description;
  out.priority = c.priority;
  out.metadata = c.metadata;
  out.package = c.package;
  out.symbol = c.symbol;
  out.loaded = c.package && c.package->library.loaded();
  if (&c != &top) {
    out.shadowed_by = top.source == Source::kBuiltin
                          ? std::string("built-in")
                          : "plugin " + top.package->manifest.package + " (" +
                                top.package->manifest.path.string() + ")";
  }
  return out;
}

std::vector<ImplementationInfo> PluginRegistry::implementations() const {
  std::vector<ImplementationInfo> out;
  for (const auto& [key, list] : candidates_) {
    for (const auto& c : list) out.push_back(info(c, list.front()));
  }
  // Protocols in their canonical order, then names.
  auto order = [](const ImplementationInfo& i) {
    auto at = std::find(kProtocols.begin(), kProtocols.end(), i.ref.protocol);
    return std::tuple(at - kProtocols.begin(), i.ref.protocol, i.ref.name);
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const auto& a, const auto& b) { return order(a) < order(b); });
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
  std::set<std::filesystem::path> mapped;
  ::dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* out) {
        if (info->dlpi_name && *info->dlpi_name) {
          std::error_code ec;
          auto path = std::filesystem::canonical(info->dlpi_name, ec);
          static_cast<std::set<std::filesystem::path>*>(out)->insert(ec ? std::filesystem::path(info->dlpi_name) : path);
        }
        return 0;
      },
      &mapped);
  std::vector<std::pair<uint64_t, std::shared_ptr<const PluginPackage>>> found;
  for (const auto& [name, package] : packages_) {
    std::error_code ec;
    auto path = std::filesystem::canonical(package->manifest.library, ec);
    if (!ec && mapped.count(path)) found.emplace_back(package->rank, package);
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
  auto factory = c->package->library.factory(c->symbol);
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
                        "symbol '" + c->symbol + "' builds a " +
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
