#include "export/conversation_export.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace aiperf::exporting {
namespace {

using nlohmann::json;

// The statistic fields of a metric summary, in the order the exports write them.
constexpr std::pair<const char*, double metrics::Summary::*> kStatFields[] = {
    {"avg", &metrics::Summary::avg}, {"min", &metrics::Summary::min}, {"max", &metrics::Summary::max},
    {"std", &metrics::Summary::std}, {"p1", &metrics::Summary::p1},   {"p5", &metrics::Summary::p5},
    {"p10", &metrics::Summary::p10}, {"p25", &metrics::Summary::p25}, {"p50", &metrics::Summary::p50},
    {"p75", &metrics::Summary::p75}, {"p90", &metrics::Summary::p90}, {"p95", &metrics::Summary::p95},
    {"p99", &metrics::Summary::p99}};

json stats_json(std::string_view unit, const metrics::Distribution& d) {
  json out = {{"unit", unit}};
  const auto s = d.summary();
  for (const auto& [name, field] : kStatFields) out[name] = s ? json((*s).*field) : json(nullptr);
  out["count"] = d.size();
  return out;
}

// "Name (unit),avg,min,max,p1,p5,p10,p25,p50,p75,p90,p95,p99,std" as aggregate_csv writes a distribution.
std::string csv_row(std::string_view name, const metrics::Distribution& d) {
  const auto s = d.summary();
  if (!s) return "";
  return fmt::format("{},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f}\n",
                     name, s->avg, s->min, s->max, s->p1, s->p5, s->p10, s->p25, s->p50, s->p75, s->p90, s->p95,
                     s->p99, s->std);
}

}  // namespace

void ConversationMetrics::add(const metrics::RequestRecord& record, bool cancelled) {
  if (!record.conversation_id) return;
  auto [it, fresh] = conversations_.try_emplace(*record.conversation_id);
  Span& span = it->second;
  if (fresh || record.start_ns < span.first_start_ns) span.first_start_ns = record.start_ns;
  if (fresh || record.end_ns > span.last_end_ns) span.last_end_ns = record.end_ns;
  ++span.turns;
  if (cancelled || !record.ok()) span.failed = true;
}

uint64_t ConversationMetrics::failed_count() const {
  return static_cast<uint64_t>(
      std::count_if(conversations_.begin(), conversations_.end(), [](const auto& c) { return c.second.failed; }));
}

metrics::Distribution ConversationMetrics::latencies_ms() const {
  metrics::Distribution out;
  for (const auto& [id, span] : conversations_) {
    if (!span.failed) out.add(static_cast<double>(span.last_end_ns - span.first_start_ns) / 1e6);
  }
  return out;
}

metrics::Distribution ConversationMetrics::turns() const {
  metrics::Distribution out;
  for (const auto& [id, span] : conversations_) out.add(span.turns);
  return out;
}

json ConversationMetrics::to_json() const {
  return {{"conversation_count", {{"unit", "conversations"}, {"avg", count()}}},
          {"failed_conversation_count", {{"unit", "conversations"}, {"avg", failed_count()}}},
          {"conversation_latency", stats_json("ms", latencies_ms())},
          {"turns_per_conversation", stats_json("turns", turns())},
          {"definition", "conversation_latency: from the first turn's send to the last turn's end, every think time "
                         "included, over conversations whose turns all succeeded"}};
}

std::string ConversationMetrics::console_lines() const {
  if (empty()) return "";
  std::string out = fmt::format("Conversations   {} ({} with a failed turn)\n", count(), failed_count());
  if (const auto t = turns().summary()) {
    out += fmt::format("Turns per conversation   avg {:.2f}   min {:.0f}   max {:.0f}\n", t->avg, t->min, t->max);
  }
  if (const auto l = latencies_ms().summary()) {
    out += fmt::format("Conversation latency (ms, think time included)   avg {:.2f}   p50 {:.2f}   p99 {:.2f}   max {:.2f}\n",
                       l->avg, l->p50, l->p99, l->max);
  }
  return out;
}

std::string with_conversation_rows(std::string csv, const ConversationMetrics& conversations) {
  if (conversations.empty()) return csv;
  const std::string rows = csv_row("Conversation Latency (ms)", conversations.latencies_ms()) +
                           csv_row("Turns per Conversation (turns)", conversations.turns());
  const auto gap = csv.find("\n\n");  // the blank line between the two sections
  if (gap == std::string::npos) return csv;
  csv.insert(gap + 1, rows);
  if (!csv.empty() && csv.back() != '\n') csv += '\n';
  csv += fmt::format("Conversation Count (conversations),{}\n", conversations.count());
  return csv;
}

}  // namespace aiperf::exporting
