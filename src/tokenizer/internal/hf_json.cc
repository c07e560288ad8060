// Loads a HuggingFace tokenizer.json (format 1.0) into a Tokenizer::Impl.
// simdjson parses Gemma-3's 33 MB file in a fraction of nlohmann's time.
#include <simdjson.h>

#include "tokenizer/internal/byte_level.h"
#include "tokenizer/internal/pipeline.h"

namespace aiperf::tokenizer {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;
using Impl = Tokenizer::Impl;

Error malformed(const std::string& source, std::string what) {
  return std::move(make_error(ErrorCode::kMalformedInput, std::move(what))).in_file(source);
}

Error unsupported(const std::string& source, std::string what) {
  return std::move(make_error(ErrorCode::kUnsupported, std::move(what))).in_file(source);
}

std::string_view str(element e, std::string_view key, std::string_view fallback = {}) {
  std::string_view v;
  return e[key].get(v) == simdjson::SUCCESS ? v : fallback;
}

bool flag(element e, std::string_view key, bool fallback = false) {
  bool v = fallback;
  return e[key].get(v) == simdjson::SUCCESS ? v : fallback;
}

bool present(element e, std::string_view key) {
  element v;
  return e[key].get(v) == simdjson::SUCCESS && !v.is_null();
}

// A Split/Replace pattern: {"String": "..."} or {"Regex": "..."}.
struct Pattern {
  std::string text;
  bool regex = false;
};

Expected<Pattern> pattern_of(element e, const std::string& source) {
  std::string_view s;
  if (e["pattern"]["String"].get(s) == simdjson::SUCCESS) return Pattern{std::string(s), false};
  if (e["pattern"]["Regex"].get(s) == simdjson::SUCCESS) return Pattern{std::string(s), true};
  return fail(malformed(source, "a pattern must be {\"String\": …} or {\"Regex\": …}"));
}

Expected<void> parse_normalizer(element e, Impl& impl, const std::string& source) {
  if (e.is_null()) return {};
  std::string_view type = str(e, "type");
  using Kind = internal::NormalizerStep::Kind;
  if (type == "Sequence") {
    array steps;
    if (e["normalizers"].get(steps) != simdjson::SUCCESS) {
      return fail(malformed(source, "normalizer Sequence without a \"normalizers\" list"));
    }
    for (element step : steps) {
      if (auto r = parse_normalizer(step, impl, source); !r) return r;
    }
    return {};
  }
  if (type == "NFC") return impl.normalizer.add({Kind::kNfc, {}, {}}), Expected<void>{};
  if (type == "NFKC") return impl.normalizer.add({Kind::kNfkc, {}, {}}), Expected<void>{};
  if (type == "NFD") return impl.normalizer.add({Kind::kNfd, {}, {}}), Expected<void>{};
  if (type == "NFKD") return impl.normalizer.add({Kind::kNfkd, {}, {}}), Expected<void>{};
  if (type == "Prepend") {
    impl.normalizer.add({Kind::kPrepend, std::string(str(e, "prepend")), {}});
    return {};
  }
  if (type == "Replace") {
    auto pattern = pattern_of(e, source);
    if (!pattern) return fail(pattern.error());
    if (pattern->regex) return fail(unsupported(source, "normalizer Replace with a Regex pattern is not supported yet"));
    impl.normalizer.add({Kind::kReplace, pattern->text, std::string(str(e, "content"))});
    return {};
  }
  return fail(unsupported(source, "normalizer type '" + std::string(type) + "' is not supported yet"));
}

Expected<void> parse_pre_tokenizer(element e, Impl& impl, bool& byte_level,
                                   const std::string& source) {
  if (e.is_null()) return {};
  std::string_view type = str(e, "type");
  internal::PreTokenizerStep step;
  if (type == "Sequence") {
    array steps;
    if (e["pretokenizers"].get(steps) != simdjson::SUCCESS) {
      return fail(malformed(source, "pre_tokenizer Sequence without a \"pretokenizers\" list"));
    }
    for (element s : steps) {
      if (auto r = parse_pre_tokenizer(s, impl, byte_level, source); !r) return r;
    }
    return {};
  }
  if (type == "ByteLevel") {
    byte_level = true;
    step.kind = internal::PreTokenizerStep::Kind::kByteLevel;
    step.add_prefix_space = flag(e, "add_prefix_space");
    if (flag(e, "use_regex", true)) {
      auto regex = internal::Regex::compile(internal::kGpt2Pattern);
      if (!regex) return fail(regex.error());
      step.regex = std::move(*regex);
    }
    impl.pre_tokenizer.add(std::move(step));
    return {};
  }
  if (type == "Metaspace") {
    step.kind = internal::PreTokenizerStep::Kind::kMetaspace;
    step.replacement = std::string(str(e, "replacement", "\u2581"));
    if (step.replacement.empty()) return fail(malformed(source, "Metaspace replacement is empty"));
    std::string_view scheme = str(e, "prepend_scheme", flag(e, "add_prefix_space", true) ? "always" : "never");
    if (scheme == "always") step.prepend = internal::PreTokenizerStep::Prepend::kAlways;
    else if (scheme == "first") step.prepend = internal::PreTokenizerStep::Prepend::kFirst;
    else if (scheme == "never") step.prepend = internal::PreTokenizerStep::Prepend::kNever;
    else return fail(malformed(source, "Metaspace prepend_scheme '" + std::string(scheme) + "' is unknown"));
    step.split_on_replacement = flag(e, "split", true);
    impl.pre_tokenizer.add(std::move(step));
    return {};
  }
  if (type == "Split") {
    auto pattern = pattern_of(e, source);
    if (!pattern) return fail(pattern.error());
    auto behavior = internal::parse_split_behavior(str(e, "behavior"));
    if (!behavior) {
      return fail(malformed(source, "Split behavior '" + std::string(str(e, "behavior")) + "' is unknown"));
    }
    if (pattern->regex) {
      auto regex = internal::Regex::compile(pattern->text);
      if (!regex) return fail(std::move(regex.error()).in_file(source));
      step.regex = std::move(*regex);
    } else {
      step.literal = pattern->text;
    }
    step.behavior = *behavior;
    step.invert = flag(e, "invert");
    impl.pre_tokenizer.add(std::move(step));
    return {};
  }
  return fail(unsupported(source, "pre_tokenizer type '" + std::string(type) + "' is not supported yet"));
}

// TemplateProcessing "single": special tokens before and after the sequence.
Expected<void> parse_post_processor(element e, Impl& impl, const std::string& source) {
  if (e.is_null()) return {};
  std::string_view type = str(e, "type");
  if (type == "ByteLevel") return {};  // offsets only
  if (type == "Sequence") {
    array steps;
    if (e["processors"].get(steps) != simdjson::SUCCESS) {
      return fail(malformed(source, "post_processor Sequence without a \"processors\" list"));
    }
    for (element s : steps) {
      if (auto r = parse_post_processor(s, impl, source); !r) return r;
    }
    return {};
  }
  if (type != "TemplateProcessing") {
    return fail(unsupported(source, "post_processor type '" + std::string(type) + "' is not supported yet"));
  }
  array single;
  if (e["single"].get(single) != simdjson::SUCCESS) {
    return fail(malformed(source, "TemplateProcessing without a \"single\" template"));
  }
  bool after = false;
  for (element item : single) {
    if (present(item, "Sequence")) {
      after = true;
      continue;
    }
    std::string_view name;
    array ids;
    if (item["SpecialToken"]["id"].get(name) != simdjson::SUCCESS ||
        e["special_tokens"][name]["ids"].get(ids) != simdjson::SUCCESS) {
      return fail(malformed(source, "TemplateProcessing names special token '" + std::string(name) +
                                        "' without ids"));
    }
    for (element id : ids) {
      std::uint64_t v = 0;
      if (id.get(v) != simdjson::SUCCESS) return fail(malformed(source, "a special token id is not a number"));
      (after ? impl.suffix : impl.prefix).push_back(static_cast<TokenId>(v));
    }
  }
  return {};
}

Expected<void> parse_decoder(element e, Impl& impl, const std::string& source) {
  if (e.is_null()) return {};
  std::string_view type = str(e, "type");
  using Kind = internal::DecoderStep::Kind;
  internal::DecoderStep step;
  if (type == "Sequence") {
    array steps;
    if (e["decoders"].get(steps) != simdjson::SUCCESS) {
      return fail(malformed(source, "decoder Sequence without a \"decoders\" list"));
    }
    for (element s : steps) {
      if (auto r = parse_decoder(s, impl, source); !r) return r;
    }
    return {};
  }
  if (type == "ByteLevel") {
    step.kind = Kind::kByteLevel;
  } else if (type == "ByteFallback") {
    step.kind = Kind::kByteFallback;
  } else if (type == "Fuse") {
    step.kind = Kind::kFuse;
  } else if (type == "Replace") {
    auto pattern = pattern_of(e, source);
    if (!pattern) return fail(pattern.error());
    step = {Kind::kReplace, pattern->text, std::string(str(e, "content")), 0, 0, true};
  } else if (type == "Strip") {
    std::int64_t start = 0, stop = 0;
    if (e["start"].get(start) != simdjson::SUCCESS) start = 0;
    if (e["stop"].get(stop) != simdjson::SUCCESS) stop = 0;
    step = {Kind::kStrip, std::string(str(e, "content", " ")), {}, static_cast<int>(start),
            static_cast<int>(stop), true};
  } else if (type == "Metaspace") {
    step.kind = Kind::kMetaspace;
    step.pattern = std::string(str(e, "replacement", "\u2581"));
    step.prefix_space = str(e, "prepend_scheme", "always") != "never" && flag(e, "add_prefix_space", true);
  } else {
    return fail(unsupported(source, "decoder type '" + std::string(type) + "' is not supported yet"));
  }
  impl.decoder.add(std::move(step));
  return {};
}

Expected<void> parse_added_tokens(element root, Impl& impl, const std::string& source) {
  array tokens;
  if (root["added_tokens"].get(tokens) != simdjson::SUCCESS) return {};
  for (element t : tokens) {
    std::uint64_t id = 0;
    std::string_view content;
    if (t["id"].get(id) != simdjson::SUCCESS || t["content"].get(content) != simdjson::SUCCESS ||
        content.empty()) {
      return fail(malformed(source, "an added token needs a numeric \"id\" and a non-empty \"content\""));
    }
    if (id >= (1u << 31)) return fail(malformed(source, "an added token id is out of range"));
    impl.add_token({std::string(content), static_cast<TokenId>(id), flag(t, "special")},
                   flag(t, "normalized"), flag(t, "lstrip"), flag(t, "rstrip"),
                   flag(t, "single_word"));
  }
  return {};
}

}  // namespace

namespace internal {
Expected<void> parse_bpe_model(simdjson::dom::element model, Tokenizer::Impl& impl,
                               bool byte_level, const std::string& source);
}

Expected<Tokenizer> load_tokenizer_json(std::string_view json, const std::string& source) {
  simdjson::dom::parser parser;
  element root;
  simdjson::padded_string padded(json.data(), json.size());
  if (auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS) {
    return fail(malformed(source, std::string("not valid JSON: ") + simdjson::error_message(err)));
  }
  if (!root.is_object()) return fail(malformed(source, "a tokenizer.json must be a JSON object"));
  element model;
  if (root["model"].get(model) != simdjson::SUCCESS || !model.is_object()) {
    return fail(malformed(source, "no \"model\" object"));
  }
  auto impl = std::make_unique<Impl>();
  bool byte_level = false;
  element part;
  auto has = [&](std::string_view key) {
    return root[key].get(part) == simdjson::SUCCESS && !part.is_null();
  };
  if (has("normalizer")) {
    if (auto r = parse_normalizer(part, *impl, source); !r) return fail(r.error());
  }
  if (has("pre_tokenizer")) {
    if (auto r = parse_pre_tokenizer(part, *impl, byte_level, source); !r) return fail(r.error());
  }
  if (auto r = internal::parse_bpe_model(model, *impl, byte_level, source); !r) return fail(r.error());
  if (auto r = parse_added_tokens(root, *impl, source); !r) return fail(r.error());
  if (has("post_processor")) {
    if (auto r = parse_post_processor(part, *impl, source); !r) return fail(r.error());
  }
  if (has("decoder")) {
    if (auto r = parse_decoder(part, *impl, source); !r) return fail(r.error());
  }
  impl->description = std::string("tokenizer.json (BPE") + (byte_level ? ", byte-level" : "") +
                      (impl->bpe.options().byte_fallback ? ", byte fallback" : "") + ")";
  return Tokenizer(std::move(impl));
}

}  // namespace aiperf::tokenizer
