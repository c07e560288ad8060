// The binary contract between aiperf and a plugin library.
//
// Only plain C types cross this boundary before the handshake succeeds:
// the host reads the descriptor, compares versions and the ABI tag, and
// refuses a mismatch before it touches any C++ object from the library.
#pragma once

#include <cstdint>

/// Major version of the plugin API. A plugin built against another major is refused.
#define AIPERF_PLUGIN_API_MAJOR 1
/// Minor version of the plugin API. A host accepts plugins with a minor up to its own.
#define AIPERF_PLUGIN_API_MINOR 2

// The C++ ABI a plugin is compiled for: standard library, its string ABI and the
// target architecture. Objects with virtual functions and std::string cross
// the boundary after the handshake, so these must match the host exactly.
#if defined(_LIBCPP_VERSION)
#define AIPERF_ABI_STDLIB "libc++"
#elif defined(__GLIBCXX__) && defined(_GLIBCXX_USE_CXX11_ABI) && _GLIBCXX_USE_CXX11_ABI
#define AIPERF_ABI_STDLIB "libstdc++-cxx11"
#elif defined(__GLIBCXX__)
#define AIPERF_ABI_STDLIB "libstdc++-cow"
#else
#define AIPERF_ABI_STDLIB "unknown-stdlib"
#endif
#if defined(__x86_64__)
#define AIPERF_ABI_ARCH "x86_64"
#elif defined(__aarch64__)
#define AIPERF_ABI_ARCH "aarch64"
#else
#define AIPERF_ABI_ARCH "unknown-arch"
#endif
/// The ABI tag of the translation unit that expands it, e.g. "itanium/libstdc++-cxx11/x86_64".
#define AIPERF_ABI_TAG "itanium/" AIPERF_ABI_STDLIB "/" AIPERF_ABI_ARCH

/// Marks a symbol as exported from a plugin library built with -fvisibility=hidden.
#define AIPERF_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))

/// Name of the descriptor function every plugin library exports.
#define AIPERF_DESCRIPTOR_SYMBOL "aiperf_plugin_descriptor_v1"

extern "C" {

/// Identifies the SDK and ABI a plugin library was built with.
struct aiperf_plugin_descriptor {
  uint32_t struct_size;     ///< sizeof(aiperf_plugin_descriptor) in the plugin.
  uint32_t api_major;       ///< AIPERF_PLUGIN_API_MAJOR at plugin build time.
  uint32_t api_minor;       ///< AIPERF_PLUGIN_API_MINOR at plugin build time.
  const char* sdk_version;  ///< AIPERF_SDK_VERSION at plugin build time.
  const char* abi_tag;      ///< AIPERF_ABI_TAG at plugin build time.
  const char* compiler;     ///< Compiler and version, for messages only.
};

/// Signature of the exported descriptor function (AIPERF_DESCRIPTOR_SYMBOL).
typedef const aiperf_plugin_descriptor* (*aiperf_descriptor_fn)(void);

/// Arguments the host passes to a factory.
struct aiperf_factory_args {
  uint32_t struct_size;     ///< sizeof(aiperf_factory_args) in the host.
  const char* protocol;     ///< Protocol the host expects, e.g. "phase_hook".
  const char* name;         ///< Implementation name as configured, e.g. "datadog".
  const char* config_json;  ///< The user's config for this implementation: a JSON object.
};

/// Size of the error buffer in aiperf_factory_result.
#define AIPERF_FACTORY_ERROR_SIZE 1024

/// What a factory returns: an instance of the protocol's interface, or an error.
struct aiperf_factory_result {
  void* instance;         ///< `Protocol*` (the interface type), owned by the caller; null on error.
  const char* protocol;   ///< Protocol the instance implements (static string).
  char error[AIPERF_FACTORY_ERROR_SIZE];  ///< NUL-terminated reason when instance is null.
};

/// Signature of every factory symbol named in a manifest. Never throws; returns 0 on success.
///
/// Exceptions and the plugin boundary (decided once, here): the C entry points
/// (descriptor, factory) never throw — AIPERF_PLUGIN_FACTORY catches everything
/// and returns the message. The C++ methods of a created instance (protocol
/// interfaces) may throw exceptions derived from std::exception: host and plugin
/// share one C++ ABI (checked by the handshake), and the host catches at every
/// call site and turns the exception into a reported failure — a skipped hook
/// callback, a failed request (endpoint), a stopped phase (strategy, sampler) —
/// with the exports still written. Anything else (a crash, exit()) is not an
/// exception and is contained only where the process boundary is (docs/plugins.md).
typedef int (*aiperf_factory_fn)(const aiperf_factory_args* args, aiperf_factory_result* result);

}  // extern "C"
