#include "transport/testing/tls_peers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace aiperf::transport::testing {
namespace {

using Clock = std::chrono::steady_clock;

pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string out = log.empty() ? "/dev/null" : log;
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

// Waits for pid until `deadline`; true (and its status) once it exited.
bool wait_until(pid_t pid, Clock::time_point deadline, int& status) {
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void openssl(const std::vector<std::string>& args, const std::string& dir) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string log = dir + "/openssl.log";
  if (run_command(argv, log) != 0) throw std::runtime_error("openssl " + args.front() + " failed: " + read_file(log));
}

// A self-signed EC certificate for `cn` with `san` (an openssl subjectAltName value).
void self_signed(const std::string& dir, const std::string& name, const std::string& cn, const std::string& san) {
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
           "-subj", "/CN=" + cn, "-addext", "subjectAltName=" + san, "-keyout", dir + "/" + name + ".key", "-out",
           dir + "/" + name + ".pem"},
          dir);
}

}  // namespace

TempDir::TempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/aiperf-tls-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

int run_command(const std::vector<std::string>& argv, const std::string& log, std::chrono::milliseconds timeout) {
  pid_t pid;
  try {
    pid = spawn(argv, log);
  } catch (const std::exception&) {
    return -1;
  }
  int status = 0;
  if (!wait_until(pid, Clock::now() + timeout, status)) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("free_port: ") + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

int listen_on_loopback(int& port, int backlog) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || (backlog > 0 && ::listen(fd, backlog) != 0) ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("listen_on_loopback: ") + std::strerror(errno));
  }
  port = ntohs(a.sin_port);
  return fd;
}

bool wait_for_port(int port, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TestCerts make_test_certs(const std::string& dir) {
  self_signed(dir, "server", "localhost", "DNS:localhost");
  self_signed(dir, "client", "aiperf-test-client", "DNS:aiperf-test-client");
  self_signed(dir, "other", "localhost", "DNS:localhost");
  return {dir + "/server.pem", dir + "/server.key", dir + "/client.pem", dir + "/client.key", dir + "/other.pem"};
}

// fork + exec with PR_SET_PDEATHSIG, so a server outlives no crashed test.
ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log) : log_(log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int in = ::open("/dev/null", O_RDONLY);
    if (out >= 0) ::dup2(out, STDOUT_FILENO), ::dup2(out, STDERR_FILENO);
    if (in >= 0) ::dup2(in, STDIN_FILENO);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0) return;
  int status = 0;
  ::kill(pid_, SIGTERM);
  if (!wait_until(pid_, Clock::now() + std::chrono::seconds(5), status)) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
}

bool ChildProcess::running() {
  int status = 0;
  return ::waitpid(pid_, &status, WNOHANG) == 0;
}

std::string ChildProcess::log() const { return read_file(log_); }

bool NginxProcess::available() {
  return run_command({"sh", "-c", "command -v nginx || test -x /usr/sbin/nginx"}) == 0;
}

NginxProcess::NginxProcess(const std::string& dir, int port, const std::string& servers) : port_(port) {
  std::ofstream conf(dir + "/nginx.conf");
  conf << "daemon off;\nmaster_process off;\nworker_processes 1;\npid " << dir << "/nginx.pid;\n"
       << "error_log " << dir << "/error.log warn;\nevents { worker_connections 4096; }\nhttp {\n"
       << "  access_log off;\n"
       << "  client_body_temp_path " << dir << "/client_body;\n  proxy_temp_path " << dir << "/proxy;\n"
       << "  fastcgi_temp_path " << dir << "/fastcgi;\n  uwsgi_temp_path " << dir << "/uwsgi;\n"
       << "  scgi_temp_path " << dir << "/scgi;\n"
       << servers << "}\n";
  conf.close();
  const std::string nginx = std::filesystem::exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{nginx, "-p", dir, "-c", dir + "/nginx.conf", "-e", dir + "/error.log"},
      dir + "/nginx.out");
  if (!wait_for_port(port, std::chrono::seconds(10))) {
    throw std::runtime_error("nginx did not come up on port " + std::to_string(port) + ": " +
                             read_file(dir + "/error.log") + process_->log());
  }
}

std::string NginxProcess::tls_proxy(int port, const TestCerts& certs, int upstream, const std::string& extra) {
  std::ostringstream s;
  s << "  server {\n    listen 127.0.0.1:" << port << " ssl;\n    server_name localhost;\n"
    << "    ssl_protocols TLSv1.2 TLSv1.3;\n"
    << "    ssl_certificate " << certs.server_cert << ";\n    ssl_certificate_key " << certs.server_key << ";\n"
    << "    gzip on;\n    gzip_min_length 0;\n    gzip_proxied any;\n"
    << "    gzip_types text/event-stream application/json application/x-ndjson;\n"
    << extra << "    location / {\n      proxy_pass http://127.0.0.1:" << upstream << ";\n"
    << "      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n      proxy_buffering off;\n"
    << "    }\n  }\n";
  return s.str();
}

SServerProcess::SServerProcess(const std::string& dir, const TestCerts& certs, bool require_client_cert)
    : port_(free_port()) {
  std::vector<std::string> argv{"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port_),
                                "-cert",   certs.server_cert, "-key", certs.server_key, "-www", "-quiet"};
  if (require_client_cert) {
    argv.insert(argv.end(), {"-Verify", "1", "-CAfile", certs.client_cert});
  }
  process_ = std::make_unique<ChildProcess>(argv, dir + "/s_server-" + std::to_string(port_) + ".log");
  if (!wait_for_port(port_, std::chrono::seconds(10))) {
    throw std::runtime_error("openssl s_server did not come up: " + process_->log());
  }
}

}  // namespace aiperf::transport::testing
