#include "plugin/plugin_library.h"

#include <dlfcn.h>

#include <string_view>

#include "aiperf/sdk/version.h"
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

namespace {

// Checks the descriptor of a just-opened library against the host's.
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
  if (auto problem = abi_version_problem(static_cast<int>(d->api_major),
                                         static_cast<int>(d->api_minor))) {
    return make_error(ErrorCode::kAbiMismatch,
                       "library was built with SDK " + std::string(d->sdk_version) + ": " + *problem);
  }
  const auto& host = host_descriptor();
  if (std::string_view(d->abi_tag) != host.abi_tag) {
    return make_error(ErrorCode::kAbiMismatch,
                       "library ABI is '" + std::string(d->abi_tag) + "' (built by " +
                           d->compiler + "), this aiperf's is '" + host.abi_tag + "' (built by " +
                           host.compiler + ")");
  }
  return std::nullopt;
}

}  // namespace

PluginLibrary::PluginLibrary(std::filesystem::path path, bool allow_insecure)
    : path_(std::move(path)), allow_insecure_(allow_insecure) {}

Expected<void*> PluginLibrary::open() {
  if (void* handle = handle_.load(std::memory_order_acquire)) return handle;
  std::lock_guard lock(mutex_);
  if (void* handle = handle_.load(std::memory_order_relaxed)) return handle;
  if (load_error_) return tl::unexpected(*load_error_);

  auto remember = [&](Error error) {
    load_error_ = std::move(error);
    return tl::unexpected(*load_error_);
  };
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) {
    return remember(make_error(ErrorCode::kLibraryMissing, "library " + path_.string() + " does not exist"));
  }
  if (!allow_insecure_) {
    if (auto problem = untrusted_reason(path_)) {
      return remember(make_error(ErrorCode::kInsecure, *problem + "; refusing to load it (allow with --allow-insecure-plugins or " +
                           kAllowInsecureEnv + "=1)"));
    }
  }
  // RTLD_NOW: an unresolved symbol fails here, with a message, not later mid-run.
  void* handle = ::dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return remember(make_error(ErrorCode::kLoadFailed, why ? why : "dlopen failed"));
  }
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
                                            path_.string() +
                                            " (missing extern \"C\" or default visibility?)");
  }
  return reinterpret_cast<aiperf_factory_fn>(address);
}

}  // namespace aiperf::plugin
