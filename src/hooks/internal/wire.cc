#include "hooks/internal/wire.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace aiperf::hooks::wire {

using nlohmann::json;

std::string encode(const json& message) {
  return message.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

Expected<json> decode(std::string_view line) {
  json j = json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::kMalformedInput, "hook host frame is not JSON");
  if (!j.is_object()) return fail(ErrorCode::kMalformedInput, "hook host frame is not a JSON object");
  return j;
}

json hello(const std::vector<plugin::SearchDir>& search_path, bool allow_insecure) {
  json dirs = json::array();
  for (const auto& d : search_path) dirs.push_back({{"dir", d.dir.string()}, {"origin", plugin::origin_name(d.origin)}});
  return {{"op", "hello"}, {"version", kVersion}, {"search_path", dirs}, {"allow_insecure", allow_insecure}};
}

Expected<std::vector<plugin::SearchDir>> search_path_from(const json& hello) {
  using plugin::PathOrigin;
  auto dirs = hello.find("search_path");
  if (dirs == hello.end() || !dirs->is_array()) return fail(ErrorCode::kMalformedInput, "hello without a search_path");
  std::vector<plugin::SearchDir> out;
  for (const auto& d : *dirs) {
    if (!d.is_object() || !d.contains("dir") || !d["dir"].is_string() || !d.contains("origin")) {
      return fail(ErrorCode::kMalformedInput, "search_path entry must be {dir, origin}");
    }
    std::optional<PathOrigin> origin;
    for (auto o : {PathOrigin::kCommandLine, PathOrigin::kEnvironment, PathOrigin::kConfig, PathOrigin::kUser,
                   PathOrigin::kInstallPrefix}) {
      if (d["origin"] == plugin::origin_name(o)) origin = o;
    }
    if (!origin) return fail(ErrorCode::kMalformedInput, "unknown search path origin " + d["origin"].dump());
    out.push_back({d["dir"].get<std::string>(), *origin});
  }
  return out;
}

json ok(json fields) {
  fields["ok"] = true;
  return fields;
}

json failed(std::string_view error) { return {{"ok", false}, {"error", error}}; }

ReadResult FrameReader::read(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      auto message = decode(std::string_view(buffer_).substr(0, nl));
      buffer_.erase(0, nl + 1);
      if (!message) return {ReadStatus::kMalformed, {}, message.error().message};
      return {ReadStatus::kOk, std::move(*message), {}};
    }
    if (buffer_.size() > kMaxFrameBytes) return {ReadStatus::kMalformed, {}, "hook host frame over 16 MiB"};
    int wait_ms = -1;
    if (timeout.count() >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return {ReadStatus::kTimedOut, {}, {}};
      wait_ms = static_cast<int>(std::min<int64_t>(left.count() + 1, 60'000));
    }
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return {ReadStatus::kClosed, {}, std::string("poll: ") + std::strerror(errno)};
    if (ready == 0) continue;  // the deadline check above decides
    char chunk[65536];
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return {ReadStatus::kClosed, {}, n < 0 ? std::string("read: ") + std::strerror(errno) : ""};
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

bool write_all(int fd, std::string_view frame) {
  while (!frame.empty()) {
    ssize_t n = ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    frame.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace aiperf::hooks::wire
