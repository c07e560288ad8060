#include "tokenizer/tokenizer.h"

#include <fstream>
#include <sstream>

#include "tokenizer/internal/byte_level.h"
#include "tokenizer/internal/pipeline.h"

namespace aiperf::tokenizer {

using internal::kNoToken;
using internal::Segment;
using internal::Span;

void Tokenizer::Impl::add_token(SpecialToken token, bool normalized, bool lstrip, bool rstrip,
                                bool single_word) {
  bool use_normalized = normalized && !normalizer.empty();
  (use_normalized ? normalized_added : raw_added)
      .add(token.content, token.id, lstrip, rstrip, single_word);
  vocab_size = std::max<std::size_t>(vocab_size, token.id + 1);
  auto [it, inserted] = added_by_id.emplace(token.id, added.size());
  if (inserted) {
    added.push_back(std::move(token));
  } else {
    added[it->second] = std::move(token);
  }
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

namespace {

// Normalizes, pre-tokenizes and BPE-encodes one stretch of text between added tokens.
// `at_start`: the stretch begins the input (Metaspace's "first" prepend scheme).
void encode_plain(const Tokenizer::Impl& impl, std::string_view text, bool parse_special,
                  std::vector<TokenId>& out, internal::PieceCache* cache, bool at_start) {
  thread_local std::string buffer;
  thread_local std::vector<Span> pieces;
  thread_local std::vector<Segment> segments;
  buffer.assign(text);
  impl.normalizer.apply(buffer);
  auto encode_pieces = [&](std::string& normalized, bool first) {
    impl.pre_tokenizer.split(normalized, pieces, first);
    for (const Span& p : pieces) {
      impl.bpe.encode(std::string_view(normalized).substr(p.begin, p.end - p.begin), out, cache);
    }
  };
  if (!parse_special || impl.normalized_added.empty()) {
    encode_pieces(buffer, at_start);
    return;
  }
  segments.clear();
  impl.normalized_added.split(buffer, segments);
  std::string normalized = std::move(buffer);
  std::vector<Segment> local(segments);
  for (const Segment& s : local) {
    if (s.id != kNoToken) {
      out.push_back(s.id);
    } else {
      std::string part = normalized.substr(s.begin, s.end - s.begin);
      encode_pieces(part, at_start && s.begin == 0);
    }
  }
}

// Byte-level decoding: the tokens' bytes, joined (no per-token strings).
std::string decode_bytes(const Tokenizer::Impl& impl, std::span<const TokenId> ids, bool skip_special) {
  std::string out, run;
  for (TokenId id : ids) {
    auto added = impl.added_by_id.empty() ? impl.added_by_id.end() : impl.added_by_id.find(id);
    if (added != impl.added_by_id.end()) {
      const SpecialToken& token = impl.added[added->second];
      if (skip_special && token.special) continue;
      out += internal::utf8_lossy(run);
      run.clear();
      out += token.content;
    } else {
      run += impl.bpe.token(id);
    }
  }
  out += internal::utf8_lossy(run);
  return out;
}

}  // namespace

void Tokenizer::encode_into(std::string_view text, std::vector<TokenId>& out,
                            EncodeOptions options) const {
  const Impl& impl = *impl_;
  std::unique_lock lock(impl.cache_mutex, std::try_to_lock);
  internal::PieceCache* cache = lock.owns_lock() ? &impl.cache : nullptr;
  if (options.add_special_tokens) out.insert(out.end(), impl.prefix.begin(), impl.prefix.end());
  if (!options.parse_special || impl.raw_added.empty()) {
    encode_plain(impl, text, options.parse_special, out, cache, true);
  } else {
    std::vector<Segment> segments;
    impl.raw_added.split(text, segments);
    for (const Segment& s : segments) {
      if (s.id != kNoToken) {
        out.push_back(s.id);
      } else {
        encode_plain(impl, text.substr(s.begin, s.end - s.begin), true, out, cache, s.begin == 0);
      }
    }
  }
  if (options.add_special_tokens) out.insert(out.end(), impl.suffix.begin(), impl.suffix.end());
}

std::vector<TokenId> Tokenizer::encode(std::string_view text, EncodeOptions options) const {
  std::vector<TokenId> ids;
  ids.reserve(text.size() / 3 + 4);
  encode_into(text, ids, options);
  return ids;
}

std::size_t Tokenizer::count(std::string_view text, EncodeOptions options) const {
  thread_local std::vector<TokenId> ids;
  ids.clear();
  encode_into(text, ids, options);
  return ids.size();
}

std::string Tokenizer::decode(std::span<const TokenId> ids, bool skip_special) const {
  if (impl_->decoder.concatenates()) return decode_bytes(*impl_, ids, skip_special);
  // As HF: model tokens are decoded in runs; added tokens go in as their text.
  std::string out;
  std::vector<std::string> run;
  auto flush = [&] {
    if (!run.empty()) out += impl_->decoder.decode(std::move(run));
    run.clear();
  };
  for (TokenId id : ids) {
    auto added = impl_->added_by_id.find(id);
    if (added != impl_->added_by_id.end()) {
      const SpecialToken& token = impl_->added[added->second];
      if (skip_special && token.special) continue;
      flush();
      out += token.content;
    } else if (id < impl_->bpe.id_limit()) {
      run.emplace_back(impl_->bpe.token(id));
    }
  }
  flush();
  return out;
}

const std::vector<SpecialToken>& Tokenizer::special_tokens() const { return impl_->added; }

std::optional<TokenId> Tokenizer::token_to_id(std::string_view token) const {
  for (const SpecialToken& t : impl_->added) {
    if (t.content == token) return t.id;
  }
  if (impl_->bpe.options().byte_level) {
    if (auto bytes = internal::byte_level_decode(token)) return impl_->bpe.find(*bytes);
  }
  return impl_->bpe.find(token);
}

std::size_t Tokenizer::vocab_size() const { return impl_->vocab_size; }
const std::string& Tokenizer::description() const { return impl_->description; }

Expected<Tokenizer> load_tokenizer(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return fail(make_error(ErrorCode::kNotFound, "no such tokenizer file").in_file(path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return fail(make_error(ErrorCode::kIo, "cannot read the tokenizer file").in_file(path.string()));
  std::string content = std::move(text).str();
  std::string name = path.filename().string();
  bool tiktoken = path.extension() == ".tiktoken" ||
                  (!content.empty() && content.find_first_not_of(" \t\r\n") != std::string::npos &&
                   content[content.find_first_not_of(" \t\r\n")] != '{');
  if (tiktoken) return load_tiktoken(content, path.stem().string(), path.string());
  return load_tokenizer_json(content, path.string());
}

}  // namespace aiperf::tokenizer
