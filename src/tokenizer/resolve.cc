#include "tokenizer/resolve.h"

#include <cstdlib>
#include <fstream>
#include <vector>

namespace aiperf::tokenizer {
namespace fs = std::filesystem;
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

Expected<fs::path> in_directory(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_regular_file(dir / "tokenizer.json", ec)) return dir / "tokenizer.json";
  std::vector<fs::path> tiktoken;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".tiktoken") tiktoken.push_back(entry.path());
  }
  if (tiktoken.size() == 1) return tiktoken.front();
  return fail(make_error(ErrorCode::kNotFound, "the directory holds no tokenizer.json" +
                                                   std::string(tiktoken.empty() ? "" : " (and several .tiktoken files)"))
                  .in_file(dir.string()));
}

// The snapshot refs/main points at, else the newest one that has a tokenizer.json.
std::optional<fs::path> cached_snapshot(const fs::path& repo) {
  std::error_code ec;
  std::ifstream ref(repo / "refs" / "main");
  std::string revision;
  if (ref >> revision && fs::is_regular_file(repo / "snapshots" / revision / "tokenizer.json", ec)) {
    return repo / "snapshots" / revision / "tokenizer.json";
  }
  std::optional<fs::path> best;
  fs::file_time_type best_time{};
  for (const auto& entry : fs::directory_iterator(repo / "snapshots", ec)) {
    fs::path file = entry.path() / "tokenizer.json";
    if (!fs::is_regular_file(file, ec)) continue;
    auto time = fs::last_write_time(entry.path(), ec);
    if (!best || time > best_time) best = file, best_time = time;
  }
  return best;
}

}  // namespace

fs::path hf_hub_cache() {
  if (auto v = env("HF_HUB_CACHE"); !v.empty()) return v;
  if (auto v = env("HF_HOME"); !v.empty()) return fs::path(v) / "hub";
  if (auto v = env("XDG_CACHE_HOME"); !v.empty()) return fs::path(v) / "huggingface" / "hub";
  return fs::path(env("HOME")) / ".cache" / "huggingface" / "hub";
}

Expected<fs::path> resolve_tokenizer(std::string_view name_or_path, const fs::path& hub_cache) {
  if (name_or_path.empty()) return fail(make_error(ErrorCode::kInvalidArgument, "no tokenizer named").about("--tokenizer"));
  fs::path path(name_or_path);
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return path;
  if (fs::is_directory(path, ec)) return in_directory(path);
  std::string repo_name = "models--";
  for (char c : name_or_path) repo_name += c == '/' ? std::string("--") : std::string(1, c);
  fs::path repo = hub_cache / repo_name;
  if (auto file = cached_snapshot(repo)) return *file;
  return fail(make_error(ErrorCode::kNotFound,
                         "not a file or directory, and not in the HuggingFace cache (looked in " +
                             (repo / "snapshots" / "*" / "tokenizer.json").string() +
                             "; aiperf never downloads: fetch it with huggingface-cli, or set HF_HOME)")
                  .about("tokenizer '" + std::string(name_or_path) + "'"));
}

Expected<Tokenizer> open_tokenizer(std::string_view name_or_path) {
  auto path = resolve_tokenizer(name_or_path);
  if (!path) return fail(path.error());
  return load_tokenizer(*path);
}

}  // namespace aiperf::tokenizer
