// The one error type of aiperf: a code, a message, and the context that makes
// it a one-line answer (what it concerns, which package, which file and where).
// Every parser and loader returns Expected<T>; run/ and the CLI turn an Error
// into one printed line and an exit code.
#pragma once

#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace aiperf {

/// Why something failed. Plugin codes come first (their snake_case names are
/// part of `plugins list --json`); the general codes follow.
enum class ErrorCode {
  // Discovering, loading and creating plugins.
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
  kNotFound,                 ///< No such implementation (or file, or name) exists.
  kCrashed,                  ///< Plugin code killed the process that ran it.
  // Everything else.
  kInvalidArgument,          ///< A value the user gave is not acceptable (flag, key, field).
  kMalformedInput,           ///< A file's syntax is wrong (YAML, JSONL, tokenizer.json…).
  kTooLarge,                 ///< An input exceeds a documented bound.
  kUnsupported,              ///< Understood, but not supported (yet).
  kIo,                       ///< Reading or writing a file or socket failed.
  kInternal,                 ///< A bug in aiperf: the message says what was expected.
};

/// snake_case name of a code, as used in JSON output ("abi_mismatch").
std::string_view error_code_name(ErrorCode code);

/// A failure and its context. Empty context fields are left out of describe().
struct Error {
  Error() = default;
  Error(ErrorCode c, std::string m) : code(c), message(std::move(m)) {}

  ErrorCode code = ErrorCode::kInternal;
  std::string message;   ///< What went wrong, without the context below.
  std::string subject;   ///< What it concerns: "protocol:name", "--isl", a config key.
  std::string package;   ///< The plugin package involved, if any.
  std::string file;      ///< The file involved (manifest, config, input), if any.
  int line = 0;          ///< 1-based position in `file`, when known (0: none).
  int column = 0;

  /// One line. With a subject or package: "SUBJECT (package P, FILE:L:C): code words: message"
  /// (plugin codes) — e.g. "phase_hook:foo (package aiperf-foo, /p/foo.json): abi mismatch: …".
  /// General codes omit the code words: "FILE:L:C: message" or "SUBJECT: message".
  std::string describe() const;

  /// Chainable setters for the context, so an error site stays one line.
  Error&& about(std::string s) && { subject = std::move(s); return std::move(*this); }
  Error&& in_package(std::string p) && { package = std::move(p); return std::move(*this); }
  Error&& in_file(std::string f, int l = 0, int c = 0) && {
    file = std::move(f), line = l, column = c;
    return std::move(*this);
  }
};

/// A value, or the Error that prevented it. Failure is part of the type.
template <class T>
using Expected = tl::expected<T, Error>;

/// An Error of `code` saying `message`; add context with .about(), .in_file()…
inline Error make_error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

/// Shorthand for returning an error from a function that returns Expected<T>.
inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
  return tl::unexpected(Error{code, std::move(message)});
}
/// Returns an already built Error from a function that returns Expected<T>.
inline tl::unexpected<Error> fail(Error error) { return tl::unexpected(std::move(error)); }

}  // namespace aiperf
