// A complete minimal plugin: a phase hook that appends a line per phase to a file.
#include <aiperf/sdk/plugin.h>

#include <fstream>
#include <string>

namespace {

class HelloHook final : public aiperf::PhaseHook {
 public:
  explicit HelloHook(const aiperf::PluginConfig& config)
      : path_(config.require<std::string>("path")) {
    config.allow_only({"path"});
  }

  void register_with(aiperf::PhaseHookRegistrar& registrar) override {
    registrar.register_phase_complete("hello", [this](const aiperf::PhaseStats& stats) {
      std::ofstream(path_, std::ios::app)
          << "hello from " << stats.phase << ": " << stats.requests_completed << " ok\n";
    });
  }

 private:
  std::string path_;
};

}  // namespace

AIPERF_PLUGIN_FACTORY(aiperf_hello_phase_hook, aiperf::PhaseHook, HelloHook)
