// Routing and request-body interpretation of the mock server (pure logic).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace aiperf::mock_server {

/// A route the server knows, or why none matched.
enum class Route {
  chat,             ///< POST /v1/chat/completions
  completions,      ///< POST /v1/completions
  embeddings,       ///< POST /v1/embeddings
  responses,        ///< POST /v1/responses (OpenAI Responses API, typed SSE events)
  messages,         ///< POST /v1/messages (Anthropic Messages API, typed SSE events)
  rerank_cohere,    ///< POST /v1/rerank (Cohere shape: query, documents)
  rerank_tei,       ///< POST /rerank (TEI shape: query, texts)
  ranking_nim,      ///< POST /v1/ranking (NIM shape: query.text, passages[].text)
  tgi_generate,     ///< POST /generate (Hugging Face TGI)
  tgi_stream,       ///< POST /generate_stream (TGI, SSE)
  models,           ///< GET /v1/models
  health,           ///< GET /health
  ollama_generate,  ///< POST /api/generate
  ollama_chat,      ///< POST /api/chat
  ollama_tags,      ///< GET /api/tags (Ollama's model list)
  ollama_version,   ///< GET /api/version
  mock_records,     ///< GET /mock/records
  mock_stats,       ///< GET /mock/stats
  mock_reset,       ///< POST /mock/reset
  metrics,          ///< GET /metrics (Prometheus text, vLLM's names; metrics.h)
  not_found,        ///< unknown path
  bad_method,       ///< known path, wrong method
};

/// Matches a method and request target (any query string ignored) to a route.
Route route_for(std::string_view method, std::string_view target);

/// The path of a route ("/v1/chat/completions"); "" for not_found/bad_method.
std::string_view route_path(Route route);

/// True for routes that appear in the record and the stats (everything except
/// GET /health, GET /v1/models and /mock/*).
bool is_recorded(Route route);

/// True for the rerank routes (no output tokens; answered at ttft).
bool is_rerank(Route route);

/// True for the Ollama routes (their errors use Ollama's `{"error": "..."}`).
bool is_ollama(Route route);

/// Limits and defaults used while interpreting request bodies.
struct RequestDefaults {
  int output_tokens = 16;          ///< Output length when the request sets none.
  int max_output_tokens = 1000000; ///< Larger max_tokens values are rejected.
  int embedding_dim = 16;          ///< Embedding size when `dimensions` is absent.
  std::string reasoning_field = "reasoning_content";  ///< Chat delta field of reasoning tokens ("reasoning": vLLM).
  int cached_prompt_tokens = 0;    ///< Reported as prompt_tokens_details.cached_tokens (at most the prompt).
  bool report_usage = true;        ///< false (--no-usage): chat and completions answers carry no `usage`.
  int eos_after = 0;               ///< > 0 (--eos-after): chat and completions "emit EOS" after this many
                                   ///< tokens unless the request sets ignore_eos or a larger min_tokens.
  bool prompt_ids = false;         ///< Fill Request::prompt_ids (the prefix cache needs them).
};

/// What the server needs to know from an inference request body.
struct Request {
  Route route = Route::chat;        ///< Route it arrived on.
  std::string model;                ///< `model` field.
  bool stream = false;              ///< Stream the answer (SSE or NDJSON).
  bool include_usage = false;       ///< `stream_options.include_usage`.
  int output_tokens = 0;            ///< Tokens to produce (always exactly this many).
  bool max_tokens_given = false;    ///< Whether the request set the length.
  bool ignore_eos = false;          ///< `ignore_eos`: no early EOS (see RequestDefaults::eos_after).
  int min_tokens = 0;               ///< `min_tokens` (vLLM): no EOS before this many tokens.
  bool stopped_at_eos = false;      ///< The output ended at EOS before max_tokens (finish_reason "stop").
  bool report_usage = true;         ///< Chat/completions: include `usage` (from the defaults).
  bool reasoning = false;           ///< `reasoning: true` (Ollama: `think: true`): half the tokens are reasoning.
  std::string reasoning_field = "reasoning_content";  ///< Chat field carrying reasoning (from the defaults).
  int cached_prompt_tokens = 0;     ///< Cached prompt tokens to report (from the defaults).
  int prompt_tokens = 0;            ///< Mock-tokenizer count of the prompt.
  std::vector<std::uint64_t> prompt_ids;  ///< One id per prompt word, in order (chat, completions, Ollama; when asked).
  int choices = 1;                  ///< `n` (chat, completions): choices, each with the same tokens.
  std::vector<std::string> inputs;  ///< Embeddings inputs, one vector each.
  int dimensions = 0;               ///< Embedding size.
  int passages = 0;                 ///< Rerank: passages to score.
  bool base64 = false;              ///< `encoding_format: "base64"`: vectors as base64 of little-endian float32.
};

/// A rejected request: HTTP status and a message for the client.
struct RequestError {
  int status = 400;     ///< HTTP status to answer with.
  std::string message;  ///< Human-readable reason.
  std::string param;    ///< The offending request field, when there is one (OpenAI's `param`).
};

/// Interprets a JSON request body for an inference route (chat, completions,
/// embeddings, ollama_generate, ollama_chat).
tl::expected<Request, RequestError> parse_request(Route route, std::string_view body,
                                                  const RequestDefaults& defaults = {});

}  // namespace aiperf::mock_server
