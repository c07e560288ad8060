// `aiperf profile` as a component: options → RunPlan → execute() → exports and
// the console report → an exit code. The CLI only wires flags to options.
//
// Exit codes: 0 success; 1 the run failed (failed requests above
// --max-error-rate, a phase stopped early, exports not written); 2 bad input,
// always before any request; 130 interrupted.
#pragma once

#include <cstdint>
#include <vector>

#include "config/profile_options.h"
#include "engine/benchmark.h"
#include "run/plugin_setup.h"
#include "run/run_plan.h"
#include "run/run_sink.h"

namespace aiperf::run {

/// What the phases produced.
struct RunResult {
  std::vector<engine::PhaseOutcome> outcomes;
  bool interrupted = false;
  int64_t start_wall_ns = 0, end_wall_ns = 0;
  std::optional<Error> setup_error;  ///< The client could not be set up (e.g. TLS files): nothing was sent.
  /// Set once the exports were written, at the end of the profiling phase and before its
  /// complete hooks ran: the failures (empty when every file was written).
  std::optional<std::vector<Error>> export_errors;
};

class RankExchange;

/// Runs the plan's phases, feeding every finished request to `sink`. Blocks until done.
/// Under mpirun, `ranks` joins this rank's phases to the others'; `sink` is then null except
/// on rank 0, which receives every rank's requests.
RunResult execute(RunPlan& plan, RunSink* sink, RankExchange* ranks = nullptr);

/// The whole `aiperf profile`: returns the exit code; never throws.
int run_profile(GlobalOptions global, config::ProfileOptions options);

}  // namespace aiperf::run
