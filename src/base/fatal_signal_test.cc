#include "base/fatal_signal.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>

namespace aiperf::crash {
namespace {

// Not inlined away, so its address is code of this binary.
[[gnu::noinline]] int code_of_this_binary(int x) { return x * 3 + 1; }

volatile uintptr_t g_zero = 0;

// A real SIGSEGV even under UBSan, whose null check would otherwise exit first.
[[gnu::noinline, gnu::no_sanitize_undefined]] void write_through_null() { *reinterpret_cast<volatile int*>(g_zero) = 1; }

std::vector<PluginLibraryInfo> this_binary_as_plugin() { return {{"/proc/self/exe", "aiperf-test-package"}}; }

TEST(FatalSignalTest, NamesTheLibraryAndPackageOfAnAddress) {
  note_loaded_libraries(this_binary_as_plugin());
  auto text = describe_address_for_test(reinterpret_cast<const void*>(&code_of_this_binary));
  EXPECT_NE(text.find("base_test+0x"), std::string::npos) << text;
  EXPECT_NE(text.find("(plugin package aiperf-test-package)"), std::string::npos) << text;
  note_loaded_libraries({});
  text = describe_address_for_test(reinterpret_cast<const void*>(&code_of_this_binary));
  EXPECT_EQ(text.find("plugin package"), std::string::npos) << text;
}

TEST(FatalSignalTest, SegfaultIsReportedWithTheFaultingLibraryAndTheDocumentedExitCode) {
  EXPECT_EXIT(
      {
        install_fatal_signal_handler();
        note_loaded_libraries(this_binary_as_plugin());
        write_through_null();
      },
      ::testing::ExitedWithCode(kFatalSignalExitCode),
      "crashed: signal 11 \\(SIGSEGV.*base_test\\+0x.*plugin package aiperf-test-package.*fault address 0x0");
}

TEST(FatalSignalTest, AbortInLibcNamesThePluginFrameThatCalledIt) {
  EXPECT_EXIT(
      {
        install_fatal_signal_handler();
        note_loaded_libraries(this_binary_as_plugin());
        ::abort();
      },
      ::testing::ExitedWithCode(kFatalSignalExitCode),
      "signal 6 \\(SIGABRT.*called from .*base_test\\+0x.*\\(plugin package aiperf-test-package\\)");
}

TEST(FatalSignalTest, PublishesTheRecordsFileOnCrash) {
  auto dir = std::filesystem::temp_directory_path() / ("fatal_signal_test." + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto temp = dir / "r.jsonl.tmp";
  auto final = dir / "r.jsonl";
  std::ofstream(temp) << "{\"n\": 1}\n";
  EXPECT_EXIT(
      {
        install_fatal_signal_handler();
        publish_on_crash(temp, final);
        write_through_null();
      },
      ::testing::ExitedWithCode(kFatalSignalExitCode), "finished before the crash are in .*r.jsonl");
  EXPECT_TRUE(std::filesystem::exists(final));
  EXPECT_FALSE(std::filesystem::exists(temp));
  std::filesystem::remove_all(dir);
}

TEST(FatalSignalTest, ForkedChildDiesOfTheSignalSoItsParentSeesIt) {
  EXPECT_EXIT(
      {
        install_fatal_signal_handler();
        pid_t child = ::fork();
        if (child == 0) write_through_null();
        int status = 0;
        ::waitpid(child, &status, 0);
        std::_Exit(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace aiperf::crash
