// Built-in endpoints `rankings` (rerank: a query and passages, Cohere, TEI or
// NIM shape) and `huggingface_generate` (TGI's /generate and /generate_stream).
#pragma once

#include <cstdint>
#include <string>

#include "aiperf/sdk/config.h"
#include "aiperf/sdk/endpoint.h"
#include "endpoints/openai.h"

namespace aiperf::endpoints {

/// Request and response shape of a rerank API.
enum class RankingsFormat {
  kCohere,  ///< POST /v1/rerank {model, query, documents: [..]} -> {results: [{index, relevance_score}]}
  kTei,     ///< POST /rerank {query, texts: [..]} -> [{index, score}]
  kNim,     ///< POST /v1/ranking {model, query: {text}, passages: [{text}]} -> {rankings: [{index, logit}]}
};

/// Reranks: the prompt is the query; each request carries a number of passages drawn
/// from a normal(passages_mean, passages_stddev) (at least 1), deterministic per request id.
/// Config: {format: cohere|tei|nim, passages_mean (10), passages_stddev (0), path, api_key, headers, extra}.
class RankingsEndpoint final : public Endpoint {
 public:
  explicit RankingsEndpoint(const PluginConfig& config);
  HttpRequestSpec format_request(const RequestInput& input) const override;
  ParsedResponse parse_response(std::string_view payload) const override;
  bool can_stream() const override { return false; }
  bool generates_text() const override { return false; }
  /// Passages a request with this id carries.
  uint32_t passages_for(std::string_view request_id) const;

 private:
  RankingsFormat format_ = RankingsFormat::kCohere;
  double mean_ = 10;
  double stddev_ = 0;
  OpenAiSettings settings_;
};

/// TGI: POST /generate {inputs, parameters: {max_new_tokens, details: true}}, streamed from
/// /generate_stream (SSE, one {"token": {"text"}} per token; the last event has `details`).
/// Config: {path (/generate), stream_path (/generate_stream), api_key, headers, extra (into parameters)}.
class HuggingFaceGenerateEndpoint final : public Endpoint {
 public:
  explicit HuggingFaceGenerateEndpoint(const PluginConfig& config);
  /// The request, its body from the shape's BodyTemplate (the DOM path when there is none).
  HttpRequestSpec format_request(const RequestInput& input) const override;
  /// The same request with the body built as a JSON DOM (the templates' reference).
  HttpRequestSpec format_request_with_dom(const RequestInput& input) const;
  ParsedResponse parse_response(std::string_view payload) const override;

 private:
  OpenAiSettings settings_;
  std::string stream_path_;
  BodyTemplates templates_;
};

}  // namespace aiperf::endpoints
