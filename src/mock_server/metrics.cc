#include "mock_server/metrics.h"

#include <fmt/format.h>

#include <algorithm>

namespace aiperf::mock_server {
namespace {

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string model_label(const std::string& model) {
  std::string out;
  for (char c : model) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return "model_name=\"" + out + "\"";
}

}  // namespace

const std::vector<double>& ServerMetrics::ttft_buckets() {
  static const std::vector<double> b = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75,
                                        1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
  return b;
}

const std::vector<double>& ServerMetrics::e2e_buckets() {
  static const std::vector<double> b = {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0,
                                        30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
  return b;
}

void ServerMetrics::Histogram::observe(const std::vector<double>& bounds, double v) {
  if (counts.empty()) counts.assign(bounds.size() + 1, 0);
  auto at = std::lower_bound(bounds.begin(), bounds.end(), v);  // first bound >= v: le is inclusive
  ++counts[static_cast<std::size_t>(at - bounds.begin())];
  sum += v;
  ++count;
}

ServerMetrics::ServerMetrics(GpuModel gpus) : gpus_(gpus) { last_s_ = seconds_now(); }

void ServerMetrics::advance_energy() {
  double now = seconds_now();
  if (gpus_.count > 0) {
    double watts = gpus_.idle_watts + gpus_.watts_per_request * static_cast<double>(running_) / gpus_.count;
    energy_mj_ += watts * (now - last_s_) * 1000;
  }
  last_s_ = now;
}

void ServerMetrics::request_started(const std::string& model) {
  std::lock_guard lock(mutex_);
  advance_energy();
  ++running_;
  ++models_[model].running;
}

void ServerMetrics::first_token(const std::string& model, int prompt_tokens, double ttft_s) {
  std::lock_guard lock(mutex_);
  Model& m = models_[model];
  m.prompt_tokens += static_cast<uint64_t>(std::max(prompt_tokens, 0));
  m.ttft.observe(ttft_buckets(), ttft_s);
}

void ServerMetrics::tokens_generated(const std::string& model, int tokens) {
  std::lock_guard lock(mutex_);
  models_[model].generation_tokens += static_cast<uint64_t>(std::max(tokens, 0));
}

void ServerMetrics::request_finished(const std::string& model, double e2e_s, bool ok, const std::string& reason) {
  std::lock_guard lock(mutex_);
  Model& m = models_[model];
  advance_energy();
  --running_;
  --m.running;
  if (!ok) return;
  ++m.success[reason];
  m.e2e.observe(e2e_buckets(), e2e_s);
}

void ServerMetrics::render_gpus(std::string& out) {
  if (gpus_.count <= 0) return;
  advance_energy();
  double watts = gpus_.idle_watts + gpus_.watts_per_request * static_cast<double>(running_) / gpus_.count;
  auto field = [&](const char* name, const char* type, const char* help, auto value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    for (int g = 0; g < gpus_.count; ++g) {
      out += fmt::format("{}{{gpu=\"{}\",UUID=\"GPU-mock-{}\",device=\"nvidia{}\",modelName=\"aiperf mock GPU\"}} {}\n",
                         name, g, g, g, value);
    }
  };
  field("DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W).", watts);
  field("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter", "Total energy consumption since boot (in mJ).",
        fmt::format("{:.3f}", energy_mj_));
  field("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).", running_ > 0 ? 100 : 0);
  field("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).", 1024 + 64 * running_);
}

std::string ServerMetrics::render() {
  std::lock_guard lock(mutex_);
  std::string out;
  render_gpus(out);
  auto family = [&](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.");
  for (const auto& [model, m] : models_) out += fmt::format("vllm:num_requests_running{{{}}} {}\n", model_label(model), m.running);
  family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed (the mock has no queue).");
  for (const auto& [model, m] : models_) out += fmt::format("vllm:num_requests_waiting{{{}}} 0\n", model_label(model));
  family("vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.");
  for (const auto& [model, m] : models_) out += fmt::format("vllm:prompt_tokens_total{{{}}} {}\n", model_label(model), m.prompt_tokens);
  family("vllm:generation_tokens_total", "counter", "Number of generation tokens processed.");
  for (const auto& [model, m] : models_) out += fmt::format("vllm:generation_tokens_total{{{}}} {}\n", model_label(model), m.generation_tokens);
  family("vllm:request_success_total", "counter", "Count of successfully processed requests.");
  for (const auto& [model, m] : models_) {
    for (const auto& [reason, n] : m.success) {
      out += fmt::format("vllm:request_success_total{{finished_reason=\"{}\",{}}} {}\n", reason, model_label(model), n);
    }
  }
  auto histogram = [&](const char* name, const char* help, const std::vector<double>& bounds, Histogram Model::*field) {
    family(name, "histogram", help);
    for (const auto& [model, m] : models_) {
      const Histogram& h = m.*field;
      uint64_t cumulative = 0;
      for (std::size_t i = 0; i <= bounds.size(); ++i) {
        cumulative += h.counts.empty() ? 0 : h.counts[i];
        std::string le = i < bounds.size() ? fmt::format("{}", bounds[i]) : "+Inf";
        out += fmt::format("{}_bucket{{le=\"{}\",{}}} {}\n", name, le, model_label(model), cumulative);
      }
      out += fmt::format("{}_sum{{{}}} {}\n{}_count{{{}}} {}\n", name, model_label(model), h.sum, name, model_label(model), h.count);
    }
  };
  histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", ttft_buckets(), &Model::ttft);
  histogram("vllm:e2e_request_latency_seconds", "Histogram of end to end request latency in seconds.", e2e_buckets(), &Model::e2e);
  return out;
}

}  // namespace aiperf::mock_server
