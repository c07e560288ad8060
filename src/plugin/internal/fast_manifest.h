// The fast manifest parser (simdjson On-Demand), behind parse_manifest.
#pragma once

#include <filesystem>

#include "plugin/internal/padded_text.h"
#include "plugin/manifest.h"

namespace aiperf::plugin::internal {

/// Parses a valid manifest into `out`, as the reference parser would. Returns
/// false (declines) on anything else — bad JSON, a duplicate key, a schema or
/// meaning violation, something unusual such as deep nesting — and the caller
/// runs the reference parser, which says what is wrong.
bool fast_parse_manifest(const std::filesystem::path& path, const PaddedText& text,
                         ParsedManifest& out);

}  // namespace aiperf::plugin::internal
