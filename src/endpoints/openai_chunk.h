// A validated fast path for the common shape of OpenAI streaming chunks and bodies
// (`{"id":…,"choices":[{"index":0,"delta":{"content":"…"},…}],"usage":…}`): one pass
// over the bytes, no padded copy, no parser state. Anything it is not sure of — an
// error object, tool calls, a second choice, escaped keys, a number where text goes,
// invalid JSON or UTF-8 — it declines, and the general parser (simdjson On-Demand)
// decides. When it answers, the answer equals the general parser's (openai_chunk_test).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "aiperf/sdk/endpoint.h"

namespace aiperf::endpoints {

/// The event for `json` (trimmed, not "[DONE]"), or nullopt when the general parser must decide.
std::optional<ParsedEvent> parse_openai_chunk_fast(std::string_view json);

/// parse_openai_chunk_fast's answer written into `out` (every field overwritten; a reused event
/// keeps its strings' buffers); false when the general parser must decide (`out` is then unspecified).
bool parse_openai_chunk_fast_into(std::string_view json, ParsedEvent& out);

/// The same answer for a streamed chunk, usually cheaper: a chunk that differs from an earlier
/// one of its stream (this thread's) only in its content string reads only that string.
std::optional<ParsedEvent> parse_openai_stream_chunk(std::string_view json);

/// parse_openai_stream_chunk's answer written into `out` (every field overwritten; a reused event
/// keeps its strings' buffers); false when the general parser must decide (`out` is then unspecified).
bool parse_openai_stream_chunk_into(std::string_view json, ParsedEvent& out);

/// How many chunks parse_openai_stream_chunk answered from a shape on this thread (tests, benchmarks).
uint64_t openai_stream_chunk_reuses();

}  // namespace aiperf::endpoints
