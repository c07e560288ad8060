// The generic factory every extension point uses: resolves protocol:name
// (plugin first, then built-in) and throws a PluginException on any failure.
#pragma once

#include <memory>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "plugin/registry.h"

namespace aiperf::plugin {

/// A Error as an exception, for code paths that stop the run on failure.
class PluginException : public std::runtime_error {
 public:
  explicit PluginException(Error error)
      : std::runtime_error(error.describe()), error_(std::move(error)) {}
  /// The failure with its reason and context.
  const Error& error() const { return error_; }

 private:
  Error error_;
};

/// Creates implementations of protocol P from a registry.
template <Protocol P>
class Factory {
 public:
  explicit Factory(const PluginRegistry& registry) : registry_(registry) {}

  /// A new instance of `name` built from `config`; throws PluginException if it cannot be made
  /// (unknown name: the message lists the available ones).
  std::unique_ptr<P> create(std::string_view name, const nlohmann::json& config = {}) const {
    auto instance = registry_.create_instance<P>(name, config);
    if (!instance) throw PluginException(instance.error());
    return std::move(*instance);
  }

 private:
  const PluginRegistry& registry_;
};

}  // namespace aiperf::plugin
