// A minimal open-loop HTTP/1.1 client: about the least a client can do to send requests at fixed
// times and read their responses. One thread, one epoll set, one timerfd re-armed for every send
// (absolute time, edge-triggered: re-arming clears it, so it is never read), keep-alive
// connections, one send and one recv per request, Content-Length responses only, no parsing beyond
// finding the head's end, nothing recorded. bench/request_cost.sh runs it next to aiperf's open
// loop: what the kernel and the wake-ups cost per request here, which a client cannot avoid without
// batching sends or spinning.
// Usage: open_loop_minimal HOST PORT PATH BODY_FILE RATE COUNT   (prints "completed N skipped M")
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr int kConnections = 64;

struct Conn {
  int fd = -1;
  std::string in;  // bytes of the current response
};

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

int connect_to(const char* host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host, &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// True when `in` holds one whole response (its head and Content-Length bytes of body).
bool complete(const std::string& in) {
  std::size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::string_view head(in.data(), end);
  std::size_t at = head.find("Content-Length: ");
  std::size_t length = at == std::string_view::npos ? 0 : std::strtoul(head.data() + at + 16, nullptr, 10);
  return in.size() >= end + 4 + length;
}

void arm(int timer, int64_t at_ns) {
  itimerspec spec{};
  spec.it_value.tv_sec = at_ns / 1'000'000'000;
  spec.it_value.tv_nsec = at_ns % 1'000'000'000;
  timerfd_settime(timer, TFD_TIMER_ABSTIME, &spec, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: open_loop_minimal HOST PORT PATH BODY_FILE RATE COUNT\n");
    return 2;
  }
  const char* host = argv[1];
  const int port = std::atoi(argv[2]);
  std::ifstream body_file(argv[4]);
  std::stringstream body;
  body << body_file.rdbuf();
  const std::string request = std::string("POST ") + argv[3] + " HTTP/1.1\r\nHost: " + host +
                              "\r\nContent-Type: application/json\r\nContent-Length: " +
                              std::to_string(body.str().size()) + "\r\n\r\n" + body.str();
  const int64_t period_ns = static_cast<int64_t>(1e9 / std::atof(argv[5]));
  const long count = std::atol(argv[6]);

  int ep = epoll_create1(0);
  std::vector<Conn> conns(kConnections);
  std::vector<int> idle;
  for (int i = 0; i < kConnections; ++i) {
    conns[i].fd = connect_to(host, port);
    epoll_event ev{EPOLLIN, {.u32 = static_cast<uint32_t>(i)}};
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
    idle.push_back(i);
  }
  int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  epoll_event tev{EPOLLIN | EPOLLET, {.u32 = kConnections}};
  epoll_ctl(ep, EPOLL_CTL_ADD, timer, &tev);

  const int64_t start = now_ns() + 10'000'000;
  long sent = 0, done = 0, skipped = 0;
  arm(timer, start);
  char buf[16384];
  epoll_event events[64];
  while (done + skipped < count) {
    int n = epoll_wait(ep, events, 64, -1);
    for (int e = 0; e < n; ++e) {
      uint32_t id = events[e].data.u32;
      if (id == kConnections) {
        const int64_t now = now_ns();
        while (sent + skipped < count && start + (sent + skipped) * period_ns <= now) {
          if (idle.empty()) { ++skipped; continue; }
          int c = idle.back();
          idle.pop_back();
          (void)!send(conns[c].fd, request.data(), request.size(), MSG_NOSIGNAL);
          ++sent;
        }
        if (sent + skipped < count) arm(timer, start + (sent + skipped) * period_ns);
        continue;
      }
      ssize_t got = recv(conns[id].fd, buf, sizeof buf, 0);
      if (got <= 0) { std::fprintf(stderr, "connection closed\n"); return 1; }
      conns[id].in.append(buf, static_cast<std::size_t>(got));
      if (complete(conns[id].in)) {
        conns[id].in.clear();
        idle.push_back(static_cast<int>(id));
        ++done;
      }
    }
  }
  std::printf("completed %ld skipped %ld\n", done, skipped);
  return 0;
}
