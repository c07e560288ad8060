// The reference manifest parser (nlohmann/json): slower than the fast path,
// and the source of every error message, with line and column.
#pragma once

#include <filesystem>
#include <string_view>

#include "plugin/manifest.h"

namespace aiperf::plugin {

/// Parses and validates `text` by the schema (manifest_schema.h). parse_manifest
/// gives the same result for every input.
Expected<ParsedManifest> parse_manifest_reference(const std::filesystem::path& path,
                                                  std::string_view text);

/// True when `library` is a relative path that stays inside the manifest's
/// directory (lexically; symlinks are judged when the library is loaded).
bool library_stays_inside(std::string_view library);

/// The error recorded for an entry of a protocol this host does not know.
Error skipped_entry(std::string_view protocol_key, const std::string& protocol,
                    const std::string& name, const std::filesystem::path& path,
                    const std::string& package);

}  // namespace aiperf::plugin
