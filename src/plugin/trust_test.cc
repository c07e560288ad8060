#include "plugin/trust.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace aiperf::plugin {
namespace fs = std::filesystem;

TEST(TrustTest, PrivateFileInPrivateDirectoryIsTrusted) {
  testing::TempDir dir;
  testing::write_file(dir.path() / "x.json", "{}");
  EXPECT_EQ(untrusted_reason(dir.path() / "x.json"), std::nullopt);
}

TEST(TrustTest, WorldWritableFileIsRefused) {
  testing::TempDir dir;
  auto file = dir.path() / "x.json";
  testing::write_file(file, "{}");
  fs::permissions(file, fs::perms::others_write, fs::perm_options::add);
  auto reason = untrusted_reason(file);
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("world-writable"), std::string::npos);
}

TEST(TrustTest, WorldWritableDirectoryIsRefusedEvenIfSticky) {
  testing::TempDir dir;
  testing::write_file(dir.path() / "x.json", "{}");
  fs::permissions(dir.path(), fs::perms::others_all | fs::perms::sticky_bit, fs::perm_options::add);
  auto reason = untrusted_reason(dir.path() / "x.json");
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("directory"), std::string::npos);
}

TEST(TrustTest, StickyWorldWritableAncestorIsFine) {
  // TempDir lives under /tmp (sticky, world-writable); only its own mode counts.
  testing::TempDir dir;
  fs::create_directory(dir.path() / "plugins");
  testing::write_file(dir.path() / "plugins" / "x.json", "{}");
  EXPECT_EQ(untrusted_reason(dir.path() / "plugins" / "x.json"), std::nullopt);
}

TEST(TrustTest, FileOfAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  testing::TempDir dir;
  auto file = dir.path() / "x.json";
  testing::write_file(file, "{}");
  ASSERT_EQ(::chown(file.c_str(), 12345, 12345), 0);
  auto reason = untrusted_reason(file);
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("another user (uid 12345)"), std::string::npos) << *reason;
}

TEST(TrustTest, StatBasedCheckSaysWhatThePathBasedOneSays) {
  testing::TempDir dir;
  auto file = dir.path() / "x.json";
  testing::write_file(file, "{}");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(untrusted_file_reason(st, file), std::nullopt);
  fs::permissions(file, fs::perms::others_write, fs::perm_options::add);
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(untrusted_file_reason(st, file), untrusted_reason(file));
  st.st_mode &= ~S_IWOTH;
  st.st_uid = 12345;
  EXPECT_EQ(untrusted_file_reason(st, file, 1000),
            "file " + file.string() + " belongs to another user (uid 12345)");
  EXPECT_EQ(untrusted_file_reason(st, file, 12345), std::nullopt);  // the current user's
  st.st_uid = 0;
  EXPECT_EQ(untrusted_file_reason(st, file, 1000), std::nullopt);  // root's
}

}  // namespace aiperf::plugin
