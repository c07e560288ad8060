// A run split into parts end to end: `--workers N` event loops in one process,
// and `mpirun -np N aiperf profile …` (OpenMPI from Debian, ranks on this
// machine). The parts together send exactly the requests one loop sends with
// the same seed — the same sessions, payloads, servers and scheduled times —
// and the lead writes one set of exports holding all of them, with each part's
// client health. The mock servers' own counts are the truth for what was sent.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include <nlohmann/json.hpp>

#include "e2e/e2e_support.h"

namespace aiperf {
namespace {

using nlohmann::json;
using testing::MockServerProcess;
using testing::TempDir;

bool have_mpi() { return std::string(AIPERF_MPIEXEC) != ""; }

testing::ProfileRun mpi_profile(int ranks, const MockServerProcess& server, const TempDir& dir, const std::string& args) {
  const std::string mpirun = std::string(AIPERF_MPIEXEC) + " --allow-run-as-root --oversubscribe -np " +
                             std::to_string(ranks) + " ";
  return testing::read_run(dir, testing::run_shell(mpirun + testing::aiperf_command(testing::profile_args(server, dir) + args)));
}

// How a test splits its run: into MPI ranks, or into event-loop workers of one process.
struct Split {
  bool mpi = false;
  int parts = 2;
  std::string key() const { return mpi ? "ranks" : "workers"; }
};

std::ostream& operator<<(std::ostream& out, const Split& s) { return out << s.parts << ' ' << s.key(); }

testing::ProfileRun split_profile(const Split& split, const MockServerProcess& server, const TempDir& dir,
                                  const std::string& args) {
  if (split.mpi) return mpi_profile(split.parts, server, dir, args);
  return testing::profile(server, dir, args + " --workers " + std::to_string(split.parts));
}

// What the schedule decides about one request, by session number: its payload, its server, and
// its scheduled send time after the first request's (ns, exact).
using Decided = std::map<uint64_t, std::tuple<std::string, std::string, int64_t>>;

// inputs.json: request id -> the body sent.
std::map<std::string, std::string> payloads(const TempDir& dir) {
  std::map<std::string, std::string> out;
  std::ifstream in(dir.path() / "inputs.json");
  const json inputs = json::parse(in, nullptr, false);
  if (!inputs.is_discarded()) {
    for (const auto& entry : inputs["data"]) out[entry["session_id"]] = entry["payloads"][0].dump();
  }
  return out;
}

Decided decided(const testing::ProfileRun& run, const TempDir& dir) {
  const auto payloads = aiperf::payloads(dir);
  Decided out;
  for (const auto& r : run.records) {
    const auto& md = r["metadata"];
    const int64_t lag_ns = std::llround(r["metrics"]["schedule_lag"]["value"].get<double>() * 1e6);
    const int64_t scheduled = md["request_start_ns"].get<int64_t>() - lag_ns;
    const auto payload = payloads.find(md["x_request_id"]);
    out[md["session_num"].get<uint64_t>()] = {payload == payloads.end() ? "" : payload->second, md.value("url", ""), scheduled};
  }
  if (out.empty()) return out;
  const int64_t first = std::get<2>(out.begin()->second);
  for (auto& [session, d] : out) std::get<2>(d) -= first;
  return out;
}

// What a multi-turn run sent, by conversation id: how many turns, and its first turn's payload
// (later turns carry the replies as received).
std::map<uint64_t, std::pair<int, std::string>> conversations(const testing::ProfileRun& run, const TempDir& dir) {
  const auto payloads = aiperf::payloads(dir);
  std::map<uint64_t, std::pair<int, std::string>> out;
  for (const auto& r : run.records) {
    const auto& md = r["metadata"];
    auto& [turns, first] = out[md["conversation_id"].get<uint64_t>()];
    ++turns;
    if (md["turn_index"] == 0 && payloads.count(md["x_request_id"])) first = payloads.at(md["x_request_id"]);
  }
  return out;
}

int requests_seen(const MockServerProcess& server) {
  return testing::mock_json(server, "/mock/stats")["requests"].get<int>();
}

// Every part's health is exported, and the parts' sends add up to the run's.
void expect_part_health(const json& aggregate, const Split& split, int requests) {
  ASSERT_TRUE(aggregate.contains(split.key())) << aggregate.dump();
  ASSERT_EQ(aggregate[split.key()].size(), static_cast<std::size_t>(split.parts));
  int sent = 0;
  for (int r = 0; r < split.parts; ++r) {
    const json& h = aggregate[split.key()][r];
    EXPECT_EQ(h["rank"], r);
    EXPECT_EQ(h["stop_reason"], "");
    EXPECT_GT(h["client_cpu_seconds"].get<double>(), 0);
    sent += h["requests_sent"].get<int>();
  }
  EXPECT_EQ(sent, requests);
}

class SplitE2ETest : public ::testing::TestWithParam<Split> {
 protected:
  void SetUp() override {
    if (GetParam().mpi && !have_mpi()) GTEST_SKIP() << "built without OpenMPI";
  }
};

TEST_P(SplitE2ETest, PartsSendTheRequestsOneLoopSendsAtTheSameScheduledTimes) {
  const Split split = GetParam();
  MockServerProcess a({"--fast"}), b({"--fast"});
  // Random draws everywhere: Poisson gaps, sampled entries of varied lengths, random servers.
  const std::string args = "-u " + b.base_url() + " --url-strategy random --request-rate 150 "
                           "--arrival-pattern poisson --random-seed 11 --request-count 30 --num-dataset-entries 12 "
                           "--dataset-sampling-strategy random --isl 20 --isl-stddev 8 --osl 3";
  TempDir one_dir, split_dir;
  auto one = testing::profile(a, one_dir, args + " --workers 1");
  ASSERT_EQ(one.result.exit_code, 0) << one.result.err;
  const int one_a = requests_seen(a), one_b = requests_seen(b);
  auto run = split_profile(split, a, split_dir, args);
  ASSERT_EQ(run.result.exit_code, 0) << run.result.out << run.result.err;
  EXPECT_EQ(requests_seen(a) - one_a + requests_seen(b) - one_b, 30) << "the parts sent each request once";
  EXPECT_EQ(requests_seen(a) - one_a, one_a) << "and the same ones to each server";

  ASSERT_EQ(run.records.size(), 30u);
  const Decided expected = decided(one, one_dir), got = decided(run, split_dir);
  ASSERT_EQ(got.size(), 30u);
  for (const auto& [session, d] : expected) {
    ASSERT_TRUE(got.count(session)) << "session " << session;
    EXPECT_EQ(std::get<0>(got.at(session)), std::get<0>(d)) << "payload of session " << session;
    EXPECT_FALSE(std::get<0>(d).empty());
    EXPECT_EQ(std::get<1>(got.at(session)), std::get<1>(d)) << "server of session " << session;
    EXPECT_EQ(std::get<2>(got.at(session)), std::get<2>(d)) << "scheduled time of session " << session;
  }
  EXPECT_EQ(run.aggregate["request_count"]["avg"], 30);
  EXPECT_EQ(run.aggregate["per_url"][a.base_url()]["request_count"]["avg"], one_a);
  expect_part_health(run.aggregate, split, 30);
  const std::string last = (split.mpi ? "Rank " : "Worker ") + std::to_string(split.parts - 1);
  EXPECT_NE(run.result.out.find(last), std::string::npos) << run.result.out;
}

TEST_P(SplitE2ETest, AClosedLoopIsSharedAndEachSessionKeepsItsPayload) {
  const Split split = GetParam();
  MockServerProcess server({"--fast"});
  const std::string args = "--concurrency 4 --request-count 24 --num-dataset-entries 10 --dataset-sampling-strategy random "
                           "--random-seed 5 --isl 20 --isl-stddev 8 --osl 3 --streaming";
  TempDir one_dir, split_dir;
  auto one = testing::profile(server, one_dir, args + " --workers 1");
  ASSERT_EQ(one.result.exit_code, 0) << one.result.err;
  auto run = split_profile(split, server, split_dir, args);
  ASSERT_EQ(run.result.exit_code, 0) << run.result.out << run.result.err;
  EXPECT_EQ(requests_seen(server), 48);
  const Decided expected = decided(one, one_dir), got = decided(run, split_dir);
  ASSERT_EQ(got.size(), 24u);
  for (const auto& [session, d] : expected) {
    ASSERT_TRUE(got.count(session)) << "session " << session;
    EXPECT_EQ(std::get<0>(got.at(session)), std::get<0>(d)) << "payload of session " << session;
  }
  // The merged metrics are those of every rank's requests: streamed chunks' gaps included.
  EXPECT_EQ(run.aggregate["request_count"]["avg"], 24);
  EXPECT_EQ(run.aggregate["output_sequence_length"]["count"], 24);
  // Every part's streamed chunks are in the merged inter-chunk histogram (3 tokens: 2 gaps each).
  EXPECT_EQ(run.aggregate["inter_chunk_latency"]["count"], one.aggregate["inter_chunk_latency"]["count"]);
  expect_part_health(run.aggregate, split, 24);
}

TEST_P(SplitE2ETest, EachConversationStaysInOnePartAndThePartsSendTheConversationsOneLoopSends) {
  const Split split = GetParam();
  MockServerProcess server({"--fast"});
  // Every turn of every conversation (the default count), 1-5 turns each, with think times.
  const std::string args = "--concurrency 4 --conversation-num 9 --conversation-turn-mean 3 --conversation-turn-stddev 1 "
                           "--conversation-turn-delay-mean 2 --random-seed 3 --isl 10 --osl 3";
  TempDir one_dir, split_dir;
  auto one = testing::profile(server, one_dir, args + " --workers 1");
  ASSERT_EQ(one.result.exit_code, 0) << one.result.err;
  const int turns = requests_seen(server);
  auto run = split_profile(split, server, split_dir, args);
  ASSERT_EQ(run.result.exit_code, 0) << run.result.out << run.result.err;
  EXPECT_EQ(requests_seen(server), 2 * turns);
  const auto expected = conversations(one, one_dir), got = conversations(run, split_dir);
  ASSERT_EQ(expected.size(), 9u);
  EXPECT_EQ(got, expected) << "the same conversations, each with all its turns and its first payload";
  EXPECT_EQ(run.aggregate["conversations"]["conversation_count"]["avg"], 9);
  expect_part_health(run.aggregate, split, turns);
}

TEST_P(SplitE2ETest, ACountSharedByConversationCutsOnlyTheConversationThatReachesIt) {
  const Split split = GetParam();
  MockServerProcess server({"--fast"});
  // Conversations of 3 turns and a count of 10: one loop starts four (3 + 3 + 3 + 1 turns).
  const std::string args = "--concurrency 4 --conversation-num 6 --conversation-turn-mean 3 --request-count 10 "
                           "--random-seed 4 --isl 10 --osl 3";
  TempDir one_dir, split_dir;
  auto one = testing::profile(server, one_dir, args + " --workers 1");
  ASSERT_EQ(one.result.exit_code, 0) << one.result.err;
  auto run = split_profile(split, server, split_dir, args);
  ASSERT_EQ(run.result.exit_code, 0) << run.result.out << run.result.err;
  EXPECT_EQ(requests_seen(server), 20);
  const auto by_one = conversations(one, one_dir), got = conversations(run, split_dir);
  std::map<uint64_t, int> turns;
  for (const auto& [id, c] : got) turns[id] = c.first;
  EXPECT_EQ(turns, (std::map<uint64_t, int>{{0, 3}, {1, 3}, {2, 3}, {3, 1}})) << "only the last one is cut";
  ASSERT_EQ(by_one.size(), 4u) << "one loop starts the same four";
  for (const auto& [id, c] : by_one) EXPECT_EQ(got.at(id).second, c.second) << "first payload of conversation " << id;
  expect_part_health(run.aggregate, split, 10);
}

INSTANTIATE_TEST_SUITE_P(Parts, SplitE2ETest,
                         ::testing::Values(Split{false, 2}, Split{false, 4}, Split{true, 2}, Split{true, 4}),
                         [](const auto& p) { return std::to_string(p.param.parts) + p.param.key(); });

// Workers hand their finished requests to the lead in batches while the phase runs (64 KiB,
// about 200 requests here; the lead takes them every 200 ms), so no worker holds a whole
// phase's requests. The JSONL is written in the order the lead tallies: had worker 1 kept its
// requests to the phase end, every line of it (odd sessions) would follow the lead's last.
// The lead's JSONL is written as requests finish: part 1's requests appear before the lead's last
// only if they were handed over during the phase, not all at its end.
void expect_requests_handed_over_while_the_phase_runs(const Split& split) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto run = split_profile(split, server, dir,
                           "--request-rate 1500 --arrival-pattern constant --request-count 3000 --isl 5 --osl 2");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  ASSERT_EQ(run.records.size(), 3000u);
  std::size_t last_of_lead = 0, first_of_other = run.records.size(), of_other = 0;
  for (std::size_t i = 0; i < run.records.size(); ++i) {
    if (run.records[i]["metadata"]["session_num"].get<uint64_t>() % 2 == 0) {
      last_of_lead = i;
    } else {
      first_of_other = std::min(first_of_other, i);
      ++of_other;
    }
  }
  EXPECT_EQ(of_other, 1500u);
  EXPECT_LT(first_of_other, last_of_lead) << "part 1's requests reached the lead only at the phase end";
  EXPECT_EQ(run.aggregate["request_count"]["avg"], 3000);
  expect_part_health(run.aggregate, split, 3000);
  for (int part = 0; part < 2; ++part) {  // each part's health counts its own requests only
    EXPECT_EQ(run.aggregate[split.key()][part]["succeeded"], 1500) << split.key() << " " << part;
  }
}

TEST(SplitE2ETest, WorkersHandTheirRequestsToTheLeadWhileThePhaseRuns) {
  expect_requests_handed_over_while_the_phase_runs(Split{false, 2});
}

TEST(SplitE2ETest, RanksHandTheirRequestsToRankZeroWhileThePhaseRuns) {
  if (!have_mpi()) GTEST_SKIP() << "built without OpenMPI";
  expect_requests_handed_over_while_the_phase_runs(Split{true, 2});
}

TEST(SplitE2ETest, EachRankBindsItsOwnStripeOfTheSourceAddresses) {
  if (!have_mpi()) GTEST_SKIP() << "built without OpenMPI";
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto run = mpi_profile(2, server, dir, "--source-address 127.0.0.2-127.0.0.5 --connection-reuse-strategy never "
                                         "--concurrency 2 --request-count 8 --isl 5 --osl 2");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.out << run.result.err;
  // Rank r sends sessions r, r+2, …, from addresses r, r+2 of the four (a new connection each).
  const std::map<int, std::set<std::string>> stripes = {{0, {"127.0.0.2", "127.0.0.4"}}, {1, {"127.0.0.3", "127.0.0.5"}}};
  std::map<std::string, int> by_address;
  const json records = testing::mock_json(server, "/mock/records");
  ASSERT_EQ(records.size(), 8u);
  for (const auto& r : records) {
    const std::string peer = r["peer"], id = r["request_id"];
    const std::string address = peer.substr(0, peer.rfind(':'));
    const int rank = std::stoi(id.substr(id.rfind('-') + 1)) % 2;
    EXPECT_TRUE(stripes.at(rank).count(address)) << id << " from " << address;
    ++by_address[address];
  }
  EXPECT_EQ(by_address.size(), 4u);
}

TEST(SplitE2ETest, WhatCannotBeSplitExitsTwoOnEveryRankBeforeAnyRequest) {
  if (!have_mpi()) GTEST_SKIP() << "built without OpenMPI";
  MockServerProcess server({"--fast"});
  for (const std::string args : {"--concurrency 1 --request-count 4", "--concurrency 4 --request-count 1",
                                 "--user-centric-rate 10 --num-users 2 --request-count 4"}) {
    TempDir dir;
    auto run = mpi_profile(2, server, dir, args + " --isl 5 --osl 2");
    EXPECT_NE(run.result.exit_code, 0) << args;
    EXPECT_NE(run.result.err.find("error:"), std::string::npos) << args << ": " << run.result.err;
    EXPECT_EQ(run.result.err.find("Signal"), std::string::npos) << args << ": " << run.result.err;
  }
  EXPECT_EQ(requests_seen(server), 0);
}

TEST(SplitE2ETest, TheProgressLineCountsEveryWorkersRequests) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  // Without a terminal, a progress line every 5 s: one comes 5 s into this 8 s run.
  auto run = testing::read_run(dir, testing::run_aiperf("profile -m mock -u " + server.base_url() + " --artifact-dir '" +
                                                        dir.path().string() + "' --ui simple --workers 2 "
                                                        "--request-rate 100 --request-count 800 --isl 5 --osl 2"));
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  const auto at = run.result.err.find("[profiling] ");
  ASSERT_NE(at, std::string::npos) << run.result.err;
  int done = 0, total = 0;
  ASSERT_EQ(std::sscanf(run.result.err.c_str() + at, "[profiling] %d/%d done", &done, &total), 2) << run.result.err;
  EXPECT_EQ(total, 800) << "the whole run's count, not worker 0's share";
  EXPECT_GT(done, 300) << "both workers' requests (about 500 were due)";
}

TEST(SplitE2ETest, WorkersThatCannotSplitTheRunExitTwoAndAutoFitsTheRun) {
  MockServerProcess server({"--fast"});
  for (const std::string args : {"--workers 2 --concurrency 1 --request-count 4", "--workers 3 --request-count 2",
                                 "--workers 2 --user-centric-rate 10 --num-users 2 --request-count 4"}) {
    TempDir dir;
    auto run = testing::profile(server, dir, args + " --isl 5 --osl 2");
    EXPECT_EQ(run.result.exit_code, 2) << args << ": " << run.result.err;
    EXPECT_NE(run.result.err.find("error: --"), std::string::npos) << args << ": " << run.result.err;
  }
  EXPECT_EQ(requests_seen(server), 0);
  TempDir dir;  // the default (0: a loop per core) takes what the run allows: one loop for a concurrency of 1
  auto run = testing::profile(server, dir, "--concurrency 1 --request-count 4 --isl 5 --osl 2");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  EXPECT_FALSE(run.aggregate.contains("workers"));
}

}  // namespace
}  // namespace aiperf
