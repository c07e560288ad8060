// Real TLS peers for the transport's end-to-end tests, started on 127.0.0.1:
// certificates made with the openssl CLI, nginx (unprivileged, everything
// under one temporary directory) and `openssl s_server`.
//
//   TempDir dir;
//   TestCerts certs = make_test_certs(dir.path());
//   NginxProcess nginx(dir.path(), NginxProcess::tls_proxy(port, certs, mock.port()));
//   // https://localhost:<nginx.port()> now fronts the mock server
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace aiperf::transport::testing {

/// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  /// Its absolute path.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Runs argv[0] (searched in PATH) to completion within `timeout`; returns its exit code (-1 on failure to run or
/// timeout). Its stdout and stderr go to `log` when given, else are discarded.
int run_command(const std::vector<std::string>& argv, const std::string& log = {},
                std::chrono::milliseconds timeout = std::chrono::seconds(20));

/// A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read, close).
int free_port();

/// A TCP socket bound to 127.0.0.1 on a free port, listening when `backlog` > 0 (0: bound
/// only, so connects are refused); its port goes to `port`. Throws std::runtime_error.
int listen_on_loopback(int& port, int backlog = 16);

/// True once a TCP connect to 127.0.0.1:port succeeds, polling until `timeout`.
bool wait_for_port(int port, std::chrono::milliseconds timeout);

/// Self-signed certificates and keys (PEM files in one directory).
struct TestCerts {
  std::string server_cert;  ///< Self-signed for DNS:localhost only (not 127.0.0.1); also its own CA.
  std::string server_key;
  std::string client_cert;  ///< Self-signed client certificate (CN aiperf-test-client); also its own CA.
  std::string client_key;
  std::string other_cert;   ///< Another self-signed localhost certificate: a CA file that does not match.
};

/// Creates TestCerts in `dir` with the openssl CLI (EC P-256, valid one day); throws std::runtime_error on failure.
TestCerts make_test_certs(const std::string& dir);

/// A child process with its output in a log file; SIGTERM (then SIGKILL after 5 s) on destruction.
class ChildProcess {
 public:
  /// Starts argv (argv[0] an absolute path or found in PATH); throws std::runtime_error if it cannot start.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  /// True while the process has not exited.
  bool running();
  /// The log file's contents (for failure messages).
  std::string log() const;

 private:
  int pid_ = -1;
  std::string log_;
};

/// nginx -p DIR -c DIR/nginx.conf with `daemon off`, listening where `servers` says.
class NginxProcess {
 public:
  /// Writes nginx.conf (main + http blocks with every temp path inside dir, then `servers`), starts nginx and
  /// waits for `port`; throws std::runtime_error (with nginx's error log) if it does not come up.
  NginxProcess(const std::string& dir, int port, const std::string& servers);
  /// A server block: TLS on `port` with certs' server certificate, proxying to 127.0.0.1:upstream without
  /// buffering, gzip on for SSE and JSON; `extra` is added inside the server block.
  static std::string tls_proxy(int port, const TestCerts& certs, int upstream, const std::string& extra = {});
  /// The port it was asked to listen on.
  int port() const { return port_; }
  /// True when nginx is on PATH or in /usr/sbin.
  static bool available();

 private:
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

/// `openssl s_server -www` on 127.0.0.1:port() with certs' server certificate; with `require_client_cert`,
/// it demands a client certificate signed by certs.client_cert.
class SServerProcess {
 public:
  SServerProcess(const std::string& dir, const TestCerts& certs, bool require_client_cert);
  int port() const { return port_; }

 private:
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace aiperf::transport::testing
