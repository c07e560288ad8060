#include "transport/local_ports.h"

#include <gtest/gtest.h>

namespace aiperf::transport {
namespace {

const LocalPortRange kDebianDefault{32768, 60999};

TEST(LocalPortsTest, ConnectTriesEveryOtherPortOfTheRangeFirst) {
  EXPECT_EQ(kDebianDefault.first_choice_ports(), 14116u);
  EXPECT_EQ((LocalPortRange{1, 4}.first_choice_ports()), 2u);
  EXPECT_EQ((LocalPortRange{1, 5}.first_choice_ports()), 3u);
  EXPECT_EQ((LocalPortRange{3, 3}.first_choice_ports()), 1u);
}

TEST(LocalPortsTest, ConnectionsSpreadOverEveryServerAndSourceAddress) {
  EXPECT_EQ(connections_per_pair({19000, 1, 0}), 19000u);
  EXPECT_EQ(connections_per_pair({19000, 2, 0}), 9500u);
  EXPECT_EQ(connections_per_pair({19001, 2, 3}), 3167u);  // rounded up
}

TEST(LocalPortsTest, MorePerPairThanTheFirstChoicePortsIsWarnedWithTheWayOut) {
  const auto warning = local_port_warning({19000, 1, 0}, kDebianDefault);
  ASSERT_TRUE(warning);
  EXPECT_NE(warning->find("19000 connections"), std::string::npos) << *warning;
  EXPECT_NE(warning->find("14116 ports connect() tries first"), std::string::npos) << *warning;
  EXPECT_NE(warning->find("--source-address"), std::string::npos) << *warning;
}

TEST(LocalPortsTest, AsManyAsTheFirstChoicePortsOrFewerIsNotWarned) {
  EXPECT_FALSE(local_port_warning({14116, 1, 0}, kDebianDefault));
  EXPECT_TRUE(local_port_warning({14117, 1, 0}, kDebianDefault));
  EXPECT_FALSE(local_port_warning({19000, 1, 2}, kDebianDefault));
  EXPECT_FALSE(local_port_warning({19000, 2, 0}, kDebianDefault));
}

TEST(LocalPortsTest, TheMachinesRangeIsReadWhereThereIsOne) {
  const auto range = read_local_port_range();
  if (!range) GTEST_SKIP() << "no /proc/sys/net/ipv4/ip_local_port_range here";
  EXPECT_LE(range->low, range->high);
  EXPECT_GT(range->first_choice_ports(), 0u);
}

}  // namespace
}  // namespace aiperf::transport
