#include "plugin/plugin_library.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "aiperf/sdk/version.h"
#include "plugin/internal/child_process.h"
#include "plugin/internal/test_hooks.h"
#include "plugin/trust.h"

namespace aiperf::plugin {

const aiperf_plugin_descriptor& host_descriptor() {
  static const aiperf_plugin_descriptor descriptor = {
      sizeof(aiperf_plugin_descriptor), AIPERF_PLUGIN_API_MAJOR, AIPERF_PLUGIN_API_MINOR,
      AIPERF_SDK_VERSION, AIPERF_ABI_TAG, __VERSION__};
  return descriptor;
}

std::optional<std::string> abi_version_problem(int major, int minor) {
  const auto& host = host_descriptor();
  if (major != static_cast<int>(host.api_major) || minor > static_cast<int>(host.api_minor)) {
    return "plugin API " + std::to_string(major) + "." + std::to_string(minor) +
           " is not supported by this aiperf (plugin API " + std::to_string(host.api_major) +
           "." + std::to_string(host.api_minor) + ", accepts " + std::to_string(host.api_major) +
           ".0 to " + std::to_string(host.api_major) + "." + std::to_string(host.api_minor) + ")";
  }
  return std::nullopt;
}

std::optional<Error> handshake(void* handle) {
  auto fn = reinterpret_cast<aiperf_descriptor_fn>(::dlsym(handle, AIPERF_DESCRIPTOR_SYMBOL));
  if (fn == nullptr) {
    return make_error(ErrorCode::kDescriptorMissing,
                      std::string("library exports no ") + AIPERF_DESCRIPTOR_SYMBOL +
                          " (was it built with aiperf_add_plugin()?)");
  }
  const aiperf_plugin_descriptor* d = fn();
  // Read only the leading fixed-layout fields until the size is known to be sane.
  if (d == nullptr || d->struct_size < sizeof(aiperf_plugin_descriptor)) {
    return make_error(ErrorCode::kAbiMismatch, "descriptor is missing or truncated");
  }
  for (auto [field, value] : {std::pair{"sdk_version", d->sdk_version}, {"abi_tag", d->abi_tag},
                              {"compiler", d->compiler}}) {
    if (value == nullptr) {
      return make_error(ErrorCode::kAbiMismatch,
                        std::string("descriptor field '") + field + "' is NULL; refusing the library");
    }
  }
  if (auto problem = abi_version_problem(static_cast<int>(d->api_major),
                                         static_cast<int>(d->api_minor))) {
    return make_error(ErrorCode::kAbiMismatch,
                      "library was built with SDK " + std::string(d->sdk_version) + ": " + *problem);
  }
  const auto& host = host_descriptor();
  if (std::string_view(d->abi_tag) != host.abi_tag) {
    return make_error(ErrorCode::kAbiMismatch,
                      "library ABI is '" + std::string(d->abi_tag) + "' (built by " + d->compiler +
                          "), this aiperf's is '" + host.abi_tag + "' (built by " + host.compiler + ")");
  }
  return std::nullopt;
}

namespace {

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// dlopen of /proc/self/fd/N, with the library's own path in the message.
void* dlopen_fd(int fd, const std::filesystem::path& library, std::string& why) {
  std::string path = fd_path(fd);
  // RTLD_NOW: an unresolved symbol fails here, with a message, not later mid-run.
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = ::dlerror();
    why = error ? error : "dlopen failed";
    if (auto at = why.find(path); at != std::string::npos) why.replace(at, path.size(), library.string());
  }
  return handle;
}

Error refused(const Error& walk_error, const std::filesystem::path& library) {
  switch (walk_error.code) {
    case ErrorCode::kNotFound:
      return make_error(ErrorCode::kLibraryMissing, "library " + library.string() + " does not exist");
    case ErrorCode::kInsecure:
      return make_error(ErrorCode::kInsecure, walk_error.message +
                                                  "; refusing to load it (allow with "
                                                  "--allow-insecure-plugins or " +
                                                  kAllowInsecureEnv + "=1)");
    default: return make_error(ErrorCode::kLoadFailed, walk_error.message);
  }
}

}  // namespace

PluginLibrary::PluginLibrary(std::string path, std::string directory,
                             LibraryOptions options)
    : path_(std::move(path)), directory_(std::move(directory)), options_(options) {}

// A library that was mapped stays mapped, with its descriptor open, for the
// process's life (see open()); fd_ is only ever set while it is in use.
PluginLibrary::~PluginLibrary() = default;

std::pair<dev_t, ino_t> PluginLibrary::loaded_file() const {
  if (!loaded()) return {0, 0};
  return {device_, inode_};
}

Expected<int> PluginLibrary::open_judged() {
  const bool judge = !options_.allow_insecure;
  auto resolved = resolve_trusted(real_file_system(), path_, Target::kFile, judge);
  if (!resolved) return fail(refused(resolved.error(), path_));
  auto base = resolve_trusted(real_file_system(), directory_, Target::kDirectory, false);
  if (!base || !resolved->path.starts_with(base->path + "/")) {
    return fail(ErrorCode::kLibraryOutsideDirectory,
                "library " + path_ + " resolves to " + resolved->path +
                    ", outside the plugin directory " + (base ? base->path : directory_));
  }
  int fd = ::open(resolved->path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return fail(ErrorCode::kLoadFailed, "cannot open " + resolved->path + ": " + std::strerror(errno));
  struct stat st {};
  std::optional<std::string> problem;
  if (::fstat(fd, &st) != 0) problem = std::string("cannot stat it: ") + std::strerror(errno);
  else if (!S_ISREG(st.st_mode)) problem = resolved->path + " is not a regular file";
  else if (st.st_dev != resolved->st.st_dev || st.st_ino != resolved->st.st_ino)
    problem = resolved->path + " changed while it was checked";
  else if (judge) problem = untrusted_file_reason(st, resolved->path);
  if (problem) {
    ::close(fd);
    return fail(ErrorCode::kInsecure, *problem + "; refusing to load it");
  }
  device_ = st.st_dev;
  inode_ = st.st_ino;
  internal::run_before_dlopen_hook(resolved->path);
  return fd;
}

Expected<void*> PluginLibrary::open() {
  if (void* handle = handle_.load(std::memory_order_acquire)) return handle;
  std::lock_guard lock(mutex_);
  if (void* handle = handle_.load(std::memory_order_relaxed)) return handle;
  if (load_error_) return tl::unexpected(*load_error_);

  bool mapped = false;
  auto remember = [&](Error error) {
    // A mapped library keeps its descriptor: glibc knows it by the name
    // /proc/self/fd/N, and a reused N would make dlopen return it again.
    if (fd_ >= 0 && !mapped) ::close(fd_);
    fd_ = -1;
    load_error_ = std::move(error);
    return tl::unexpected(*load_error_);
  };
  auto fd = open_judged();
  if (!fd) return remember(fd.error());
  fd_ = *fd;
  if (options_.precheck_timeout.count() > 0) {
    // The same descriptor in the child: it checks exactly what this process loads.
    auto crash = internal::run_in_child(
        [&]() -> std::optional<Error> {
          std::string why;
          void* handle = dlopen_fd(fd_, path_, why);
          if (handle == nullptr) return make_error(ErrorCode::kLoadFailed, why);
          return handshake(handle);
        },
        options_.precheck_timeout, "loading " + path_);
    if (crash) return remember(std::move(*crash));
  }
  std::string why;
  void* handle = dlopen_fd(fd_, path_, why);
  if (handle == nullptr) return remember(make_error(ErrorCode::kLoadFailed, why));
  mapped = true;
  if (auto problem = handshake(handle)) return remember(std::move(*problem));
  handle_.store(handle, std::memory_order_release);
  return handle;
}

Expected<aiperf_factory_fn> PluginLibrary::factory(const std::string& symbol) {
  auto handle = open();
  if (!handle) return tl::unexpected(handle.error());
  void* address = ::dlsym(*handle, symbol.c_str());
  if (address == nullptr) {
    return fail(ErrorCode::kSymbolMissing, "symbol '" + symbol + "' is not exported by " +
                                               path_ +
                                               " (missing extern \"C\" or default visibility?)");
  }
  return reinterpret_cast<aiperf_factory_fn>(address);
}

}  // namespace aiperf::plugin
