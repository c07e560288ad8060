#include "cli/tokenize_command.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "tokenizer/resolve.h"

namespace aiperf::cli {
namespace {

struct TokenizeOptions {
  std::string tokenizer;
  std::string input = "-";
  bool ids = false;
  bool no_special = false;
  bool stats = false;
};

bool read_input(const std::string& input, std::string& text) {
  std::ostringstream buffer;
  if (input == "-") {
    buffer << std::cin.rdbuf();
  } else {
    std::ifstream in(input, std::ios::binary);
    if (!in) return false;
    buffer << in.rdbuf();
  }
  text = std::move(buffer).str();
  return true;
}

int run_tokenize(const TokenizeOptions& o) {
  auto tok = tokenizer::open_tokenizer(o.tokenizer);
  if (!tok) {
    fmt::print(stderr, "error: {}\n", tok.error().describe());
    return 2;
  }
  std::string text;
  if (!read_input(o.input, text)) {
    fmt::print(stderr, "error: {}: cannot read the input file\n", o.input);
    return 2;
  }
  tokenizer::EncodeOptions options{!o.no_special, !o.no_special};
  std::vector<tokenizer::TokenId> ids;
  std::string out;
  std::size_t total_tokens = 0, lines = 0;
  auto start = std::chrono::steady_clock::now();
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    ids.clear();
    tok->encode_into(std::string_view(text).substr(pos, eol - pos), ids, options);
    pos = eol + 1;
    ++lines;
    total_tokens += ids.size();
    if (o.ids) {
      for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i > 0) out += ' ';
        fmt::format_to(std::back_inserter(out), "{}", ids[i]);
      }
      out += '\n';
    } else {
      fmt::format_to(std::back_inserter(out), "{}\n", ids.size());
    }
    if (out.size() > (1 << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (o.stats) {
    fmt::print(stderr, "{} lines, {} tokens, {} bytes, {:.3f} s, {:.1f} MB/s, {:.0f} tokens/s ({})\n", lines,
               total_tokens, text.size(), seconds, seconds > 0 ? text.size() / seconds / 1e6 : 0.0,
               seconds > 0 ? total_tokens / seconds : 0.0, tok->description());
  }
  return 0;
}

}  // namespace

void add_tokenize_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<TokenizeOptions>();
  auto* cmd = app.add_subcommand("tokenize", "Count or list the tokens of each input line");
  cmd->add_option("--tokenizer", o->tokenizer,
                  "tokenizer.json, a directory holding one, a .tiktoken file, or a model name "
                  "in the HuggingFace cache")
      ->required();
  cmd->add_flag("--ids", o->ids, "Print the token ids of each line instead of its count");
  cmd->add_flag("--no-special", o->no_special,
                "No BOS/EOS, and special-token strings in the text are plain text");
  cmd->add_flag("--stats", o->stats, "Print lines, tokens, bytes and MB/s to stderr at the end");
  cmd->add_option("file", o->input, "Input file, or - for stdin (default)");
  cmd->callback([&exit_code, o] { exit_code = run_tokenize(*o); });
}

}  // namespace aiperf::cli
