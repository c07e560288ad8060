#include "engine/phase_runner.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <functional>

#include "base/json_writer.h"
#include "engine/request_recorder.h"

namespace aiperf::engine {
namespace {

// splitmix64's finaliser: a well-mixed 64-bit function of `x` (seeded per-session choices).
uint64_t mix(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

CreditReturn credit_return(const metrics::RequestMetrics& m, const metrics::RequestRecord& record,
                           int64_t scheduled_ns, int64_t phase_start_ns) {
  CreditReturn out;
  out.scheduled_ns = scheduled_ns - phase_start_ns;
  out.sent_ns = record.start_ns - phase_start_ns;
  out.end_ns = record.end_ns - phase_start_ns;
  out.ok = m.ok;
  auto ms = [](auto ns) { return std::optional<double>(static_cast<double>(ns) / 1e6); };
  if (m.request_latency_ns) out.latency_ms = ms(*m.request_latency_ns);
  if (m.time_to_first_token_ns) out.ttft_ms = ms(*m.time_to_first_token_ns);
  return out;
}

PhaseRunner::PhaseRunner(PhaseInputs inputs, RequestDefaults defaults, std::string phase,
                         uint64_t request_count, uint64_t whole_request_count,
                         std::function<void(FinishedRequest&&)> on_request, std::function<void()> on_finished)
    : in_(inputs),
      recorder_endpoint_(in_.endpoint),
      defaults_(std::move(defaults)),
      phase_(std::move(phase)),
      request_count_(request_count),
      ledger_(whole_request_count),
      on_request_(std::move(on_request)),
      on_finished_(std::move(on_finished)) {
  // Each request's record names its server: the texts are made once, not per request.
  url_texts_.push_back(in_.url.str());
  for (const auto& url : defaults_.more_urls) url_texts_.push_back(url.str());
  cancel_phase_ = static_cast<double>(mix(defaults_.seed ^ std::hash<std::string>{}(phase_)) >> 11) * 0x1p-53;
}

// Choices are functions of the session number (and seed), not of a sequence drawn in send order,
// so a run split across parts makes, for each session, the choice one process would.
std::size_t PhaseRunner::pick_url(uint64_t session) {
  const std::size_t n = defaults_.more_urls.size() + 1;
  if (n == 1) return 0;
  if (defaults_.random_url) return static_cast<std::size_t>(mix(defaults_.seed ^ mix(session)) % n);
  return static_cast<std::size_t>(session % n);
}

// Exactly floor(rate * n) or one more of the first n requests are chosen, spread evenly from a seeded
// offset, so the share holds for short runs too (a coin per request would stray by sqrt(n) requests).
bool PhaseRunner::pick_cancel(uint64_t session) {
  const double r = defaults_.cancellation_rate;
  if (r <= 0) return false;
  const double at = static_cast<double>(session) * r + cancel_phase_;
  return std::floor(at + r) > std::floor(at);
}

// The sampler's entry for this part's next credit: its draw at the credit's place in the whole
// schedule (the parts' draws in between are made and dropped, so a seeded sequence stays one, and
// taken by the ledger, so a count shared by conversation stays the whole schedule's).
std::size_t PhaseRunner::draw_index() {
  const auto& part = defaults_.segment;
  std::size_t kept = 0;
  for (int i = 0; i < part.count(); ++i) {
    const std::size_t drawn = in_.sampler.next_index();
    const uint64_t turns = ledger_.take(turns_of(drawn));
    if (i == part.index()) kept = drawn, credit_turns_ = turns;
  }
  return kept;
}

// A conversation's turns; 1 for a single request (or an index past the dataset: one failed request).
uint64_t PhaseRunner::turns_of(std::size_t index) const {
  return index < in_.dataset.size() ? in_.dataset[index].next_turns.size() + 1 : 1;
}

std::string PhaseRunner::request_id(uint64_t session) const {
  char digits[20];
  const auto n = static_cast<std::size_t>(write_decimal(digits, session) - digits);
  const std::string& prefix = defaults_.id_prefix;
  std::string id(prefix.size() + 1 + n, '-');  // one allocation; the '-' after the prefix stays
  std::memcpy(id.data(), prefix.data(), prefix.size());
  std::memcpy(id.data() + prefix.size() + 1, digits, n);
  return id;
}

void PhaseRunner::start(int64_t start_ns) {
  const int64_t now = transport::now_ns();
  start_ns_ = std::max(start_ns, now);
  if (start_ns_ == now) return pump();
  timer_pending_ = true;  // an agreed start: nothing is sent before it
  in_.client.run_at(start_ns_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    timer_pending_ = false;
    pump();
  });
}

void PhaseRunner::stop_issuing(std::string reason) {
  if (!stopped_) {
    stopped_ = true;
    stop_reason_ = std::move(reason);
  }
  // Slots waiting out a think time or a user's gap (up to U/R s) would hold the phase open idle.
  for (const auto& [wait, conversation] : waiting_) {
    if (conversation) {
      if (auto it = conversations_.find(*conversation); it != conversations_.end()) end_conversation(it);
    }
    --in_flight_;
  }
  waiting_.clear();
  maybe_finish();
}

void PhaseRunner::pump() {
  while (!stopped_ && (!timer_pending_ || !defaults_.open_loop) && !credits_exhausted()) {
    if (in_.max_in_flight != 0 && in_flight_ >= in_.max_in_flight) return;  // pumped again on a return
    int64_t now = transport::now_ns();
    Credit credit;
    try {
      credit = in_.strategy.next_credit({now - start_ns_, issued_, in_flight_, completed_});
    } catch (const std::exception& e) {
      stop_issuing(std::string("timing strategy failed: ") + e.what());
      return;
    }
    if (credit.kind == Credit::Kind::kStop) {
      stop_issuing({});
      return;
    }
    if (credit.kind == Credit::Kind::kWaitForReturn) {
      if (in_flight_ == 0) {
        stop_issuing("timing strategy waits for a return with nothing in flight");
      }
      return;  // pumped again when a credit returns
    }
    // A split open-loop run: every part walks the whole schedule and sends the credits it owns.
    if (defaults_.open_loop && !defaults_.segment.owns(schedule_position_++)) {
      if (credit.dataset_index) ledger_.take(turns_of(*credit.dataset_index));  // drawn ones: in draw_index()
      continue;
    }
    int64_t at = start_ns_ + credit.send_at_ns;
    if (at <= now) {
      send(credit, at);
      continue;
    }
    if (timer_pending_) return;  // closed loop: the pending wake-up is for this same ramp step
    timer_pending_ = true;
    in_.client.run_at(at, [this, alive = std::weak_ptr<bool>(alive_), credit, at] {
      if (alive.expired()) return;
      timer_pending_ = false;
      if (!stopped_ && defaults_.open_loop) send(credit, at);  // a closed loop asks its strategy again
      pump();
    });
    return;
  }
  maybe_finish();
}

void PhaseRunner::mark_ramp(metrics::RequestRecord& seed, int64_t scheduled_ns) const {
  if (defaults_.ramp_ns > 0 && phase_ == "profiling") seed.in_ramp = scheduled_ns - start_ns_ < defaults_.ramp_ns;
}

void PhaseRunner::send(const Credit& credit, int64_t scheduled_ns) {
  std::size_t index = 0;
  try {
    index = credit.dataset_index ? *credit.dataset_index : draw_index();
  } catch (const std::exception& e) {
    stop_issuing(std::string("dataset sampler failed: ") + e.what());
    return;
  }
  if (credit.dataset_index) credit_turns_ = ledger_.take(turns_of(index));
  if (credit_turns_ == 0) return;  // the whole count was reached before this credit: the caller finishes
  ++in_flight_;
  if (index < in_.dataset.size() && in_.dataset[index].conversation) {
    const uint64_t id = defaults_.segment.global_index(conversations_started_++);
    Conversation c;
    c.entry = &in_.dataset[index];
    c.history = c.entry->messages;
    c.turns = static_cast<uint32_t>(credit_turns_);
    c.scheduled_ns = scheduled_ns;
    c.url_index = pick_url(defaults_.segment.global_index(issued_));  // every turn goes to the server of the first
    conversations_.emplace(id, std::move(c));
    pending_turns_ += credit_turns_;
    send_turn(id, scheduled_ns);
    return;
  }
  uint64_t session = next_session();
  metrics::RequestRecord seed;
  seed.request_id = request_id(session);
  seed.streaming = defaults_.streaming;
  seed.scheduled_ns = scheduled_ns;
  mark_ramp(seed, scheduled_ns);
  if (index >= in_.dataset.size()) {
    seed.start_ns = seed.end_ns = transport::now_ns();
    seed.error = metrics::RequestError{metrics::ErrorKind::kOther, {},
                                       "dataset index " + std::to_string(index) +
                                           " out of range (dataset has " +
                                           std::to_string(in_.dataset.size()) + " entries)"};
    complete(std::move(seed), session, scheduled_ns, std::nullopt);
    return;
  }
  const auto& entry = in_.dataset[index];
  seed.input_token_count = entry.prompt_words;
  seed.input_token_count_estimated = !entry.tokens_exact;
  seed.prefer_client_token_counts = defaults_.prefer_client_token_counts;
  seed.class_label = entry.class_label;
  // Assigned into the runner's one input, whose strings keep their capacity from request to request.
  RequestInput& input = input_;
  input.model = defaults_.model;
  if (entry.messages.empty()) {
    input.messages.resize(1);
    input.messages.front().role = "user";
    input.messages.front().content = entry.prompt;
  } else {
    input.messages = entry.messages;
  }
  input.max_tokens = entry.max_tokens;
  input.streaming = defaults_.streaming;
  input.request_id = seed.request_id;
  submit(std::move(seed), input, session, scheduled_ns, std::nullopt);
}

// Turn `next_turn` of a conversation: the history so far plus this turn's user message.
void PhaseRunner::send_turn(uint64_t conversation_id, int64_t scheduled_ns) {
  Conversation& c = conversations_.at(conversation_id);
  const dataset::DatasetEntry& e = *c.entry;
  const bool first = c.next_turn == 0;
  const dataset::Turn* turn = first ? nullptr : &e.next_turns[c.next_turn - 1];
  uint64_t session = next_session();
  --pending_turns_;
  metrics::RequestRecord seed;
  seed.request_id = request_id(session);
  seed.streaming = defaults_.streaming;
  seed.scheduled_ns = scheduled_ns;
  mark_ramp(seed, scheduled_ns);
  seed.class_label = e.class_label;
  seed.conversation_id = conversation_id;
  seed.turn_index = c.next_turn;
  seed.prefer_client_token_counts = defaults_.prefer_client_token_counts;
  seed.input_token_count = first ? e.prompt_words : turn->prompt_words;
  seed.input_token_count_estimated = !first || !e.tokens_exact;  // the history's tokens are the server's to count
  RequestInput input{defaults_.model, c.history, first ? e.max_tokens : turn->max_tokens, defaults_.streaming,
                     seed.request_id};
  input.messages.push_back({"user", first ? e.prompt : turn->prompt});
  c.history.push_back(input.messages.back());
  ++c.next_turn;
  submit(std::move(seed), input, session, scheduled_ns, conversation_id);
}

void PhaseRunner::submit(metrics::RequestRecord&& seed, const RequestInput& input, uint64_t session,
                         int64_t scheduled_ns, std::optional<uint64_t> conversation_id) {
  const std::size_t url_index = conversation_id ? conversations_.at(*conversation_id).url_index : pick_url(session);
  const transport::HttpUrl& url = url_index == 0 ? in_.url : defaults_.more_urls[url_index - 1];
  const bool cancel = pick_cancel(session);
  seed.url = url_texts_[url_index];
  seed.cancel_planned = cancel;
  transport::HttpRequest request;
  try {
    HttpRequestSpec spec = in_.endpoint.format_request(input);
    request.method = std::move(spec.method);
    request.target = url.join(spec.path);
    request.origin = url_index;
    // One key per conversation: with --connection-reuse-strategy sticky-user-sessions its turns
    // share one connection (http_client.h); 0 = pooled.
    if (conversation_id) request.session_key = session_key(*conversation_id);
    if (cancel) request.cancel_after = std::chrono::nanoseconds(defaults_.cancellation_delay_ns);
    request.headers = std::move(spec.headers);
    request.body = std::move(spec.body);
    if (in_.on_payload) in_.on_payload(seed.request_id, request.body);
  } catch (const std::exception& e) {
    seed.start_ns = seed.end_ns = transport::now_ns();
    seed.error = metrics::RequestError{metrics::ErrorKind::kOther, {},
                                       std::string("endpoint could not format the request: ") + e.what()};
    complete(std::move(seed), session, scheduled_ns, conversation_id);
    return;
  }
  // The schedule time and the conversation travel in the record (set above and in send_turn), so
  // the callback holds 16 bytes and std::function keeps it without an allocation.
  in_.client.submit(std::move(request),
                    std::make_unique<RequestRecorder>(recorder_endpoint_, std::move(seed),
                                                      [this, session](metrics::RequestRecord&& record) {
                                                        const int64_t scheduled = record.scheduled_ns.value_or(0);
                                                        const auto conversation = record.conversation_id;
                                                        complete(std::move(record), session, scheduled, conversation);
                                                        pump();
                                                      }));
}

// After a turn: true when the next turn is scheduled (the reply, as received, joins the history).
bool PhaseRunner::continue_conversation(uint64_t conversation_id, const metrics::RequestRecord& record) {
  auto it = conversations_.find(conversation_id);
  if (it == conversations_.end()) return false;
  Conversation& c = it->second;
  if (!record.ok() || stopped_ || count_reached() || c.next_turn >= c.turns) {
    end_conversation(it);
    return false;
  }
  std::string reply;
  for (const auto& chunk : record.responses) reply += chunk.content;
  c.history.push_back({"assistant", std::move(reply)});
  const double delay_ms = c.entry->next_turns[c.next_turn - 1].delay_ms;
  const int64_t now = transport::now_ns();
  // User-centric: the user's cadence from its last send; a response that outlasts it restarts the cadence.
  const int64_t at = defaults_.turn_gap_ns > 0 ? std::max(now, record.start_ns + defaults_.turn_gap_ns)
                                               : now + static_cast<int64_t>(delay_ms * 1e6);
  const uint64_t wait = next_wait_++;
  waiting_.emplace(wait, conversation_id);
  in_.client.run_at(at, [this, alive = std::weak_ptr<bool>(alive_), conversation_id, at, wait] {
    if (alive.expired() || waiting_.erase(wait) == 0) return;  // released by stop_issuing
    auto waiting = conversations_.find(conversation_id);
    if (waiting == conversations_.end()) return;
    if (stopped_ || count_reached()) {  // stopped while thinking: the conversation ends here
      end_conversation(waiting);
      --in_flight_;
      maybe_finish();
      pump();
      return;
    }
    send_turn(conversation_id, at);
  });
  return true;
}

// User-centric: after a request that ends no conversation in progress, its user keeps the slot and
// sends its next entry on its own cadence (no credit return, so no other user's timer delays it).
bool PhaseRunner::continue_user(const metrics::RequestRecord& record) {
  if (defaults_.turn_gap_ns <= 0 || stopped_ || credits_exhausted()) return false;
  const int64_t at = std::max(transport::now_ns(), record.start_ns + defaults_.turn_gap_ns);
  const uint64_t wait = next_wait_++;
  waiting_.emplace(wait, std::nullopt);
  in_.client.run_at(at, [this, alive = std::weak_ptr<bool>(alive_), at, wait] {
    if (alive.expired() || waiting_.erase(wait) == 0) return;  // released by stop_issuing
    send_in_held_slot(at);
  });
  return true;
}

void PhaseRunner::send_in_held_slot(int64_t scheduled_ns) {
  --in_flight_;  // the slot is released here and taken again by send(), or stays released
  if (!stopped_ && !credits_exhausted()) send(Credit{Credit::Kind::kSendAt, 0, std::nullopt}, scheduled_ns);
  maybe_finish();
  pump();
}

void PhaseRunner::end_conversation(std::map<uint64_t, Conversation>::iterator it) {
  pending_turns_ -= it->second.turns - it->second.next_turn;  // turns it will not send
  in_.client.end_session(session_key(it->first));
  conversations_.erase(it);
}

void PhaseRunner::complete(metrics::RequestRecord&& record, uint64_t session, int64_t scheduled_ns,
                           std::optional<uint64_t> conversation_id) {
  ++completed_;
  if (!record.ok()) ++failed_;
  auto m = metrics::compute_request_metrics(record);
  // A conversation keeps its slot (in flight, no credit return) until its last turn.
  const bool more = (conversation_id && continue_conversation(*conversation_id, record)) || continue_user(record);
  if (!more) {
    --in_flight_;
    const int64_t credit_ns = conversation_id ? record.scheduled_ns.value_or(scheduled_ns) : scheduled_ns;
    try {
      in_.strategy.on_credit_returned(credit_return(m, record, credit_ns, start_ns_));
    } catch (const std::exception& e) {
      stop_issuing(std::string("timing strategy failed: ") + e.what());
    }
  }
  on_request_({std::move(record), std::move(m), session});
}

void PhaseRunner::maybe_finish() {
  if (finished_ || in_flight_ > 0) return;
  // A pending send timer holds the phase open only while it may still send.
  if (!stopped_ && (timer_pending_ || !nothing_left_to_send())) return;
  finished_ = true;
  if (on_finished_) on_finished_();
}

}  // namespace aiperf::engine
