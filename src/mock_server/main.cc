// aiperf-mock-server: an OpenAI- and Ollama-compatible mock inference server.
// See README.md in this folder for flags, routes, faults and the record format.
#include <csignal>
#include <cstdio>

#include "mock_server/options.h"
#include "mock_server/server.h"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  auto parsed = aiperf::mock_server::parse_options(argc, argv);
  if (!parsed.options) {
    std::fputs(parsed.message.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  return aiperf::mock_server::run_server(*parsed.options);
}
