#include "report/testing/browser.h"

#include <fmt/format.h>

namespace aiperf::report::testing {

bool have_chromium() { return aiperf::testing::run_shell("command -v chromium").exit_code == 0; }

BrowserResult open_in_chromium(const std::filesystem::path& html, const std::filesystem::path& work) {
  const std::string flags = fmt::format(
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking "
      "--disable-component-update --no-first-run --user-data-dir='{}' --enable-logging=stderr --v=0 "
      "--window-size=1400,2400",
      (work / "profile").string());
  BrowserResult r;
  r.shot = aiperf::testing::run_shell(fmt::format("{} --screenshot='{}' 'file://{}'", flags,
                                                  (work / "shot.png").string(), html.string()));
  r.dom = aiperf::testing::run_shell(fmt::format("{} --dump-dom 'file://{}'", flags, html.string()));
  return r;
}

bool console_clean(const aiperf::testing::CommandResult& r) { return r.err.find(":CONSOLE") == std::string::npos; }

std::vector<std::string> svgs(const std::string& html) {
  std::vector<std::string> out;
  for (auto at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) {
    out.push_back(html.substr(at, html.find("</svg>", at) - at));
  }
  return out;
}

bool has_data_points(const std::string& svg) {
  return svg.find("class=\"pt\"") != std::string::npos || svg.find("class=\"series\" d=\"M") != std::string::npos;
}

std::vector<std::string> section_figures(const std::string& html, const std::string& section) {
  std::vector<std::string> out;
  const auto start = html.find("<h2>" + section + "</h2>");
  if (start == std::string::npos) return out;
  const auto end = html.find("<h2>", start + 4);
  for (auto at = html.find("<figure", start); at != std::string::npos && at < end; at = html.find("<figure", at + 1)) {
    out.push_back(html.substr(at, html.find("</figure>", at) - at));
  }
  return out;
}

}  // namespace aiperf::report::testing
