// Everything a plugin author includes: the protocols, the config view, and
// the macro that exports a factory.
//
//   class MyHook : public aiperf::PhaseHook {
//    public:
//     explicit MyHook(const aiperf::PluginConfig& config);
//     void register_with(aiperf::PhaseHookRegistrar& registrar) override;
//   };
//   AIPERF_PLUGIN_FACTORY(my_hook_factory, aiperf::PhaseHook, MyHook)
//
// The factory symbol (`my_hook_factory`) is what the manifest names; the
// CMake function aiperf_add_plugin() writes the manifest and the library's
// ABI descriptor for you.
#pragma once

#include <cstdio>
#include <exception>
#include <string_view>
#include <type_traits>

#include "aiperf/sdk/abi.h"
#include "aiperf/sdk/config.h"
#include "aiperf/sdk/protocols.h"
#include "aiperf/sdk/version.h"

namespace aiperf::sdk_detail {

inline void set_error(aiperf_factory_result* result, std::string_view message) noexcept {
  std::snprintf(result->error, sizeof result->error, "%.*s", static_cast<int>(message.size()),
                message.data());
}

/// The body of every factory: builds Impl from its config; no exception escapes.
template <class P, class Impl>
int create(const aiperf_factory_args* args, aiperf_factory_result* result) noexcept {
  static_assert(std::is_base_of_v<P, Impl>, "Impl must implement the protocol interface");
  result->instance = nullptr;
  result->protocol = ProtocolTraits<P>::name.data();
  result->error[0] = '\0';
  if (args == nullptr || args->protocol == nullptr ||
      std::string_view(args->protocol) != ProtocolTraits<P>::name) {
    set_error(result, "factory made for another protocol");
    return 1;
  }
  try {
    P* instance = new Impl(PluginConfig::parse(args->config_json));
    result->instance = static_cast<void*>(instance);
    return 0;
  } catch (const std::exception& e) {
    set_error(result, e.what());
  } catch (...) {
    set_error(result, "unknown exception");
  }
  return 1;
}

}  // namespace aiperf::sdk_detail

/// Exports `symbol` as the C factory of `Impl`, an implementation of protocol interface `P`.
/// `Impl` must be constructible from `const aiperf::PluginConfig&`.
#define AIPERF_PLUGIN_FACTORY(symbol, P, Impl)                                            \
  AIPERF_PLUGIN_EXPORT int symbol(const aiperf_factory_args* args,                        \
                                  aiperf_factory_result* result) noexcept {               \
    return ::aiperf::sdk_detail::create<P, Impl>(args, result);                           \
  }

/// Defines the library's ABI descriptor. Exactly once per library;
/// aiperf_add_plugin() generates it, so authors normally never write it.
#define AIPERF_PLUGIN_DESCRIPTOR()                                                        \
  AIPERF_PLUGIN_EXPORT const aiperf_plugin_descriptor* aiperf_plugin_descriptor_v1() {    \
    static const aiperf_plugin_descriptor descriptor = {                                  \
        sizeof(aiperf_plugin_descriptor), AIPERF_PLUGIN_API_MAJOR, AIPERF_PLUGIN_API_MINOR, \
        AIPERF_SDK_VERSION, AIPERF_ABI_TAG, __VERSION__};                                 \
    return &descriptor;                                                                   \
  }
