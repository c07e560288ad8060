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
#include <vector>

namespace aiperf::mock_server {

/// The server's vLLM-style metrics (thread-safe).
class ServerMetrics {
 public:
  /// A generating request arrived and started (the mock has no queue: it runs at once).
  void request_started(const std::string& model);
  /// Its first output tokens are about to be written: its prompt was "prefilled" after `ttft_s`.
  void first_token(const std::string& model, int prompt_tokens, double ttft_s);
  /// `tokens` output tokens are about to be written.
  void tokens_generated(const std::string& model, int tokens);
  /// The request ended after `e2e_s`; `ok` when the whole response was written.
  void request_finished(const std::string& model, double e2e_s, bool ok, const std::string& finished_reason);
  /// The exposition (text/plain; version=0.0.4).
  std::string render() const;

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
  mutable std::mutex mutex_;
  std::map<std::string, Model> models_;
};

}  // namespace aiperf::mock_server
