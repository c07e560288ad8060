#include "mock_server/testing/http_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace aiperf::testing {
namespace {

using Clock = std::chrono::steady_clock;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if (std::tolower(x) != std::tolower(y)) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left) + 1;
}

// Reads more bytes into buf. Returns >0 bytes read, 0 on EOF, -1 on error/timeout (r updated).
long read_more(int fd, std::string& buf, Clock::time_point deadline, HttpResponse& r, Clock::time_point& at) {
  for (;;) {
    if (Clock::now() >= deadline) {
      r.timed_out = true;
      r.error = "timeout";
      return -1;
    }
    pollfd p{fd, POLLIN, 0};
    const int pr = ::poll(&p, 1, remaining_ms(deadline));
    if (pr < 0 && errno == EINTR) continue;
    if (pr < 0) {
      r.error = std::string("poll: ") + std::strerror(errno);
      return -1;
    }
    if (pr == 0) continue;  // deadline check above
    char tmp[16384];
    const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    at = Clock::now();
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) {
      r.reset = errno == ECONNRESET;
      r.error = r.reset ? "connection reset" : std::string("recv: ") + std::strerror(errno);
      return -1;
    }
    buf.append(tmp, static_cast<std::size_t>(n));
    return n;
  }
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

double HttpResponse::chunk_ms(std::size_t i) const {
  return std::chrono::duration<double, std::milli>(chunks.at(i).arrival - sent).count();
}

HttpConnection::HttpConnection(int port, std::string host, std::chrono::milliseconds timeout)
    : host_(std::move(host)) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) {
    error_ = std::string("socket: ") + std::strerror(errno);
    return;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr) != 1) {
    error_ = "not an IPv4 address: " + host_;
    close();
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) {
      error_ = std::string("connect: ") + std::strerror(errno);
      close();
      return;
    }
    pollfd p{fd_, POLLOUT, 0};
    int pr;
    do {
      pr = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (pr < 0 && errno == EINTR);
    int err = 0;
    socklen_t len = sizeof err;
    if (pr <= 0) {
      error_ = "connect: timeout";
      close();
      return;
    }
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      error_ = std::string("connect: ") + std::strerror(err);
      close();
      return;
    }
  }
}

HttpConnection::~HttpConnection() { close(); }

void HttpConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

HttpResponse HttpConnection::request(std::string_view method, std::string_view path, std::string_view body,
                                     const RequestOptions& options) {
  HttpResponse r;
  const auto deadline = Clock::now() + options.timeout;
  if (fd_ < 0) {
    r.error = error_.empty() ? "not connected" : error_;
    return r;
  }
  std::string req;
  req.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ").append(host_).append("\r\n");
  bool has_type = false;
  for (const auto& [k, v] : options.headers) {
    req.append(k).append(": ").append(v).append("\r\n");
    if (iequals(k, "content-type")) has_type = true;
  }
  if (!body.empty() || method == "POST") {
    if (!has_type) req.append("Content-Type: application/json\r\n");
    req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  req.append("\r\n").append(body);

  // Send everything.
  std::size_t off = 0;
  while (off < req.size()) {
    const ssize_t n = ::send(fd_, req.data() + off, req.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, remaining_ms(deadline)) <= 0) {
        r.timed_out = true;
        r.error = "timeout while sending";
        close();
        return r;
      }
      continue;
    }
    r.reset = errno == ECONNRESET;
    r.error = std::string("send: ") + std::strerror(errno);
    close();
    return r;
  }
  r.sent = Clock::now();

  Clock::time_point at = r.sent;
  auto fail = [&](std::string_view what) {
    if (r.error.empty()) r.error = std::string(what);
    close();
    return r;
  };

  // Head.
  std::size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    const long n = read_more(fd_, buffer_, deadline, r, at);
    if (n <= 0) return fail(n == 0 ? "connection closed before the response head" : "");
  }
  const std::string head = buffer_.substr(0, head_end);
  buffer_.erase(0, head_end + 4);
  std::size_t line_end = head.find("\r\n");
  const std::string status_line = head.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return fail("bad status line: " + status_line);
  r.status = std::atoi(status_line.c_str() + 9);
  while (line_end != std::string::npos) {
    const std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string_view line =
        std::string_view(head).substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    r.headers.emplace_back(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }
  const bool chunked = r.header("transfer-encoding").value_or("").find("chunked") != std::string::npos;
  const auto length = r.header("content-length");
  const bool closes = iequals(r.header("connection").value_or(""), "close");
  const bool no_body = method == "HEAD" || r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200);

  if (no_body) {
    r.complete = true;
  } else if (chunked) {
    for (;;) {
      // Decode every complete chunk in the buffer.
      bool last = false;
      for (;;) {
        const auto eol = buffer_.find("\r\n");
        if (eol == std::string::npos) break;
        const std::size_t size = std::strtoul(buffer_.c_str(), nullptr, 16);
        if (size == 0) {
          // Last chunk: wait for the (empty) trailer section.
          const auto trailer_end = buffer_.find("\r\n\r\n", eol);
          if (trailer_end == std::string::npos) break;
          buffer_.erase(0, trailer_end + 4);
          last = true;
          break;
        }
        if (buffer_.size() < eol + 2 + size + 2) break;
        BodyChunk c{buffer_.substr(eol + 2, size), at};
        r.body += c.data;
        r.chunks.push_back(std::move(c));
        buffer_.erase(0, eol + 2 + size + 2);
      }
      if (last) {
        r.complete = true;
        break;
      }
      const long n = read_more(fd_, buffer_, deadline, r, at);
      if (n <= 0) return fail(n == 0 ? "connection closed mid-body" : "");
    }
  } else if (length) {
    const std::size_t want = std::strtoul(length->c_str(), nullptr, 10);
    auto take = [&] {
      const std::size_t k = std::min(want - r.body.size(), buffer_.size());
      if (k == 0) return;
      r.chunks.push_back(BodyChunk{buffer_.substr(0, k), at});
      r.body += r.chunks.back().data;
      buffer_.erase(0, k);
    };
    take();
    while (r.body.size() < want) {
      const long n = read_more(fd_, buffer_, deadline, r, at);
      if (n <= 0) return fail(n == 0 ? "connection closed mid-body" : "");
      take();
    }
    r.complete = true;
  } else {
    // Body delimited by the end of the connection.
    if (!buffer_.empty()) {
      r.chunks.push_back(BodyChunk{buffer_, at});
      r.body += buffer_;
      buffer_.clear();
    }
    for (;;) {
      const long n = read_more(fd_, buffer_, deadline, r, at);
      if (n < 0) return fail("");
      if (n == 0) break;
      r.chunks.push_back(BodyChunk{buffer_, at});
      r.body += buffer_;
      buffer_.clear();
    }
    r.complete = true;
    close();
  }
  if (closes) close();
  return r;
}

HttpResponse http_get(int port, std::string_view path, const RequestOptions& options) {
  HttpConnection c(port);
  RequestOptions o = options;
  o.headers.emplace_back("Connection", "close");
  return c.request("GET", path, {}, o);
}

HttpResponse http_post(int port, std::string_view path, std::string_view body, const RequestOptions& options) {
  HttpConnection c(port);
  RequestOptions o = options;
  o.headers.emplace_back("Connection", "close");
  return c.request("POST", path, body, o);
}

std::vector<std::string> sse_data(std::string_view body) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto end = body.find("\n\n", pos);
    const std::string_view event = body.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    std::string data;
    bool any = false;
    std::size_t lp = 0;
    while (lp <= event.size()) {
      auto le = event.find('\n', lp);
      std::string_view line = event.substr(lp, le == std::string_view::npos ? std::string_view::npos : le - lp);
      if (line.rfind("data:", 0) == 0) {
        line.remove_prefix(5);
        if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
        if (any) data.push_back('\n');
        data.append(line);
        any = true;
      }
      if (le == std::string_view::npos) break;
      lp = le + 1;
    }
    if (any) out.push_back(std::move(data));
    if (end == std::string_view::npos) break;
    pos = end + 2;
  }
  return out;
}

std::vector<std::string> ndjson_lines(std::string_view body) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto end = body.find('\n', pos);
    std::string_view line = body.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (!trim(line).empty()) out.emplace_back(line);
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return out;
}

}  // namespace aiperf::testing
