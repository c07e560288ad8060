#include "transport/sse_parser.h"

#include <cstring>
#include <limits>

namespace aiperf::transport {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Position of the first CR or LF in `in`, or npos. `cr` caches the first CR at or after
// in.data() (or in's end) across the lines of one slice: a stream without CRs is searched for
// them once per slice, not once per line, and for LF only up to the next CR.
std::size_t find_line_end(std::string_view in, const char*& cr) {
  const char* p = in.data();
  const char* end = p + in.size();
  if (cr == nullptr || cr < p) {
    const void* found = std::memchr(p, '\r', in.size());
    cr = found ? static_cast<const char*>(found) : end;
  }
  const std::size_t limit = static_cast<std::size_t>(cr - p);
  if (const void* lf = std::memchr(p, '\n', limit)) return static_cast<std::size_t>(static_cast<const char*>(lf) - p);
  return cr != end ? limit : std::string_view::npos;
}

// The spec's "only ASCII digits" rule; empty and overflowing values are ignored.
std::optional<uint64_t> parse_retry(std::string_view value) {
  if (value.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return v;
}

}  // namespace

std::string_view sse_status_name(SseStatus status) {
  switch (status) {
    case SseStatus::kOk: return "ok";
    case SseStatus::kEventTooLarge: return "event_too_large";
    case SseStatus::kTruncated: return "truncated";
  }
  return "ok";
}

SseStatus SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  return feed(bytes, [&out](const SseEventView& ev) { out.push_back(SseEvent::from(ev)); });
}

SseStatus SseParser::feed_impl(std::string_view in, Sink sink, void* ctx) {
  if (failed_) return SseStatus::kEventTooLarge;

  if (at_start_) {
    // A BOM may be split across slices: match it byte by byte.
    while (!in.empty() && bom_matched_ < kBom.size() && in.front() == kBom[bom_matched_]) {
      ++bom_matched_;
      in.remove_prefix(1);
    }
    if (bom_matched_ == kBom.size()) {
      at_start_ = false;
    } else if (!in.empty()) {
      // Not a BOM: the bytes matched so far were ordinary stream bytes.
      at_start_ = false;
      const std::string_view replay = kBom.substr(0, bom_matched_);
      bom_matched_ = 0;
      if (!replay.empty()) {
        const SseStatus s = feed_impl(replay, sink, ctx);
        if (s != SseStatus::kOk) return s;
      }
    } else {
      return SseStatus::kOk;  // all input was a BOM prefix; wait for more
    }
  }

  const std::size_t max = options_.max_event_bytes;
  const char* cr = nullptr;  // see find_line_end
  while (!in.empty()) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (in.front() == '\n') {
        in.remove_prefix(1);
        continue;
      }
    }
    const std::size_t base = data_.size() + type_.size() + id_buf_.size();
    const std::size_t pos = find_line_end(in, cr);
    if (pos == std::string_view::npos) {
      if (base + line_.size() + in.size() > max) {
        failed_ = true;
        return SseStatus::kEventTooLarge;
      }
      line_.append(in);
      return SseStatus::kOk;
    }
    // The same bound whether or not the line was split across slices, so the
    // outcome never depends on how the stream was cut.
    if (base + line_.size() + pos > max) {
      failed_ = true;
      return SseStatus::kEventTooLarge;
    }
    // The usual event: one data line, then the blank line, both in this slice. It is dispatched
    // straight from the input, not copied into data_ (the same event and bounds as the long way).
    if (line_.empty() && data_.empty() && in[pos] == '\n' && pos + 1 < in.size() && in[pos + 1] == '\n' &&
        in.substr(0, 5) == "data:" && base + pos <= max) {
      std::string_view value = in.substr(5, pos - 5);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      dispatch(value, sink, ctx);
      in.remove_prefix(pos + 2);
      continue;
    }
    std::string_view line;
    if (line_.empty()) {
      line = in.substr(0, pos);  // zero-copy: the whole line is in this slice
    } else {
      line_.append(in.data(), pos);
      line = line_;
    }
    skip_lf_ = in[pos] == '\r';
    in.remove_prefix(pos + 1);
    const bool within_bounds = process_line(line, sink, ctx);
    line_.clear();
    if (!within_bounds) {
      failed_ = true;
      return SseStatus::kEventTooLarge;
    }
  }
  return SseStatus::kOk;
}

void SseParser::dispatch(std::optional<std::string_view> data, Sink sink, void* ctx) {
  if (last_id_ != id_buf_) last_id_ = id_buf_;
  event_pending_ = false;
  if (data) {
    SseEventView ev;
    ev.type = type_.empty() ? std::string_view("message") : std::string_view(type_);
    ev.data = *data;
    ev.id = last_id_;
    ev.retry_ms = event_retry_;
    sink(ctx, ev);
  }
  data_.clear();
  type_.clear();
  event_retry_.reset();
}

bool SseParser::process_line(std::string_view line, Sink sink, void* ctx) {
  if (line.empty()) {
    if (data_.empty()) {
      dispatch(std::nullopt, sink, ctx);
    } else {
      dispatch(std::string_view(data_).substr(0, data_.size() - 1), sink, ctx);  // drop the final '\n'
    }
    return true;
  }
  if (line.front() == ':') return true;  // comment

  std::string_view field = line;
  std::string_view value;
  if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  event_pending_ = true;
  if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
  } else if (field == "event") {
    type_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) id_buf_.assign(value);
  } else if (field == "retry") {
    if (auto v = parse_retry(value)) {
      retry_ms_ = v;
      event_retry_ = v;
    }
  }
  return data_.size() + type_.size() + id_buf_.size() <= options_.max_event_bytes;
}

SseStatus SseParser::finish() {
  if (failed_) return SseStatus::kEventTooLarge;
  const bool pending = !line_.empty() || event_pending_ || !data_.empty() || (at_start_ && bom_matched_ > 0);
  // Per spec, an event not terminated by a blank line is discarded.
  line_.clear();
  data_.clear();
  type_.clear();
  event_retry_.reset();
  event_pending_ = false;
  bom_matched_ = 0;
  skip_lf_ = false;
  return pending ? SseStatus::kTruncated : SseStatus::kOk;
}

SseStatus SseParser::finish(std::vector<SseEvent>& out) {
  return finish([&out](const SseEventView& ev) { out.push_back(SseEvent::from(ev)); });
}

SseStatus SseParser::finish_impl(Sink sink, void* ctx) {
  if (failed_) return SseStatus::kEventTooLarge;
  // A lone BOM prefix at EOF is ordinary bytes of an (unknown) field name.
  if (at_start_ && bom_matched_ > 0) line_.assign(kBom.substr(0, bom_matched_));
  bool within_bounds = true;
  if (!line_.empty()) {
    const std::string line = std::move(line_);
    line_.clear();
    within_bounds = process_line(line, sink, ctx);
  }
  if (within_bounds && (event_pending_ || !data_.empty())) process_line({}, sink, ctx);
  const SseStatus status = within_bounds ? SseStatus::kOk : SseStatus::kEventTooLarge;
  failed_ = !within_bounds;
  finish();
  return status;
}

void SseParser::reset() { *this = SseParser(options_); }

}  // namespace aiperf::transport
