// `mpirun -np N aiperf profile …` end to end (OpenMPI from Debian, ranks on this
// machine): the ranks together send exactly the requests one process sends
// with the same seed — the same sessions, payloads, servers and scheduled
// times — and rank 0 writes one set of exports holding all of them, with the
// per-rank client health. The mock servers' own counts are the truth for what
// was sent.
#include <gtest/gtest.h>

#include <cmath>
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

testing::ProfileRun mpi_profile(int ranks, const MockServerProcess& server, const TempDir& dir, const std::string& args) {
  const std::string mpirun = std::string(AIPERF_MPIEXEC) + " --allow-run-as-root --oversubscribe -np " +
                             std::to_string(ranks) + " ";
  return testing::read_run(dir, testing::run_shell(mpirun + testing::aiperf_command(testing::profile_args(server, dir) + args)));
}

// What the schedule decides about one request, by session number: its payload, its server, and
// its scheduled send time after the first request's (ns, exact).
using Decided = std::map<uint64_t, std::tuple<std::string, std::string, int64_t>>;

Decided decided(const testing::ProfileRun& run, const TempDir& dir) {
  std::map<std::string, std::string> payloads;  // request id -> body
  std::ifstream in(dir.path() / "inputs.json");
  const json inputs = json::parse(in, nullptr, false);
  if (!inputs.is_discarded()) {
    for (const auto& entry : inputs["data"]) payloads[entry["session_id"]] = entry["payloads"][0].dump();
  }
  Decided out;
  for (const auto& r : run.records) {
    const auto& md = r["metadata"];
    const int64_t lag_ns = std::llround(r["metrics"]["schedule_lag"]["value"].get<double>() * 1e6);
    const int64_t scheduled = md["request_start_ns"].get<int64_t>() - lag_ns;
    out[md["session_num"].get<uint64_t>()] = {payloads[md["x_request_id"]], md.value("url", ""), scheduled};
  }
  if (out.empty()) return out;
  const int64_t first = std::get<2>(out.begin()->second);
  for (auto& [session, d] : out) std::get<2>(d) -= first;
  return out;
}

int requests_seen(const MockServerProcess& server) {
  return testing::mock_json(server, "/mock/stats")["requests"].get<int>();
}

// Every rank's health is exported, and the ranks' sends add up to the run's.
void expect_rank_health(const json& aggregate, int ranks, int requests) {
  ASSERT_TRUE(aggregate.contains("ranks")) << aggregate.dump();
  ASSERT_EQ(aggregate["ranks"].size(), static_cast<std::size_t>(ranks));
  int sent = 0;
  for (int r = 0; r < ranks; ++r) {
    const json& h = aggregate["ranks"][r];
    EXPECT_EQ(h["rank"], r);
    EXPECT_EQ(h["stop_reason"], "");
    EXPECT_GT(h["client_cpu_seconds"].get<double>(), 0);
    sent += h["requests_sent"].get<int>();
  }
  EXPECT_EQ(sent, requests);
}

class MpiE2ETest : public ::testing::TestWithParam<int> {};

TEST_P(MpiE2ETest, RanksSendTheRequestsOneProcessSendsAtTheSameScheduledTimes) {
  const int ranks = GetParam();
  MockServerProcess a({"--fast"}), b({"--fast"});
  // Random draws everywhere: Poisson gaps, sampled entries of varied lengths, random servers.
  const std::string args = "-u " + b.base_url() + " --url-strategy random --request-rate 150 "
                           "--arrival-pattern poisson --random-seed 11 --request-count 30 --num-dataset-entries 12 "
                           "--dataset-sampling-strategy random --isl 20 --isl-stddev 8 --osl 3";
  TempDir one_dir, split_dir;
  auto one = testing::profile(a, one_dir, args);
  ASSERT_EQ(one.result.exit_code, 0) << one.result.err;
  const int one_a = requests_seen(a), one_b = requests_seen(b);
  auto split = mpi_profile(ranks, a, split_dir, args);
  ASSERT_EQ(split.result.exit_code, 0) << split.result.out << split.result.err;
  EXPECT_EQ(requests_seen(a) - one_a + requests_seen(b) - one_b, 30) << "the ranks sent each request once";
  EXPECT_EQ(requests_seen(a) - one_a, one_a) << "and the same ones to each server";

  ASSERT_EQ(split.records.size(), 30u);
  const Decided expected = decided(one, one_dir), got = decided(split, split_dir);
  ASSERT_EQ(got.size(), 30u);
  for (const auto& [session, d] : expected) {
    ASSERT_TRUE(got.count(session)) << "session " << session;
    EXPECT_EQ(std::get<0>(got.at(session)), std::get<0>(d)) << "payload of session " << session;
    EXPECT_FALSE(std::get<0>(d).empty());
    EXPECT_EQ(std::get<1>(got.at(session)), std::get<1>(d)) << "server of session " << session;
    EXPECT_EQ(std::get<2>(got.at(session)), std::get<2>(d)) << "scheduled time of session " << session;
  }
  EXPECT_EQ(split.aggregate["request_count"]["avg"], 30);
  EXPECT_EQ(split.aggregate["per_url"][a.base_url()]["request_count"]["avg"], one_a);
  expect_rank_health(split.aggregate, ranks, 30);
  EXPECT_NE(split.result.out.find("Rank " + std::to_string(ranks - 1)), std::string::npos) << split.result.out;
}

TEST_P(MpiE2ETest, AClosedLoopIsSharedAndEachSessionKeepsItsPayload) {
  const int ranks = GetParam();
  MockServerProcess server({"--fast"});
  const std::string args = "--concurrency 4 --request-count 24 --num-dataset-entries 10 --dataset-sampling-strategy random "
                           "--random-seed 5 --isl 20 --isl-stddev 8 --osl 3 --streaming";
  TempDir one_dir, split_dir;
  auto one = testing::profile(server, one_dir, args);
  ASSERT_EQ(one.result.exit_code, 0) << one.result.err;
  auto split = mpi_profile(ranks, server, split_dir, args);
  ASSERT_EQ(split.result.exit_code, 0) << split.result.out << split.result.err;
  EXPECT_EQ(requests_seen(server), 48);
  const Decided expected = decided(one, one_dir), got = decided(split, split_dir);
  ASSERT_EQ(got.size(), 24u);
  for (const auto& [session, d] : expected) {
    ASSERT_TRUE(got.count(session)) << "session " << session;
    EXPECT_EQ(std::get<0>(got.at(session)), std::get<0>(d)) << "payload of session " << session;
  }
  // The merged metrics are those of every rank's requests: streamed chunks' gaps included.
  EXPECT_EQ(split.aggregate["request_count"]["avg"], 24);
  EXPECT_EQ(split.aggregate["output_sequence_length"]["count"], 24);
  EXPECT_GT(split.aggregate["inter_token_latency"]["count"].get<int>(), 0);
  expect_rank_health(split.aggregate, ranks, 24);
}

INSTANTIATE_TEST_SUITE_P(Ranks, MpiE2ETest, ::testing::Values(2, 4));

TEST(MpiE2ETest, EachRankBindsItsOwnStripeOfTheSourceAddresses) {
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

TEST(MpiE2ETest, WhatCannotBeSplitExitsTwoOnEveryRankBeforeAnyRequest) {
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

}  // namespace
}  // namespace aiperf
