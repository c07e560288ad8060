#include "collectors/http_get.h"

#include <curl/curl.h>
#include <dlfcn.h>

#include <memory>
#include <mutex>
#include <string>

namespace aiperf::collectors {
namespace {

// libcurl (with Kerberos, LDAP, GnuTLS and more behind it) is opened on first
// use, not linked: mapping and relocating it at start-up cost every aiperf
// process (`--version`, `plugins list`) more than their own work.
#define AIPERF_CURL_FUNCTIONS(X)                                                          \
  X(curl_global_init) X(curl_easy_init) X(curl_easy_cleanup) X(curl_easy_setopt)          \
  X(curl_easy_perform) X(curl_easy_strerror) X(curl_easy_getinfo)

struct Curl {
#define AIPERF_DECLARE(f) decltype(&::f) f = nullptr;
  AIPERF_CURL_FUNCTIONS(AIPERF_DECLARE)
#undef AIPERF_DECLARE
  std::string error;  // why it could not be opened; empty when it was
};

// libcurl's functions, resolved and initialised once.
const Curl& curl_api() {
  static const Curl api = [] {
    Curl c;
    void* lib = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      c.error = std::string("cannot open libcurl (Debian: libcurl4): ") + ::dlerror();
      return c;
    }
#define AIPERF_RESOLVE(f)                                          \
  c.f = reinterpret_cast<decltype(c.f)>(::dlsym(lib, #f));         \
  if (c.f == nullptr && c.error.empty()) c.error = "libcurl has no " #f;
    AIPERF_CURL_FUNCTIONS(AIPERF_RESOLVE)
#undef AIPERF_RESOLVE
    if (c.error.empty()) c.curl_global_init(CURL_GLOBAL_DEFAULT);
    return c;
  }();
  return api;
}

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

void set_tls(const Curl& api, CURL* c, const ScrapeTls& tls) {
  if (!tls.ca_file.empty()) api.curl_easy_setopt(c, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.verify) {
    api.curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    api.curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!tls.client_cert.empty()) {
    api.curl_easy_setopt(c, CURLOPT_SSLCERT, tls.client_cert.c_str());
    api.curl_easy_setopt(c, CURLOPT_SSLKEY, (tls.client_key.empty() ? tls.client_cert : tls.client_key).c_str());
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
  const Curl& api = curl_api();
  if (!api.error.empty()) return fail(make_error(ErrorCode::kInternal, api.error).about(url));
  std::unique_ptr<CURL, void (*)(CURL*)> curl(api.curl_easy_init(), api.curl_easy_cleanup);
  if (!curl) return fail(make_error(ErrorCode::kInternal, "curl_easy_init failed").about(url));
  HttpResponse response;
  Sink sink{&response.body, max_bytes};
  char message[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  api.curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  api.curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  api.curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  api.curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // we are on a worker thread
  api.curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_data);
  api.curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  api.curl_easy_setopt(c, CURLOPT_ERRORBUFFER, message);
  api.curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // any encoding curl can decode
  api.curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  set_tls(api, c, tls);
  CURLcode rc = api.curl_easy_perform(c);
  if (sink.too_large) return fail(make_error(ErrorCode::kTooLarge, "response larger than " + std::to_string(max_bytes) + " bytes").about(url));
  if (rc != CURLE_OK) {
    return fail(make_error(ErrorCode::kIo, message[0] ? message : api.curl_easy_strerror(rc)).about(url));
  }
  api.curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  char* type = nullptr;
  if (api.curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type) response.content_type = type;
  return response;
}

}  // namespace aiperf::collectors
