// Where each finished profiling request goes: the error summary, the goodput
// count and one line of profile_export.jsonl. Loop thread only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/secrets.h"
#include "engine/benchmark.h"
#include "export/atomic_file.h"
#include "export/conversation_export.h"
#include "export/inputs_export.h"
#include "export/profile_export.h"
#include "export/timeslice_export.h"
#include "metrics/goodput.h"

namespace aiperf::run {

class RunSink {
 public:
  /// Opens `<jsonl>.tmp`; an Error when it cannot be created (before any request).
  /// `scrubber` removes configured secrets from error messages and JSONL lines.
  static Expected<std::unique_ptr<RunSink>> open(const std::filesystem::path& jsonl, std::vector<metrics::Slo> slos,
                                                 int64_t wall_offset_ns, SecretScrubber scrubber);

  /// Records one finished request (warmup requests are summarised, not recorded).
  void add(const engine::PhasePlan& plan, const engine::FinishedRequest& done, bool cancelled);
  /// Records a profiling request's body in inputs.json (other phases are left out).
  void add_payload(const engine::PhasePlan& plan, std::string_view request_id, std::string_view body);
  /// Writes the JSONL lines gathered so far (a periodic tick: what a kill -9 can lose is bounded).
  void flush();
  /// Publishes the JSONL and inputs.json; an Error if writing or publishing failed at any point.
  std::optional<Error> commit();

  const exporting::ErrorSummary& errors() const { return errors_; }
  uint64_t good_requests() const { return good_requests_; }
  /// Profiling responses whose usage held an implausible count (dropped, the client's count used).
  uint64_t implausible_usage() const { return implausible_usage_; }
  /// Profiling responses whose server timing (Server-Timing) was malformed and ignored.
  uint64_t malformed_server_timing() const { return malformed_server_timing_; }
  bool counts_goodput() const { return !slos_.empty(); }
  /// Profiling metrics per request class (requests with a class label, not cancelled).
  const exporting::ClassMetrics& by_class() const { return by_class_; }
  /// The offset added to now_ns() stamps to write them as epoch ns (the JSONL's clock).
  int64_t wall_offset_ns() const { return wall_offset_ns_; }

  /// The endpoint's request bodies are valid JSON by construction (endpoints::JsonBodyEndpoint):
  /// inputs.json writes them unchecked, unless secrets are scrubbed from them.
  void trust_json_bodies() { json_bodies_ = true; }
  /// --slice-duration: from now on profiling requests are also grouped by time slice.
  void enable_timeslices(int64_t slice_ns) { timeslices_.emplace(slice_ns); }
  /// Adds a profiling request (not cancelled) to the slice of its send time since `phase_start_ns` (now_ns clock).
  void add_to_timeslice(const engine::PhasePlan& plan, const engine::FinishedRequest& done, bool cancelled,
                        int64_t phase_start_ns);
  /// The slices, or null without --slice-duration.
  const exporting::TimesliceMetrics* timeslices() const { return timeslices_ ? &*timeslices_ : nullptr; }
  /// Profiling conversations of a multi-turn run (empty otherwise).
  const exporting::ConversationMetrics& conversations() const { return conversations_; }

 private:
  RunSink(std::unique_ptr<exporting::AtomicAppendFile> file, std::vector<metrics::Slo> slos, int64_t wall_offset_ns,
          SecretScrubber scrubber)
      : file_(std::move(file)), slos_(std::move(slos)), wall_offset_ns_(wall_offset_ns), scrubber_(std::move(scrubber)) {}

  std::unique_ptr<exporting::AtomicAppendFile> file_;
  std::unique_ptr<exporting::InputsExport> inputs_;  // inputs.json beside the JSONL
  std::vector<metrics::Slo> slos_;
  int64_t wall_offset_ns_;
  SecretScrubber scrubber_;
  exporting::ErrorSummary errors_;
  uint64_t good_requests_ = 0;
  uint64_t implausible_usage_ = 0;
  uint64_t malformed_server_timing_ = 0;
  exporting::ClassMetrics by_class_;
  std::optional<exporting::TimesliceMetrics> timeslices_;
  exporting::ConversationMetrics conversations_;
  std::string write_error_;
  std::string line_;  // the JSONL line being written
  bool json_bodies_ = false;
};

}  // namespace aiperf::run
