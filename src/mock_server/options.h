// Command-line options of aiperf-mock-server (flags follow AIPerf's mock server).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mock_server/behavior.h"
#include "mock_server/metrics.h"
#include "mock_server/request.h"

namespace aiperf::mock_server {

/// Everything the command line configures.
struct Options {
  std::string host = "127.0.0.1";      ///< --host: address to bind.
  int port = 8000;                     ///< --port: TCP port, 0 = any free port.
  int threads = 1;                     ///< --threads: I/O threads.
  BehaviorConfig behavior;             ///< --ttft, --itl, --fast, --error-rate, --fault, --random-seed.
  RequestDefaults defaults;            ///< --osl, --embedding-dim.
  PrefixCacheConfig prefix_cache;      ///< --prefix-cache-blocks, --block-size.
  std::vector<std::string> models{"mock-model"};  ///< --model: ids listed by GET /v1/models.
  std::string record_path;             ///< --record: JSON-lines file to append to.
  std::size_t max_records = 100000;    ///< --max-records: records kept in memory for /mock/records.
  bool verbose = false;                ///< --verbose: one stderr line per request.
  bool echo_auth_in_errors = false;    ///< --echo-auth-in-errors: injected error bodies quote the credential headers.
  GpuModel gpus;                       ///< --gpus, --gpu-idle-watts, --gpu-watts-per-request (DCGM series in /metrics).
  bool record_bodies = false;          ///< --record-bodies: keep each request body in its record.
  bool server_timing = false;          ///< --server-timing: report measured queue/prefill/decode per request.
};

/// Result of parsing: options to run with, or an exit code and text to print.
struct ParseOutcome {
  std::optional<Options> options;  ///< Set when the server should run.
  int exit_code = 0;               ///< Exit code when options is empty.
  std::string message;             ///< Help (stdout, exit 0) or error text (stderr).
};

/// Parses argv (argv[0] is the program name).
ParseOutcome parse_options(int argc, const char* const* argv);

}  // namespace aiperf::mock_server
