// Parse speed of collectors::parse_exposition on a file of Prometheus text:
// parses it repeatedly for at least the given seconds, prints MB/s and samples/s.
// Usage: exposition_bench FILE [SECONDS]   (bench/exposition.sh runs it beside the peer)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "collectors/exposition.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: exposition_bench FILE [SECONDS]\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  const double seconds = argc > 2 ? std::atof(argv[2]) : 2.0;
  std::size_t samples = 0, runs = 0;
  auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    auto parsed = aiperf::collectors::parse_exposition(text);
    if (!parsed) {
      std::fprintf(stderr, "%s\n", parsed.error().describe().c_str());
      return 1;
    }
    samples = 0;
    for (const auto& f : parsed->families) samples += f.samples.size();
    ++runs;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::printf("%.1f MB/s %.0f samples/s (%zu bytes, %zu samples, %zu parses)\n",
              static_cast<double>(text.size() * runs) / elapsed / 1e6,
              static_cast<double>(samples * runs) / elapsed, text.size(), samples, runs);
  return 0;
}
