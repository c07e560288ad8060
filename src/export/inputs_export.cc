#include "export/inputs_export.h"

#include <nlohmann/json.hpp>

#include "base/json_reader.h"

namespace aiperf::exporting {

InputsExport::InputsExport(const std::filesystem::path& path) : file_(path) { file_.append("{\"data\": [\n"); }

void InputsExport::add(std::string_view request_id, std::string_view body) {
  std::string line = first_ ? "" : ",\n";
  first_ = false;
  line += "{\"session_id\": ";
  line += nlohmann::json(std::string(request_id)).dump();
  line += ", \"payloads\": [";
  // Endpoint bodies are JSON and are written as they were sent; anything else is quoted.
  // json_valid (one pass, no DOM) says yes to every valid body; nlohmann has the last word
  // on the rest (nesting deeper than json_valid's limit, a leading BOM).
  if (json_valid(body) || nlohmann::json::accept(body)) line += body;
  else line += nlohmann::json(std::string(body)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line += "]}";
  file_.append(line);
}

void InputsExport::commit() {
  file_.append("\n]}\n");
  file_.commit();
}

}  // namespace aiperf::exporting
