// Files that are either complete or absent: written to a temporary sibling,
// flushed to disk, then renamed over the target.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace aiperf::exporting {

/// Writes `content` to `path` atomically; throws std::runtime_error naming the path on failure.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

/// A file appended to over a run and published atomically at commit(); abandoned
/// (temporary removed) if destroyed uncommitted. Appended bytes are gathered in a
/// buffer (kGatherBytes) and written with one write(2) when it is full, when the
/// oldest gathered bytes are kMaxDelayNs old at an append(), at flush(), and
/// at commit(): a write per request would be a third of a fast run's system calls.
/// Append whole lines only: the file then always ends at a line boundary, so a
/// kill -9 leaves whole lines (losing at most what was gathered), and a fatal signal
/// loses nothing (write_gathered_for_crash(), from the crash handler).
/// One owner thread appends, flushes and commits; write_gathered_for_crash() may
/// run on any thread at the same time.
class AtomicAppendFile {
 public:
  static constexpr std::size_t kGatherBytes = 64 * 1024;
  static constexpr int64_t kMaxDelayNs = 100'000'000;

  /// Opens `<path>.tmp` for writing; throws on failure.
  explicit AtomicAppendFile(std::filesystem::path path);
  ~AtomicAppendFile();
  AtomicAppendFile(const AtomicAppendFile&) = delete;
  AtomicAppendFile& operator=(const AtomicAppendFile&) = delete;

  /// Gathers `bytes` (written at once when they do not fit the buffer); on a failed
  /// write the temporary is removed and this throws.
  void append(std::string_view bytes);
  /// Writes what is gathered (a periodic tick bounds what a kill -9 loses when appends
  /// are rare); throws as append().
  void flush();
  /// Writes what is gathered, syncs and renames the temporary onto the final path; throws on failure.
  void commit();

  /// Async-signal-safe: stops the owner's further writes (after any under way) and
  /// writes what is gathered. For the fatal-signal handler; `self` is this file.
  static void write_gathered_for_crash(void* self) noexcept;

  /// `<path>.tmp`, where the lines are until commit().
  const std::filesystem::path& temp_path() const { return temp_; }
  /// The final path.
  const std::filesystem::path& path() const { return path_; }

 private:
  // Loops on short writes, storing the bytes done so far in `progress`; throws.
  void write_all(const char* data, std::size_t size, std::atomic<std::size_t>* progress = nullptr);
  void write_gathered();
  // The owner marks its updates of the buffer; the crash handler freezes the file and
  // waits for an update under way to end (Dekker: both sides store, then load, seq_cst).
  // False when the file is frozen: the update must not start.
  class Update {
   public:
    explicit Update(AtomicAppendFile& file);
    ~Update();
    Update(const Update&) = delete;
    Update& operator=(const Update&) = delete;
    explicit operator bool() const { return started_; }

   private:
    AtomicAppendFile& file_;
    bool started_ = true;
  };

  std::filesystem::path path_;
  std::filesystem::path temp_;
  int fd_ = -1;
  std::unique_ptr<char[]> buffer_;
  std::atomic<std::size_t> gathered_{0};  // bytes in buffer_ not yet in the file
  std::atomic<std::size_t> written_{0};   // of those, written by a flush under way
  int64_t oldest_ns_ = 0;                 // CLOCK_MONOTONIC_COARSE of the first gathered byte
  std::atomic<bool> updating_{false};
  std::atomic<bool> frozen_{false};
};

}  // namespace aiperf::exporting
