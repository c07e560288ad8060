// The protocols (extension points): one type list from which every
// per-protocol table is derived — names, lookup by name, dispatch.
//
// Adding a protocol: write its interface header beside this one, give it a
// ProtocolTraits specialisation below, and append it to `Protocols`. Nothing
// else in the host lists protocols (see docs/architecture.md).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "aiperf/sdk/collector.h"
#include "aiperf/sdk/dataset_sampler.h"
#include "aiperf/sdk/endpoint.h"
#include "aiperf/sdk/phase_hook.h"
#include "aiperf/sdk/timing_strategy.h"

namespace aiperf {

/// Maps a protocol interface to its name; specialised once per protocol below.
template <class Protocol>
struct ProtocolTraits;

template <>
struct ProtocolTraits<PhaseHook> {
  static constexpr std::string_view name = "phase_hook";
};
template <>
struct ProtocolTraits<TimingStrategy> {
  static constexpr std::string_view name = "timing_strategy";
};
template <>
struct ProtocolTraits<Endpoint> {
  static constexpr std::string_view name = "endpoint";
};
template <>
struct ProtocolTraits<DatasetSampler> {
  static constexpr std::string_view name = "dataset_sampler";
};
template <>
struct ProtocolTraits<Collector> {
  static constexpr std::string_view name = "collector";
};

/// A type that is one of the protocol interfaces.
template <class T>
concept Protocol = requires { ProtocolTraits<T>::name; };

/// A list of protocol interfaces.
template <Protocol... Ps>
struct ProtocolList {
  static constexpr std::size_t size = sizeof...(Ps);
  /// The protocols' names, in list order.
  static constexpr std::array<std::string_view, size> names = {ProtocolTraits<Ps>::name...};
  /// Calls `f.template operator()<P>()` for each protocol P, in order.
  template <class F>
  static constexpr void for_each(F&& f) {
    (f.template operator()<Ps>(), ...);
  }
  /// Calls `f.template operator()<P>()` for the protocol named `name`; false if there is none.
  template <class F>
  static constexpr bool visit(std::string_view name, F&& f) {
    return ((ProtocolTraits<Ps>::name == name ? (f.template operator()<Ps>(), true) : false) || ...);
  }
};

/// Every protocol this SDK defines, in display order.
using Protocols = ProtocolList<PhaseHook, TimingStrategy, Endpoint, DatasetSampler, Collector>;

}  // namespace aiperf
