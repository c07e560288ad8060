// inputs.json (AIPerf's file): every request payload of the profiling phase, as
// sent, so a run can be inspected and replayed and its lengths checked:
//   {"data": [{"session_id": "<X-Request-Id>", "payloads": [<request body>]}, ...]}
// Streamed to a temporary file while the run goes on and published atomically.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "export/atomic_file.h"

namespace aiperf::exporting {

/// Appends request payloads to `<dir>/inputs.json.tmp`; commit() closes the JSON and publishes it.
class InputsExport {
 public:
  /// Opens the temporary file; throws std::runtime_error naming it on failure.
  explicit InputsExport(const std::filesystem::path& path);

  /// Records one request: its id and its body (JSON text; other bodies are written as a JSON string).
  /// `known_json`: the body is valid JSON by construction (JsonBodyEndpoint), so it is not checked.
  void add(std::string_view request_id, std::string_view body, bool known_json = false);
  /// Finishes the document and renames it into place; throws on failure.
  void commit();

 private:
  void flush();
  static constexpr std::size_t kFlushBytes = 64 * 1024;

  AtomicAppendFile file_;
  std::string pending_;  // records not yet written
  bool first_ = true;
};

}  // namespace aiperf::exporting
