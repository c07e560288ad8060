// Unit tests of the tokenizer pipeline on small hand-written tokenizers.
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <string>

#include "tokenizer/internal/pretokenizer.h"
#include "tokenizer/internal/regex.h"

namespace aiperf::tokenizer {
namespace {

using internal::Span;
using internal::SplitBehavior;

// A byte-level BPE over "a", "b", " " ('Ġ') with merges ab, Ġa, abab.
std::string tiny_byte_level(const std::string& extra = "", bool ignore_merges = false) {
  return R"({"version": "1.0",
    "added_tokens": [{"id": 9, "content": "<|end|>", "special": true, "normalized": false,
                      "lstrip": false, "rstrip": false, "single_word": false},
                     {"id": 10, "content": "<|end|>x", "special": false, "normalized": false,
                      "lstrip": false, "rstrip": false, "single_word": false}],
    "normalizer": null,
    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
      {"type": "Split", "pattern": {"Regex": " ?[ab]+|\\s+"}, "behavior": "Isolated", "invert": false},
      {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]},
    "post_processor": {"type": "TemplateProcessing", "single": [
        {"SpecialToken": {"id": "<|end|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
      "special_tokens": {"<|end|>": {"id": "<|end|>", "ids": [9], "tokens": ["<|end|>"]}}},
    "decoder": {"type": "ByteLevel"},
    "model": {"type": "BPE", "ignore_merges": )" +
         std::string(ignore_merges ? "true" : "false") + R"(,
      "vocab": {"a": 0, "b": 1, "Ġ": 2, "ab": 3, "Ġa": 4, "abab": 5, "Ġab": 6, "bab": 7)" +
         extra + R"(},
      "merges": ["a b", ["Ġ", "a"], "ab ab", "Ġa b"]}})";
}

TEST(TokenizerTest, MergesByRankLeftmostFirst) {
  auto tok = load_tokenizer_json(tiny_byte_level());
  ASSERT_TRUE(tok) << tok.error().describe();
  // "abab": a b a b -> ab a b -> ab ab -> abab
  EXPECT_EQ(tok->encode("abab", {false, true}), (std::vector<TokenId>{5}));
  // " ab": Ġ a b -> Ġ ab (rank 0 beats Ġa rank 1) ; "Ġ ab" has no merge
  EXPECT_EQ(tok->encode(" ab", {false, true}), (std::vector<TokenId>{2, 3}));
  EXPECT_EQ(tok->encode(" a", {false, true}), (std::vector<TokenId>{4}));
}

TEST(TokenizerTest, IgnoreMergesTakesWholeVocabularyPiece) {
  // "bab" is in the vocab but unreachable by merges: only ignore_merges emits it whole.
  auto merged = load_tokenizer_json(tiny_byte_level());
  auto whole = load_tokenizer_json(tiny_byte_level("", true));
  ASSERT_TRUE(merged && whole);
  EXPECT_EQ(merged->encode("bab", {false, true}), (std::vector<TokenId>{1, 3}));
  EXPECT_EQ(whole->encode("bab", {false, true}), (std::vector<TokenId>{7}));
}

TEST(TokenizerTest, LongPieceMergesLikeShortOnes) {
  // 400 symbols take the heap path; the result must be the same pairs as a short piece.
  auto tok = load_tokenizer_json(tiny_byte_level());
  ASSERT_TRUE(tok);
  std::string text;
  for (int i = 0; i < 100; ++i) text += "abab";
  auto ids = tok->encode(text + "a", {false, true});
  ASSERT_EQ(ids.size(), 101u);
  EXPECT_EQ(ids.back(), 0u);
  for (std::size_t i = 0; i + 1 < ids.size(); ++i) ASSERT_EQ(ids[i], 5u) << i;
}

TEST(TokenizerTest, AddsTemplateTokenAndMatchesAddedTokensLongestFirst) {
  auto tok = load_tokenizer_json(tiny_byte_level());
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode("ab<|end|>ab<|end|>x"), (std::vector<TokenId>{9, 3, 9, 3, 10}));
  EXPECT_EQ(tok->count("ab", {false, true}), 1u);
  // Without parsing, the special string is plain text (bytes without tokens are dropped).
  EXPECT_EQ(tok->count("<|end|>", {false, false}), 0u);
}

TEST(TokenizerTest, DecodesBytesAndSkipsSpecialTokens) {
  auto tok = load_tokenizer_json(tiny_byte_level());
  ASSERT_TRUE(tok);
  std::vector<TokenId> ids = {9, 4, 1, 2, 5};
  EXPECT_EQ(tok->decode(ids), "<|end|> ab abab");
  EXPECT_EQ(tok->decode(ids, true), " ab abab");
  EXPECT_EQ(tok->token_to_id("Ġab"), 6u);
}

// SentencePiece-style: Prepend ▁, Replace " " -> ▁, byte fallback, fuse unk.
const char* kByteFallback = R"({
  "added_tokens": [{"id": 1, "content": "<s>", "special": true}],
  "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
                 {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
  "pre_tokenizer": null,
  "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}},
      {"Sequence": {"id": "A"}}], "special_tokens": {"<s>": {"id": "<s>", "ids": [1]}}},
  "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
      {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
  "model": {"type": "BPE", "byte_fallback": true, "fuse_unk": true, "unk_token": "<unk>",
    "vocab": {"<unk>": 0, "<s>": 1, "▁": 2, "h": 3, "i": 4, "▁h": 5, "▁hi": 6, "<0xC3>": 7, "<0xA9>": 8},
    "merges": ["▁ h", "▁h i"]}})";

TEST(TokenizerTest, FallsBackToBytesAndDecodesThem) {
  auto tok = load_tokenizer_json(kByteFallback);
  ASSERT_TRUE(tok) << tok.error().describe();
  // "hi é": ▁hi ▁ <0xC3> <0xA9>
  auto ids = tok->encode("hi é");
  EXPECT_EQ(ids, (std::vector<TokenId>{1, 6, 2, 7, 8}));
  EXPECT_EQ(tok->decode(ids, true), "hi é");
  // "z" has neither a token nor byte tokens: one fused unk for "zz".
  EXPECT_EQ(tok->encode("hizz", {false, true}), (std::vector<TokenId>{6, 0}));
}

TEST(TokenizerTest, CutsLongSentencePiecesOnlyWhereNoTokenSpansTheCut) {
  // "a▁b" spans a cut before ▁ after "a"; nothing spans one after "b".
  auto tok = load_tokenizer_json(R"({"model": {"type": "BPE",
    "vocab": {"▁": 0, "a": 1, "b": 2, "a▁": 3, "a▁b": 4, "▁b": 5, "b▁": 6},
    "merges": ["a ▁", "a▁ b", "▁ b"]}})");
  ASSERT_TRUE(tok) << tok.error().describe();
  std::string text;
  for (int i = 0; i < 20; ++i) text += "a▁b";
  auto ids = tok->encode(text);
  EXPECT_EQ(ids, std::vector<TokenId>(20, 4));  // long (> 32 bytes): the same as whole-piece BPE
  EXPECT_EQ(tok->encode("b▁b▁b▁b▁b▁b▁b▁b▁b▁b▁b▁b"), (std::vector<TokenId>{2, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}));
}

TEST(TokenizerTest, RefusesUnigramNamingTheModelType) {
  auto tok = load_tokenizer_json(R"({"model": {"type": "Unigram", "vocab": []}})", "t.json");
  ASSERT_FALSE(tok);
  EXPECT_EQ(tok.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(tok.error().describe().find("Unigram"), std::string::npos);
  EXPECT_NE(tok.error().describe().find("t.json"), std::string::npos);
  auto wp = load_tokenizer_json(R"({"model": {"type": "WordPiece", "vocab": {}}})");
  ASSERT_FALSE(wp);
  EXPECT_NE(wp.error().message.find("WordPiece"), std::string::npos);
}

TEST(TokenizerTest, RejectsMalformedFiles) {
  for (const char* bad : {"", "{", "[]", R"({"model": 3})", R"({"model": {"type": "BPE"}})",
                          R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a a"]}})",
                          R"({"model": {"type": "BPE", "vocab": {"a": "x"}, "merges": []}})"}) {
    auto tok = load_tokenizer_json(bad);
    ASSERT_FALSE(tok) << bad;
    EXPECT_EQ(tok.error().code, ErrorCode::kMalformedInput) << bad;
  }
}

TEST(TokenizerTest, ReportsMissingFile) {
  auto tok = load_tokenizer("/nonexistent/tokenizer.json");
  ASSERT_FALSE(tok);
  EXPECT_EQ(tok.error().code, ErrorCode::kNotFound);
}

TEST(TokenizerTest, LoadsTiktokenRanks) {
  // a=0 b=1 ab=2 (base64 YQ== Yg== YWI=)
  auto tok = load_tiktoken("YQ== 0\nYg== 1\nYWI= 2\n", "cl100k_base");
  ASSERT_TRUE(tok) << tok.error().describe();
  EXPECT_EQ(tok->encode("abba", {false, true}), (std::vector<TokenId>{2, 1, 0}));
  EXPECT_FALSE(load_tiktoken("YQ== 0\n", "mystery_base"));
  EXPECT_FALSE(load_tiktoken("YQ== zero\n", "cl100k_base"));
}

TEST(SplitTest, AppliesEachBehaviour) {
  // "a-b-c" with matches on "-" at 1 and 3.
  std::vector<Span> m = {{1, 2}, {3, 4}};
  auto run = [&](SplitBehavior b, bool invert) {
    std::vector<Span> out;
    internal::split_piece(0, 5, m, b, invert, out);
    std::vector<std::pair<int, int>> r;
    for (auto s : out) r.emplace_back(static_cast<int>(s.begin), static_cast<int>(s.end));
    return r;
  };
  using P = std::vector<std::pair<int, int>>;
  EXPECT_EQ(run(SplitBehavior::kRemoved, false), (P{{0, 1}, {2, 3}, {4, 5}}));
  EXPECT_EQ(run(SplitBehavior::kRemoved, true), (P{{1, 2}, {3, 4}}));
  EXPECT_EQ(run(SplitBehavior::kIsolated, false), (P{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}}));
  EXPECT_EQ(run(SplitBehavior::kMergedWithPrevious, false), (P{{0, 2}, {2, 4}, {4, 5}}));
  EXPECT_EQ(run(SplitBehavior::kMergedWithNext, false), (P{{0, 1}, {1, 3}, {3, 5}}));
  EXPECT_EQ(run(SplitBehavior::kContiguous, false), (P{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}}));
}

TEST(RegexTest, WidensWhitespaceToNextLine) {
  EXPECT_EQ(internal::widen_whitespace_classes(R"(\s+(?!\S)|[^\s\p{L}])"),
            R"([\s\x{85}]+(?![^\s\x{85}])|[^\s\x{85}\p{L}])");
  auto re = internal::Regex::compile(R"(\s+)");
  ASSERT_TRUE(re);
  std::vector<Span> spans;
  re->find_all("a\xC2\x85 b", spans);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].begin, 1u);
  EXPECT_EQ(spans[0].end, 4u);
  EXPECT_FALSE(internal::Regex::compile("(unclosed"));
}

}  // namespace
}  // namespace aiperf::tokenizer
