#include "collectors/gpu_telemetry.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace aiperf::collectors {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A fake DCGM exporter on 127.0.0.1 serving two GPUs whose power follows a known
// ramp, P_g(t) = base_g + slope * t W, and whose energy counter is its exact
// integral in mJ. It notes when it served each scrape.
class FakeDcgmExporter {
 public:
  explicit FakeDcgmExporter(bool with_energy) : with_energy_(with_energy) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeDcgmExporter() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return fmt::format("http://127.0.0.1:{}/metrics", port_); }
  static constexpr double kBase[2] = {300, 150};  // W
  static constexpr double kSlope = 40;            // W/s
  double power(int gpu, double t) const { return kBase[gpu] + kSlope * t; }
  double energy_mj(int gpu, double t) const { return 5e9 + 1000 * (kBase[gpu] * t + kSlope * t * t / 2); }
  // The times (s since start) of the first and last scrape served.
  std::pair<double, double> span() const {
    std::lock_guard lock(mutex_);
    return {first_, last_};
  }

 private:
  std::string body(double t) const {
    std::string out =
        "# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).\n# TYPE DCGM_FI_DEV_POWER_USAGE gauge\n";
    for (int g = 0; g < 2; ++g) {
      out += fmt::format("DCGM_FI_DEV_POWER_USAGE{{gpu=\"{}\",UUID=\"GPU-{}\",modelName=\"Fake H100\"}} {}\n", g, g, power(g, t));
    }
    if (with_energy_) {
      out += "# HELP DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION Total energy consumption since boot (in mJ).\n"
             "# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter\n";
      for (int g = 0; g < 2; ++g) {
        out += fmt::format("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{{gpu=\"{}\",UUID=\"GPU-{}\",modelName=\"Fake H100\"}} {:.3f}\n",
                           g, g, energy_mj(g, t));
      }
    }
    out += "# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n# TYPE DCGM_FI_DEV_FB_USED gauge\n";
    for (int g = 0; g < 2; ++g) {
      out += fmt::format("DCGM_FI_DEV_GPU_UTIL{{gpu=\"{}\",UUID=\"GPU-{}\",modelName=\"Fake H100\"}} {}\n", g, g, 90 - 10 * g);
      out += fmt::format("DCGM_FI_DEV_FB_USED{{gpu=\"{}\",UUID=\"GPU-{}\",modelName=\"Fake H100\"}} {}\n", g, g, 40000 + g);
    }
    return out;
  }
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      char buf[4096];
      std::string request;
      while (request.find("\r\n\r\n") == std::string::npos) {
        pollfd q{c, POLLIN, 0};
        if (::poll(&q, 1, 1000) <= 0) break;
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      double t = std::chrono::duration<double>(Clock::now() - start_).count();
      {
        std::lock_guard lock(mutex_);
        if (first_ < 0) first_ = t;
        last_ = t;
      }
      std::string b = body(t);
      std::string response = fmt::format(
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
          b.size(), b);
      (void)!::write(c, response.data(), response.size());
      ::close(c);
    }
  }

  bool with_energy_;
  int fd_ = -1;
  int port_ = 0;
  Clock::time_point start_ = Clock::now();
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  double first_ = -1, last_ = -1;
  std::thread thread_;
};

CollectorResult run_phase(GpuTelemetryCollector& c, std::chrono::milliseconds length, int64_t output_tokens) {
  c.start(CollectorStart{"profiling", 0, 0, ""});
  auto end = Clock::now() + length;
  while (Clock::now() < end) {
    std::this_thread::sleep_for(c.period());
    c.sample(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  }
  CollectorStop stop;
  stop.output_tokens = output_tokens;
  return c.stop(stop);
}

TEST(GpuTelemetryTest, EnergyPerTokenFollowsTheExportersKnownCurveWithinOnePercent) {
  FakeDcgmExporter exporter(/*with_energy=*/true);
  GpuTelemetryCollector c(PluginConfig(nlohmann::json{{"urls", {exporter.url()}}, {"period_ms", 100}}));
  const int64_t tokens = 12345;
  auto r = run_phase(c, 1500ms, tokens);
  auto [t0, t1] = exporter.span();
  double joules = 0;
  for (int g = 0; g < 2; ++g) joules += (exporter.energy_mj(g, t1) - exporter.energy_mj(g, t0)) / 1000;
  const auto& s = r.document["summary"];
  ASSERT_TRUE(s.contains("energy_per_output_token_joules")) << r.document.dump();
  EXPECT_NEAR(s["energy_joules"].get<double>(), joules, joules * 0.01);
  EXPECT_NEAR(s["energy_per_output_token_joules"].get<double>(), joules / tokens, joules / tokens * 0.01);
  EXPECT_NEAR(s["output_tokens_per_joule"].get<double>(), tokens / joules, tokens / joules * 0.01);
  ASSERT_EQ(r.document["gpus"].size(), 2u);
  const auto& gpu0 = r.document["gpus"][0];
  EXPECT_EQ(gpu0["energy_source"], "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION");
  EXPECT_EQ(gpu0["utilization"]["avg"], 90);
  EXPECT_EQ(gpu0["memory_used"]["max"], 40000);
  EXPECT_EQ(gpu0["memory_used"]["unit"], "MiB");
  // Power is a ramp: its average over the phase is the power at the phase's middle.
  EXPECT_NEAR(gpu0["power"]["avg"].get<double>(), exporter.power(0, (t0 + t1) / 2), 0.05 * exporter.power(0, t1));
}

TEST(GpuTelemetryTest, WithoutAnEnergyCounterPowerIsIntegrated) {
  FakeDcgmExporter exporter(/*with_energy=*/false);
  GpuTelemetryCollector c(PluginConfig(nlohmann::json{{"urls", {exporter.url()}}, {"period_ms", 50}}));
  auto r = run_phase(c, 1000ms, 1000);
  auto [t0, t1] = exporter.span();
  double joules = 0;
  for (int g = 0; g < 2; ++g) joules += (exporter.energy_mj(g, t1) - exporter.energy_mj(g, t0)) / 1000;
  EXPECT_EQ(r.document["gpus"][0]["energy_source"], "power integrated");
  // The collector stamps samples with its own clock, not the exporter's: on a loaded machine a
  // scrape can land tens of ms after its stamp (6% of this 1 s phase is 60 ms; a wrong integral,
  // a unit or a dropped GPU, is off by far more).
  EXPECT_NEAR(r.document["summary"]["energy_joules"].get<double>(), joules, joules * 0.06);
}

TEST(GpuTelemetryTest, AnUnreachableExporterIsAWarning) {
  GpuTelemetryCollector c(PluginConfig(nlohmann::json{{"urls", {"http://127.0.0.1:1/metrics"}}, {"timeout_ms", 500}}));
  c.start(CollectorStart{});
  auto r = c.stop(CollectorStop{});
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings[0].find("127.0.0.1:1"), std::string::npos) << r.warnings[0];
  EXPECT_EQ(r.document["failed_scrapes"], 2);
}

TEST(GpuTelemetryTest, RejectsABadConfig) {
  EXPECT_THROW(GpuTelemetryCollector(PluginConfig(nlohmann::json{{"url", "x"}})), ConfigError);
  EXPECT_THROW(GpuTelemetryCollector(PluginConfig(nlohmann::json{{"urls", {"ftp://x"}}})), ConfigError);
}

}  // namespace
}  // namespace aiperf::collectors
