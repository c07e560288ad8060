#include "mock_server/request.h"

#include <nlohmann/json.hpp>

#include "mock_server/tokens.h"

namespace aiperf::mock_server {
namespace {

using nlohmann::json;

tl::unexpected<RequestError> bad(std::string message, std::string param = {}) {
  return tl::make_unexpected(RequestError{400, std::move(message), std::move(param)});
}

int words(const std::string& s) { return static_cast<int>(count_tokens(s)); }

// Counts the words of a chat message `content`: a string, null, or an array of
// parts whose `text` fields count. Returns -1 when the shape is wrong.
int content_tokens(const json& content) {
  if (content.is_null()) return 0;
  if (content.is_string()) return words(content.get_ref<const std::string&>());
  if (content.is_array()) {
    int n = 0;
    for (const auto& part : content) {
      if (part.is_string()) {
        n += words(part.get_ref<const std::string&>());
      } else if (part.is_object()) {
        auto it = part.find("text");
        if (it != part.end() && it->is_string()) n += words(it->get_ref<const std::string&>());
      } else {
        return -1;
      }
    }
    return n;
  }
  return -1;
}

tl::expected<int, RequestError> messages_tokens(const json& body) {
  auto it = body.find("messages");
  if (it == body.end()) return bad("missing field 'messages'");
  if (!it->is_array() || it->empty()) return bad("'messages' must be a non-empty array");
  int n = 0;
  for (const auto& m : *it) {
    if (!m.is_object()) return bad("each message must be an object");
    auto c = m.find("content");
    if (c == m.end()) continue;
    const int t = content_tokens(*c);
    if (t < 0) return bad("message 'content' must be a string or an array of parts");
    n += t;
  }
  return n;
}

// Appends the word ids of a chat `content` (string or parts with `text`).
void content_ids(const json& content, std::vector<std::uint64_t>& out) {
  if (content.is_string()) append_word_ids(content.get_ref<const std::string&>(), out);
  if (!content.is_array()) return;
  for (const auto& part : content) {
    if (part.is_string()) append_word_ids(part.get_ref<const std::string&>(), out);
    auto it = part.is_object() ? part.find("text") : part.end();
    if (part.is_object() && it != part.end() && it->is_string()) append_word_ids(it->get_ref<const std::string&>(), out);
  }
}

// The prompt's word ids in the order the model would read them (messages in order; system before prompt).
std::vector<std::uint64_t> prompt_ids(Route route, const json& body) {
  std::vector<std::uint64_t> out;
  if (route == Route::chat || route == Route::ollama_chat) {
    for (const auto& m : body["messages"]) {
      if (auto c = m.find("content"); c != m.end()) content_ids(*c, out);
    }
  } else {
    for (const char* field : {"system", "prompt"}) {
      auto p = body.find(field);
      if (p == body.end()) continue;
      if (p->is_array() && !p->empty() && p->front().is_number_integer()) {  // token ids
        for (const auto& t : *p) out.push_back(t.get<std::uint64_t>());
      } else if (p->is_array() && !p->empty()) {
        content_ids(p->front(), out);  // a batch: the first prompt
      } else {
        content_ids(*p, out);
      }
    }
  }
  return out;
}

// Reads an optional non-negative integer field; error if present with another type.
tl::expected<std::optional<long long>, RequestError> opt_int(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return std::optional<long long>{};
  if (!it->is_number_integer()) return bad(std::string("'") + name + "' must be an integer");
  return std::optional<long long>{it->get<long long>()};
}

tl::expected<bool, RequestError> opt_bool(const json& obj, const char* name, bool dflt) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return dflt;
  if (!it->is_boolean()) return bad(std::string("'") + name + "' must be a boolean");
  return it->get<bool>();
}

// Prompt of /v1/completions and inputs of /v1/embeddings: a string, an array
// of strings, an array of token ids, or an array of token-id arrays.
tl::expected<std::vector<std::string>, RequestError> text_inputs(const json& v, const char* name,
                                                                 int& tokens) {
  std::vector<std::string> out;
  tokens = 0;
  const std::string msg = std::string("'") + name +
                          "' must be a string, an array of strings, or token ids";
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
    tokens = words(out.back());
    return out;
  }
  if (!v.is_array()) return bad(msg);
  if (!v.empty() && v.front().is_number_integer()) {
    std::string joined;
    for (const auto& t : v) {
      if (!t.is_number_integer()) return bad(msg);
      joined += std::to_string(t.get<long long>()) + ' ';
    }
    tokens = static_cast<int>(v.size());
    out.push_back(std::move(joined));
    return out;
  }
  for (const auto& e : v) {
    if (e.is_string()) {
      out.push_back(e.get<std::string>());
      tokens += words(out.back());
    } else if (e.is_array()) {
      std::string joined;
      for (const auto& t : e) {
        if (!t.is_number_integer()) return bad(msg);
        joined += std::to_string(t.get<long long>()) + ' ';
      }
      tokens += static_cast<int>(e.size());
      out.push_back(std::move(joined));
    } else {
      return bad(msg);
    }
  }
  return out;
}

tl::expected<void, RequestError> set_length(Request& r, std::optional<long long> n,
                                            const RequestDefaults& d, const char* name) {
  if (!n) {
    r.output_tokens = d.output_tokens;
    return {};
  }
  if (*n < 1 || *n > d.max_output_tokens) {
    return bad(std::string("'") + name + "' must be between 1 and " +
               std::to_string(d.max_output_tokens));
  }
  r.output_tokens = static_cast<int>(*n);
  r.max_tokens_given = true;
  return {};
}

// Responses: `input` (a string or messages), `max_output_tokens`. Messages:
// `messages`, `system`, `max_tokens` (required by Anthropic). Both report usage always.
tl::expected<void, RequestError> typed_api_fields(const json& j, Request& r, const RequestDefaults& d) {
  if (r.route == Route::responses) {
    auto in = j.find("input");
    if (in == j.end()) return bad("missing field 'input'", "input");
    if (in->is_string()) {
      r.prompt_tokens = words(in->get<std::string>());
    } else {
      auto n = messages_tokens(json{{"messages", *in}});
      if (!n) return tl::make_unexpected(n.error());
      r.prompt_tokens = *n;
    }
    auto mt = opt_int(j, "max_output_tokens");
    if (!mt) return tl::make_unexpected(mt.error());
    auto ok = set_length(r, *mt, d, "max_output_tokens");
    if (!ok) return tl::make_unexpected(ok.error());
  } else {
    auto n = messages_tokens(j);
    if (!n) return tl::make_unexpected(n.error());
    r.prompt_tokens = *n;
    if (auto s = j.find("system"); s != j.end() && s->is_string()) r.prompt_tokens += words(s->get<std::string>());
    auto mt = opt_int(j, "max_tokens");
    if (!mt) return tl::make_unexpected(mt.error());
    if (!*mt) return bad("max_tokens: Field required", "max_tokens");
    auto ok = set_length(r, *mt, d, "max_tokens");
    if (!ok) return tl::make_unexpected(ok.error());
  }
  r.include_usage = true;
  return {};
}

// Rerank bodies: the query (a string, or NIM's {text}) and the passages
// (strings, or NIM's [{text}]); the prompt counts the query and every passage.
tl::expected<void, RequestError> rerank_fields(const json& j, Request& r) {
  const bool nim = r.route == Route::ranking_nim;
  const char* list = nim ? "passages" : r.route == Route::rerank_tei ? "texts" : "documents";
  auto q = j.find("query");
  if (q == j.end()) return bad("missing field 'query'", "query");
  const json& query = nim && q->is_object() ? q->value("text", json()) : *q;
  if (!query.is_string()) return bad("'query' must be text", "query");
  auto p = j.find(list);
  if (p == j.end() || !p->is_array() || p->empty()) {
    return bad(std::string("'") + list + "' must be a non-empty array", list);
  }
  r.prompt_tokens = words(query.get<std::string>());
  for (const auto& item : *p) {
    const json& text = item.is_object() ? item.value("text", json()) : item;
    if (!text.is_string()) return bad(std::string("each of '") + list + "' must be text", list);
    r.prompt_tokens += words(text.get<std::string>());
  }
  r.passages = static_cast<int>(p->size());
  r.stream = false;
  return {};
}

}  // namespace

Route route_for(std::string_view method, std::string_view target) {
  const auto q = target.find('?');
  if (q != std::string_view::npos) target = target.substr(0, q);
  struct Entry {
    std::string_view path;
    std::string_view method;
    Route route;
  };
  static constexpr Entry kRoutes[] = {
      {"/v1/chat/completions", "POST", Route::chat},
      {"/v1/completions", "POST", Route::completions},
      {"/v1/embeddings", "POST", Route::embeddings},
      {"/v1/responses", "POST", Route::responses},
      {"/v1/messages", "POST", Route::messages},
      {"/v1/rerank", "POST", Route::rerank_cohere},
      {"/rerank", "POST", Route::rerank_tei},
      {"/v1/ranking", "POST", Route::ranking_nim},
      {"/generate", "POST", Route::tgi_generate},
      {"/generate_stream", "POST", Route::tgi_stream},
      {"/v1/models", "GET", Route::models},
      {"/health", "GET", Route::health},
      {"/api/generate", "POST", Route::ollama_generate},
      {"/api/chat", "POST", Route::ollama_chat},
      {"/api/tags", "GET", Route::ollama_tags},
      {"/api/version", "GET", Route::ollama_version},
      {"/mock/records", "GET", Route::mock_records},
      {"/mock/stats", "GET", Route::mock_stats},
      {"/mock/reset", "POST", Route::mock_reset},
      {"/metrics", "GET", Route::metrics},
  };
  for (const auto& e : kRoutes) {
    if (e.path == target) return e.method == method ? e.route : Route::bad_method;
  }
  return Route::not_found;
}

std::string_view route_path(Route route) {
  switch (route) {
    case Route::chat: return "/v1/chat/completions";
    case Route::completions: return "/v1/completions";
    case Route::embeddings: return "/v1/embeddings";
    case Route::responses: return "/v1/responses";
    case Route::messages: return "/v1/messages";
    case Route::rerank_cohere: return "/v1/rerank";
    case Route::rerank_tei: return "/rerank";
    case Route::ranking_nim: return "/v1/ranking";
    case Route::tgi_generate: return "/generate";
    case Route::tgi_stream: return "/generate_stream";
    case Route::models: return "/v1/models";
    case Route::health: return "/health";
    case Route::ollama_generate: return "/api/generate";
    case Route::ollama_chat: return "/api/chat";
    case Route::ollama_tags: return "/api/tags";
    case Route::ollama_version: return "/api/version";
    case Route::mock_records: return "/mock/records";
    case Route::mock_stats: return "/mock/stats";
    case Route::mock_reset: return "/mock/reset";
    case Route::metrics: return "/metrics";
    case Route::not_found:
    case Route::bad_method: return "";
  }
  return "";
}

bool is_recorded(Route route) {
  switch (route) {
    case Route::models:
    case Route::ollama_tags:
    case Route::ollama_version:
    case Route::health:
    case Route::mock_records:
    case Route::mock_stats:
    case Route::mock_reset:
    case Route::metrics: return false;
    default: return true;
  }
}

bool is_rerank(Route route) {
  return route == Route::rerank_cohere || route == Route::rerank_tei || route == Route::ranking_nim;
}

bool is_ollama(Route route) {
  return route == Route::ollama_generate || route == Route::ollama_chat || route == Route::ollama_tags ||
         route == Route::ollama_version;
}

// `min_tokens`, and the early EOS of --eos-after that ignore_eos and min_tokens hold off.
tl::expected<void, RequestError> apply_eos(Request& r, const json& j, const RequestDefaults& d) {
  auto min_tokens = opt_int(j, "min_tokens");
  if (!min_tokens) return tl::make_unexpected(min_tokens.error());
  if (*min_tokens && (**min_tokens < 0 || **min_tokens > r.output_tokens)) {
    return bad("'min_tokens' must be between 0 and max_tokens (" + std::to_string(r.output_tokens) + ")", "min_tokens");
  }
  r.min_tokens = min_tokens->has_value() ? static_cast<int>(**min_tokens) : 0;
  r.report_usage = d.report_usage;
  if (!d.report_usage) r.include_usage = false;
  if (d.eos_after > 0 && !r.ignore_eos && r.output_tokens > std::max(d.eos_after, r.min_tokens)) {
    r.output_tokens = std::max(d.eos_after, r.min_tokens);
    r.stopped_at_eos = true;
  }
  return {};
}

tl::expected<Request, RequestError> parse_request(Route route, std::string_view body,
                                                  const RequestDefaults& defaults) {
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return bad("request body is not valid JSON");
  if (!j.is_object()) return bad("request body must be a JSON object");

  Request r;
  r.route = route;
  // TEI and TGI serve one model and take no `model` field.
  const bool single_model = route == Route::rerank_tei || route == Route::tgi_generate || route == Route::tgi_stream;
  auto model = j.find("model");
  if (model == j.end() && !single_model) return bad("missing field 'model'", "model");
  if (model != j.end() && !model->is_string()) return bad("'model' must be a string", "model");
  r.model = model != j.end() ? model->get<std::string>() : std::string();

  const bool ollama = is_ollama(route);
  auto stream = opt_bool(j, "stream", /*default=*/ollama);
  if (!stream) return tl::make_unexpected(stream.error());
  r.stream = *stream;
  auto ignore_eos = opt_bool(j, "ignore_eos", false);
  if (!ignore_eos) return tl::make_unexpected(ignore_eos.error());
  r.ignore_eos = *ignore_eos;
  // Responses: `reasoning` is an object ({effort}); Messages: `thinking: {type: "enabled"}`.
  const bool typed = route == Route::responses || route == Route::messages;
  auto reasoning = typed ? tl::expected<bool, RequestError>(false) : opt_bool(j, "reasoning", false);
  if (!reasoning) return tl::make_unexpected(reasoning.error());
  if (route == Route::responses) reasoning = j.contains("reasoning") && j["reasoning"].is_object();
  if (route == Route::messages) {
    reasoning = j.contains("thinking") && j["thinking"].is_object() && j["thinking"].value("type", "") == "enabled";
  }
  auto think = opt_bool(j, "think", false);  // Ollama's switch for thinking models
  if (!think) return tl::make_unexpected(think.error());
  r.reasoning = (*reasoning && (route == Route::chat || typed)) || (*think && ollama);
  r.reasoning_field = defaults.reasoning_field;
  r.cached_prompt_tokens = defaults.cached_prompt_tokens;

  if (auto so = j.find("stream_options"); so != j.end() && !so->is_null()) {
    if (!so->is_object()) return bad("'stream_options' must be an object");
    auto iu = opt_bool(*so, "include_usage", false);
    if (!iu) return tl::make_unexpected(iu.error());
    r.include_usage = *iu;
  }

  switch (route) {
    case Route::chat:
    case Route::completions: {
      if (route == Route::chat) {
        auto n = messages_tokens(j);
        if (!n) return tl::make_unexpected(n.error());
        r.prompt_tokens = *n;
      } else {
        auto p = j.find("prompt");
        if (p == j.end()) return bad("missing field 'prompt'");
        int n = 0;
        auto in = text_inputs(*p, "prompt", n);
        if (!in) return tl::make_unexpected(in.error());
        r.prompt_tokens = n;
      }
      auto mct = opt_int(j, "max_completion_tokens");
      if (!mct) return tl::make_unexpected(mct.error());
      auto mt = opt_int(j, "max_tokens");
      if (!mt) return tl::make_unexpected(mt.error());
      auto ok = *mct ? set_length(r, *mct, defaults, "max_completion_tokens")
                     : set_length(r, *mt, defaults, "max_tokens");
      if (!ok) return tl::make_unexpected(ok.error());
      auto eos = apply_eos(r, j, defaults);
      if (!eos) return tl::make_unexpected(eos.error());
      auto choices = opt_int(j, "n");
      if (!choices) return tl::make_unexpected(choices.error());
      if (*choices && (**choices < 1 || **choices > 128)) return bad("'n' must be between 1 and 128", "n");
      r.choices = *choices ? static_cast<int>(**choices) : 1;
      break;
    }
    case Route::embeddings: {
      auto in = j.find("input");
      if (in == j.end()) return bad("missing field 'input'");
      int n = 0;
      auto inputs = text_inputs(*in, "input", n);
      if (!inputs) return tl::make_unexpected(inputs.error());
      if (inputs->empty()) return bad("'input' must not be empty");
      r.inputs = std::move(*inputs);
      r.prompt_tokens = n;
      r.stream = false;
      auto dims = opt_int(j, "dimensions");
      if (!dims) return tl::make_unexpected(dims.error());
      if (*dims && (**dims < 1 || **dims > 65536)) return bad("'dimensions' must be between 1 and 65536");
      r.dimensions = *dims ? static_cast<int>(**dims) : defaults.embedding_dim;
      if (auto fmt = j.find("encoding_format"); fmt != j.end() && !fmt->is_null()) {
        if (!fmt->is_string() || (*fmt != "float" && *fmt != "base64")) {
          return bad("'encoding_format' must be \"float\" or \"base64\"", "encoding_format");
        }
        r.base64 = *fmt == "base64";
      }
      break;
    }
    case Route::rerank_cohere:
    case Route::rerank_tei:
    case Route::ranking_nim: {
      auto ok = rerank_fields(j, r);
      if (!ok) return tl::make_unexpected(ok.error());
      break;
    }
    case Route::tgi_generate:
    case Route::tgi_stream: {
      auto in = j.find("inputs");
      if (in == j.end() || !in->is_string()) return bad("missing string field 'inputs'", "inputs");
      r.prompt_tokens = words(in->get<std::string>());
      std::optional<long long> n;
      if (auto p = j.find("parameters"); p != j.end() && p->is_object()) {
        auto mt = opt_int(*p, "max_new_tokens");
        if (!mt) return tl::make_unexpected(mt.error());
        n = *mt;
      }
      auto ok = set_length(r, n, defaults, "parameters.max_new_tokens");
      if (!ok) return tl::make_unexpected(ok.error());
      r.stream = route == Route::tgi_stream;  // the route decides, as in TGI
      break;
    }
    case Route::responses:
    case Route::messages: {
      auto ok = typed_api_fields(j, r, defaults);
      if (!ok) return tl::make_unexpected(ok.error());
      break;
    }
    case Route::ollama_generate:
    case Route::ollama_chat: {
      if (route == Route::ollama_chat) {
        auto n = messages_tokens(j);
        if (!n) return tl::make_unexpected(n.error());
        r.prompt_tokens = *n;
      } else {
        int n = 0;
        for (const char* field : {"prompt", "system"}) {
          auto p = j.find(field);
          if (p == j.end() || p->is_null()) continue;
          if (!p->is_string()) return bad(std::string("'") + field + "' must be a string");
          n += words(p->get<std::string>());
        }
        r.prompt_tokens = n;
      }
      std::optional<long long> num_predict;
      if (auto o = j.find("options"); o != j.end() && !o->is_null()) {
        if (!o->is_object()) return bad("'options' must be an object");
        auto np = opt_int(*o, "num_predict");
        if (!np) return tl::make_unexpected(np.error());
        num_predict = *np;
        if (num_predict && *num_predict < 0) num_predict.reset();  // -1/-2: unlimited -> default
      }
      auto ok = set_length(r, num_predict, defaults, "options.num_predict");
      if (!ok) return tl::make_unexpected(ok.error());
      r.include_usage = true;  // Ollama's final line always carries the counts.
      break;
    }
    default:
      return bad("not an inference route");
  }
  const bool has_prompt = route == Route::chat || route == Route::completions || route == Route::ollama_chat ||
                          route == Route::ollama_generate;
  if (defaults.prompt_ids && has_prompt) r.prompt_ids = prompt_ids(route, j);
  return r;
}

}  // namespace aiperf::mock_server
