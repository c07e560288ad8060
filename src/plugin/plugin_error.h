// Plugin failures use aiperf's one error type (base/error.h): the plugin codes
// (manifest_unreadable … crashed) with the implementation as `subject`, the
// package, and the manifest as `file`.
#pragma once

#include "base/error.h"

namespace aiperf::plugin {

using aiperf::Error;
using aiperf::ErrorCode;
using aiperf::Expected;
using aiperf::fail;

}  // namespace aiperf::plugin
