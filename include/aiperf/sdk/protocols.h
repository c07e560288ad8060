// The protocols (extension points) and their names in manifests and configs.
#pragma once

#include <string_view>

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

/// A type that is one of the protocol interfaces.
template <class T>
concept Protocol = requires { ProtocolTraits<T>::name; };

}  // namespace aiperf
