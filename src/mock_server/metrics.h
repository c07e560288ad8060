// GET /metrics of the mock: Prometheus text with vLLM's metric names and
// semantics, computed from what the server really did. Token counters grow
// before the bytes that carry the tokens are written, so a scrape taken after
// a client read a response always includes it.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <chrono>
#include <vector>

namespace aiperf::mock_server {

/// Fake GPUs with a known power curve: each draws idle_watts plus
/// watts_per_request * (requests running) / count, so the energy of all GPUs
/// over an interval is count * idle_watts * seconds + watts_per_request * the
/// requests' running seconds in it. Served as DCGM exporter fields.
struct GpuModel {
  int count = 0;                  ///< 0: no DCGM series.
  double idle_watts = 100;        ///< Per GPU, W.
  double watts_per_request = 50;  ///< Per running request, W, over all GPUs.
};

/// The server's vLLM-style metrics (thread-safe).
class ServerMetrics {
 public:
  explicit ServerMetrics(GpuModel gpus = {});
  /// A generating request arrived and started (the mock has no queue: it runs at once).
  void request_started(const std::string& model);
  /// Its first output tokens are about to be written: its prompt was "prefilled" after `ttft_s`.
  void first_token(const std::string& model, int prompt_tokens, double ttft_s);
  /// `tokens` output tokens are about to be written.
  void tokens_generated(const std::string& model, int tokens);
  /// The request ended after `e2e_s`; `ok` when the whole response was written.
  void request_finished(const std::string& model, double e2e_s, bool ok, const std::string& finished_reason);
  /// The exposition (text/plain; version=0.0.4).
  std::string render();

  /// vLLM's TTFT histogram bucket bounds, in seconds.
  static const std::vector<double>& ttft_buckets();
  /// vLLM's end-to-end latency histogram bucket bounds, in seconds.
  static const std::vector<double>& e2e_buckets();

 private:
  struct Histogram {
    std::vector<uint64_t> counts;  // per bucket, not cumulative; last is +Inf
    double sum = 0;
    uint64_t count = 0;
    void observe(const std::vector<double>& bounds, double v);
  };
  struct Model {
    int64_t running = 0;
    uint64_t prompt_tokens = 0, generation_tokens = 0;
    std::map<std::string, uint64_t> success;  // by finished_reason
    Histogram ttft, e2e;
  };
  void advance_energy();  // under mutex_: energy up to now at the current power
  void render_gpus(std::string& out);

  mutable std::mutex mutex_;
  std::map<std::string, Model> models_;
  GpuModel gpus_;
  int64_t running_ = 0;        // all models
  double energy_mj_ = 0;       // per GPU (all equal), since start
  double last_s_ = 0;          // when energy_mj_ was brought up to date, s since start
};

}  // namespace aiperf::mock_server
