// The network side of aiperf-mock-server (Boost.Asio/Beast lives only in server.cc).
#pragma once

#include "mock_server/options.h"

namespace aiperf::mock_server {

/// Binds, prints "listening on HOST:PORT" to stdout, serves until SIGTERM or
/// SIGINT, and returns the process exit code (0 after a signal).
int run_server(const Options& options);

}  // namespace aiperf::mock_server
