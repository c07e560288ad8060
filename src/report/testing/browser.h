// Test support: a report opened in headless Chromium (Debian's `chromium`, no
// network), and the checks the report tests make on what it rendered.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace aiperf::report::testing {

/// What Chromium did with a page: a screenshot run and a --dump-dom run (stdout: the DOM).
struct BrowserResult {
  aiperf::testing::CommandResult shot;
  aiperf::testing::CommandResult dom;
};

/// True when `chromium` is on the PATH.
bool have_chromium();

/// Opens `html` from disk in headless Chromium with its profile in `work`; the screenshot is
/// `work`/shot.png. Console messages (a CSP violation, a script error) go to stderr.
BrowserResult open_in_chromium(const std::filesystem::path& html, const std::filesystem::path& work);

/// True when Chromium logged no console message.
bool console_clean(const aiperf::testing::CommandResult& r);

/// Every <svg> of `html` in order, as text.
std::vector<std::string> svgs(const std::string& html);

/// True when an <svg> draws data: a dot, a bar or a series path.
bool has_data_points(const std::string& svg);

/// The <figure> elements under the heading `section` (up to the next <h2>), as text.
std::vector<std::string> section_figures(const std::string& html, const std::string& section);

}  // namespace aiperf::report::testing
