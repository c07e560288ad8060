#include "tokenizer/internal/decoder.h"

#include "tokenizer/internal/byte_level.h"

namespace aiperf::tokenizer::internal {
namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

// "<0x41>" -> 0x41, or -1.
int byte_token(const std::string& t) {
  if (t.size() != 6 || t[0] != '<' || t[1] != '0' || t[2] != 'x' || t[5] != '>') return -1;
  auto hex = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  };
  int hi = hex(t[3]), lo = hex(t[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

bool valid_utf8(const std::string& s) { return utf8_lossy(s) == s; }

std::vector<std::string> byte_fallback(std::vector<std::string> tokens) {
  std::vector<std::string> out;
  std::string bytes;
  std::size_t run = 0;
  auto flush = [&] {
    if (run == 0) return;
    if (valid_utf8(bytes)) {
      out.push_back(bytes);
    } else {
      for (std::size_t i = 0; i < run; ++i) out.emplace_back("\xEF\xBF\xBD");
    }
    bytes.clear();
    run = 0;
  };
  for (std::string& t : tokens) {
    int b = byte_token(t);
    if (b >= 0) {
      bytes += static_cast<char>(b);
      ++run;
    } else {
      flush();
      out.push_back(std::move(t));
    }
  }
  flush();
  return out;
}

void strip(std::string& t, const std::string& ch, int start, int stop) {
  for (int i = 0; i < start && !ch.empty() && t.compare(0, ch.size(), ch) == 0; ++i) t.erase(0, ch.size());
  for (int i = 0; i < stop && !ch.empty() && t.size() >= ch.size() &&
                  t.compare(t.size() - ch.size(), ch.size(), ch) == 0;
       ++i) {
    t.resize(t.size() - ch.size());
  }
}

std::vector<std::string> fuse(std::vector<std::string> tokens) {
  std::string all;
  for (const std::string& t : tokens) all += t;
  return {std::move(all)};
}

}  // namespace

std::string Decoder::decode(std::vector<std::string> tokens) const {
  for (const DecoderStep& step : steps_) {
    switch (step.kind) {
      case DecoderStep::Kind::kByteLevel:  // tokens already hold raw bytes
      case DecoderStep::Kind::kFuse: tokens = fuse(std::move(tokens)); break;
      case DecoderStep::Kind::kByteFallback: tokens = byte_fallback(std::move(tokens)); break;
      case DecoderStep::Kind::kReplace:
        for (std::string& t : tokens) replace_all(t, step.pattern, step.content);
        break;
      case DecoderStep::Kind::kStrip:
        for (std::string& t : tokens) strip(t, step.pattern, step.start, step.stop);
        break;
      case DecoderStep::Kind::kMetaspace:
        for (std::size_t i = 0; i < tokens.size(); ++i) {
          replace_all(tokens[i], step.pattern, " ");
          if (i == 0 && step.prefix_space && !tokens[i].empty() && tokens[i][0] == ' ') {
            tokens[i].erase(0, 1);
          }
        }
        break;
    }
  }
  std::string out;
  for (const std::string& t : tokens) out += t;
  return utf8_lossy(out);
}

}  // namespace aiperf::tokenizer::internal
