// What writing each JSONL record with its own write(2) (whole lines on disk at
// once, so a crash never tears one) costs against the stdio-buffered append it
// replaced, which a crash could leave with a torn last line.
//
//   jsonl_append_bench [benchmark flags]
//
// Each iteration appends one ~600-byte record line (the size of a streaming
// chat record) to a file in a temporary directory; items = lines.
//   BM_AtomicAppendFile  exporting::AtomicAppendFile::append: one write(2) per line
//   BM_StdioBuffered     the peer: fwrite into a FILE* (4 KiB+ buffer), as before
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "export/atomic_file.h"

namespace {

std::string record_line() {
  std::string line = R"({"metadata":{"session_num":1,"x_request_id":"aiperf-0000-1","request_start_ns":1,)"
                     R"("request_end_ns":2,"benchmark_phase":"profiling","was_cancelled":false},"metrics":{)";
  while (line.size() < 580) line += R"("inter_chunk_latency":{"value":[1.25,1.5],"unit":"ms"},)";
  return line + R"("x":0},"error":null})" + "\n";
}

std::filesystem::path bench_dir() {
  auto dir = std::filesystem::temp_directory_path() / "aiperf-jsonl-bench";
  std::filesystem::create_directories(dir);
  return dir;
}

void BM_AtomicAppendFile(benchmark::State& state) {
  const std::string line = record_line();
  aiperf::exporting::AtomicAppendFile file(bench_dir() / "a.jsonl");
  for (auto _ : state) file.append(line);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(line.size()));
}  // destroyed uncommitted: the temporary is removed

void BM_StdioBuffered(benchmark::State& state) {
  const std::string line = record_line();
  auto path = bench_dir() / "b.jsonl";
  std::FILE* file = std::fopen(path.c_str(), "wb");
  for (auto _ : state) benchmark::DoNotOptimize(std::fwrite(line.data(), 1, line.size(), file));
  std::fclose(file);
  std::filesystem::remove(path);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(line.size()));
}

BENCHMARK(BM_AtomicAppendFile);
BENCHMARK(BM_StdioBuffered);

}  // namespace

BENCHMARK_MAIN();
