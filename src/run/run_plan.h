// A profile run resolved before any request: options checked together, the
// URL parsed, the dataset read, every implementation created and its config
// accepted, phases and the client sized, the artifact directory made. Any
// problem here is bad input (exit 2) and nothing has been sent.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aiperf/sdk/protocols.h"
#include "base/error.h"
#include "collectors/collector_host.h"
#include "config/profile_options.h"
#include "dataset/file_dataset.h"
#include "distributed/segment.h"
#include "engine/benchmark.h"
#include "hooks/phase_hook_registry.h"
#include "run/plugin_setup.h"
#include "tokenizer/tokenizer.h"
#include "transport/http_client.h"
#include "transport/url.h"

namespace aiperf::run {

/// The timing strategy of every phase: name and config (a fresh instance per phase).
struct StrategyChoice {
  std::string name;
  nlohmann::json config;
  bool open_loop = false;     ///< Has a schedule to keep (not a closed loop).
  bool stops_itself = false;  ///< Ends the phase on its own (trace, plugin).
};

/// Everything a run needs, created and checked.
struct RunPlan {
  config::ProfileOptions options;
  PluginSetup plugins;
  transport::HttpUrl url;
  std::vector<transport::HttpUrl> more_urls;  ///< The 2nd, 3rd... --url (client origins 1, 2...).
  dataset::Dataset data;
  std::unique_ptr<Endpoint> endpoint;
  std::unique_ptr<DatasetSampler> sampler;
  StrategyChoice strategy;
  std::unique_ptr<hooks::PhaseHookRegistry> hooks = std::make_unique<hooks::PhaseHookRegistry>();
  std::vector<std::unique_ptr<PhaseHook>> loaded_hooks;  ///< Hooks that loaded (failed ones are skipped).
  std::vector<engine::PhasePlan> phases;
  /// Server-side collectors: started by a phase-start callback in `hooks`, stopped by the run at each
  /// phase end before the exports are written (docs/collectors.md).
  std::unique_ptr<collectors::CollectorHost> collectors = std::make_unique<collectors::CollectorHost>();
  transport::ClientOptions client;
  std::filesystem::path artifact_dir;
  nlohmann::json input_config;  ///< The effective options, redacted, for the exports.
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer;  ///< Null: lengths are word estimates.
  /// This process's share of the run: its MPI rank of the job's ranks (whole: one process).
  distributed::Segment part;
  /// Event loops this process runs (--workers, resolved): each a part of this process's share.
  int workers = 1;
  /// Whether this process writes the exports, runs phase hooks and collectors (rank 0, or alone).
  bool lead() const { return part.index() == 0; }
};

/// Resolves `options`; every problem found, or the plan. Prints the plugin
/// discovery report and one line per phase hook (loaded or skipped).
/// `part` splits the run across MPI ranks (docs/scaling.md): this rank's plan has its share of the
/// concurrency, connections and source addresses; only the lead (rank 0) sets a previous run's
/// artifacts aside and loads phase hooks and collectors.
tl::expected<RunPlan, std::vector<Error>> make_run_plan(GlobalOptions global, config::ProfileOptions options,
                                                        distributed::Segment part = {});

/// A fresh endpoint and sampler made as the plan's were (each event-loop worker gets its own, so
/// plugins need not be thread-safe); a sampler starts its seeded sequence from the beginning.
Expected<std::unique_ptr<Endpoint>> make_endpoint(const RunPlan& plan);
Expected<std::unique_ptr<DatasetSampler>> make_sampler(const RunPlan& plan);

/// What one part of a split run (an MPI rank, or a worker's event loop) runs with: its shares of the
/// request counts, the concurrency and the connections, and its stripe of the source addresses.
struct PartPlan {
  distributed::Segment part;
  std::vector<engine::PhasePlan> phases;
  StrategyChoice strategy;
  transport::ClientOptions client;
};

/// Why `plan` cannot be split into `parts` parts (`what`: "ranks" or "workers"); empty when it can.
std::vector<Error> split_problems(const RunPlan& plan, int parts, const std::string& what);

/// Part `part`'s shares of `plan` (whose split_problems() for part.count() are empty).
PartPlan plan_part(const RunPlan& plan, distributed::Segment part);

/// The timing strategy the options ask for, for a dataset with `timestamps_ms` (may be empty).
Expected<StrategyChoice> choose_strategy(const config::ProfileOptions& o, const std::vector<double>& timestamps_ms);

/// Warmup (if asked for) and profiling phases. Without a count or duration the
/// profiling phase sends the dataset once, unless the strategy stops by itself.
std::vector<engine::PhasePlan> plan_phases(const config::ProfileOptions& o, std::size_t dataset_size,
                                           bool strategy_stops_itself);

}  // namespace aiperf::run
