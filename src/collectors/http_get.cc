#include "collectors/http_get.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace aiperf::collectors {
namespace {

struct Sink {
  std::string* body;
  std::size_t max_bytes;
  bool too_large = false;
};

std::size_t on_data(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t n = size * count;
  if (sink->body->size() + n > sink->max_bytes) {
    sink->too_large = true;
    return 0;  // aborts the transfer
  }
  sink->body->append(data, n);
  return n;
}

void set_tls(CURL* c, const ScrapeTls& tls) {
  if (!tls.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!tls.client_cert.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, tls.client_cert.c_str());
    curl_easy_setopt(c, CURLOPT_SSLKEY, (tls.client_key.empty() ? tls.client_cert : tls.client_key).c_str());
  }
}

}  // namespace

ScrapeTls scrape_tls_from(const PluginConfig& config) {
  ScrapeTls tls;
  tls.ca_file = config.get<std::string>("ssl_ca_file", "");
  tls.verify = config.get<bool>("ssl_verify", true);
  tls.client_cert = config.get<std::string>("ssl_client_cert", "");
  tls.client_key = config.get<std::string>("ssl_client_key", "");
  return tls;
}

Expected<HttpResponse> http_get(const std::string& url, std::chrono::milliseconds timeout, const ScrapeTls& tls,
                                std::size_t max_bytes) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return fail(make_error(ErrorCode::kInternal, "curl_easy_init failed").about(url));
  HttpResponse response;
  Sink sink{&response.body, max_bytes};
  char message[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // we are on a worker thread
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, message);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // any encoding curl can decode
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  set_tls(c, tls);
  CURLcode rc = curl_easy_perform(c);
  if (sink.too_large) return fail(make_error(ErrorCode::kTooLarge, "response larger than " + std::to_string(max_bytes) + " bytes").about(url));
  if (rc != CURLE_OK) {
    return fail(make_error(ErrorCode::kIo, message[0] ? message : curl_easy_strerror(rc)).about(url));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  char* type = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type) response.content_type = type;
  return response;
}

}  // namespace aiperf::collectors
