#include "hooks/hook_host.h"

#include <fcntl.h>

#include <charconv>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "hooks/internal/wire.h"
#include "hooks/phase_stats_json.h"

namespace aiperf::hooks {
namespace {

using nlohmann::json;

// What the hook registered, in registration order; the parent calls them by index.
class CallbackList final : public PhaseHookRegistrar {
 public:
  struct Entry {
    std::string kind;  // "phase_start" or "phase_complete"
    std::string owner;
    PhaseCallback callback;
  };
  void register_phase_start(std::string owner, PhaseCallback cb) override {
    entries.push_back({"phase_start", std::move(owner), std::move(cb)});
  }
  void register_phase_complete(std::string owner, PhaseCallback cb) override {
    entries.push_back({"phase_complete", std::move(owner), std::move(cb)});
  }
  std::vector<Entry> entries;
};

std::string what(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return *ex.what() ? ex.what() : "exception without a message";
  } catch (...) {
    return "unknown exception";
  }
}

// One hook's life in this process: registry, the hook, its callbacks. Declared in this
// order so the callbacks go before the hook, and the hook before its library's registry.
class Host {
 public:
  explicit Host(RegisterBuiltins register_builtins) : register_builtins_(register_builtins) {}
  json handle(const json& request);

 private:
  json hello(const json& request);
  json load(const json& request);
  json create(const json& request);
  json register_callbacks();
  json call(const json& request);

  RegisterBuiltins register_builtins_;
  std::unique_ptr<plugin::PluginRegistry> registry_;
  std::string name_;
  std::unique_ptr<PhaseHook> hook_;
  CallbackList callbacks_;
};

json Host::handle(const json& request) {
  auto op = request.value("op", std::string());
  if (op == "hello") return hello(request);
  if (!registry_) return wire::failed("no hello yet");
  if (op == "load") return load(request);
  if (op == "create") return create(request);
  if (op == "register") return register_callbacks();
  if (op == "call") return call(request);
  return wire::failed("unknown op '" + op + "'");
}

json Host::hello(const json& request) {
  if (request.value("version", 0) != wire::kVersion) {
    return wire::failed("hook host speaks version " + std::to_string(wire::kVersion) + ", not " +
                        request.value("version", json()).dump());
  }
  auto search_path = wire::search_path_from(request);
  if (!search_path) return wire::failed(search_path.error().message);
  registry_ = std::make_unique<plugin::PluginRegistry>(plugin::RegistryOptions{request.value("allow_insecure", false)});
  register_builtins_(*registry_);
  registry_->discover(*search_path);  // the parent already reported discovery's problems
  return wire::ok({{"version", wire::kVersion}});
}

// Opens the hook's library (its static constructors run here), without creating it.
json Host::load(const json& request) {
  name_ = request.value("name", std::string());
  auto factory = registry_->get_implementation(ProtocolTraits<PhaseHook>::name, name_);
  if (!factory) return wire::failed(factory.error().describe());
  json packages = json::array();
  for (const auto& p : registry_->mapped_packages()) {
    packages.push_back({{"package", p->manifest.package}, {"version", p->manifest.version},
                        {"library", p->manifest.library.string()}});
  }
  return wire::ok({{"packages", packages}});
}

json Host::create(const json& request) {
  auto hook = registry_->create_instance<PhaseHook>(name_, request.value("config", json::object()));
  if (!hook) return wire::failed(hook.error().describe());
  hook_ = std::move(*hook);
  return wire::ok();
}

json Host::register_callbacks() {
  if (!hook_) return wire::failed("no hook created");
  try {
    hook_->register_with(callbacks_);
  } catch (...) {
    return wire::failed("register_with threw: " + what(std::current_exception()));
  }
  json list = json::array();
  for (const auto& e : callbacks_.entries) list.push_back({{"kind", e.kind}, {"owner", e.owner}});
  return wire::ok({{"callbacks", list}});
}

json Host::call(const json& request) {
  auto index = request.value("index", callbacks_.entries.size());
  if (index >= callbacks_.entries.size()) return wire::failed("no callback " + std::to_string(index));
  auto stats = phase_stats_from_json(request.value("stats", json()));
  if (!stats) return wire::failed(stats.error().describe());
  const auto& entry = callbacks_.entries[index];
  if (!entry.callback) return wire::ok();
  try {
    entry.callback(*stats);
  } catch (...) {
    return wire::failed(what(std::current_exception()));
  }
  return wire::ok();
}

}  // namespace

int hook_host_main(int argc, char** argv, RegisterBuiltins register_builtins) {
  int fd = -1;
  if (argc == 3) std::from_chars(argv[2], argv[2] + std::char_traits<char>::length(argv[2]), fd);
  if (fd < 0 || ::fcntl(fd, F_GETFD) < 0) {
    std::fprintf(stderr, "aiperf %s: run by aiperf itself, with a connected descriptor\n", kHookHostCommand.data());
    return 2;
  }
  Host host(register_builtins);
  wire::FrameReader reader(fd);
  for (;;) {
    auto frame = reader.read(std::chrono::milliseconds(-1));
    if (frame.status == wire::ReadStatus::kClosed) return 0;
    if (frame.status != wire::ReadStatus::kOk) {
      std::fprintf(stderr, "aiperf %s: %s\n", kHookHostCommand.data(), frame.error.c_str());
      return 3;
    }
    json reply;
    try {
      reply = host.handle(frame.message);
    } catch (const std::exception& e) {  // a request of the wrong shape (nlohmann::json::value)
      reply = wire::failed(std::string("bad request: ") + e.what());
    }
    if (!wire::write_all(fd, wire::encode(reply))) return 0;
  }
}

}  // namespace aiperf::hooks
