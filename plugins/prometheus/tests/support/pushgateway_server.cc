#include "support/pushgateway_server.h"

#include <unistd.h>

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/http/http_client.h"

namespace plugin_test {
namespace {

aiperf_plugins::http::HttpResponse get(const std::string& url) {
  aiperf_plugins::http::HttpRequest request;
  request.method = "GET";
  request.url = url;
  request.timeout = std::chrono::seconds(5);
  return aiperf_plugins::http::http_send(request);
}

// Parses `{a="x",b="y\"z"}` starting at text[pos] == '{'; leaves pos after '}'.
std::map<std::string, std::string> parse_labels(const std::string& text, std::size_t& pos) {
  std::map<std::string, std::string> labels;
  ++pos;
  while (pos < text.size() && text[pos] != '}') {
    std::size_t eq = text.find('=', pos);
    std::string name = text.substr(pos, eq - pos);
    pos = eq + 2;  // past ="
    std::string value;
    while (pos < text.size() && text[pos] != '"') {
      if (text[pos] == '\\' && pos + 1 < text.size()) {
        char e = text[++pos];
        value += e == 'n' ? '\n' : e;
      } else {
        value += text[pos];
      }
      ++pos;
    }
    labels[name] = value;
    ++pos;  // past closing "
    if (pos < text.size() && text[pos] == ',') ++pos;
  }
  ++pos;
  return labels;
}

}  // namespace

std::vector<Series> parse_exposition(const std::string& text) {
  std::vector<Series> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    Series s;
    std::size_t pos = line.find_first_of("{ ");
    if (pos == std::string::npos) continue;
    s.name = line.substr(0, pos);
    if (line[pos] == '{') s.labels = parse_labels(line, pos);
    s.value = std::stod(line.substr(pos));
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<double> find_value(const std::vector<Series>& series, const std::string& name,
                                 const std::map<std::string, std::string>& labels) {
  for (const auto& s : series) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : labels) {
      auto it = s.labels.find(k);
      match = match && it != s.labels.end() && it->second == v;
    }
    if (match) return s.value;
  }
  return std::nullopt;
}

PushgatewayServer::PushgatewayServer(const std::string& binary) {
  log_ = std::filesystem::temp_directory_path() /
         ("aiperf-prometheus-test-pushgateway-" + std::to_string(getpid()) + ".log");
  for (int attempt = 0; attempt < 3; ++attempt) {  // a free port can be taken before we bind it
    port_ = free_tcp_port();
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{binary, "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                 "--persistence.file=", "--log.level=warn"},
        log_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline && process_->running()) {
      if (get(url() + "/-/ready").status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    process_.reset();
  }
  throw std::runtime_error("prometheus-pushgateway did not become ready: " + read_file(log_));
}

PushgatewayServer::~PushgatewayServer() {
  process_.reset();
  std::error_code ignored;
  std::filesystem::remove(log_, ignored);
}

std::vector<Series> PushgatewayServer::series() const {
  auto response = get(url() + "/metrics");
  if (response.status != 200) {
    throw std::runtime_error("GET /metrics: " + std::to_string(response.status) + " " + response.error);
  }
  return parse_exposition(response.body);
}

}  // namespace plugin_test
