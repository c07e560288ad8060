#include "plugin/names.h"

#include <algorithm>

namespace aiperf::plugin {

std::string normalize_name(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == '-') c = '_';
    else if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_known_protocol(std::string_view protocol) {
  return std::find(kProtocols.begin(), kProtocols.end(), normalize_name(protocol)) !=
         kProtocols.end();
}

ImplementationRef parse_ref(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return {std::string(kDefaultProtocol), normalize_name(text)};
  }
  return {normalize_name(text.substr(0, colon)), normalize_name(text.substr(colon + 1))};
}

}  // namespace aiperf::plugin
