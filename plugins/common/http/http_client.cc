#include "common/http/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <exception>
#include <memory>

namespace aiperf_plugins::http {
namespace {

constexpr std::size_t kMaxBody = 64 * 1024;

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  std::size_t n = size * count;
  if (body->size() < kMaxBody) body->append(data, std::min(n, kMaxBody - body->size()));
  return n;  // keep reading (and discarding) so the exchange completes normally
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

HttpResponse http_send(const HttpRequest& request) noexcept {
  HttpResponse response;
  try {
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) {
      response.error = "curl_easy_init failed";
      return response;
    }
    curl_slist* raw = nullptr;
    for (const auto& header : request.headers) raw = curl_slist_append(raw, header.c_str());
    raw = curl_slist_append(raw, "Expect:");  // no 100-continue round trip
    std::unique_ptr<curl_slist, SlistDeleter> headers(raw);
    char error_buffer[CURL_ERROR_SIZE] = {};
    long timeout_ms = static_cast<long>(request.timeout.count());

    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "GET") {
      curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we share the host's process
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);

    CURLcode code = curl_easy_perform(c);
    if (code != CURLE_OK) {
      // The error buffer names the cause precisely ("Failed to connect to H port P after N ms: ...").
      response.error = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
      if (code == CURLE_OPERATION_TIMEDOUT) {
        response.error = "timed out after " + std::to_string(timeout_ms) + " ms (" + response.error + ")";
      }
      return response;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  } catch (const std::exception& e) {  // allocation failure
    response.error = e.what();
  }
  return response;
}

}  // namespace aiperf_plugins::http
