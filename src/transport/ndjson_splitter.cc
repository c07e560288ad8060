#include "transport/ndjson_splitter.h"

#include <cstring>

namespace aiperf::transport {

std::string_view ndjson_status_name(NdjsonStatus status) {
  switch (status) {
    case NdjsonStatus::kOk: return "ok";
    case NdjsonStatus::kLineTooLarge: return "line_too_large";
  }
  return "ok";
}

NdjsonStatus NdjsonSplitter::feed(std::string_view bytes, std::vector<std::string>& out) {
  return feed(bytes, [&out](std::string_view line) { out.emplace_back(line); });
}

NdjsonStatus NdjsonSplitter::finish(std::vector<std::string>& out) {
  return finish([&out](std::string_view line) { out.emplace_back(line); });
}

void NdjsonSplitter::emit(std::string_view line, Sink sink, void* ctx) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') {
      sink(ctx, line);
      return;
    }
  }
  // blank line: skipped
}

NdjsonStatus NdjsonSplitter::feed_impl(std::string_view in, Sink sink, void* ctx) {
  if (failed_) return NdjsonStatus::kLineTooLarge;
  const std::size_t max = options_.max_line_bytes;
  while (!in.empty()) {
    const void* lf = std::memchr(in.data(), '\n', in.size());
    if (!lf) {
      if (line_.size() + in.size() > max) {
        failed_ = true;
        return NdjsonStatus::kLineTooLarge;
      }
      line_.append(in);
      return NdjsonStatus::kOk;
    }
    const auto pos = static_cast<std::size_t>(static_cast<const char*>(lf) - in.data());
    // The same bound whether or not the line was split across slices.
    if (line_.size() + pos > max) {
      failed_ = true;
      return NdjsonStatus::kLineTooLarge;
    }
    if (line_.empty()) {
      emit(in.substr(0, pos), sink, ctx);  // zero-copy
    } else {
      line_.append(in.data(), pos);
      emit(line_, sink, ctx);
      line_.clear();
    }
    in.remove_prefix(pos + 1);
  }
  return NdjsonStatus::kOk;
}

NdjsonStatus NdjsonSplitter::finish_impl(Sink sink, void* ctx) {
  if (failed_) return NdjsonStatus::kLineTooLarge;
  if (!line_.empty()) {
    emit(line_, sink, ctx);
    line_.clear();
  }
  return NdjsonStatus::kOk;
}

}  // namespace aiperf::transport
