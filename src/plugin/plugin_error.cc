#include "plugin/plugin_error.h"

namespace aiperf::plugin {

std::string_view reason_name(Reason reason) {
  switch (reason) {
    case Reason::kManifestUnreadable: return "manifest_unreadable";
    case Reason::kMalformedJson: return "malformed_json";
    case Reason::kInvalidManifest: return "invalid_manifest";
    case Reason::kUnsupportedSchema: return "unsupported_schema";
    case Reason::kUnknownProtocol: return "unknown_protocol";
    case Reason::kDuplicateName: return "duplicate_name";
    case Reason::kDuplicatePackage: return "duplicate_package";
    case Reason::kLibraryOutsideDirectory: return "library_outside_directory";
    case Reason::kInsecure: return "insecure";
    case Reason::kLibraryMissing: return "library_missing";
    case Reason::kAbiMismatch: return "abi_mismatch";
    case Reason::kLoadFailed: return "load_failed";
    case Reason::kDescriptorMissing: return "descriptor_missing";
    case Reason::kSymbolMissing: return "symbol_missing";
    case Reason::kProtocolMismatch: return "protocol_mismatch";
    case Reason::kFactoryFailed: return "factory_failed";
    case Reason::kNotFound: return "not_found";
    case Reason::kCrashed: return "crashed";
  }
  return "unknown";
}

// Built by appending only: GCC 12 at -O3 reports a false -Wrestrict overlap in
// `"(" + std::string&&` (operator+ inserting at the front of a temporary).
std::string PluginError::describe() const {
  std::string_view name = reason_name(reason);
  std::string out;
  out.reserve(implementation.size() + package.size() + manifest.size() + name.size() +
              message.size() + 24);
  out += implementation;
  if (!package.empty() || !manifest.empty()) {
    if (!out.empty()) out += ' ';
    out += '(';
    if (!package.empty()) out.append("package ").append(package);
    if (!package.empty() && !manifest.empty()) out += ", ";
    out += manifest;
    out += ')';
  }
  if (!out.empty()) out += ": ";
  for (char c : name) out += c == '_' ? ' ' : c;
  out.append(": ").append(message);
  return out;
}

}  // namespace aiperf::plugin
