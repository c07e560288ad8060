// Plugin discovery over N installed manifests (default 1,000), against the
// floor of simply listing the directory and reading the same files.
//
//   discovery_bench [--manifests=N] [--manifest_dir=DIR] [benchmark flags]
//       Benchmarks discovery over DIR (or over a temporary directory of N
//       generated manifests, removed at exit) and prints discover/raw-read.
//   discovery_bench --generate=DIR [--manifests=N]
//       Only writes the N manifests into DIR (for bench/discovery.sh).
//
// Benchmarks (each iteration covers every manifest once; items = manifests):
//   BM_Discover       PluginRegistry::discover, a fresh registry each iteration
//                     (its destruction is not timed)
//   BM_RawRead        the baseline: list the directory, keep *.aiperf-plugin.json,
//                     sort, then open/read/close every file fully into memory
//   BM_ReadManifest   read_manifest on every file (read + parse + validate)
//   BM_ParseManifest  parse_manifest on texts already in memory (parse cost only)
//   BM_TrustChecks    the ownership/permission checks discovery makes per file
//   BM_RegisterLazy   register_lazy of already-parsed manifests
//   BM_StatOnly       list + stat every manifest: the floor for a discovery cache
//                     validated by path, size and mtime
//   BM_SimdjsonParse  (if simdjson is found) simdjson's DOM parser over the same
//                     texts, extracting the fields parse_manifest keeps: a lower
//                     bound for a simdjson-based parse_manifest
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#ifdef AIPERF_BENCH_HAVE_SIMDJSON
#include <simdjson.h>
#endif

#include "plugin/manifest.h"
#include "plugin/registry.h"
#include "plugin/search_path.h"
#include "plugin/trust.h"

namespace fs = std::filesystem;
using aiperf::plugin::kManifestSuffix;
using aiperf::plugin::Manifest;
using aiperf::plugin::PathOrigin;
using aiperf::plugin::PluginRegistry;
using aiperf::plugin::SearchDir;

namespace {

// What every benchmark works on; filled in main() before the benchmarks run.
struct Corpus {
  fs::path dir;
  std::vector<fs::path> paths;    // sorted manifest paths
  std::vector<std::string> texts; // their contents
  std::vector<Manifest> parsed;   // their parsed manifests
  std::size_t bytes = 0;
};
Corpus corpus;

// A generated manifest of about 400 bytes, laid out as aiperf_add_plugin writes
// one. Package names are unique; every 10th entry carries some metadata.
std::string manifest_text(int i) {
  static constexpr const char* kProtocols[] = {"phase_hook", "timing_strategy", "endpoint",
                                               "dataset_sampler"};
  char id[16];
  std::snprintf(id, sizeof id, "%04d", i);
  std::string metadata = "{}";
  if (i % 10 == 0) {
    metadata =
        "{\"endpoint\": \"http://localhost:9091\", \"tags\": [\"bench\", \"ci\"], "
        "\"interval_ms\": 500}";
  }
  std::string s;
  s += "{\n  \"schema_version\": \"1.0\",\n";
  s += "  \"package\": \"aiperf-bench-" + std::string(id) + "\",\n";
  s += "  \"version\": \"1.0.0\",\n";
  s += "  \"library\": \"libbench_" + std::string(id) + ".so\",\n";
  s += "  \"abi\": {\"major\": 1, \"minor\": 0},\n";
  s += "  \"plugins\": {\n    \"" + std::string(kProtocols[i % 4]) + "\": {\n";
  s += "      \"bench_" + std::string(id) + "\": {\n";
  s += "        \"symbol\": \"bench_" + std::string(id) + "_factory\",\n";
  s += "        \"description\": \"Benchmark plugin " + std::to_string(i) +
       ": reports phase statistics to a test sink\",\n";
  s += "        \"priority\": 0,\n";
  s += "        \"metadata\": " + metadata + "\n";
  s += "      }\n    }\n  }\n}\n";
  return s;
}

// Writes manifests 1..n into dir (created if needed); returns their total size.
std::size_t generate(const fs::path& dir, int n) {
  fs::create_directories(dir);
  std::size_t total = 0;
  for (int i = 1; i <= n; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "bench_%04d%s", i, kManifestSuffix.data());
    fs::path path = dir / name;
    std::string text = manifest_text(i);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    // Discovery refuses world-writable files, so pin the mode whatever the umask.
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write |
                              fs::perms::group_read | fs::perms::others_read);
    total += text.size();
  }
  return total;
}

// The listing work discovery does: every *.aiperf-plugin.json in dir, sorted.
std::vector<fs::path> list_manifests(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() > kManifestSuffix.size() && name.ends_with(kManifestSuffix)) {
      out.push_back(it->path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// open/read/close into memory, the same way read_manifest reads a file.
bool read_file(const fs::path& path, std::string& text) {
  text.clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buffer[8192];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  return n == 0;
}

void set_counts(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(corpus.paths.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(corpus.bytes));
}

void BM_Discover(benchmark::State& state) {
  const std::vector<SearchDir> search_path = {{corpus.dir, PathOrigin::kCommandLine}};
  for (auto _ : state) {
    auto registry = std::make_unique<PluginRegistry>();
    auto report = registry->discover(search_path);
    benchmark::DoNotOptimize(registry.get());
    state.PauseTiming();
    registry.reset();  // tearing the registry down is not part of discovery
    state.ResumeTiming();
    if (report.packages != corpus.paths.size() || !report.errors.empty()) {
      std::string why = report.errors.empty() ? "wrong package count"
                                              : report.errors.front().describe();
      state.SkipWithError(("discovery did not register every manifest: " + why).c_str());
      break;
    }
  }
  set_counts(state);
}

void BM_RawRead(benchmark::State& state) {
  std::string text;
  for (auto _ : state) {
    std::size_t bytes = 0;
    for (const auto& path : list_manifests(corpus.dir)) {
      if (!read_file(path, text)) {
        state.SkipWithError(("cannot read " + path.string()).c_str());
        break;
      }
      bytes += text.size();
      benchmark::DoNotOptimize(text.data());
    }
    benchmark::DoNotOptimize(bytes);
  }
  set_counts(state);
}

void BM_ReadManifest(benchmark::State& state) {
  for (auto _ : state) {
    for (const auto& path : corpus.paths) {
      auto parsed = aiperf::plugin::read_manifest(path);
      benchmark::DoNotOptimize(parsed);
    }
  }
  set_counts(state);
}

void BM_ParseManifest(benchmark::State& state) {
  for (auto _ : state) {
    for (std::size_t i = 0; i < corpus.paths.size(); ++i) {
      auto parsed = aiperf::plugin::parse_manifest(corpus.paths[i], corpus.texts[i]);
      benchmark::DoNotOptimize(parsed);
    }
  }
  set_counts(state);
}

void BM_TrustChecks(benchmark::State& state) {
  for (auto _ : state) {
    auto dir_problem = aiperf::plugin::untrusted_directory_reason(corpus.dir);
    benchmark::DoNotOptimize(dir_problem);
    for (const auto& path : corpus.paths) {
      auto problem = aiperf::plugin::untrusted_reason(path);
      benchmark::DoNotOptimize(problem);
    }
  }
  set_counts(state);
}

void BM_RegisterLazy(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<Manifest> copies = corpus.parsed;
    PluginRegistry registry;
    state.ResumeTiming();
    for (auto& manifest : copies) {
      auto error = registry.register_lazy(std::move(manifest), PathOrigin::kCommandLine);
      benchmark::DoNotOptimize(error);
    }
    state.PauseTiming();
    copies.clear();
    { PluginRegistry gone = std::move(registry); }  // destruction is not timed
    state.ResumeTiming();
  }
  set_counts(state);
}

void BM_StatOnly(benchmark::State& state) {
  for (auto _ : state) {
    for (const auto& path : list_manifests(corpus.dir)) {
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) {
        state.SkipWithError(("cannot stat " + path.string()).c_str());
        break;
      }
      benchmark::DoNotOptimize(st.st_mtim);
    }
  }
  set_counts(state);
}

#ifdef AIPERF_BENCH_HAVE_SIMDJSON
// What parse_manifest extracts, without validation beyond types, path handling
// or the duplicate-key check; metadata is kept as its raw JSON text.
struct LiteEntry {
  std::string protocol, name, symbol, description, metadata;
  int64_t priority = 0;
};
struct LiteManifest {
  std::string schema_version, package, version, library;
  int64_t abi_major = 0, abi_minor = 0;
  std::vector<LiteEntry> entries;
};

simdjson::error_code parse_entry(std::string_view protocol, std::string_view name,
                                 simdjson::dom::object spec, LiteManifest& m) {
  LiteEntry entry;
  entry.protocol = protocol;
  entry.name = name;
  for (auto [key, value] : spec) {
    std::string_view text;
    if (key == "symbol" || key == "description") {
      if (auto e = value.get_string().get(text)) return e;
      (key == "symbol" ? entry.symbol : entry.description) = text;
    } else if (key == "priority") {
      if (auto e = value.get_int64().get(entry.priority)) return e;
    } else if (key == "metadata") {
      entry.metadata = simdjson::minify(value);
    }
  }
  m.entries.push_back(std::move(entry));
  return simdjson::SUCCESS;
}

// The DOM API dispatches at run time to the best kernel for this CPU (On-Demand
// would be compiled for the baseline x86-64 target, i.e. simdjson's fallback).
simdjson::error_code parse_lite(simdjson::dom::parser& parser, const simdjson::padded_string& json,
                                LiteManifest& m) {
  simdjson::dom::object root;
  if (auto e = parser.parse(json).get(root)) return e;
  for (auto [key, value] : root) {
    std::string_view text;
    if (key == "abi") {
      if (auto e = value["major"].get_int64().get(m.abi_major)) return e;
      if (auto e = value["minor"].get_int64().get(m.abi_minor)) return e;
    } else if (key == "plugins") {
      simdjson::dom::object protocols;
      if (auto e = value.get_object().get(protocols)) return e;
      for (auto [protocol, impls_value] : protocols) {
        simdjson::dom::object impls;
        if (auto e = impls_value.get_object().get(impls)) return e;
        for (auto [name, spec_value] : impls) {
          simdjson::dom::object spec;
          if (auto e = spec_value.get_object().get(spec)) return e;
          if (auto e = parse_entry(protocol, name, spec, m)) return e;
        }
      }
    } else {
      if (auto e = value.get_string().get(text)) return e;
      if (key == "schema_version") m.schema_version = text;
      else if (key == "package") m.package = text;
      else if (key == "version") m.version = text;
      else if (key == "library") m.library = text;
    }
  }
  return simdjson::SUCCESS;
}

void BM_SimdjsonParse(benchmark::State& state) {
  std::vector<simdjson::padded_string> texts;
  for (const auto& text : corpus.texts) texts.emplace_back(text);
  simdjson::dom::parser parser;
  for (auto _ : state) {
    for (const auto& text : texts) {
      LiteManifest m;
      if (auto e = parse_lite(parser, text, m); e || m.entries.size() != 1) {
        state.SkipWithError(e ? simdjson::error_message(e) : "wrong entry count");
        break;
      }
      benchmark::DoNotOptimize(m);
    }
  }
  set_counts(state);
}
#endif

BENCHMARK(BM_Discover)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RawRead)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReadManifest)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ParseManifest)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TrustChecks)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RegisterLazy)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_StatOnly)->Unit(benchmark::kMillisecond)->UseRealTime();
#ifdef AIPERF_BENCH_HAVE_SIMDJSON
BENCHMARK(BM_SimdjsonParse)->Unit(benchmark::kMillisecond)->UseRealTime();
#endif

// The console reporter, plus the real and CPU time per iteration of each
// benchmark: the median aggregate when repetitions ran, else the mean of the runs.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  // Colours only on a terminal (a custom display reporter ignores --benchmark_color).
  SummaryReporter() : ConsoleReporter(::isatty(STDOUT_FILENO) ? OO_Defaults : OO_Tabular) {}

  struct Ms {
    double real = 0;
    double cpu = 0;
  };

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      if (run.error_occurred) continue;
      double unit = benchmark::GetTimeUnitMultiplier(run.time_unit);
      Ms seconds{run.GetAdjustedRealTime() / unit, run.GetAdjustedCPUTime() / unit};
      Times& t = times_[run.run_name.function_name];
      if (run.run_type == Run::RT_Aggregate) {
        if (run.aggregate_name == "median") t.median = seconds;
      } else {
        t.sum.real += seconds.real;
        t.sum.cpu += seconds.cpu;
        ++t.runs;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  // Milliseconds per iteration (all manifests once), if the benchmark ran.
  std::optional<Ms> ms(const std::string& name) const {
    auto it = times_.find(name);
    if (it == times_.end()) return std::nullopt;
    const Times& t = it->second;
    if (t.median) return Ms{t.median->real * 1e3, t.median->cpu * 1e3};
    if (t.runs == 0) return std::nullopt;
    return Ms{t.sum.real / t.runs * 1e3, t.sum.cpu / t.runs * 1e3};
  }

 private:
  struct Times {
    std::optional<Ms> median;
    Ms sum;
    int runs = 0;
  };
  std::map<std::string, Times> times_;
};

void print_summary(const SummaryReporter& reporter) {
  std::printf("\nSummary (%zu manifests, %zu bytes; ms per pass over all of them):\n",
              corpus.paths.size(), corpus.bytes);
  std::printf("  %-18s %9s %9s\n", "", "real", "CPU");
  const char* names[] = {"BM_Discover",      "BM_RawRead",     "BM_ReadManifest",
                         "BM_ParseManifest", "BM_TrustChecks", "BM_RegisterLazy",
                         "BM_StatOnly",      "BM_SimdjsonParse"};
  for (const char* name : names) {
    if (auto ms = reporter.ms(name)) std::printf("  %-18s %9.3f %9.3f\n", name, ms->real, ms->cpu);
  }
  auto discover = reporter.ms("BM_Discover");
  auto raw = reporter.ms("BM_RawRead");
  if (discover && raw && raw->real > 0 && raw->cpu > 0) {
    double real = discover->real / raw->real;
    double cpu = discover->cpu / raw->cpu;
    std::printf("  discover / raw read = %.2fx real, %.2fx CPU (target: <= 2x) -> %s\n", real, cpu,
                std::max(real, cpu) <= 2.0 ? "met" : "NOT met");
  }
}

// Removes the generated directory however main() returns.
struct TempDir {
  fs::path path;
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

// Takes --name=VALUE out of argv (Google Benchmark rejects flags it does not know).
std::optional<std::string> take_flag(int& argc, char** argv, std::string_view name) {
  std::string prefix = "--" + std::string(name) + "=";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.starts_with(prefix)) {
      std::string value(arg.substr(prefix.size()));
      std::copy(argv + i + 1, argv + argc + 1, argv + i);  // argv[argc] is the null
      --argc;
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  int count = 1000;
  if (auto n = take_flag(argc, argv, "manifests")) count = std::atoi(n->c_str());
  auto generate_dir = take_flag(argc, argv, "generate");
  auto manifest_dir = take_flag(argc, argv, "manifest_dir");
  if (count <= 0 || count > 99999) {
    std::fprintf(stderr, "--manifests must be between 1 and 99999\n");
    return 2;
  }
  if (generate_dir) {
    std::size_t bytes = generate(*generate_dir, count);
    std::printf("wrote %d manifests (%zu bytes, %zu on average) to %s\n", count, bytes,
                bytes / static_cast<std::size_t>(count), generate_dir->c_str());
    return 0;
  }

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

  TempDir temp;
  if (manifest_dir) {
    corpus.dir = *manifest_dir;
  } else {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/aiperf-discovery-bench-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::fprintf(stderr, "mkdtemp %s: %s\n", pattern.c_str(), std::strerror(errno));
      return 1;
    }
    temp.path = corpus.dir = pattern;
    generate(corpus.dir, count);
  }
  corpus.paths = list_manifests(corpus.dir);
  if (corpus.paths.empty()) {
    std::fprintf(stderr, "no *%s files in %s\n", kManifestSuffix.data(), corpus.dir.c_str());
    return 1;
  }
  for (const auto& path : corpus.paths) {
    std::string text;
    if (!read_file(path, text)) {
      std::fprintf(stderr, "cannot read %s\n", path.c_str());
      return 1;
    }
    auto parsed = aiperf::plugin::read_manifest(path);
    if (!parsed) {
      std::fprintf(stderr, "%s\n", parsed.error().describe().c_str());
      return 1;
    }
    corpus.bytes += text.size();
    corpus.texts.push_back(std::move(text));
    corpus.parsed.push_back(std::move(parsed->manifest));
  }

  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_summary(reporter);
  benchmark::Shutdown();
  return 0;
}
