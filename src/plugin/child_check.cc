#include "plugin/child_check.h"

#include "plugin/internal/child_process.h"

namespace aiperf::plugin {

std::optional<Error> check_in_child(const PluginRegistry& registry, const ImplementationRef& ref,
                                    std::chrono::milliseconds timeout, const ChildProbe& probe) {
  auto candidates = registry.candidates(ref);
  if (candidates.empty()) {
    auto missing = registry.get_implementation(ref.protocol, ref.name);
    return missing ? std::nullopt : std::optional(missing.error());
  }
  const auto& top = candidates.front();
  if (top.source == Source::kBuiltin && !probe) return std::nullopt;
  auto error = internal::run_in_child(
      [&]() -> std::optional<Error> {
        auto factory = registry.get_implementation(ref.protocol, ref.name);
        if (!factory) return factory.error();
        return probe ? probe() : std::nullopt;
      },
      timeout, "loading");
  if (!error) return std::nullopt;
  error->subject = ref.str();
  if (top.package) {
    error->file = top.package->manifest.path.string();
    error->package = top.package->manifest.package;
  }
  return error;
}

}  // namespace aiperf::plugin
