// SVG to PNG with librsvg and cairo (no browser): `aiperf plot --png DIR`.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "base/error.h"

namespace aiperf::report {

/// Renders `svg` (a complete SVG document with width/height) into the PNG file `path`
/// at its intrinsic size; an Error naming the file on failure.
std::optional<Error> write_png(const std::string& svg, const std::filesystem::path& path);

/// Width and height of the PNG file `path`, decoded with cairo; an Error if it does not decode.
Expected<std::pair<int, int>> png_size(const std::filesystem::path& path);

/// Share of pixels of the PNG file `path` that are not (near) white, and its count of distinct colours.
Expected<std::pair<double, std::size_t>> png_ink(const std::filesystem::path& path);

}  // namespace aiperf::report
