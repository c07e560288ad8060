#include "support/listeners.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "common/testing/process.h"

namespace plugin_test {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  return parts;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::vector<StatsdMetric> parse_statsd(const std::string& datagram) {
  std::vector<StatsdMetric> out;
  for (const auto& line : split(datagram, '\n')) {
    if (line.empty()) continue;
    auto sections = split(line, '|');
    StatsdMetric m;
    auto colon = sections.at(0).rfind(':');
    m.name = sections[0].substr(0, colon);
    m.value = std::stod(sections[0].substr(colon + 1));
    m.type = sections.size() > 1 ? sections[1] : "";
    for (std::size_t i = 2; i < sections.size(); ++i) {
      if (sections[i].starts_with("#")) m.tags = split(sections[i].substr(1), ',');
    }
    out.push_back(std::move(m));
  }
  return out;
}

UdpListener::UdpListener() { std::tie(fd_, port_) = bind_loopback(SOCK_DGRAM); }

UdpListener::~UdpListener() { close(fd_); }

std::vector<std::string> UdpListener::receive(std::chrono::milliseconds quiet, std::chrono::milliseconds limit) {
  std::vector<std::string> datagrams;
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(quiet.count())) <= 0) break;
    char buffer[65536];
    ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0) break;
    datagrams.emplace_back(buffer, static_cast<std::size_t>(n));
  }
  return datagrams;
}

HttpListener::HttpListener(int status, std::string body) : status_(status), body_(std::move(body)) {
  std::tie(fd_, port_) = bind_loopback(SOCK_STREAM);
  if (listen(fd_, 16) != 0) throw std::runtime_error("listen failed");
  thread_ = std::thread([this] { serve(); });
}

HttpListener::~HttpListener() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  thread_.join();
  close(fd_);
}

std::vector<HttpRequestSeen> HttpListener::requests(std::size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
  return requests_;
}

void HttpListener::serve() {
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
    }
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    int client = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    handle(client);
    close(client);
  }
}

void HttpListener::handle(int client) {
  timeval tv{5, 0};
  setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string data;
  char buffer[8192];
  std::size_t head_end;
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = recv(client, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  HttpRequestSeen request;
  auto lines = split(data.substr(0, head_end), '\n');
  std::istringstream first(lines.at(0));
  first >> request.method >> request.target;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    auto colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    std::string value = lines[i].substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
    request.headers[lower(lines[i].substr(0, colon))] = value;
  }
  std::size_t length = request.headers.count("content-length") ? std::stoul(request.headers["content-length"]) : 0;
  request.body = data.substr(head_end + 4);
  while (request.body.size() < length) {
    ssize_t n = recv(client, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    request.body.append(buffer, static_cast<std::size_t>(n));
  }
  std::string response = "HTTP/1.1 " + std::to_string(status_) + " Test\r\nContent-Type: application/json\r\n"
                         "Content-Length: " + std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
  (void)send(client, response.data(), response.size(), MSG_NOSIGNAL);
  std::lock_guard lock(mutex_);
  requests_.push_back(std::move(request));
  changed_.notify_all();
}

}  // namespace plugin_test
