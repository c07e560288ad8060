// Runs one benchmark phase on the HTTP client's event loop: asks the timing
// strategy for credits, sends one request per credit, and hands each finished
// record on. Everything here runs on the loop thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aiperf/sdk/dataset_sampler.h"
#include "aiperf/sdk/endpoint.h"
#include "aiperf/sdk/timing_strategy.h"
#include "dataset/synthetic.h"
#include "engine/request_recorder.h"
#include "distributed/segment.h"
#include "metrics/request_metrics.h"
#include "metrics/request_record.h"
#include "transport/http_client.h"
#include "transport/url.h"

namespace aiperf::engine {

/// What every request of the phase shares.
struct RequestDefaults {
  std::string model;
  bool streaming = false;
  std::string id_prefix;  ///< Request ids are "<id_prefix>-<n>".
  /// --url given more than once: the 2nd, 3rd... URL (client origins 1, 2...; PhaseInputs::url is origin 0).
  std::vector<transport::HttpUrl> more_urls;
  bool random_url = false;           ///< --url-strategy random (default round_robin: in send order).
  double cancellation_rate = 0;      ///< Share of requests cancelled, 0..1 (--request-cancellation-rate / 100).
  int64_t cancellation_delay_ns = 0; ///< Cancelled that long after being sent (--request-cancellation-delay).
  uint64_t seed = 0;                 ///< Seeds the URL and cancellation choices (--random-seed).
  bool prefer_client_token_counts = false;  ///< Client token counts win over usage (no --use-server-token-count).
  int64_t ramp_ns = 0;  ///< Profiling's ramp: requests scheduled this soon after the start are marked in_ramp (0 = none).
  /// User-centric mode: a credit is a user, held until the phase stops. Its next request (the next turn,
  /// or the first turn of its next conversation) goes this long after its previous send, or when that
  /// response ends if later; the gap replaces think times (0 = not user-centric).
  int64_t turn_gap_ns = 0;
  /// This part's share of the schedule when the run is split across MPI ranks (whole: one process).
  /// Sessions, conversations and dataset draws are numbered as in the whole schedule, so the parts
  /// together send what one process would.
  distributed::Segment segment = {};
  /// The strategy keeps a schedule: a future credit is a send at that time, and in a split run every
  /// part walks the one schedule and sends only the credits it owns. False, the built-in closed loop:
  /// this part's strategy is its own share of the run, and a future credit only wakes the runner for a
  /// ramp's next step; a return before then may still send (the strategy holds the limit).
  bool open_loop = true;
};

/// The implementations and data one phase uses (all outlive the runner).
struct PhaseInputs {
  transport::HttpClient& client;
  const transport::HttpUrl& url;
  const Endpoint& endpoint;
  DatasetSampler& sampler;
  const std::vector<dataset::DatasetEntry>& dataset;
  TimingStrategy& strategy;
  /// Most requests in flight, whatever the strategy says (0 = no cap). A strategy that
  /// asks for more waits for a return; the delay shows as schedule lag.
  uint64_t max_in_flight = 0;
  /// Every request body as it is sent, with its request id (for inputs.json); may be empty.
  std::function<void(std::string_view request_id, std::string_view body)> on_payload = {};
};

/// A finished request and its position in the phase.
struct FinishedRequest {
  metrics::RequestRecord record;
  metrics::RequestMetrics metrics;  ///< Computed once; the strategy's CreditReturn derives from it.
  uint64_t session_num = 0;         ///< 0-based send order within the phase.
};

/// What the timing strategy is told about a finished request: the same numbers the
/// report shows (times relative to the phase start `phase_start_ns`).
CreditReturn credit_return(const metrics::RequestMetrics& m, const metrics::RequestRecord& record,
                           int64_t scheduled_ns, int64_t phase_start_ns);

/// Drives one phase until `request_count` requests have completed (0 = no limit), the
/// strategy says stop, or stop_issuing() is called. `whole_request_count`, when not 0, is the
/// count of a split run shared by conversation (distributed::TurnLedger): the part then sends the
/// turns of its own conversations among those the whole count allows, and `request_count` (its
/// approximate share) is only reported.
class PhaseRunner {
 public:
  PhaseRunner(PhaseInputs inputs, RequestDefaults defaults, std::string phase,
              uint64_t request_count, uint64_t whole_request_count, std::function<void(FinishedRequest&&)> on_request,
              std::function<void()> on_finished);

  /// Starts issuing credits, the phase starting at `start_ns` (now_ns clock; 0 or past: now). Loop thread.
  void start(int64_t start_ns = 0);
  /// Stops issuing; the phase finishes when in-flight requests complete. Loop thread.
  void stop_issuing(std::string reason);

  const std::string& phase() const { return phase_; }
  uint64_t issued() const { return issued_; }
  uint64_t completed() const { return completed_; }
  uint64_t failed() const { return failed_; }
  uint64_t in_flight() const { return in_flight_; }
  uint64_t request_count() const { return request_count_; }
  int64_t start_ns() const { return start_ns_; }
  bool finished() const { return finished_; }
  /// Why issuing stopped early (a strategy failure, an interruption), or empty.
  const std::string& stop_reason() const { return stop_reason_; }

 private:
  void pump();
  // A multi-turn conversation in progress: it holds its credit (one slot) until its last turn.
  struct Conversation {
    const dataset::DatasetEntry* entry = nullptr;
    std::vector<Message> history;  ///< Every earlier user turn and reply as received.
    uint32_t next_turn = 0;        ///< The turn to send next.
    uint32_t turns = 0;            ///< Turns it sends: its entry's, fewer when the count cuts it.
    int64_t scheduled_ns = 0;      ///< When the credit that started it was due.
    std::size_t url_index = 0;     ///< The server (client origin) all its turns go to.
  };
  /// The transport's session key of a conversation (non-zero; 0 means "no session").
  static uint64_t session_key(uint64_t conversation_id) { return conversation_id + 1; }
  void send(const Credit& credit, int64_t scheduled_ns);
  void send_in_held_slot(int64_t scheduled_ns);
  void mark_ramp(metrics::RequestRecord& seed, int64_t scheduled_ns) const;
  void send_turn(uint64_t conversation_id, int64_t scheduled_ns);
  void submit(metrics::RequestRecord&& seed, const RequestInput& input, uint64_t session, int64_t scheduled_ns,
              std::optional<uint64_t> conversation_id);
  std::string request_id(uint64_t session) const;  ///< "<id_prefix>-<session>", one allocation
  void complete(metrics::RequestRecord&& record, uint64_t session, int64_t scheduled_ns,
                std::optional<uint64_t> conversation_id);
  bool continue_conversation(uint64_t conversation_id, const metrics::RequestRecord& record);
  bool continue_user(const metrics::RequestRecord& record);
  void maybe_finish();
  std::size_t pick_url(uint64_t session);
  bool pick_cancel(uint64_t session);
  std::size_t draw_index();
  uint64_t turns_of(std::size_t index) const;
  uint64_t next_session() { return defaults_.segment.global_index(issued_++); }
  // Shared by conversation, the count cuts only the conversation that reaches it (Conversation::turns).
  bool count_reached() const { return !ledger_.active() && request_count_ != 0 && issued_ >= request_count_; }
  // No new credit once the requests issued plus the turns started conversations still owe reach the
  // count (shared by conversation: once the whole schedule's turns do).
  bool credits_exhausted() const {
    return ledger_.active() ? ledger_.done() : request_count_ != 0 && issued_ + pending_turns_ >= request_count_;
  }
  bool nothing_left_to_send() const { return ledger_.active() ? ledger_.done() : count_reached(); }
  void end_conversation(std::map<uint64_t, Conversation>::iterator it);

  PhaseInputs in_;
  RecorderEndpoint recorder_endpoint_;  // in_.endpoint, its in-place parser looked up once
  RequestDefaults defaults_;
  std::string phase_;
  uint64_t request_count_;
  distributed::TurnLedger ledger_;  // the whole count's turns, when shared by conversation
  uint64_t credit_turns_ = 0;       // turns the credit being sent may send (its entry's, or fewer)
  std::function<void(FinishedRequest&&)> on_request_;
  std::function<void()> on_finished_;
  int64_t start_ns_ = 0;
  uint64_t issued_ = 0, completed_ = 0, failed_ = 0, in_flight_ = 0;
  bool timer_pending_ = false;
  std::map<uint64_t, Conversation> conversations_;
  uint64_t conversations_started_ = 0;
  uint64_t pending_turns_ = 0;  ///< Turns that started conversations have yet to send.
  // Slots waiting for their next send (a think time, a user's gap), by wait id -> the conversation
  // (if any): released at once when issuing stops, so they cannot hold the phase open with nothing in flight.
  std::map<uint64_t, std::optional<uint64_t>> waiting_;
  uint64_t next_wait_ = 0;
  // Dropped when the runner is destroyed, so a send timer still pending (a long open-loop
  // gap) can neither delay the end of the phase nor touch a destroyed runner.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool stopped_ = false;
  bool finished_ = false;
  std::string stop_reason_;
  std::vector<std::string> url_texts_;  // HttpUrl::str() of client origin 0, 1, ...
  RequestInput input_;                  // the input of the request being sent (single-turn)
  uint64_t schedule_position_ = 0;  // open loop: credits of the whole schedule seen so far
  double cancel_phase_ = 0;  // seeded offset of the evenly spread cancellation choices
};

}  // namespace aiperf::engine
