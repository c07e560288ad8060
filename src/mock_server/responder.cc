#include "mock_server/responder.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mock_server/ollama_format.h"
#include "mock_server/openai_format.h"
#include "mock_server/tokens.h"
#include "mock_server/typed_format.h"

namespace aiperf::mock_server {
namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kMalformedSse = "data: {\"id\": this line is not valid JSON\n\n";
constexpr std::string_view kMalformedLine = "{\"model\": this line is not valid JSON\n";
constexpr std::string_view kMalformedBody = "{\"id\": this body is not valid JSON";

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::int64_t ms_to_ns(double ms) { return static_cast<std::int64_t>(ms * 1e6); }

std::chrono::system_clock::time_point wall_at(const Exchange& ex, double ms) {
  return ex.arrival + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                          std::chrono::duration<double, std::milli>(ms));
}

OpenAiHeader openai_header(const Request& r, const Exchange& ex) {
  const char* prefix = r.route == Route::chat ? "chatcmpl-" : "cmpl-";
  return OpenAiHeader{prefix + ex.request_id, unix_seconds(ex.arrival), r.model};
}

int fault_position(const Plan& plan, int n) {
  return std::clamp(plan.fault_after.value_or(n / 2), 0, n);
}

Ending normal_ending(const Exchange& ex) { return ex.keep_alive ? Ending::keep_alive : Ending::close; }

std::string_view finish_reason(const Request& r) { return r.max_tokens_given && !r.stopped_at_eos ? "length" : "stop"; }

int reasoning_tokens(const Request& r) { return r.reasoning ? r.output_tokens / 2 : 0; }

int cached_tokens(const Request& r) { return std::min(r.cached_prompt_tokens, r.prompt_tokens); }

// Anthropic names the stop differently from OpenAI.
std::string_view anthropic_stop(const Request& r) { return r.max_tokens_given ? "max_tokens" : "end_turn"; }

Usage usage_of(const Request& r) {
  return Usage{r.prompt_tokens, r.output_tokens * r.choices, reasoning_tokens(r) * r.choices, cached_tokens(r)};
}

Script fault_response(const Request& r, const Plan& plan, const Exchange& ex) {
  const bool ollama = is_ollama(r.route);
  if (plan.fault == Fault::http_500) {
    const std::string msg = "Injected fault: internal server error" + ex.echoed_credentials;
    return make_json(500, ollama ? ollama_error(msg) : openai_error(msg, "server_error", "internal_server_error"),
                     ex);
  }
  const std::string msg = "Injected fault: rate limit exceeded, retry after 1 second" + ex.echoed_credentials;
  std::string body = ollama ? ollama_error(msg) : openai_error(msg, "rate_limit_error", "rate_limit_exceeded");
  std::string bytes = response_head(429, kJson, body.size(), ex, {{"Retry-After", "1"}}) + body;
  std::vector<Write> w;
  w.push_back(Write{0, std::move(bytes), 0});
  return Script(429, std::move(w), normal_ending(ex));
}

// A JSON body without its `usage` (--no-usage: a server that reports none).
std::string without_usage(const std::string& body) {
  auto j = nlohmann::json::parse(body);
  j.erase("usage");
  return j.dump();
}

std::string full_body(const Request& r, const Plan& plan, const Exchange& ex) {
  const int n = r.output_tokens;
  const int nr = reasoning_tokens(r);
  switch (r.route) {
    case Route::rerank_cohere:
    case Route::rerank_tei:
    case Route::ranking_nim: return rerank_response(r.route, openai_header(r, ex), r.passages);
    case Route::tgi_generate:
    case Route::tgi_stream: return tgi_body(tokens_text(static_cast<std::size_t>(n)), n);
    case Route::responses:
      return responses_body(openai_header(r, ex), tokens_text(static_cast<std::size_t>(n - nr)),
                            tokens_text(static_cast<std::size_t>(nr)), usage_of(r));
    case Route::messages:
      return messages_body(openai_header(r, ex), tokens_text(static_cast<std::size_t>(n - nr)),
                           tokens_text(static_cast<std::size_t>(nr)), anthropic_stop(r), usage_of(r));
    case Route::chat:
    case Route::completions: {
      // Every choice repeats the same tokens; usage counts all of them, as OpenAI does.
      const Usage usage{r.prompt_tokens, n * r.choices, nr * r.choices, cached_tokens(r)};
      const auto h = openai_header(r, ex);
      std::string body = r.route == Route::chat
                             ? chat_response(h, tokens_text(static_cast<std::size_t>(n - nr)),
                                             tokens_text(static_cast<std::size_t>(nr)), finish_reason(r), usage,
                                             r.reasoning_field, r.choices)
                             : completion_response(h, tokens_text(static_cast<std::size_t>(n)), finish_reason(r),
                                                   usage, r.choices);
      return r.report_usage ? body : without_usage(body);
    }
    case Route::embeddings: {
      std::vector<std::vector<float>> vectors;
      vectors.reserve(r.inputs.size());
      for (const auto& in : r.inputs) vectors.push_back(embedding_vector(in, static_cast<std::size_t>(r.dimensions)));
      return embeddings_response(r.model, vectors, r.prompt_tokens, r.base64);
    }
    case Route::ollama_generate:
    case Route::ollama_chat: {
      const double total = plan.ttft_ms + (n - 1) * plan.itl_ms;
      OllamaStats s;
      s.prompt_eval_count = r.prompt_tokens;
      s.eval_count = n;
      s.total_duration_ns = ms_to_ns(total);
      s.prompt_eval_duration_ns = ms_to_ns(plan.ttft_ms);
      s.eval_duration_ns = ms_to_ns(total - plan.ttft_ms);
      s.done_reason = finish_reason(r);
      s.thinking = tokens_text(static_cast<std::size_t>(nr));
      return ollama_final(r.route == Route::ollama_chat, r.model, rfc3339(wall_at(ex, total)),
                          tokens_text(static_cast<std::size_t>(n - nr)), s);
    }
    default:
      return {};
  }
}

Script non_streaming(const Request& r, const Plan& plan, const Exchange& ex) {
  const double due = r.route == Route::embeddings || is_rerank(r.route)
                         ? plan.ttft_ms
                         : plan.ttft_ms + std::max(0, r.output_tokens - 1) * plan.itl_ms;
  const int tokens = r.route == Route::embeddings || is_rerank(r.route) ? 0 : r.output_tokens;
  std::string body = full_body(r, plan, ex);
  std::vector<Write> w;
  Ending ending = normal_ending(ex);
  switch (plan.fault) {
    case Fault::malformed_sse:
      w.push_back(Write{due, response_head(200, kJson, kMalformedBody.size(), ex) + std::string(kMalformedBody), 0});
      break;
    case Fault::truncated_json: {
      body.resize(body.size() / 2);
      w.push_back(Write{due, response_head(200, kJson, body.size(), ex) + body, 0});
      break;
    }
    case Fault::reset:
    case Fault::stall: {
      // The head promises the whole body; only half of it is ever sent.
      std::string bytes = response_head(200, kJson, body.size(), ex);
      bytes.append(body, 0, body.size() / 2);
      w.push_back(Write{due, std::move(bytes), 0});
      ending = plan.fault == Fault::reset ? Ending::reset : Ending::stall;
      break;
    }
    default: {
      std::string head = response_head(200, kJson, body.size(), ex);
      w.push_back(Write{due, head + body, tokens});
      if (ex.server_timing) {
        w.back().timing = TimingSlot::header;
        w.back().timing_at = head.size() - 2;  // before the blank line ending the head
        w.back().first_token_due_ms = plan.ttft_ms;
      }
      break;
    }
  }
  return Script(200, std::move(w), ending);
}

}  // namespace

// Generator state of a streamed response.
struct Script::Stream {
  enum class Phase { head, tokens, tail, done };
  Phase phase = Phase::head;
  Request request;
  Plan plan;
  Exchange exchange;
  OpenAiHeader header;      // OpenAI routes
  int n = 0;                // output tokens
  int reasoning = 0;        // of which reasoning (chat only)
  int fault_at = 0;         // tokens sent before the fault
  int pos = 0;              // tokens produced so far
  bool injected = false;    // malformed/truncated event produced

  double at(int i) const { return plan.ttft_ms + std::max(i, 0) * plan.itl_ms; }

  // The payload of token i as one SSE event or NDJSON line (no chunk framing).
  std::string event(int i) const {
    const bool last = i == n - 1;
    const std::string_view fin = last ? finish_reason(request) : std::string_view{};
    switch (request.route) {
      case Route::chat: {
        const bool is_reasoning = i < reasoning;
        const int k = is_reasoning ? i : i - reasoning;
        std::string events;  // n > 1: one event per choice, each with its own index
        for (int c = 0; c < request.choices; ++c) {
          events += sse_event(chat_chunk(header, token_text(static_cast<std::size_t>(k)), is_reasoning, i == 0,
                                         fin, request.reasoning_field, c));
        }
        return events;
      }
      case Route::tgi_stream:
        return tgi_event(i, token_text(static_cast<std::size_t>(i)),
                         last ? tokens_text(static_cast<std::size_t>(n)) : std::string(), n, last);
      case Route::responses:
      case Route::messages: {
        const bool is_reasoning = i < reasoning;
        const std::string token = token_text(static_cast<std::size_t>(is_reasoning ? i : i - reasoning));
        if (request.route == Route::responses) return responses_delta(header, token, is_reasoning);
        // Thinking is block 0; the text block follows it (index 1), or is block 0 without thinking.
        std::string prefix = reasoning > 0 && i == reasoning ? messages_switch_block() : std::string();
        return prefix + messages_delta(token, is_reasoning, reasoning > 0 && !is_reasoning ? 1 : 0);
      }
      case Route::completions: {
        std::string events;
        for (int c = 0; c < request.choices; ++c) {
          events += sse_event(completion_chunk(header, token_text(static_cast<std::size_t>(i)), fin, c));
        }
        return events;
      }
      default: {
        const bool thinking = i < reasoning;
        const int k = thinking ? i : i - reasoning;
        return ollama_line(request.route == Route::ollama_chat, request.model, rfc3339(wall_at(exchange, at(i))),
                           token_text(static_cast<std::size_t>(k)), thinking) +
               "\n";
      }
    }
  }

  std::string injected_event() const {
    const bool ollama = is_ollama(request.route);
    if (plan.fault == Fault::malformed_sse) return std::string(ollama ? kMalformedLine : kMalformedSse);
    // truncated_json: the first half of a real event's JSON.
    std::string e = event(std::min(pos, n - 1));
    if (ollama) {
      e.pop_back();  // newline
      e.resize(e.size() / 2);
      return e + "\n";
    }
    std::string json = e.substr(6, e.size() - 8);  // strip "data: " and "\n\n"
    json.resize(json.size() / 2);
    return sse_event(json);
  }

  std::string tail() const {
    std::string s;
    if (is_ollama(request.route)) {
      const double total = at(n - 1);
      OllamaStats st;
      st.prompt_eval_count = request.prompt_tokens;
      st.eval_count = n;
      st.total_duration_ns = ms_to_ns(total);
      st.prompt_eval_duration_ns = ms_to_ns(plan.ttft_ms);
      st.eval_duration_ns = ms_to_ns(total - plan.ttft_ms);
      st.done_reason = finish_reason(request);
      s += http_chunk(ollama_final(request.route == Route::ollama_chat, request.model,
                                   rfc3339(wall_at(exchange, total)), "", st) +
                      "\n");
    } else if (request.route == Route::tgi_stream) {
      // The last token's event already carried the details; TGI sends nothing more.
    } else if (request.route == Route::responses) {
      s += http_chunk(responses_completed(header, tokens_text(static_cast<std::size_t>(n - reasoning)),
                                          tokens_text(static_cast<std::size_t>(reasoning)), usage_of(request)));
    } else if (request.route == Route::messages) {
      s += http_chunk(messages_epilogue(reasoning > 0 && reasoning < n ? 1 : 0, anthropic_stop(request),
                                        usage_of(request)));
    } else {
      if (request.include_usage) {
        s += http_chunk(sse_event(usage_chunk(header, request.route == Route::chat,
                                              Usage{request.prompt_tokens, n * request.choices,
                                                    reasoning * request.choices, cached_tokens(request)})));
      }
      s += http_chunk(kSseDone);
    }
    s += "0\r\n\r\n";
    return s;
  }

  bool next(Write& out) {
    switch (phase) {
      case Phase::head: {
        const std::string_view type =
            is_ollama(request.route) ? "application/x-ndjson" : "text/event-stream";
        out = Write{0, response_head(200, type, std::nullopt, exchange, {{"Cache-Control", "no-cache"}}), 0};
        if (request.route == Route::responses) out.bytes += http_chunk(responses_prologue(header));
        if (request.route == Route::messages) {
          out.bytes += http_chunk(messages_prologue(header, usage_of(request), reasoning > 0));
        }
        phase = Phase::tokens;
        return true;
      }
      case Phase::tokens:
        if (pos == fault_at) {
          if (plan.fault == Fault::reset || plan.fault == Fault::stall) {
            phase = Phase::done;
            return false;
          }
          if ((plan.fault == Fault::malformed_sse || plan.fault == Fault::truncated_json) && !injected) {
            injected = true;
            out = Write{at(pos - 1), http_chunk(injected_event()), 0};
            return true;
          }
        }
        if (pos < n) {
          out = Write{at(pos), http_chunk(event(pos)), 1};
          ++pos;
          return true;
        }
        phase = Phase::tail;
        [[fallthrough]];
      case Phase::tail:
        out = Write{at(n - 1), tail(), 0};
        if (exchange.server_timing && !is_ollama(request.route)) {  // SSE streams: before the last chunk
          out.timing = TimingSlot::sse_event;
          out.timing_at = out.bytes.size() - 5;  // "0\r\n\r\n"
        }
        phase = Phase::done;
        return true;
      case Phase::done:
        return false;
    }
    return false;
  }
};

Script::Script(int status, std::vector<Write> writes, Ending ending)
    : status_(status), ending_(ending), writes_(std::move(writes)) {}
Script::Script(int status, std::unique_ptr<Stream> stream, Ending ending)
    : status_(status), ending_(ending), stream_(std::move(stream)) {}
Script::Script(Script&&) noexcept = default;
Script& Script::operator=(Script&&) noexcept = default;
Script::~Script() = default;

bool Script::next(Write& out) {
  if (stream_) return stream_->next(out);
  if (index_ >= writes_.size()) return false;
  out = std::move(writes_[index_++]);
  return true;
}

Script make_script(const Request& r, const Plan& plan, const Exchange& ex) {
  if (plan.fault == Fault::http_500 || plan.fault == Fault::http_429) return fault_response(r, plan, ex);
  if (!r.stream || r.route == Route::embeddings) return non_streaming(r, plan, ex);
  auto s = std::make_unique<Script::Stream>();
  s->request = r;
  s->plan = plan;
  s->exchange = ex;
  s->n = r.output_tokens;
  s->reasoning = reasoning_tokens(r);
  s->fault_at = fault_position(plan, r.output_tokens);
  if (!is_ollama(r.route)) s->header = openai_header(r, ex);
  Ending ending = normal_ending(ex);
  if (plan.fault == Fault::reset) ending = Ending::reset;
  if (plan.fault == Fault::stall) ending = Ending::stall;
  return Script(200, std::move(s), ending);
}

Script make_error(Route route, int status, std::string_view message, const Exchange& ex,
                  std::string_view param) {
  std::string_view type = "invalid_request_error";
  if (status == 404) type = "not_found_error";
  if (status >= 500) type = "server_error";
  if (route == Route::messages) return make_json(status, anthropic_error(message, type), ex);
  return make_json(status, is_ollama(route) ? ollama_error(message) : openai_error(message, type, "", param), ex);
}

Script make_json(int status, std::string body, const Exchange& ex) {
  std::vector<Write> w;
  w.push_back(Write{0, response_head(status, kJson, body.size(), ex) + body, 0});
  return Script(status, std::move(w), normal_ending(ex));
}

Script make_text(int status, std::string_view content_type, std::string body, const Exchange& ex) {
  std::vector<Write> w;
  w.push_back(Write{0, response_head(status, content_type, body.size(), ex) + body, 0});
  return Script(status, std::move(w), normal_ending(ex));
}

std::string response_head(int status, std::string_view content_type,
                          std::optional<std::size_t> content_length, const Exchange& ex,
                          const std::vector<std::pair<std::string, std::string>>& extra) {
  std::string h = fmt::format("HTTP/1.1 {} {}\r\nServer: aiperf-mock-server\r\nContent-Type: {}\r\n", status,
                              reason_phrase(status), content_type);
  if (content_length) {
    h += fmt::format("Content-Length: {}\r\n", *content_length);
  } else {
    h += "Transfer-Encoding: chunked\r\n";
  }
  if (!ex.request_id.empty()) h += fmt::format("X-Request-Id: {}\r\n", ex.request_id);
  for (const auto& [k, v] : extra) h += fmt::format("{}: {}\r\n", k, v);
  if (!ex.keep_alive) {
    h += "Connection: close\r\n";
  } else if (ex.http10) {
    h += "Connection: keep-alive\r\n";  // HTTP/1.0 closes unless told (ab -k waits for it)
  }
  h += "\r\n";
  return h;
}

ServerTiming measure_timing(const Write& w, double started_ms, std::optional<double> first_ms,
                            std::optional<double> last_ms, double now_ms) {
  ServerTiming t;
  t.queue_ms = std::max(0.0, started_ms);
  if (w.first_token_due_ms) {  // one answer: prefill ends when the first token was due
    const double first = std::clamp(*w.first_token_due_ms, started_ms, std::max(started_ms, now_ms));
    t.prefill_ms = first - started_ms;
    t.decode_ms = std::max(0.0, now_ms - first);
  } else if (first_ms) {
    t.prefill_ms = std::max(0.0, *first_ms - started_ms);
    t.decode_ms = std::max(0.0, last_ms.value_or(*first_ms) - *first_ms);
  } else {
    t.prefill_ms = std::max(0.0, now_ms - started_ms);
  }
  return t;
}

std::string server_timing_value(const ServerTiming& t) {
  return fmt::format("queue;dur={:.3f}, prefill;dur={:.3f}, decode;dur={:.3f}", t.queue_ms, t.prefill_ms,
                     t.decode_ms);
}

void fill_timing_slot(Write& w, const ServerTiming& t) {
  if (w.timing == TimingSlot::none || w.timing_at > w.bytes.size()) return;
  const std::string value = server_timing_value(t);
  const std::string text = w.timing == TimingSlot::header
                               ? "Server-Timing: " + value + "\r\n"
                               : http_chunk("event: server-timing\ndata: " + value + "\n\n");
  w.bytes.insert(w.timing_at, text);
  w.timing = TimingSlot::none;
}

std::string http_chunk(std::string_view data) {
  std::string s = fmt::format("{:x}\r\n", data.size());
  s.append(data).append("\r\n");
  return s;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

}  // namespace aiperf::mock_server
