// Why discovering, loading or creating a plugin failed, with enough context
// (manifest, package, implementation) for a one-line message.
#pragma once

#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace aiperf::plugin {

/// The cause of a plugin failure.
enum class Reason {
  kManifestUnreadable,       ///< The manifest file could not be read.
  kMalformedJson,            ///< Not valid JSON (message has line and column).
  kInvalidManifest,          ///< Valid JSON, but a key is missing or has the wrong type.
  kUnsupportedSchema,        ///< schema_version from a newer aiperf.
  kUnknownProtocol,          ///< An entry names a protocol this host does not have.
  kDuplicateName,            ///< One manifest names the same implementation twice.
  kDuplicatePackage,         ///< The same package was found earlier on the search path.
  kLibraryOutsideDirectory,  ///< `library` escapes the manifest's directory.
  kInsecure,                 ///< World-writable or foreign-owned file or directory.
  kLibraryMissing,           ///< The library file does not exist.
  kAbiMismatch,              ///< Plugin API version or ABI tag differs from the host's.
  kLoadFailed,               ///< dlopen failed.
  kDescriptorMissing,        ///< The library exports no ABI descriptor.
  kSymbolMissing,            ///< The factory symbol is not exported.
  kProtocolMismatch,         ///< The factory builds another protocol than the manifest says.
  kFactoryFailed,            ///< The factory threw or rejected its config.
  kNotFound,                 ///< No such implementation registered.
  kCrashed,                  ///< The plugin killed the checking child process.
};

/// snake_case name of a reason, as used in JSON output ("abi_mismatch").
std::string_view reason_name(Reason reason);

/// A failure with its context. Empty context fields are omitted from messages.
struct PluginError {
  Reason reason;
  std::string message;         ///< What went wrong, without the context below.
  std::string manifest;        ///< Manifest path, if any.
  std::string package;         ///< Package name, if known.
  std::string implementation;  ///< "protocol:name", if known.

  /// One line: "phase_hook:foo (package aiperf-foo, /p/foo.aiperf-plugin.json): abi mismatch: ...".
  std::string describe() const;
};

/// A value or the reason it could not be produced.
template <class T>
using Expected = tl::expected<T, PluginError>;

/// Shorthand for returning an error from a function that returns Expected<T>.
inline tl::unexpected<PluginError> fail(Reason reason, std::string message) {
  return tl::unexpected(PluginError{reason, std::move(message), {}, {}, {}});
}

}  // namespace aiperf::plugin
