// The typed values of profile options that are more than a number or a string:
// each parsed once, at the edge (a flag's text or a YAML value), into the form
// the run uses. Errors are aiperf::Error with code kInvalidArgument.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "metrics/goodput.h"

namespace aiperf::config {

/// An extra HTTP header (-H Name:Value). The name is an RFC 9110 token; neither part holds CR or LF.
struct Header {
  std::string name;
  std::string value;
  friend bool operator==(const Header&, const Header&) = default;
};

/// An extra request body field (--extra-inputs key:value); the value is JSON when it parses as JSON.
struct ExtraInput {
  std::string key;
  nlohmann::json value;
  friend bool operator==(const ExtraInput&, const ExtraInput&) = default;
};

/// A phase hook to load (--phase-hook NAME[={json}]): its name and config object.
struct HookSpec {
  std::string name;
  nlohmann::json config = nlohmann::json::object();
  friend bool operator==(const HookSpec&, const HookSpec&) = default;
};

/// Inter-arrival distribution of the request_rate strategy.
enum class ArrivalPattern { kConstant, kPoisson, kGamma };

/// What the console shows while a run goes on.
enum class UiMode { kSimple, kNone };

/// Which clock stamps response bytes: the kernel's receive time, or aiperf's own read time.
enum class TimestampSource { kKernel, kUser };

/// Where phase hooks run: in a hook host child process (a crash is contained), or in aiperf itself.
enum class HookIsolation { kProcess, kNone };

/// "Name:Value" (spaces after the colon trimmed).
Expected<Header> parse_header(std::string_view text);
/// "key:value"; the value as JSON when it is JSON, else as a string.
Expected<ExtraInput> parse_extra_input(std::string_view text);
/// "NAME" or "NAME={json object}".
Expected<HookSpec> parse_hook_spec(std::string_view text);
/// A JSON object given as text (empty text: an empty object).
Expected<nlohmann::json> parse_json_object(std::string_view text);
/// "constant", "poisson" or "gamma".
Expected<ArrivalPattern> parse_arrival_pattern(std::string_view text);
/// "simple" or "none".
Expected<UiMode> parse_ui_mode(std::string_view text);
/// "process" or "none".
Expected<HookIsolation> parse_hook_isolation(std::string_view text);
/// "kernel" or "user".
Expected<TimestampSource> parse_timestamp_source(std::string_view text);
/// "tag:bound tag:bound" (AIPerf's --goodput).
Expected<std::vector<metrics::Slo>> parse_slos(std::string_view text);

std::string_view to_string(ArrivalPattern pattern);
std::string_view to_string(UiMode mode);
std::string_view to_string(HookIsolation isolation);
std::string_view to_string(TimestampSource source);
/// The --goodput text of `slos` ("time_to_first_token:50 …").
std::string to_string(const std::vector<metrics::Slo>& slos);

}  // namespace aiperf::config
