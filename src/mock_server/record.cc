#include "mock_server/record.h"

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

namespace aiperf::mock_server {

using nlohmann::json;

json to_json(const Record& r) {
  json j{{"request_id", r.request_id},
         {"method", r.method},
         {"route", r.route},
         {"model", r.model},
         {"stream", r.stream},
         {"prompt_tokens", r.prompt_tokens},
         {"completion_tokens", r.completion_tokens},
         {"planned_tokens", r.planned_tokens},
         {"cached_tokens", r.cached_tokens},
         {"cache_hit_blocks", r.cache_hit_blocks},
         {"cache_miss_blocks", r.cache_miss_blocks},
         {"fault", std::string(to_string(r.fault))},
         {"status", r.status},
         {"ttft_ms", r.ttft_ms},
         {"itl_ms", r.itl_ms},
         {"arrival_unix_ms", r.arrival_unix_ms},
         {"duration_ms", r.duration_ms},
         {"first_token_ms", r.first_token_ms ? json(*r.first_token_ms) : json(nullptr)},
         {"last_token_ms", r.last_token_ms ? json(*r.last_token_ms) : json(nullptr)},
         {"last_write_ms", r.last_write_ms ? json(*r.last_write_ms) : json(nullptr)},
         {"server_timing", r.server_timing ? json{{"queue_ms", r.server_timing->queue_ms},
                                                  {"prefill_ms", r.server_timing->prefill_ms},
                                                  {"decode_ms", r.server_timing->decode_ms}}
                                           : json(nullptr)},
         {"token_ms", r.token_ms},
         {"client_closed", r.client_closed},
         {"peer", r.peer},
         {"connection", r.connection}};
  if (!r.error.empty()) j["error"] = r.error;
  if (!r.body.empty()) j["body"] = r.body;
  return j;
}

Expected<std::unique_ptr<Recorder>> Recorder::open(const std::string& path,
                                                                    std::size_t max_records) {
  std::unique_ptr<Recorder> rec(new Recorder());
  rec->max_records_ = max_records;
  if (!path.empty()) {
    rec->file_ = std::fopen(path.c_str(), "a");
    if (!rec->file_) {
      return fail(ErrorCode::kIo, "cannot open record file '" + path + "': " + std::strerror(errno));
    }
  }
  return rec;
}

Recorder::~Recorder() {
  if (file_) std::fclose(file_);
}

void Recorder::arrive() {
  std::lock_guard lock(mu_);
  ++requests_;
  ++in_flight_;
  if (in_flight_ > peak_in_flight_) peak_in_flight_ = in_flight_;
}

void Recorder::finish(Record record) {
  std::string line;
  if (file_) line = to_json(record).dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mu_);
  if (in_flight_ > 0) --in_flight_;
  ++completed_;
  ++by_status_[record.status];
  ++by_fault_[std::string(to_string(record.fault))];
  hit_blocks_ += static_cast<std::uint64_t>(record.cache_hit_blocks);
  miss_blocks_ += static_cast<std::uint64_t>(record.cache_miss_blocks);
  cached_tokens_ += static_cast<std::uint64_t>(record.cached_tokens);
  if (file_) {
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fflush(file_);
  }
  records_.push_back(std::move(record));
  while (records_.size() > max_records_) {
    records_.pop_front();
    ++dropped_;
  }
}

std::string Recorder::records_json() const {
  std::lock_guard lock(mu_);
  json a = json::array();
  for (const auto& r : records_) a.push_back(to_json(r));
  return a.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string Recorder::stats_json() const {
  std::lock_guard lock(mu_);
  json status = json::object();
  for (const auto& [k, v] : by_status_) status[std::to_string(k)] = v;
  json fault = json::object();
  for (const auto& [k, v] : by_fault_) fault[k] = v;
  return json{{"requests", requests_},
              {"completed", completed_},
              {"in_flight", in_flight_},
              {"peak_in_flight", peak_in_flight_},
              {"records_dropped", dropped_},
              {"by_status", std::move(status)},
              {"by_fault", std::move(fault)},
              {"prefix_cache",
               {{"hit_blocks", hit_blocks_}, {"miss_blocks", miss_blocks_}, {"cached_tokens", cached_tokens_}}}}
      .dump();
}

void Recorder::reset() {
  std::lock_guard lock(mu_);
  records_.clear();
  dropped_ = 0;
  requests_ = 0;
  completed_ = 0;
  peak_in_flight_ = in_flight_;
  by_status_.clear();
  by_fault_.clear();
  hit_blocks_ = miss_blocks_ = cached_tokens_ = 0;
}

}  // namespace aiperf::mock_server
