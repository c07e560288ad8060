#include "run/run_sink.h"

#include "base/fatal_signal.h"

namespace aiperf::run {

Expected<std::unique_ptr<RunSink>> RunSink::open(const std::filesystem::path& jsonl, std::vector<metrics::Slo> slos,
                                                 int64_t wall_offset_ns, SecretScrubber scrubber) {
  try {
    auto file = std::make_unique<exporting::AtomicAppendFile>(jsonl);
    // Its lines are whole: on a crash the gathered ones are written, and the file is published.
    crash::publish_on_crash(file->temp_path(), file->path(),
                            {&exporting::AtomicAppendFile::write_gathered_for_crash, file.get()});
    auto sink = std::unique_ptr<RunSink>(new RunSink(std::move(file), std::move(slos), wall_offset_ns, std::move(scrubber)));
    sink->inputs_ = std::make_unique<exporting::InputsExport>(jsonl.parent_path() / "inputs.json");
    return sink;
  } catch (const std::exception& e) {
    return fail(make_error(ErrorCode::kIo, e.what()).about("--artifact-dir"));
  }
}

void RunSink::add(const engine::PhasePlan& plan, const engine::FinishedRequest& done, bool cancelled) {
  if (plan.name != "profiling") return;
  if (done.record.error && !cancelled) {
    metrics::RequestError error = *done.record.error;
    if (!scrubber_.empty()) error.message = scrubber_.scrub(error.message);
    errors_.add(error);
  }
  if (done.record.implausible_usage) ++implausible_usage_;
  if (done.record.server_timing_malformed) ++malformed_server_timing_;
  if (!slos_.empty() && metrics::meets_slos(done.metrics, slos_)) ++good_requests_;
  exporting::RecordMetadata md{done.session_num, done.record.request_id, done.record.start_ns + wall_offset_ns_,
                               done.record.end_ns + wall_offset_ns_, plan.name, cancelled, done.record.url,
                               done.record.class_label};
  md.conversation_id = done.record.conversation_id;
  md.turn_index = done.record.turn_index;
  md.in_ramp = done.record.in_ramp;
  if (!cancelled && !done.record.class_label.empty()) by_class_[done.record.class_label].add(done.metrics);
  conversations_.add(done.record, cancelled);
  try {
    line_.clear();  // reused: no allocation per line
    exporting::append_record_line(line_, md, done.metrics);
    file_->append(scrubber_.empty() || !done.record.error ? line_ : scrubber_.scrub(line_));
  } catch (const std::exception& e) {
    if (write_error_.empty()) write_error_ = e.what();
  }
}

void RunSink::add_to_timeslice(const engine::PhasePlan& plan, const engine::FinishedRequest& done, bool cancelled,
                               int64_t phase_start_ns) {
  // The same requests as the run's metrics: cancelled ones are in neither.
  if (timeslices_ && plan.name == "profiling" && !cancelled) {
    timeslices_->add(done.record.start_ns - phase_start_ns, done.metrics);
  }
}

void RunSink::add_payload(const engine::PhasePlan& plan, std::string_view request_id, std::string_view body) {
  if (plan.name != "profiling" || !inputs_) return;
  try {
    // Secrets never sit in bodies (the API key is a header), but an --extra-inputs value might.
    if (scrubber_.empty()) inputs_->add(request_id, body, json_bodies_);
    else inputs_->add(request_id, scrubber_.scrub(body));
  } catch (const std::exception& e) {
    if (write_error_.empty()) write_error_ = e.what();
  }
}

void RunSink::flush() {
  try {
    file_->flush();
  } catch (const std::exception& e) {
    if (write_error_.empty()) write_error_ = e.what();
  }
}

std::optional<Error> RunSink::commit() {
  if (write_error_.empty()) {
    try {
      crash::clear_publish_on_crash();
      if (inputs_) inputs_->commit();
      file_->commit();
    } catch (const std::exception& e) {
      write_error_ = e.what();
    }
  }
  if (write_error_.empty()) return std::nullopt;
  return make_error(ErrorCode::kIo, write_error_).about("profile_export.jsonl");
}

}  // namespace aiperf::run
