// The dispatcher: the fast parser for valid manifests, the reference parser
// for everything else; and reading a manifest file, bounded.
#include "plugin/manifest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "plugin/internal/fast_manifest.h"
#include "plugin/internal/padded_text.h"
#include "plugin/internal/test_hooks.h"
#include "plugin/manifest_parser.h"

namespace aiperf::plugin {
namespace {

thread_local internal::PaddedText copy_buffer;

}  // namespace

Expected<ParsedManifest> parse_manifest(const std::filesystem::path& path,
                                        const internal::PaddedText& text) {
  ParsedManifest out;
  if (internal::fast_parse_manifest(path, text, out)) {
    internal::count_parse(/*reference=*/false);
    return out;
  }
  return parse_manifest_reference(path, text.view());  // counts itself
}

Expected<ParsedManifest> parse_manifest(const std::filesystem::path& path, std::string_view text) {
  copy_buffer.assign(text);
  return parse_manifest(path, copy_buffer);
}

Error manifest_too_large(const std::filesystem::path& path) {
  return make_error(ErrorCode::kTooLarge, "manifest is larger than " +
                                              std::to_string(kMaxManifestBytes >> 20) +
                                              " MiB; refusing to read it")
      .in_file(path.string());
}

Expected<ParsedManifest> read_manifest(const std::filesystem::path& path) {
  auto unreadable = [&](int error) {
    if (error == EFBIG) return tl::unexpected(manifest_too_large(path));
    return tl::unexpected(
        make_error(ErrorCode::kManifestUnreadable, std::strerror(error)).in_file(path.string()));
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return unreadable(errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int error = errno;
    ::close(fd);
    return unreadable(error);
  }
  thread_local internal::PaddedText text;
  int error = internal::read_all(fd, static_cast<std::size_t>(st.st_size), S_ISREG(st.st_mode),
                                 text, kMaxManifestBytes);
  ::close(fd);
  if (error != 0) return unreadable(error);
  return parse_manifest(path, text);
}

}  // namespace aiperf::plugin
