#include "plugin/internal/discovery_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <memory>
#include <system_error>
#include <utility>

#include "plugin/internal/test_hooks.h"
#include "plugin/manifest_schema.h"
#include "plugin/names.h"

namespace aiperf::plugin::internal {
namespace {

// Bump when the file layout or what parse_manifest produces changes: a cache
// of another version is ignored and rewritten, never misread.
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::string_view kMagic = "aiperf discovery cache\n";
constexpr std::size_t kMaxFileSize = 256u << 20;
constexpr std::size_t kMaxSections = 32;  // plugin directories remembered


// What else a cached parse depends on: the layout, the host's protocols (entries
// of unknown protocols are skipped), the schema it reads, the byte order.
std::string signature() {
  std::string s = "format " + std::to_string(kFormatVersion) + "; schema " +
                  std::to_string(kManifestSchemaMajor) + "; protocols";
  for (auto p : kProtocols) s.append(" ").append(p);
  const std::uint32_t one = 1;
  unsigned char first;
  std::memcpy(&first, &one, 1);
  s += first == 1 ? "; little-endian" : "; big-endian";
  return s;
}

// A 64-bit checksum of the file (not cryptographic: it catches truncation, garbage
// and flipped bits). Fletcher-style sums of 8-byte words in four lanes: cheap.
std::uint64_t checksum(std::string_view bytes) {
  std::uint64_t sum[4] = {bytes.size(), 0, 0, 0}, acc[4] = {0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 32 <= bytes.size(); i += 32) {
    for (int k = 0; k < 4; ++k) {
      std::uint64_t x;
      std::memcpy(&x, bytes.data() + i + 8 * k, 8);
      sum[k] += x;
      acc[k] += sum[k];
    }
  }
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = bytes.size() * kMul;
  for (int k = 0; k < 4; ++k) {
    h = (h ^ sum[k]) * kMul;
    h = (h ^ acc[k]) * kMul;
  }
  for (; i < bytes.size(); ++i) h = (h ^ static_cast<unsigned char>(bytes[i])) * kMul;
  return h ^ (h >> 29);
}

// ---- encoding -------------------------------------------------------------------

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  template <class T>
  void put(T value) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    out_.append(bytes, sizeof(T));
  }
  void str(std::string_view s) {
    put(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  // The stored values of the schema (manifest_schema.h), by their C++ type.
  void value(const std::string& s) { str(s); }
  void value(const PathText& p) { str(p.native()); }
  void value(int i) { put<std::int32_t>(i); }
  void value(const nlohmann::json& j) { json(j); }
  void json(const nlohmann::json& j) {
    using V = nlohmann::json::value_t;
    switch (j.type()) {
      case V::null: put<std::uint8_t>(0); return;
      case V::boolean: put<std::uint8_t>(j.get<bool>() ? 2 : 1); return;
      case V::number_integer: put<std::uint8_t>(3); put(j.get<std::int64_t>()); return;
      case V::number_unsigned: put<std::uint8_t>(4); put(j.get<std::uint64_t>()); return;
      case V::number_float: put<std::uint8_t>(5); put(j.get<double>()); return;
      case V::string: put<std::uint8_t>(6); str(j.get_ref<const std::string&>()); return;
      case V::array:
        put<std::uint8_t>(7);
        put(static_cast<std::uint32_t>(j.size()));
        for (const auto& item : j) json(item);
        return;
      case V::object:
        put<std::uint8_t>(8);
        put(static_cast<std::uint32_t>(j.size()));
        for (auto it = j.begin(); it != j.end(); ++it) {
          str(it.key());
          json(it.value());
        }
        return;
      case V::binary:
      case V::discarded: break;  // never produced by a parse
    }
    put<std::uint8_t>(0);
  }

 private:
  std::string& out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }
  std::size_t pos() const { return pos_; }
  template <class T>
  T get() {
    T value{};
    if (in_.size() - pos_ < sizeof(T)) {
      ok_ = false;
      pos_ = in_.size();
      return value;
    }
    std::memcpy(&value, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  void skip(std::size_t n) {
    if (in_.size() - pos_ < n) {
      ok_ = false;
      n = in_.size() - pos_;
    }
    pos_ += n;
  }
  std::string_view str() {
    auto n = get<std::uint32_t>();
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      pos_ = in_.size();
      return {};
    }
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  // The stored values of the schema, by their C++ type; false when malformed.
  bool value(std::string& s) { s = str(); return ok_; }
  bool value(PathText& p) { p = str(); return ok_; }
  bool value(int& i) { i = get<std::int32_t>(); return ok_; }
  bool value(nlohmann::json& j) { return json(j); }
  bool json(nlohmann::json& out, int depth = 0) {
    if (depth > 512) return ok_ = false;
    switch (get<std::uint8_t>()) {
      case 0: out = nullptr; break;
      case 1: out = false; break;
      case 2: out = true; break;
      case 3: out = get<std::int64_t>(); break;
      case 4: out = get<std::uint64_t>(); break;
      case 5: out = get<double>(); break;
      case 6: out = std::string(str()); break;
      case 7: {
        auto n = get<std::uint32_t>();
        out = nlohmann::json::array();
        for (std::uint32_t i = 0; ok_ && i < n; ++i) {
          if (!json(out.emplace_back(), depth + 1)) return false;
        }
        break;
      }
      case 8: {
        auto n = get<std::uint32_t>();
        out = nlohmann::json::object();
        for (std::uint32_t i = 0; ok_ && i < n; ++i) {
          std::string key(str());
          if (!json(out[key], depth + 1)) return false;
        }
        break;
      }
      default: ok_ = false;
    }
    return ok_;
  }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

void put_key(Writer& w, const FileKey& key) {
  w.put(key.size);
  w.put(key.mtime_ns);
  w.put(key.ctime_ns);
  w.put(key.inode);
  w.put(key.device);
}

FileKey get_key(Reader& r) {
  FileKey key;
  key.size = r.get<std::uint64_t>();
  key.mtime_ns = r.get<std::int64_t>();
  key.ctime_ns = r.get<std::int64_t>();
  key.inode = r.get<std::uint64_t>();
  key.device = r.get<std::uint64_t>();
  return key;
}

// A record: u32 body size, then name, key, and the parse result.
std::string encode_record(std::string_view name, const FileKey& key, const ParsedManifest& parsed) {
  std::string body;
  Writer w(body);
  w.str(name);
  put_key(w, key);
  const Manifest& m = parsed.manifest;
  // The manifest's values in schema order, then each entry's.
  schema::for_each_value(m, [&](const schema::Field&, const auto& v) { w.value(v); });
  w.put(static_cast<std::uint32_t>(m.entries.size()));
  for (const auto& e : m.entries) {
    w.str(e.protocol);
    w.str(e.name);
    schema::for_each_value_of_entry(e, [&](const schema::Field&, const auto& v) { w.value(v); });
  }
  w.put(static_cast<std::uint32_t>(parsed.skipped_entries.size()));
  for (const auto& s : parsed.skipped_entries) {
    w.put(static_cast<std::uint8_t>(s.code));
    w.str(s.message);
    w.str(s.subject);
  }
  std::string record;
  Writer(record).put(static_cast<std::uint32_t>(body.size()));
  record += body;
  return record;
}

// The parse result of a record body (after its name and key); `path` (dir/name)
// is for the messages of skipped entries; the caller sets manifest.path.
bool decode_manifest(Reader& r, const PathText& path, ParsedManifest& out) {
  Manifest& m = out.manifest;
  bool ok = true;
  schema::for_each_value(m, [&](const schema::Field&, auto& v) { ok = ok && r.value(v); });
  auto entries = r.get<std::uint32_t>();
  if (!ok || !r.ok() || entries > 1'000'000) return false;
  m.entries.resize(entries);
  for (auto& e : m.entries) {
    e.protocol = r.str();
    e.name = r.str();
    schema::for_each_value_of_entry(e, [&](const schema::Field&, auto& v) { ok = ok && r.value(v); });
    if (!ok) return false;
  }
  auto skipped = r.get<std::uint32_t>();
  if (!r.ok() || skipped > 1'000'000) return false;
  out.skipped_entries.reserve(skipped);
  for (std::uint32_t i = 0; i < skipped; ++i) {
    auto reason = r.get<std::uint8_t>();
    if (reason > static_cast<std::uint8_t>(ErrorCode::kCrashed)) return false;
    Error& e = out.skipped_entries.emplace_back();
    e.code = static_cast<ErrorCode>(reason);
    e.message = r.str();
    e.file = path.string();
    e.package = m.package;
    e.subject = r.str();
  }
  return r.ok() && r.at_end();
}

std::int64_t ns_of(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::string_view(v) != "0";
}

// mkdir -p with mode 0700 for what it creates (the XDG base directory spec's mode).
bool make_private_dirs(const std::filesystem::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) return S_ISDIR(st.st_mode);
  if (dir.has_parent_path() && dir.parent_path() != dir) {
    if (!make_private_dirs(dir.parent_path())) return false;
  }
  return ::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST;
}

}  // namespace

struct DiscoveryCache::Record {
  std::string_view name;
  FileKey key;
  std::string_view bytes;               // the whole record, in old_bytes_ or in `owned`
  std::unique_ptr<std::string> owned;  // a record made by this pass
};

struct DiscoveryCache::Section {
  std::string dir;
  std::vector<Record> records;  // by name
  bool stored = false;          // a new record was added this pass
};

FileKey FileKey::of(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_size), ns_of(st.st_mtim), ns_of(st.st_ctim),
          static_cast<std::uint64_t>(st.st_ino), static_cast<std::uint64_t>(st.st_dev)};
}

std::optional<std::filesystem::path> discovery_cache_file() {
  if (env_set(kNoDiscoveryCacheEnv)) return std::nullopt;
  std::filesystem::path base;
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg == '/') {  // the spec ignores relative values
    base = xdg;
  } else {
    const char* home = std::getenv("HOME");
    if (!home || *home != '/') return std::nullopt;
    base = std::filesystem::path(home) / ".cache";
  }
  return base / "aiperf" / "discovery.cache";
}

DiscoveryCache::DiscoveryCache(std::optional<std::filesystem::path> file) : file_(std::move(file)) {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  now_ns_ = ns_of(now);
}

DiscoveryCache::~DiscoveryCache() = default;

bool DiscoveryCache::load() {
  loaded_ = true;
  int fd = ::open(file_->c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    // Missing: nothing to read. Anything else (e.g. a symlink): replace it.
    changed_ = errno != ENOENT;
    return false;
  }
  struct stat st {};
  bool usable = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() &&
                (st.st_mode & (S_IWGRP | S_IWOTH)) == 0 &&
                static_cast<std::size_t>(st.st_size) <= kMaxFileSize;
  if (usable) {
    old_size_ = static_cast<std::size_t>(st.st_size);
    old_bytes_ = std::make_unique_for_overwrite<char[]>(old_size_);
    std::size_t got = 0;
    while (got < old_size_) {
      ssize_t n = ::read(fd, old_bytes_.get() + got, old_size_ - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    usable = got == old_size_;
  }
  ::close(fd);

  auto corrupt = [&] {
    count_cache(CacheEvent::kRejected);
    old_sections_.clear();
    old_bytes_.reset();
    old_size_ = 0;
    changed_ = true;  // start over: rewrite it
    return false;
  };
  if (!usable || old_size_ < kMagic.size() + 8) return corrupt();
  std::string_view all(old_bytes_.get(), old_size_);
  std::string_view body = all.substr(0, all.size() - 8);
  std::uint64_t stored_sum;
  std::memcpy(&stored_sum, all.data() + body.size(), 8);
  if (!body.starts_with(kMagic) || stored_sum != checksum(body)) return corrupt();
  Reader r(body.substr(kMagic.size()));
  if (r.get<std::uint32_t>() != kFormatVersion || r.str() != signature()) return corrupt();
  auto sections = r.get<std::uint32_t>();
  if (!r.ok() || sections > kMaxSections) return corrupt();
  for (std::uint32_t s = 0; s < sections; ++s) {
    Section& section = old_sections_.emplace_back();
    section.dir = r.str();
    auto records = r.get<std::uint32_t>();
    if (!r.ok() || records > (body.size() - kMagic.size() - r.pos()) / 4) return corrupt();
    section.records.reserve(records);
    for (std::uint32_t i = 0; i < records; ++i) {
      std::size_t start = r.pos();
      auto size = r.get<std::uint32_t>();
      if (!r.ok() || body.size() - kMagic.size() - r.pos() < size) return corrupt();
      std::string_view record = body.substr(kMagic.size() + start, 4 + size);
      Reader rr(record.substr(4));
      Record& rec = section.records.emplace_back();
      rec.name = rr.str();
      rec.key = get_key(rr);
      rec.bytes = record;
      if (!rr.ok()) return corrupt();
      if (i > 0 && !(section.records[i - 1].name < rec.name)) return corrupt();
      r.skip(size);
    }
  }
  if (!r.ok() || !r.at_end()) return corrupt();
  count_cache(CacheEvent::kLoaded);
  return true;
}

const DiscoveryCache::Section* DiscoveryCache::old_section(std::string_view dir) const {
  for (const auto& s : old_sections_) {
    if (s.dir == dir) return &s;
  }
  return nullptr;
}

void DiscoveryCache::begin_directory(const std::filesystem::path& dir) {
  current_ = nullptr;
  current_old_ = nullptr;
  old_cursor_ = 0;
  if (!enabled()) return;
  if (!loaded_) load();
  for (auto& s : new_sections_) {
    if (s.dir == dir.native()) return;  // listed twice: the first one counts
  }
  current_ = &new_sections_.emplace_back();
  current_->dir = dir.native();
  current_old_ = old_section(dir.native());
  if (current_old_) current_->records.reserve(current_old_->records.size());  // no regrowth
}

std::optional<ParsedManifest> DiscoveryCache::lookup(std::string_view name, const FileKey& key,
                                                     PathText& path) {
  if (!current_ || !current_old_) return std::nullopt;
  const auto& old = current_old_->records;
  while (old_cursor_ < old.size() && old[old_cursor_].name < name) ++old_cursor_;
  if (old_cursor_ == old.size() || old[old_cursor_].name != name) return std::nullopt;
  const Record& rec = old[old_cursor_++];
  if (rec.key != key) return std::nullopt;
  Reader r(rec.bytes.substr(4));
  (void)r.str();
  (void)get_key(r);
  std::optional<ParsedManifest> parsed(std::in_place);
  if (!decode_manifest(r, path, *parsed)) return std::nullopt;
  parsed->manifest.path = std::move(path);
  Record& kept = current_->records.emplace_back();
  kept.name = rec.name;
  kept.key = rec.key;
  kept.bytes = rec.bytes;
  return parsed;
}

void DiscoveryCache::store(std::string_view name, const FileKey& key, const ParsedManifest& parsed) {
  if (!current_) return;
  std::int64_t settled = now_ns_ - discovery_cache_racy_margin().count();
  if (key.mtime_ns > settled || key.ctime_ns > settled) return;  // racy: parse it again next time
  if (!current_->records.empty() && !(current_->records.back().name < name)) return;
  auto encoded = std::make_unique<std::string>(encode_record(name, key, parsed));
  if (encoded->size() > kMaxRecordBytes) return;  // a huge manifest: parse it each time
  Record& rec = current_->records.emplace_back();
  rec.owned = std::move(encoded);
  rec.key = key;
  rec.bytes = *rec.owned;
  rec.name = rec.bytes.substr(8, name.size());  // after the body size and the name's length
  current_->stored = true;
}

void DiscoveryCache::end_directory() {
  if (current_) {
    std::size_t old_count = current_old_ ? current_old_->records.size() : 0;
    if (current_->stored || current_->records.size() != old_count) changed_ = true;
  }
  current_ = nullptr;
  current_old_ = nullptr;
}

void DiscoveryCache::save() {
  if (!enabled() || !loaded_ || !changed_) return;
  // This pass's directories first, then others still on disk, most recent first.
  std::vector<const Section*> sections;
  for (const auto& s : new_sections_) {
    if (!s.records.empty() && sections.size() < kMaxSections) sections.push_back(&s);
  }
  for (const auto& s : old_sections_) {
    if (sections.size() >= kMaxSections) break;
    bool scanned = false;
    for (const auto& n : new_sections_) scanned = scanned || n.dir == s.dir;
    struct stat st {};
    if (!scanned && ::stat(s.dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      sections.push_back(&s);
    }
  }
  std::string out(kMagic);
  Writer w(out);
  w.put(kFormatVersion);
  w.str(signature());
  w.put(static_cast<std::uint32_t>(sections.size()));
  for (const Section* s : sections) {
    w.str(s->dir);
    w.put(static_cast<std::uint32_t>(s->records.size()));
    for (const auto& rec : s->records) out.append(rec.bytes);
  }
  w.put(checksum(out));

  // Atomically: a reader sees the old file or the new one, never a mix.
  if (!make_private_dirs(file_->parent_path())) return;
  std::string temp = file_->string() + ".XXXXXX";
  int fd = ::mkostemp(temp.data(), O_CLOEXEC);  // mode 0600
  if (fd < 0) return;
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::write(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  bool written = done == out.size();
  if (::close(fd) != 0) written = false;
  if (!written || ::rename(temp.c_str(), file_->c_str()) != 0) {
    ::unlink(temp.c_str());
    return;
  }
  count_cache(CacheEvent::kWritten);
}

}  // namespace aiperf::plugin::internal
