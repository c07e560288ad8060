#include "mock_server/options.h"

#include <random>
#include <sstream>

#include <CLI/CLI.hpp>

namespace aiperf::mock_server {

namespace {

// Where it listens, how slow it is, and what faults it injects.
void add_behavior_flags(CLI::App& app, Options& o, std::vector<std::string>& faults,
                        std::optional<std::uint64_t>& seed) {
  app.add_option("--host", o.host, "Address to bind")->capture_default_str();
  app.add_option("--port", o.port, "TCP port (0 = pick a free port)")->capture_default_str()->check(CLI::Range(0, 65535));
  app.add_option("--ttft", o.behavior.ttft_ms, "Time to first token, ms")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--itl", o.behavior.itl_ms, "Inter-token latency, ms")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--ttft-jitter", o.behavior.ttft_jitter_ms,
                 "Mean of an exponential delay added to each TTFT, ms (seeded by --random-seed)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--fast", o.behavior.fast, "No injected latency (ignores --ttft and --itl)");
  app.add_option("--error-rate", o.behavior.error_rate, "Percent of requests answered HTTP 500 (0-100)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  app.add_option("--fault", faults,
                 "KIND=PCT: inject fault KIND into PCT percent of requests (repeatable); KIND is one of "
                 "http_500, http_429, reset, stall, malformed_sse, truncated_json");
  app.add_option("--random-seed", seed, "Seed of the error/fault selection (default: random)");
}

// What the answers carry: lengths, reasoning, usage, the prefix cache.
void add_answer_flags(CLI::App& app, Options& o) {
  app.add_option("--osl,--default-max-tokens", o.defaults.output_tokens,
                 "Output tokens when a request sets no max_tokens")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--reasoning-field", o.defaults.reasoning_field,
                 "Chat delta field of reasoning tokens: reasoning_content (DeepSeek, SGLang) or reasoning (vLLM)")
      ->capture_default_str()
      ->check(CLI::IsMember({"reasoning_content", "reasoning"}));
  app.add_option("--cached-prompt-tokens", o.defaults.cached_prompt_tokens,
                 "Report this many prompt tokens (at most the prompt) as prompt_tokens_details.cached_tokens")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--no-usage", [&o](std::int64_t) { o.defaults.report_usage = false; },
               "Chat and completions answers carry no usage (a server that reports none)");
  app.add_option("--eos-after", o.defaults.eos_after,
                 "Chat and completions stop at EOS after N tokens unless the request sets ignore_eos or a "
                 "larger min_tokens (0: never)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--prefix-cache-blocks", o.prefix_cache.blocks,
                 "Prefix-cache model: LRU of this many token blocks; cached_tokens in usage (0 = off)")
      ->capture_default_str();
  app.add_option("--block-size", o.prefix_cache.block_size, "Tokens (words) per prefix-cache block")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--prefill-us-per-token", o.behavior.prefill_us_per_token,
                 "TTFT grows by this many microseconds per uncached prompt token")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--embedding-dim", o.defaults.embedding_dim, "Embedding size when a request sets no 'dimensions'")
      ->capture_default_str()
      ->check(CLI::Range(1, 65536));
}

// Models, threads, records, and the fake GPUs of /metrics.
void add_server_flags(CLI::App& app, Options& o) {
  app.add_option("--model", o.models, "Model id listed by GET /v1/models (repeatable)")->capture_default_str();
  app.add_option("--threads", o.threads, "I/O threads")->capture_default_str()->check(CLI::Range(1, 256));
  app.add_option("--record", o.record_path, "Append one JSON line per finished request to FILE");
  app.add_option("--max-records", o.max_records,
                 "Records kept in memory for GET /mock/records (oldest dropped; --record keeps all)")
      ->capture_default_str();
  app.add_flag("--record-bodies", o.record_bodies, "Keep each request's body in its record (tests of what clients send)");
  app.add_flag("--server-timing", o.server_timing,
               "Report each request's measured queue, prefill and decode time: a Server-Timing header "
               "(non-streamed) or a final `event: server-timing` (SSE streams)");
  app.add_flag("-v,--verbose", o.verbose, "Log one line per request to stderr");
  app.add_flag("--echo-auth-in-errors", o.echo_auth_in_errors,
               "Quote the request's Authorization and x-api-key headers in injected error bodies "
               "(a careless server, for secret-scrubbing tests)");
  app.add_option("--gpus", o.gpus.count, "Fake GPUs whose DCGM series /metrics serves (0 = none)")
      ->capture_default_str()->check(CLI::Range(0, 64));
  app.add_option("--gpu-idle-watts", o.gpus.idle_watts, "Each fake GPU's power with no request running, W")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--gpu-watts-per-request", o.gpus.watts_per_request,
                 "Power each running request adds, W, spread evenly over the fake GPUs")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
}

}  // namespace

ParseOutcome parse_options(int argc, const char* const* argv) {
  Options o;
  std::vector<std::string> faults;
  std::optional<std::uint64_t> seed;

  CLI::App app{
      "aiperf-mock-server: an OpenAI- and Ollama-compatible mock inference server for tests and demos.\n"
      "Prints 'listening on HOST:PORT' on stdout when ready; exits 0 on SIGTERM/SIGINT."};
  add_behavior_flags(app, o, faults, seed);
  add_answer_flags(app, o);
  add_server_flags(app, o);

  ParseOutcome out;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream os, es;
    out.exit_code = app.exit(e, os, es) == 0 ? 0 : 2;  // usage errors: 2, like most CLIs
    out.message = os.str() + es.str();
    return out;
  }
  for (const auto& f : faults) {
    auto fr = parse_fault_rate(f);
    if (!fr) {
      out.exit_code = 2;
      out.message = "--fault: " + fr.error().message + "\n";
      return out;
    }
    o.behavior.fault_rates.push_back(*fr);
  }
  o.defaults.prompt_ids = o.prefix_cache.blocks > 0;
  o.behavior.seed = seed ? *seed : std::random_device{}();
  if (auto ok = validate(o.behavior); !ok) {
    out.exit_code = 2;
    out.message = ok.error().message + "\n";
    return out;
  }
  out.options = std::move(o);
  return out;
}

}  // namespace aiperf::mock_server
