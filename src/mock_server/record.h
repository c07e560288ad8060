// Ground-truth record of the mock server: what it did for each request, and
// the live counters behind GET /mock/stats.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include "base/error.h"

#include "mock_server/behavior.h"

namespace aiperf::mock_server {

/// The server timing a response reported (--server-timing), ms, rounded as sent.
struct ServerTimingSent {
  double queue_ms = 0, prefill_ms = 0, decode_ms = 0;
};

/// What the server did for one request (one JSON object in the record).
struct Record {
  std::string request_id;                  ///< X-Request-Id (client's or generated).
  std::string method;                      ///< HTTP method.
  std::string route;                       ///< Request path (without query string).
  std::string model;                       ///< Requested model ("" if unreadable).
  bool stream = false;                     ///< Streamed response.
  int prompt_tokens = 0;                   ///< Input tokens (mock tokenizer).
  int completion_tokens = 0;               ///< Output tokens delivered in parseable form.
  int planned_tokens = 0;                  ///< Output tokens the request asked for.
  int cached_tokens = 0;                   ///< Prompt tokens the prefix cache served (reported in usage).
  int cache_hit_blocks = 0;                ///< Prefix-cache blocks found.
  int cache_miss_blocks = 0;               ///< Full prompt blocks not found.
  Fault fault = Fault::none;               ///< Injected fault.
  int status = 0;                          ///< HTTP status sent (0: none sent).
  double ttft_ms = 0;                      ///< Injected time to first token.
  double itl_ms = 0;                       ///< Injected inter-token latency.
  double arrival_unix_ms = 0;              ///< Wall-clock arrival, ms since the epoch.
  double duration_ms = 0;                  ///< Arrival to end of the exchange.
  std::optional<double> first_token_ms;    ///< Arrival to the write of the first token.
  std::optional<double> last_token_ms;     ///< Arrival to the write of the last token.
  /// Arrival to when the response's last write was issued: the client cannot have read all of it
  /// earlier (duration_ms ends when the write completed, which may be after the client's next request).
  std::optional<double> last_write_ms;
  std::vector<double> token_ms;            ///< Arrival to the completed write of each token (first 100,000).
  std::optional<ServerTimingSent> server_timing;  ///< With --server-timing: the timing reported (as sent).
  bool client_closed = false;              ///< The client went away before the end.
  std::string peer;                        ///< The client's address and port as the server saw them ("127.0.0.2:40312").
  std::uint64_t connection = 0;            ///< Which accepted connection carried the request (0, 1, ... in accept order).
  std::string error;                       ///< Reason of a 4xx answer.
  std::string body;                        ///< The request body (only with --record-bodies).
};

/// The record as a JSON object (field names as in Record).
nlohmann::json to_json(const Record& record);

/// Thread-safe store of records and counters; optionally appends JSON lines to a file.
class Recorder {
 public:
  /// Opens `path` for appending when not empty; the error names the file.
  /// Memory keeps the latest `max_records` records (the file keeps all).
  static Expected<std::unique_ptr<Recorder>> open(const std::string& path,
                                                                    std::size_t max_records = 100000);
  /// Closes the record file.
  ~Recorder();
  /// Not copyable.
  Recorder(const Recorder&) = delete;
  /// Not copyable.
  Recorder& operator=(const Recorder&) = delete;

  /// A recorded request arrived: counts it and raises in_flight.
  void arrive();
  /// A recorded request finished: lowers in_flight, stores and appends the record.
  void finish(Record record);
  /// All records since start or the last reset, as a JSON array.
  std::string records_json() const;
  /// {"requests", "completed", "in_flight", "peak_in_flight", "records_dropped",
  /// "by_status", "by_fault", "prefix_cache": {"hit_blocks", "miss_blocks", "cached_tokens"}} as JSON.
  std::string stats_json() const;
  /// Clears records and counters (peak_in_flight restarts at the current in_flight).
  void reset();

 private:
  Recorder() = default;
  mutable std::mutex mu_;
  std::FILE* file_ = nullptr;
  std::size_t max_records_ = 0;
  std::deque<Record> records_;
  std::uint64_t dropped_ = 0;
  std::uint64_t requests_ = 0;
  std::uint64_t completed_ = 0;
  std::int64_t in_flight_ = 0;
  std::int64_t peak_in_flight_ = 0;
  std::map<int, std::uint64_t> by_status_;
  std::map<std::string, std::uint64_t> by_fault_;
  std::uint64_t hit_blocks_ = 0;
  std::uint64_t miss_blocks_ = 0;
  std::uint64_t cached_tokens_ = 0;
};

}  // namespace aiperf::mock_server
