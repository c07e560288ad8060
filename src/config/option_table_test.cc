#include "config/option_table.h"

#include <gtest/gtest.h>

#include <sys/stat.h>


#include "base/file.h"
#include "config/config_file.h"
#include "support/test_support.h"

namespace aiperf::config {
namespace {

TEST(OptionTableTest, DocsReferenceMatchesTheTable) {
  auto read = read_bounded_regular_file(std::filesystem::path(AIPERF_SOURCE_DIR) / "docs" / "configuration.md", 1u << 20);
  ASSERT_TRUE(read) << read.error().describe();
  const std::string& doc = *read;
  auto begin = doc.find("<!-- options:begin -->\n");
  auto end = doc.find("<!-- options:end -->");
  ASSERT_NE(begin, std::string::npos) << "docs/configuration.md lacks the options markers";
  ASSERT_NE(end, std::string::npos);
  std::string section = doc.substr(begin + 23, end - begin - 23);
  EXPECT_EQ(section, options_reference_markdown())
      << "docs/configuration.md is out of date: replace the section with `aiperf config reference`";
}

TEST(OptionTableTest, EveryOptionIsAYamlKeyAndAnInputConfigPath) {
  ProfileOptions defaults;
  auto exported = to_input_config(defaults);
  for (const auto& spec : option_table()) {
    std::string pointer = "/" + std::string(spec.key);
    std::replace(pointer.begin(), pointer.end(), '.', '/');
    EXPECT_TRUE(exported.contains(nlohmann::json::json_pointer(pointer))) << spec.key << " missing from input_config";
    // The key is accepted in a config file with its default value.
    auto v = spec.binding.to_json(defaults);
    if (v.is_null()) continue;
    testing::TempDir dir;
    auto dot = spec.key.find('.');
    std::string section(spec.key.substr(0, dot)), rest(spec.key.substr(dot + 1));
    nlohmann::json nested = v;
    for (auto at = rest.rfind('.'); at != std::string::npos; at = rest.rfind('.')) {
      nested = nlohmann::json{{rest.substr(at + 1), nested}};
      rest = rest.substr(0, at);
    }
    if (spec.key.starts_with("plugins.timing_strategy") || spec.key.starts_with("plugins.endpoint") ||
        spec.key.starts_with("plugins.dataset_sampler")) {
      nested = nlohmann::json{{"name", "x"}, {"config", nlohmann::json::object()}};
    }
    // JSON is YAML: write the value as a flow mapping.
    testing::write_file(dir.path() / "b.yaml", nlohmann::json{{section, {{rest, nested}}}}.dump());
    ProfileOptions o;
    auto errors = apply_config_file(dir.path() / "b.yaml", o);
    EXPECT_TRUE(errors.empty()) << spec.key << ": " << (errors.empty() ? "" : errors[0].describe());
  }
}

TEST(OptionTableTest, SecretsAreRedactedByTheTableNotBySubstring) {
  ProfileOptions o;
  o.api_key = "sk-1";
  o.isl = 123;
  o.headers = {{"Authorization", "Bearer t"}, {"X-Trace", "visible"}};
  o.phase_hooks = {{"datadog", {{"api_key", "dd"}, {"job", "j"}}}};
  auto c = to_input_config(o);
  EXPECT_EQ(c["endpoint"]["api_key"], "<redacted>");
  EXPECT_EQ(c["input"]["isl"], 123);  // "tokens" in a name is no secret
  EXPECT_EQ(c["endpoint"]["headers"]["Authorization"], "<redacted>");
  EXPECT_EQ(c["endpoint"]["headers"]["X-Trace"], "visible");
  EXPECT_EQ(c["plugins"]["phase_hooks"][0]["config"]["api_key"], "<redacted>");
  EXPECT_EQ(c["plugins"]["phase_hooks"][0]["config"]["job"], "j");
}

TEST(OptionTableTest, FlagValuesAreTypedAtTheEdge) {
  const auto* count = find_option_by_key("benchmark.request_count");
  ASSERT_NE(count, nullptr);
  ProfileOptions o;
  EXPECT_FALSE(count->binding.from_text(o, "-1"));  // never 2^64 - 1
  EXPECT_FALSE(count->binding.from_text(o, "1e3"));
  ASSERT_TRUE(count->binding.from_text(o, "20"));
  EXPECT_EQ(o.request_count, 20u);
  const auto* duration = find_option_by_key("benchmark.duration");
  EXPECT_FALSE(duration->binding.from_text(o, "inf"));
  EXPECT_FALSE(duration->binding.from_text(o, "1e400"));
  const auto* header = find_option_by_key("endpoint.headers");
  EXPECT_FALSE(header->binding.from_text(o, "X-Bad\r\nInjected:1"));
  EXPECT_FALSE(header->binding.from_text(o, "Bad Name:1"));
  ASSERT_TRUE(header->binding.from_text(o, "X-Ok: yes"));
  EXPECT_EQ(o.headers.back(), (Header{"X-Ok", "yes"}));
  const auto* hook = find_option_by_key("plugins.phase_hooks");
  ASSERT_TRUE(hook->binding.from_text(o, R"(prometheus={"job":"j"})"));
  EXPECT_EQ(o.phase_hooks.back().config["job"], "j");
  EXPECT_FALSE(hook->binding.from_text(o, "x={not json"));
  EXPECT_FALSE(find_option_by_key("benchmark.arrival_pattern")->binding.from_text(o, "bursty"));
}

TEST(OptionTableTest, RepeatedUrlFlagsReplaceTheConfigFilesUrls) {
  const auto* url = find_option_by_key("endpoint.url");
  ASSERT_NE(url, nullptr);
  ProfileOptions o;
  ASSERT_TRUE(url->binding.from_json(o, nlohmann::json::array({"http://a:1", "http://b:2"})));
  EXPECT_EQ(o.url, "http://a:1");
  EXPECT_EQ(url->binding.to_json(o), nlohmann::json::array({"http://a:1", "http://b:2"}));
  EXPECT_FALSE(url->binding.from_json(o, nlohmann::json::array({1})));
  ASSERT_TRUE(url->binding.from_text(o, "http://c:3"));  // the first flag replaces the file's list
  ASSERT_TRUE(url->binding.from_text(o, "http://d:4"));  // the next ones add to it
  EXPECT_EQ(o.urls, (std::vector<std::string>{"http://c:3", "http://d:4"}));
  EXPECT_EQ(o.url, "http://c:3");
}

TEST(ProfileOptionsTest, TransportOptionsAreCheckedTogether) {
  ProfileOptions o;
  o.model = "m";
  o.request_count = 1;
  EXPECT_TRUE(o.validate().empty());
  o.connection_reuse_strategy = "sticky";
  o.url_strategy = "least_loaded";
  o.request_cancellation_rate = 101;
  o.request_cancellation_delay = -1;
  o.max_response_bytes = 10;
  EXPECT_EQ(o.validate().size(), 5u);
}

TEST(ProfileOptionsTest, SyntheticSizesAreBoundedBeforeAnythingIsBuilt) {
  ProfileOptions o;
  o.model = "m";
  o.request_count = 1;
  EXPECT_TRUE(o.validate().empty());
  o.isl = 1'000'000'000;
  EXPECT_EQ(o.validate().size(), 1u);
  o.isl = 1u << 20;
  o.num_dataset_entries = 1000;
  EXPECT_EQ(o.validate().size(), 1u);  // each prompt fits, but not 1,000 of them
  o.isl = 550;
  o.num_dataset_entries = 1'000'000'000;
  EXPECT_FALSE(o.validate().empty());
  o.num_dataset_entries = 100;
  o.isl_stddev = 1'000'000'000;
  EXPECT_FALSE(o.validate().empty());
}

TEST(ProfileOptionsTest, TimesAndRatesThatWouldOverflowAreRefused) {
  ProfileOptions o;
  o.model = "m";
  o.request_count = 1;
  o.request_rate = 1e-300;
  EXPECT_EQ(o.validate().size(), 1u);
  o.request_rate = 10;
  o.benchmark_duration = 1e10;
  EXPECT_EQ(o.validate().size(), 1u);
  o.benchmark_duration = 60;
  EXPECT_TRUE(o.validate().empty());
}

TEST(ProfileOptionsTest, EachRampNeedsItsLoadModeAndANonNegativeDuration) {
  ProfileOptions o;
  o.model = "m";
  o.request_count = 1;
  o.concurrency = 8;
  o.concurrency_ramp_duration = 5;
  EXPECT_TRUE(o.validate().empty());
  o.concurrency_ramp_duration = -1;
  EXPECT_EQ(o.validate().size(), 1u);
  o.concurrency_ramp_duration = 5;
  o.request_rate = 10;  // the ceiling of a rate is not ramped
  EXPECT_EQ(o.validate().size(), 1u);
  o.concurrency_ramp_duration = 0;
  o.request_rate_ramp_duration = 5;
  EXPECT_TRUE(o.validate().empty());
  o.request_rate.reset();
  EXPECT_EQ(o.validate().size(), 1u) << "--request-rate-ramp-duration without --request-rate";
}

TEST(ProfileOptionsTest, OslExactNeedsALengthAndReachesTheEndpoint) {
  ProfileOptions o;
  o.model = "m";
  o.request_count = 1;
  o.osl_exact = true;
  EXPECT_EQ(o.validate().size(), 1u) << "--osl-exact without --osl or an input file";
  o.osl = 64;
  EXPECT_TRUE(o.validate().empty());
  EXPECT_EQ(o.endpoint_config_json()["osl_exact"], true);
  o.endpoint_type = "responses";
  EXPECT_EQ(o.validate().size(), 1u) << "only chat and completions take min_tokens";
  o.endpoint_type = "completions";
  EXPECT_TRUE(o.validate().empty());
  o.osl_exact = false;
  EXPECT_FALSE(o.endpoint_config_json().contains("osl_exact"));
}

TEST(ProfileOptionsTest, RankingsPassageOptionsReachTheRankingsEndpointOnly) {
  ProfileOptions o;
  o.model = "m";
  o.request_count = 1;
  o.rankings_passages_mean = 4;
  o.rankings_passages_stddev = 1.5;
  EXPECT_EQ(o.validate().size(), 1u) << "the chat endpoint has no passages";
  o.endpoint_type = "rankings";
  EXPECT_TRUE(o.validate().empty());
  auto config = o.endpoint_config_json();
  EXPECT_EQ(config["passages_mean"], 4.0);
  EXPECT_EQ(config["passages_stddev"], 1.5);
  o.rankings_passages_mean = 0.5;
  EXPECT_EQ(o.validate().size(), 1u);
}

TEST(ConfigFileTest, DirectoryOrFifoAsConfigIsAClearError) {
  testing::TempDir dir;
  ProfileOptions o;
  auto errors = apply_config_file(dir.path(), o);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].describe().find("is a directory"), std::string::npos) << errors[0].describe();
  auto fifo = dir.path() / "fifo.yaml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  errors = apply_config_file(fifo, o);  // must not block waiting for a writer
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].describe().find("not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace aiperf::config
