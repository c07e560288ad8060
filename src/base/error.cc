#include "base/error.h"

namespace aiperf {
namespace {

bool is_plugin_code(ErrorCode code) { return code <= ErrorCode::kCrashed; }

}  // namespace

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kManifestUnreadable: return "manifest_unreadable";
    case ErrorCode::kMalformedJson: return "malformed_json";
    case ErrorCode::kInvalidManifest: return "invalid_manifest";
    case ErrorCode::kUnsupportedSchema: return "unsupported_schema";
    case ErrorCode::kUnknownProtocol: return "unknown_protocol";
    case ErrorCode::kDuplicateName: return "duplicate_name";
    case ErrorCode::kDuplicatePackage: return "duplicate_package";
    case ErrorCode::kLibraryOutsideDirectory: return "library_outside_directory";
    case ErrorCode::kInsecure: return "insecure";
    case ErrorCode::kLibraryMissing: return "library_missing";
    case ErrorCode::kAbiMismatch: return "abi_mismatch";
    case ErrorCode::kLoadFailed: return "load_failed";
    case ErrorCode::kDescriptorMissing: return "descriptor_missing";
    case ErrorCode::kSymbolMissing: return "symbol_missing";
    case ErrorCode::kProtocolMismatch: return "protocol_mismatch";
    case ErrorCode::kFactoryFailed: return "factory_failed";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kCrashed: return "crashed";
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kMalformedInput: return "malformed_input";
    case ErrorCode::kTooLarge: return "too_large";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

// Built by appending only: GCC 12 at -O3 reports a false -Wrestrict overlap in
// `"(" + std::string&&` (operator+ inserting at the front of a temporary).
std::string Error::describe() const {
  std::string position = file;
  if (!file.empty() && line > 0) {
    position.append(":").append(std::to_string(line));
    if (column > 0) position.append(":").append(std::to_string(column));
  }
  // Plugin errors keep the context in parentheses (their established form);
  // input errors lead with FILE:LINE:COLUMN as compilers do.
  const bool plugin = is_plugin_code(code);
  std::string out = subject;
  if (!package.empty() || (!position.empty() && (!subject.empty() || plugin))) {
    if (!out.empty()) out += ' ';
    out += '(';
    if (!package.empty()) out.append("package ").append(package);
    if (!package.empty() && !position.empty()) out += ", ";
    out += position;
    out += ')';
  } else {
    out += position;
  }
  if (!out.empty()) out += ": ";
  if (plugin) {
    for (char c : error_code_name(code)) out += c == '_' ? ' ' : c;
    out += ": ";
  }
  out += message;
  return out;
}

}  // namespace aiperf
