// Workloads end to end (docs/workloads.md): shared prefixes and trace hash_ids
// give the mock server's prefix cache exactly the hits a reference model of
// the sent prompts predicts; --seq-dist classes reach the JSONL and the export.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "e2e/e2e_support.h"
#include "mock_server/tokens.h"
#include "run/run_plan.h"

namespace aiperf {
namespace {

using nlohmann::json;
using testing::MockServerProcess;
using testing::TempDir;
using testing::profile;

std::vector<std::string> words_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// A reference prefix cache without eviction: a full block hits when the whole prefix up
// to its end was seen before, and only while the prefix is unbroken (as vLLM counts).
class ReferenceCache {
 public:
  explicit ReferenceCache(std::size_t block) : block_(block) {}
  template <class Token>
  void send(const std::vector<Token>& tokens) {
    bool unbroken = true;
    for (std::size_t end = block_; end <= tokens.size(); end += block_) {
      auto key = key_of(tokens, end);
      unbroken = unbroken && seen_.count(key) > 0;
      hits_ += unbroken ? 1 : 0;
      misses_ += unbroken ? 0 : 1;
      seen_.insert(key);
    }
  }
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }

 private:
  template <class Token>
  static std::string key_of(const std::vector<Token>& tokens, std::size_t end) {
    std::string key;
    for (std::size_t i = 0; i < end; ++i) key += json(tokens[i]).dump() + " ";
    return key;
  }
  std::size_t block_;
  std::set<std::string> seen_;
  uint64_t hits_ = 0, misses_ = 0;
};

// The words a chat request of this entry carries, in order (what the mock hashes).
std::vector<std::string> sent_words(const dataset::DatasetEntry& e) {
  std::string all;
  for (const auto& m : e.messages) all += m.content + " ";
  return words_of(all + e.prompt);
}

// The dataset `aiperf profile` builds for these options (no requests sent).
std::vector<dataset::DatasetEntry> planned_entries(config::ProfileOptions o, const TempDir& dir) {
  o.model = "mock";
  o.url = "http://127.0.0.1:9";
  o.ui = config::UiMode::kNone;
  o.artifact_dir = (dir.path() / "plan").string();
  o.phase_hook_isolation = config::HookIsolation::kNone;
  auto plan = run::make_run_plan({}, o);
  EXPECT_TRUE(plan) << plan.error()[0].describe();
  return plan ? plan->data.entries : std::vector<dataset::DatasetEntry>{};
}

constexpr int kBlock = 16;

MockServerProcess caching_server() {
  return MockServerProcess({"--fast", "--prefix-cache-blocks", "100000", "--block-size", std::to_string(kBlock)});
}

void expect_mock_saw(const MockServerProcess& server, const ReferenceCache& expected) {
  const json stats = testing::mock_json(server, "/mock/stats")["prefix_cache"];
  EXPECT_GT(expected.hits(), 0u) << "the workload should share prefixes";
  EXPECT_EQ(stats["hit_blocks"].get<uint64_t>(), expected.hits());
  EXPECT_EQ(stats["miss_blocks"].get<uint64_t>(), expected.misses());
  EXPECT_EQ(stats["cached_tokens"].get<uint64_t>(), expected.hits() * kBlock);
}

TEST(WorkloadsE2ETest, SharedSystemPromptAndPrefixPoolGiveTheExpectedCacheHits) {
  config::ProfileOptions o;
  o.random_seed = 11;
  o.num_dataset_entries = 40;
  o.request_count = 40;
  o.isl = 24;
  o.shared_system_prompt_length = 40;
  o.num_prefix_prompts = 3;
  o.prefix_prompt_length = 2 * kBlock;
  TempDir dir;
  ReferenceCache expected(kBlock);
  for (const auto& e : planned_entries(o, dir)) expected.send(sent_words(e));

  auto server = caching_server();
  auto run = profile(server, dir,
                     "--concurrency 1 --request-count 40 --num-dataset-entries 40 --isl 24 --osl 2 --random-seed 11 "
                     "--shared-system-prompt-length 40 --num-prefix-prompts 3 --prefix-prompt-length 32");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  ASSERT_EQ(run.records.size(), 40u);
  expect_mock_saw(server, expected);
  const uint64_t prompt = o.isl + o.shared_system_prompt_length + o.prefix_prompt_length;
  for (const auto& r : run.records) EXPECT_EQ(r["metrics"]["input_sequence_length"]["value"], prompt);
}

TEST(WorkloadsE2ETest, TraceReplayGivesTheMockExactlyTheTracesSharing) {
  TempDir dir;
  const auto trace = dir.path() / "trace.jsonl";
  const std::vector<std::pair<int, std::vector<int>>> records = {
      {3 * kBlock, {1, 2, 3}}, {3 * kBlock + 5, {1, 2, 4, 9}}, {2 * kBlock, {1, 5}},
      {4 * kBlock, {1, 2, 3, 6}}, {kBlock - 3, {7}}, {2 * kBlock + 1, {7, 8, 10}}, {3 * kBlock, {1, 2, 4}}};
  {
    std::ofstream out(trace);
    for (const auto& [length, ids] : records) {
      out << json{{"input_length", length}, {"output_length", 2}, {"hash_ids", ids}}.dump() << "\n";
    }
  }
  // The reference caches one hash id per block; only the full blocks input_length fills count.
  ReferenceCache per_block(1);
  for (const auto& [length, ids] : records) {
    per_block.send(std::vector<int>(ids.begin(), ids.begin() + std::min<std::size_t>(ids.size(), length / kBlock)));
  }
  auto server = caching_server();
  auto run = profile(server, dir,
                     "--concurrency 1 --custom-dataset-type mooncake_trace --block-size " + std::to_string(kBlock) +
                         " --input-file '" + trace.string() + "'");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  ASSERT_EQ(run.records.size(), records.size());
  const json stats = testing::mock_json(server, "/mock/stats")["prefix_cache"];
  EXPECT_GT(per_block.hits(), 0u);
  EXPECT_EQ(stats["hit_blocks"].get<uint64_t>(), per_block.hits());
  EXPECT_EQ(stats["miss_blocks"].get<uint64_t>(), per_block.misses());
  const json sent = testing::mock_json(server, "/mock/records");
  for (std::size_t i = 0; i < records.size(); ++i) EXPECT_EQ(sent[i]["prompt_tokens"], records[i].first) << i;
}

// BurstGPT's CSV replays on its timestamps (never early) with each row's token counts.
TEST(WorkloadsE2ETest, BurstGptTraceReplaysItsRowsAtTheirTimesWithTheirLengths) {
  TempDir dir;
  const auto trace = dir.path() / "burst.csv";
  testing::write_file(trace,
                      "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
                      "0.0,ChatGPT,21,3,24,Conversation log\n0.1,GPT-4,8,0,8,API log\n"
                      "0.25,ChatGPT,40,2,42,Conversation log\n0.3,GPT-4,13,5,18,API log\n");
  auto server = MockServerProcess({"--fast"});
  auto run = profile(server, dir, "--custom-dataset-type burst_gpt_trace --input-file '" + trace.string() + "'");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  ASSERT_EQ(run.records.size(), 4u);
  // The fixed schedule: every send at or after its row's time (the first may start late: its
  // connection), so the sends span the trace's 0.3 s less the first one's lag.
  double first_start = 1e300, last_start = 0, first_lag_s = 0;
  for (const auto& r : run.records) {
    const double start = r["metadata"]["request_start_ns"].get<double>() / 1e9;
    const double lag_s = r["metrics"]["schedule_lag"]["value"].get<double>() / 1e3;
    EXPECT_GE(lag_s, 0) << "sent before its timestamp";
    if (start < first_start) first_start = start, first_lag_s = lag_s;
    last_start = std::max(last_start, start);
  }
  EXPECT_GE(last_start - first_start, 0.3 - first_lag_s - 0.001);
  const json sent = testing::mock_json(server, "/mock/records");
  const std::vector<int> lengths = {21, 8, 40, 13}, replies = {3, 1, 2, 5};
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    EXPECT_EQ(sent[i]["prompt_tokens"], lengths[i]) << i;
    EXPECT_EQ(sent[i]["completion_tokens"], replies[i]) << i;
  }
}

// Bailian lines carry their whole context in hash_ids (16-token blocks): the mock sees the trace's sharing.
TEST(WorkloadsE2ETest, BailianTraceGivesTheMockTheTracesSharingInSixteenTokenBlocks) {
  TempDir dir;
  const auto trace = dir.path() / "qwen.jsonl";
  const std::vector<std::pair<int, std::vector<int>>> records = {
      {3 * kBlock, {1, 2, 3}}, {4 * kBlock + 2, {1, 2, 3, 4, 5}}, {2 * kBlock, {6, 7}}, {3 * kBlock, {1, 2, 8}}};
  {
    std::ofstream out(trace);
    int chat = 100;
    for (const auto& [length, ids] : records) {
      out << json{{"chat_id", chat}, {"parent_chat_id", -1}, {"timestamp", (chat - 100) * 0.01}, {"input_length", length},
                  {"output_length", 2}, {"type", "text"}, {"turn", 1}, {"hash_ids", ids}}.dump() << "\n";
      ++chat;
    }
  }
  ReferenceCache per_block(1);
  for (const auto& [length, ids] : records) {
    per_block.send(std::vector<int>(ids.begin(), ids.begin() + std::min<std::size_t>(ids.size(), length / kBlock)));
  }
  auto server = caching_server();  // blocks of kBlock = 16 tokens, the format's own size
  auto run = profile(server, dir, "--custom-dataset-type bailian_trace --input-file '" + trace.string() + "'");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  ASSERT_EQ(run.records.size(), records.size());
  const json stats = testing::mock_json(server, "/mock/stats")["prefix_cache"];
  EXPECT_GT(per_block.hits(), 0u);
  EXPECT_EQ(stats["hit_blocks"].get<uint64_t>(), per_block.hits());
  EXPECT_EQ(stats["miss_blocks"].get<uint64_t>(), per_block.misses());
}

TEST(WorkloadsE2ETest, SeqDistClassesReachTheRecordsAndTheExport) {
  auto server = MockServerProcess({"--fast"});
  TempDir dir;
  auto run = profile(server, dir, "--concurrency 4 --request-count 200 --num-dataset-entries 200 --seq-dist '20,4:30;40,8:70'");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  std::map<std::string, int> per_class;
  for (const auto& r : run.records) ++per_class[r["metadata"].value("class", "")];
  ASSERT_EQ(per_class.size(), 2u);
  const json& by_class = run.aggregate["by_class"];
  for (const auto& [label, count] : per_class) {
    ASSERT_TRUE(by_class.contains(label)) << label;
    EXPECT_EQ(by_class[label]["request_count"]["avg"], count);
    EXPECT_TRUE(by_class[label].contains("request_latency"));
    EXPECT_TRUE(by_class[label].contains("request_throughput"));
    const int isl = std::stoi(label.substr(3, label.find('_') - 3));
    EXPECT_EQ(by_class[label]["input_sequence_length"]["avg"], isl) << label;
  }
}

TEST(WorkloadsE2ETest, BadWorkloadInputStopsBeforeAnyRequestWithExitCode2) {
  auto server = MockServerProcess({"--fast"});
  TempDir dir;
  const auto sharegpt = dir.path() / "sg.json";
  testing::write_file(sharegpt, "[\n{\"conversations\": []},\n{\"id\": 2}\n]\n");
  const auto burst = dir.path() / "burst.csv";
  testing::write_file(burst, "Timestamp,Request tokens,Response tokens\n0,4,2\n1,many,2\n");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--request-count 1 --seq-dist '10,5:60;20,5:30'", "percentages add up to"},
      {"--request-count 1 --seq-dist '10:100'", "component '10:100'"},
      {"--request-count 1 --num-prefix-prompts 3", "--num-prefix-prompts and --prefix-prompt-length go together"},
      {"--request-count 1 --custom-dataset-type csv --input-file x", "--custom-dataset-type must be single_turn"},
      {"--request-count 1 --num-users 3", "--num-users needs --user-centric-rate"},
      {"--request-count 1 --user-centric-rate 2", "--user-centric-rate needs --num-users"},
      {"--request-count 1 --user-centric-rate 2 --num-users 2 --request-rate 3", "excludes --request-rate"},
      {"--custom-dataset-type burst_gpt_trace --input-file '" + burst.string() + "'",
       "burst.csv:3: 'Request tokens' must be a number, got 'many'"},
      {"--request-count 1 --custom-dataset-type sharegpt --input-file '" + sharegpt.string() + "'",
       "sg.json:3: record needs a 'conversations' array"}};
  for (const auto& [args, message] : cases) {
    auto run = profile(server, dir, args);
    EXPECT_EQ(run.result.exit_code, 2) << args;
    EXPECT_NE(run.result.err.find(message), std::string::npos) << args << "\n" << run.result.err;
  }
  EXPECT_EQ(testing::mock_json(server, "/mock/stats")["requests"], 0);
}

// The options of a synthetic multi-turn run (isl 6, osl 4), as the matching flags give them.
config::ProfileOptions conversation_options(uint64_t seed, uint64_t conversations, double turns, double turns_sd,
                                            double delay_ms, double delay_sd) {
  config::ProfileOptions o;
  o.random_seed = seed;
  o.isl = 6;
  o.osl = 4;
  o.conversation_num = conversations;
  o.conversation_turn_mean = turns;
  o.conversation_turn_stddev = turns_sd;
  o.conversation_turn_delay_mean = delay_ms;
  o.conversation_turn_delay_stddev = delay_sd;
  return o;
}

TEST(WorkloadsE2ETest, EveryTurnCarriesTheHistoryWithTheRepliesAsReceivedAfterItsThinkTime) {
  const auto o = conversation_options(5, 5, 3, 1, 30, 10);
  TempDir dir;
  std::vector<dataset::DatasetEntry> planned;
  try {
    planned = planned_entries(o, dir);
  } catch (const std::exception& e) {
    FAIL() << "plan: " << e.what();
  }
  ASSERT_EQ(planned.size(), o.conversation_num);
  std::size_t turns = 0;
  for (const auto& e : planned) turns += 1 + e.next_turns.size();

  auto server = MockServerProcess({"--fast", "--record-bodies"});
  auto run = profile(server, dir,
                     "--concurrency 2 --isl 6 --osl 4 --random-seed 5 --conversation-num 5 --conversation-turn-mean 3 "
                     "--conversation-turn-stddev 1 --conversation-turn-delay-mean 30 --conversation-turn-delay-stddev 10");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  ASSERT_EQ(run.records.size(), turns);
  std::map<std::string, json> sent;  // request id -> what the server received and answered
  for (const auto& r : testing::mock_json(server, "/mock/records")) sent[r["request_id"].get<std::string>()] = r;
  std::map<uint64_t, std::map<uint32_t, json>> conversations;  // id -> turn -> JSONL line
  for (const auto& r : run.records) {
    ASSERT_TRUE(r["metadata"]["conversation_id"].is_number_integer()) << r.dump();
    ASSERT_TRUE(r["metadata"]["turn_index"].is_number_integer()) << r.dump();
    conversations[r["metadata"]["conversation_id"].get<uint64_t>()][r["metadata"]["turn_index"].get<uint32_t>()] = r;
  }
  ASSERT_EQ(conversations.size(), planned.size());
  for (const auto& [id, by_turn] : conversations) {
    const auto& entry = planned[id];  // conversations start in dataset order (sequential sampler)
    ASSERT_EQ(by_turn.size(), 1 + entry.next_turns.size()) << "conversation " << id;
    json expected = json::array();
    for (const auto& [k, line] : by_turn) {
      const json& server_view = sent.at(line["metadata"]["x_request_id"].get<std::string>());
      const json body = json::parse(server_view["body"].get<std::string>());
      expected.push_back({{"role", "user"}, {"content", k == 0 ? entry.prompt : entry.next_turns[k - 1].prompt}});
      EXPECT_EQ(body["messages"], expected) << "conversation " << id << " turn " << k;
      // The reply as the server sent it (its token contract) joins the history of the next turn.
      ASSERT_TRUE(server_view["completion_tokens"].is_number_integer()) << server_view.dump();
      const auto reply_tokens = server_view["completion_tokens"].get<std::size_t>();
      expected.push_back({{"role", "assistant"}, {"content", mock_server::tokens_text(reply_tokens)}});
      if (k == 0) continue;
      const auto& previous = by_turn.at(k - 1)["metadata"];
      ASSERT_TRUE(previous["request_end_ns"].is_number()) << previous.dump();
      const double gap_ms = (line["metadata"]["request_start_ns"].get<double>() -
                             previous["request_end_ns"].get<double>()) / 1e6;
      const double think_ms = entry.next_turns[k - 1].delay_ms;
      EXPECT_GE(gap_ms, think_ms - 0.05) << "conversation " << id << " turn " << k;
      EXPECT_LT(gap_ms, think_ms + 50) << "conversation " << id << " turn " << k;  // generous: a loaded machine
    }
  }
}

TEST(WorkloadsE2ETest, ExportHasOneConversationLatencyPerConversationCoveringItsTurnsAndThinkTimes) {
  const auto o = conversation_options(9, 4, 3, 0, 20, 5);
  TempDir dir;
  const auto planned = planned_entries(o, dir);
  ASSERT_EQ(planned.size(), o.conversation_num);

  auto server = MockServerProcess({"--fast"});
  auto run = profile(server, dir,
                     "--concurrency 2 --isl 6 --osl 4 --random-seed 9 --conversation-num 4 --conversation-turn-mean 3 "
                     "--conversation-turn-stddev 0 --conversation-turn-delay-mean 20 --conversation-turn-delay-stddev 5");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  // Each conversation from its JSONL lines: first send, last end, its turns' latencies.
  struct Seen { double first_start = 1e300, last_end = 0, latencies_ms = 0; int turns = 0; };
  std::map<uint64_t, Seen> seen;
  for (const auto& r : run.records) {
    const auto& md = r["metadata"];
    Seen& s = seen[md["conversation_id"].get<uint64_t>()];
    s.first_start = std::min(s.first_start, md["request_start_ns"].get<double>());
    s.last_end = std::max(s.last_end, md["request_end_ns"].get<double>());
    s.latencies_ms += r["metrics"]["request_latency"]["value"].get<double>();
    ++s.turns;
  }
  ASSERT_EQ(seen.size(), planned.size());
  const json& c = run.aggregate["conversations"];
  ASSERT_TRUE(c.is_object()) << run.aggregate.dump();
  EXPECT_EQ(c["conversation_count"]["avg"], planned.size());
  EXPECT_EQ(c["conversation_latency"]["count"], planned.size());
  EXPECT_EQ(c["turns_per_conversation"]["count"], planned.size());
  double lowest = 1e300, highest = 0, total = 0;
  for (const auto& [id, s] : seen) {
    const auto& entry = planned[id];
    ASSERT_EQ(s.turns, static_cast<int>(1 + entry.next_turns.size())) << "conversation " << id;
    double think_ms = 0;
    for (const auto& t : entry.next_turns) think_ms += t.delay_ms;
    const double latency_ms = (s.last_end - s.first_start) / 1e6;
    EXPECT_GE(latency_ms, s.latencies_ms + think_ms) << "conversation " << id;
    lowest = std::min(lowest, latency_ms);
    highest = std::max(highest, latency_ms);
    total += latency_ms;
  }
  // The exported distribution is these latencies.
  EXPECT_NEAR(c["conversation_latency"]["min"].get<double>(), lowest, 1e-3);
  EXPECT_NEAR(c["conversation_latency"]["max"].get<double>(), highest, 1e-3);
  EXPECT_NEAR(c["conversation_latency"]["avg"].get<double>(), total / planned.size(), 1e-3);
  EXPECT_EQ(c["turns_per_conversation"]["avg"], 3);
  const std::string csv = testing::slurp(dir.path() / "profile_export_aiperf.csv");
  EXPECT_NE(csv.find("Conversation Latency (ms),"), std::string::npos) << csv;
  EXPECT_NE(csv.find("Conversation Count (conversations),4"), std::string::npos) << csv;
  EXPECT_NE(run.result.out.find("Conversation latency (ms, think time included)"), std::string::npos) << run.result.out;
}

TEST(WorkloadsE2ETest, SingleTurnRunHasNoConversationSection) {
  auto server = MockServerProcess({"--fast"});
  TempDir dir;
  auto run = profile(server, dir, "--concurrency 2 --request-count 6 --isl 6 --osl 2");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  EXPECT_FALSE(run.aggregate.contains("conversations"));
  EXPECT_EQ(run.result.out.find("Conversation"), std::string::npos) << run.result.out;
}

}  // namespace
// The server's connection id of each turn, per conversation, for a multi-turn run with this
// connection policy (3 conversations of 3 turns, 2 at a time).
std::map<uint64_t, std::vector<uint64_t>> connections_by_conversation(const std::string& policy) {
  TempDir dir;
  auto server = MockServerProcess({"--fast"});
  auto run = profile(server, dir,
                     "--concurrency 2 --isl 6 --osl 4 --random-seed 3 --conversation-num 3 --conversation-turn-mean 3 "
                     "--conversation-turn-delay-mean 5 --connection-reuse-strategy " + policy);
  EXPECT_EQ(run.result.exit_code, 0) << run.result.err;
  std::map<std::string, uint64_t> connection_of;  // request id -> the mock's connection number
  for (const auto& r : testing::mock_json(server, "/mock/records")) {
    connection_of[r["request_id"].get<std::string>()] = r["connection"].get<uint64_t>();
  }
  std::map<uint64_t, std::vector<uint64_t>> out;
  for (const auto& r : run.records) {
    const auto& md = r["metadata"];
    out[md["conversation_id"].get<uint64_t>()].push_back(connection_of.at(md["x_request_id"].get<std::string>()));
  }
  return out;
}

TEST(WorkloadsE2ETest, StickySessionsSendEveryTurnOfAConversationOverOneConnection) {
  auto sticky = connections_by_conversation("sticky-user-sessions");
  ASSERT_EQ(sticky.size(), 3u);
  std::set<uint64_t> used;
  for (const auto& [id, connections] : sticky) {
    ASSERT_EQ(connections.size(), 3u) << "conversation " << id;
    EXPECT_EQ(std::set<uint64_t>(connections.begin(), connections.end()).size(), 1u) << "conversation " << id;
    used.insert(connections.front());
  }
  EXPECT_EQ(used.size(), 3u) << "each conversation has a connection of its own";

  std::set<uint64_t> never;  // the control: a new connection for every request
  std::size_t requests = 0;
  for (const auto& [id, connections] : connections_by_conversation("never")) {
    never.insert(connections.begin(), connections.end());
    requests += connections.size();
  }
  EXPECT_EQ(never.size(), requests);
}

}  // namespace aiperf
