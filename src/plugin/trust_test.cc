#include "plugin/trust.h"

#include <gtest/gtest.h>

#include "plugin/internal/fake_file_system.h"
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

TEST(TrustTest, StatCheckWithoutMessageAgreesWithTheOneWithIt) {
  struct stat st {};
  st.st_mode = S_IFREG | 0644;
  for (uid_t owner : {0u, 1000u, 12345u}) {
    for (mode_t mode : {0644u, 0666u, 0600u, 01777u}) {
      st.st_uid = owner;
      st.st_mode = S_IFREG | mode;
      for (uid_t euid : {0u, 1000u}) {
        EXPECT_EQ(trusted_file_stat(st, euid), !untrusted_file_reason(st, "/x", euid))
            << "owner " << owner << " mode " << mode << " euid " << euid;
      }
    }
  }
}

// ---- resolve_trusted on a fake tree --------------------------------------------

TEST(ResolveTrustedTest, FollowsRelativeAndAbsoluteSymlinksAndDotDot) {
  internal::FakeFileSystem fake;
  fake.add_file("/srv/c/lib.so", "x");
  fake.add_symlink("/opt/a/b/link.so", "../../../srv/./c/lib.so");
  fake.add_symlink("/opt/abs", "/srv");
  auto relative = resolve_trusted(fake, "/opt/a/b/link.so", Target::kFile, true, 1000);
  ASSERT_TRUE(relative) << relative.error().message;
  EXPECT_EQ(relative->path, "/srv/c/lib.so");
  auto through_dir = resolve_trusted(fake, "/opt/abs/c/../c/lib.so", Target::kFile, true, 1000);
  ASSERT_TRUE(through_dir) << through_dir.error().message;
  EXPECT_EQ(through_dir->path, "/srv/c/lib.so");
}

TEST(ResolveTrustedTest, SymlinkOfAnotherUserIsRefusedEvenInAStickyDirectory) {
  internal::FakeFileSystem fake;
  fake.add_directory("/tmp", 01777);
  fake.add_directory("/opt/plugins");
  fake.add_symlink("/tmp/plugins", "/opt/plugins", 4242);  // mallory's link in /tmp
  auto r = resolve_trusted(fake, "/tmp/plugins", Target::kDirectory, true, 1000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInsecure);
  EXPECT_NE(r.error().message.find("symlink /tmp/plugins belongs to another user (uid 4242)"),
            std::string::npos) << r.error().message;
  // Unjudged (--allow-insecure-plugins), the same path still resolves.
  auto allowed = resolve_trusted(fake, "/tmp/plugins", Target::kDirectory, false, 1000);
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->path, "/opt/plugins");
}

TEST(ResolveTrustedTest, WrongKindAndMissingAreNamed) {
  internal::FakeFileSystem fake;
  fake.add_file("/opt/plugins/x.json", "{}");
  auto dir_as_file = resolve_trusted(fake, "/opt/plugins", Target::kFile);
  ASSERT_FALSE(dir_as_file);
  EXPECT_NE(dir_as_file.error().message.find("not a regular file"), std::string::npos);
  auto missing = resolve_trusted(fake, "/opt/plugins/nope.json", Target::kFile);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

}  // namespace aiperf::plugin
