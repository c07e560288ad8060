#include "cli/plugins_command.h"

#include <fmt/format.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <string_view>
#include <nlohmann/json.hpp>
#include <system_error>

#include "cli/listing_arena.h"
#include "hooks/phase_hook_registry.h"
#include "plugin/child_check.h"
#include "plugin/trust.h"

namespace aiperf::cli {
namespace {

using plugin::ImplementationInfo;
using aiperf::Error;
using plugin::Source;

std::string_view source_name(Source source) { return source == Source::kBuiltin ? "builtin" : "plugin"; }

// Rows of cells as left-aligned columns separated by two spaces, trailing
// spaces dropped, written to stdout at once. Widths are in bytes, padding as
// fmt's "{:<N}" pads (by display width), so a non-ASCII cell lines up exactly
// as it always did.
class Table {
 public:
  explicit Table(std::size_t columns) : width_(columns, 0) {}
  void reserve(std::size_t rows) { cells_.reserve(rows * width_.size()); }
  void add(std::initializer_list<std::string_view> row) {
    std::size_t i = 0;
    for (auto cell : row) {
      width_[i] = std::max(width_[i], cell.size());
      cells_.push_back(cell);
      ++i;
    }
  }
  // Lines are written in place into one buffer sized for all of them (an append
  // per cell and per padding was most of the table's cost); a line with a
  // non-ASCII cell is built as before and copied in.
  void print() const {
    const std::size_t columns = width_.size();
    std::size_t line_bytes = 2 * columns + 1;
    for (auto w : width_) line_bytes += w;
    std::string out(line_bytes * (cells_.size() / columns), ' ');
    std::size_t used = 0;
    std::string wide;
    for (std::size_t at = 0; at < cells_.size(); at += columns) {
      const std::string_view* row = cells_.data() + at;
      bool ascii = std::all_of(row, row + columns, [](std::string_view c) { return is_ascii(c); });
      if (!ascii) {
        wide.clear();
        for (std::size_t i = 0; i + 1 < columns; ++i) pad(wide, row[i], width_[i]);
        wide += row[columns - 1];
        while (!wide.empty() && wide.back() == ' ') wide.pop_back();
        wide += '\n';
        if (out.size() - used < wide.size()) out.resize(used + wide.size() + line_bytes * 16, ' ');
        std::memcpy(out.data() + used, wide.data(), wide.size());
        used += wide.size();
        continue;
      }
      if (out.size() - used < line_bytes) out.resize(used + line_bytes * 16, ' ');  // after long lines
      char* const start = out.data() + used;  // line_bytes of room: an ASCII line is at most that
      char* p = start;
      for (std::size_t i = 0; i + 1 < columns; ++i) {
        if (!row[i].empty()) std::memcpy(p, row[i].data(), row[i].size());  // an empty view's data() may be null
        std::memset(p + row[i].size(), ' ', width_[i] - row[i].size() + 2);
        p += width_[i] + 2;
      }
      if (!row[columns - 1].empty()) std::memcpy(p, row[columns - 1].data(), row[columns - 1].size());
      p += row[columns - 1].size();
      while (p > start && p[-1] == ' ') --p;
      *p++ = '\n';
      used = static_cast<std::size_t>(p - out.data());
    }
    std::fwrite(out.data(), 1, used, stdout);
  }

 private:
  // No byte with the high bit set, 8 bytes at a time (a char-by-char test was a
  // tenth of the table).
  static bool is_ascii(std::string_view cell) {
    std::uint64_t high = 0;
    std::size_t i = 0;
    for (; i + 8 <= cell.size(); i += 8) {
      std::uint64_t word;
      std::memcpy(&word, cell.data() + i, 8);
      high |= word;
    }
    for (; i < cell.size(); ++i) high |= static_cast<unsigned char>(cell[i]);
    return (high & 0x8080808080808080ull) == 0;
  }
  static void pad(std::string& out, std::string_view cell, std::size_t width) {
    if (is_ascii(cell)) {
      out += cell;
      out.append(width - cell.size() + 2, ' ');
    } else {
      fmt::format_to(std::back_inserter(out), "{:<{}}  ", cell, width);
    }
  }
  std::vector<std::size_t> width_;
  std::vector<std::string_view> cells_;  // row after row
};

// A listing of thousands of plugins allocates tens of MiB that it keeps until
// exit; faulting them in one 4 KiB page at a time was a seventh of `plugins
// list` with 10,000 plugins. So the heap grows in one big step, with
// transparent huge pages asked for on it (what glibc's glibc.malloc.hugetlb=1
// tunable does; without THP it is plain memory); untouched, the step costs
// nothing but address space.
void reserve_heap_for_listing() {
  constexpr std::size_t kStep = 64u << 20;
  constexpr std::size_t kLargest = 32u << 20;  // glibc's maximum mmap threshold
  constexpr std::uintptr_t kHuge = 2u << 20;
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(kLargest));   // large buffers from the heap too
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(2 * kStep));  // never hand the step back
  mallopt(M_TOP_PAD, static_cast<int>(kStep));             // grow by a step at a time
  auto begin = reinterpret_cast<std::uintptr_t>(::sbrk(0));
  void* volatile block = std::malloc(kLargest / 2);  // grows the heap now (volatile: not elided)
  std::free(block);                                   // and returns to its top
  auto end = reinterpret_cast<std::uintptr_t>(::sbrk(0));
  begin = (begin + kHuge - 1) & ~(kHuge - 1);
  end &= ~(kHuge - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

// The process ends right after a listing: freeing the registry one package at a
// time would cost a sixth of `plugins list` with 10,000 plugins, so it is kept
// until exit, reachable from here (so no leak is reported).
void keep_until_exit(run::PluginSetup setup) {
  static run::PluginSetup* kept = nullptr;
  delete kept;
  kept = new run::PluginSetup(std::move(setup));
}

// Overrides and other conflicts, which every command reports.
void print_notes(const run::PluginSetup& setup) {
  for (const auto& line : setup.report.notes) fmt::print(stderr, "note: {}\n", line);
}

void print_errors(const std::vector<Error>& errors) {
  for (const auto& e : errors) fmt::print(stderr, "warning: {}\n", e.describe());
}

nlohmann::json to_json(const plugin::ImplementationRow& i) {
  nlohmann::json j = {{"protocol", i.ref->protocol},
                      {"name", i.ref->name},
                      {"source", source_name(i.source)},
                      {"package", nullptr},
                      {"version", nullptr},
                      {"manifest", nullptr},
                      {"priority", i.priority},
                      {"loaded", i.loaded},
                      {"shadowed_by", nullptr}};
  if (i.package) {
    j["package"] = i.package->manifest.package;
    j["version"] = i.package->manifest.version;
    j["manifest"] = i.package->manifest.path.native();
  }
  if (i.shadowed_by) j["shadowed_by"] = *i.shadowed_by;
  return j;
}

void print_json(const std::vector<plugin::ImplementationRow>& shown, const run::PluginSetup& setup) {
  nlohmann::json out = {{"plugins", nlohmann::json::array()}, {"errors", nlohmann::json::array()}};
  for (const auto& info : shown) out["plugins"].push_back(to_json(info));
  for (const auto& e : setup.report.errors) {
    out["errors"].push_back({{"manifest", e.file},
                             {"reason", error_code_name(e.code)},
                             {"message", e.describe()}});
  }
  fmt::print("{}\n", out.dump(2));
}

void print_rows(const std::vector<plugin::ImplementationRow>& shown) {
  Table table(9);
  table.reserve(shown.size() + 1);
  table.add({"PROTOCOL", "NAME", "SOURCE", "PACKAGE", "VERSION", "PRIORITY", "LOADED", "SHADOWED BY",
             "MANIFEST"});
  std::vector<std::string> priorities;  // short: no allocation each
  priorities.reserve(shown.size());
  for (const auto& i : shown) {
    const auto* m = i.package ? &i.package->manifest : nullptr;
    priorities.push_back(std::to_string(i.priority));
    table.add({i.ref->protocol, i.ref->name, source_name(i.source),
               m ? std::string_view(m->package) : "-", m ? std::string_view(m->version) : "-",
               priorities.back(), m ? (i.loaded ? "yes" : "no") : "-",
               i.shadowed_by ? std::string_view(*i.shadowed_by) : "-",
               m ? std::string_view(m->path.native()) : "-"});
  }
  table.print();
}

int list(const run::GlobalOptions& options, const std::string& protocol, bool as_json) {
  if (!use_listing_arena()) reserve_heap_for_listing();
  auto setup = run::discover_plugins(options);
  std::string wanted = plugin::normalize_name(protocol);
  if (!wanted.empty() && !plugin::is_known_protocol(wanted)) {
    fmt::print(stderr, "error: unknown protocol '{}'; protocols: {}\n", protocol,
               fmt::join(plugin::kProtocols, ", "));
    return 2;
  }
  auto shown = setup.registry->rows();
  if (!wanted.empty()) {
    std::erase_if(shown, [&](const plugin::ImplementationRow& i) { return i.ref->protocol != wanted; });
  }
  if (as_json) {
    print_json(shown, setup);
  } else {
    print_rows(shown);
    std::fflush(stdout);
    print_notes(setup);
    print_errors(setup.report.errors);
  }
  keep_until_exit(std::move(setup));
  return 0;
}

int show(const run::GlobalOptions& options, const std::string& target) {
  auto setup = run::discover_plugins(options);
  print_notes(setup);
  auto ref = plugin::parse_ref(target);
  auto candidates = setup.registry->candidates(ref);
  if (candidates.empty()) {
    auto missing = setup.registry->get_implementation(ref.protocol, ref.name);
    fmt::print(stderr, "error: {}\n", missing.error().describe());
    return 2;
  }
  for (const auto& i : candidates) {
    fmt::print("{}{}\n", i.ref.str(), i.shadowed_by ? "  [shadowed by " + *i.shadowed_by + "]" : "");
    fmt::print("  source:      {}\n", describe_source(i));
    if (!i.description.empty()) fmt::print("  description: {}\n", i.description);
    fmt::print("  priority:    {}\n", i.priority);
    if (i.package) {
      const auto& m = i.package->manifest;
      fmt::print("  package:     {} {}\n", m.package, m.version);
      fmt::print("  manifest:    {}\n", m.path.string());
      fmt::print("  library:     {}\n", m.library.string());
      fmt::print("  symbol:      {}\n", i.symbol);
      fmt::print("  plugin API:  {}.{}\n", m.abi_major, m.abi_minor);
      fmt::print("  found via:   {}\n", plugin::origin_name(i.package->origin));
      fmt::print("  loaded:      {}\n", i.loaded ? "yes" : "no");
    }
    if (!i.metadata.is_null() && !i.metadata.empty()) {
      fmt::print("  metadata:    {}\n", i.metadata.dump());
    }
  }
  return 0;
}

int paths(const run::GlobalOptions& options) {
  Table table(3);
  table.add({"ORIGIN", "STATUS", "DIRECTORY"});
  std::vector<plugin::SearchDir> dirs = run::search_path_for(options);
  for (const auto& [dir, origin] : dirs) {
    std::error_code ec;
    std::string_view status = "ok";
    if (!std::filesystem::is_directory(dir, ec)) {
      status = "missing";
    } else if (auto problem = plugin::untrusted_directory_reason(dir)) {
      status = "insecure";
    }
    table.add({plugin::origin_name(origin), status, dir.native()});
  }
  table.print();
  return 0;
}

// In the checking child: builds the implementation from `config` and, for a phase
// hook, runs its callbacks once on a synthetic phase named "check".
plugin::ChildProbe exercise(const plugin::PluginRegistry& registry, plugin::ImplementationRef ref,
                            nlohmann::json config) {
  return [&registry, ref, config]() -> std::optional<Error> {
    auto created = [&]<class P>() -> std::optional<Error> {
      auto instance = registry.create_instance<P>(ref.name, config);
      if (!instance) return instance.error();
      if constexpr (std::is_same_v<P, PhaseHook>) {
        hooks::PhaseHookRegistry hooks;
        (*instance)->register_with(hooks);
        PhaseStats stats;
        stats.phase = "check";
        auto failures = hooks.fire_phase_start(stats);
        auto more = hooks.fire_phase_complete(stats);
        failures.insert(failures.end(), more.begin(), more.end());
        if (!failures.empty()) {
          return make_error(ErrorCode::kFactoryFailed,
                            "callback of " + failures[0].owner + " threw: " + failures[0].message)
              .about(ref.str());
        }
      }
      return std::nullopt;
    };
    std::optional<Error> result;
    bool known = Protocols::visit(ref.protocol, [&]<class P>() { result = created.template operator()<P>(); });
    if (!known) return make_error(ErrorCode::kUnknownProtocol, "unknown protocol '" + ref.protocol + "'").about(ref.str());
    return result;
  };
}

int check(const run::GlobalOptions& options, const std::string& target, int timeout_ms,
          const std::string& config_text) {
  std::fflush(stdout);  // the child must not inherit unflushed output
  auto setup = run::discover_plugins(options);
  print_notes(setup);
  nlohmann::json config;
  if (!config_text.empty()) {
    config = nlohmann::json::parse(config_text, nullptr, false);
    if (config.is_discarded() || !config.is_object()) {
      fmt::print(stderr, "error: --config must be a JSON object, got: {}\n", config_text);
      return 2;
    }
    if (target.empty()) {
      fmt::print(stderr, "error: --config needs one PROTOCOL:NAME to check\n");
      return 2;
    }
  }
  std::vector<plugin::ImplementationRef> refs;
  if (!target.empty()) {
    refs.push_back(plugin::parse_ref(target));
  } else {
    for (const auto& i : setup.registry->implementations()) {
      if (i.source == Source::kPlugin && !i.shadowed_by) refs.push_back(i.ref);
    }
  }
  int failed = 0;
  if (target.empty()) {
    for (const auto& e : setup.report.errors) {
      fmt::print("FAIL  {}\n", e.describe());
      ++failed;
    }
  }
  for (const auto& ref : refs) {
    plugin::ChildProbe probe;
    if (!config_text.empty()) probe = exercise(*setup.registry, ref, config);
    auto error = plugin::check_in_child(*setup.registry, ref,
                                        std::chrono::milliseconds(timeout_ms), probe);
    if (error) {
      fmt::print("FAIL  {}\n", error->describe());
      ++failed;
    } else {
      auto top = setup.registry->candidates(ref).front();
      fmt::print("ok    {} ({}){}\n", ref.str(), describe_source(top),
                 probe ? ", created and exercised with the given config" : "");
    }
    std::fflush(stdout);
  }
  fmt::print("{} checked, {} failed\n", refs.size() + (target.empty() ? setup.report.errors.size() : 0),
             failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace

void add_plugins_command(CLI::App& app, run::GlobalOptions& options, int& exit_code) {
  auto* plugins = app.add_subcommand("plugins", "List, inspect and check plugins");
  plugins->require_subcommand(1);

  auto* list_cmd = plugins->add_subcommand(
      "list", "List implementations of every protocol (loads nothing)");
  auto protocol = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  list_cmd->add_option("protocol", *protocol, "Only this protocol");
  list_cmd->add_flag("--json", *as_json, "Machine-readable output");
  list_cmd->callback([&, protocol, as_json] { exit_code = list(options, *protocol, *as_json); });

  auto* show_cmd = plugins->add_subcommand(
      "show", "Show one implementation and anything it shadows (loads nothing)");
  auto show_target = std::make_shared<std::string>();
  show_cmd->add_option("implementation", *show_target, "PROTOCOL:NAME (bare NAME = phase_hook)")
      ->required();
  show_cmd->callback([&, show_target] { exit_code = show(options, *show_target); });

  auto* paths_cmd = plugins->add_subcommand("paths", "Show the plugin search path, in order");
  paths_cmd->callback([&] { exit_code = paths(options); });

  auto* check_cmd = plugins->add_subcommand(
      "check", "Load plugins in a child process and report any that fail");
  auto check_target = std::make_shared<std::string>();
  auto timeout_ms = std::make_shared<int>(10000);
  auto config = std::make_shared<std::string>();
  check_cmd->add_option("implementation", *check_target, "PROTOCOL:NAME; default: every plugin");
  check_cmd->add_option("--timeout-ms", *timeout_ms, "Time one load may take")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  check_cmd->add_option("--config", *config,
                        "JSON object: also create the implementation with it and, for a phase "
                        "hook, run its callbacks once");
  check_cmd->callback([&, check_target, timeout_ms, config] {
    exit_code = check(options, *check_target, *timeout_ms, *config);
  });
}

}  // namespace aiperf::cli
