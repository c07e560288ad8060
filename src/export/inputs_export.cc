#include "export/inputs_export.h"

#include <nlohmann/json.hpp>

#include "base/json_reader.h"
#include "base/json_writer.h"

namespace aiperf::exporting {

InputsExport::InputsExport(const std::filesystem::path& path) : file_(path) { file_.append("{\"data\": [\n"); }

void InputsExport::add(std::string_view request_id, std::string_view body, bool known_json) {
  std::string& out = pending_;
  if (!first_) out += ",\n";
  first_ = false;
  out += "{\"session_id\": ";
  // The same bytes as nlohmann's dump(), which has the last word (it throws) on invalid UTF-8.
  if (!append_json_string(out, request_id)) out += nlohmann::json(std::string(request_id)).dump();
  out += ", \"payloads\": [";
  // Endpoint bodies are JSON and are written as they were sent; anything else is quoted.
  // json_valid (one pass, no DOM) says yes to every valid body; nlohmann has the last word
  // on the rest (nesting deeper than json_valid's limit, a leading BOM).
  if (known_json || json_valid(body) || nlohmann::json::accept(body)) out += body;
  else out += nlohmann::json(std::string(body)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out += "]}";
  // Written in blocks, not a write(2) per request: the file is only published by commit().
  if (out.size() >= kFlushBytes) flush();
}

void InputsExport::flush() {
  file_.append(pending_);
  pending_.clear();
}

void InputsExport::commit() {
  pending_ += "\n]}\n";
  flush();
  file_.commit();
}

}  // namespace aiperf::exporting
