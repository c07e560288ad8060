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

std::string PluginError::describe() const {
  std::string out = implementation;
  std::string context;
  if (!package.empty()) context = "package " + package;
  if (!manifest.empty()) context += (context.empty() ? "" : ", ") + manifest;
  if (!context.empty()) out += (out.empty() ? "" : " ") + ("(" + context + ")");
  if (!out.empty()) out += ": ";
  std::string name(reason_name(reason));
  for (char& c : name) c = c == '_' ? ' ' : c;
  return out + name + ": " + message;
}

}  // namespace aiperf::plugin
