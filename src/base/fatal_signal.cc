#include "base/fatal_signal.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace aiperf::crash {
namespace {

// One executable file mapping; the package is empty for code that is not a plugin's.
struct Mapping {
  uintptr_t start = 0;
  uintptr_t end = 0;
  uintptr_t file_offset = 0;
  char path[256] = {};
  char package[96] = {};
};

constexpr int kMaxMappings = 256;
constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};

Mapping g_mappings[kMaxMappings];
std::atomic<int> g_mapping_count{0};
char g_temp[4096];
char g_final[4096];
std::atomic<bool> g_publish{false};
aiperf::crash::BeforePublish g_before_publish;
std::atomic<pid_t> g_pid{0};
alignas(16) char g_stack[64 * 1024];

void copy(char* to, std::size_t size, const std::string& from) {
  std::size_t n = std::min(size - 1, from.size());
  std::memcpy(to, from.data(), n);
  to[n] = '\0';
}

// A line built in a fixed buffer: no allocation, so usable in the handler.
struct Line {
  char buf[2048];
  std::size_t n = 0;

  Line& add(const char* s) {
    while (*s != '\0' && n < sizeof buf - 1) buf[n++] = *s++;
    return *this;
  }
  Line& dec(uint64_t v) {
    char digits[24];
    int k = 0;
    do digits[k++] = static_cast<char>('0' + v % 10); while ((v /= 10) != 0);
    while (k > 0 && n < sizeof buf - 1) buf[n++] = digits[--k];
    return *this;
  }
  Line& hex(uintptr_t v) {
    add("0x");
    char digits[20];
    int k = 0;
    do digits[k++] = "0123456789abcdef"[v % 16]; while ((v /= 16) != 0);
    while (k > 0 && n < sizeof buf - 1) buf[n++] = digits[--k];
    return *this;
  }
  void write_to(int fd) {
    std::size_t done = 0;
    while (done < n) {
      ssize_t w = ::write(fd, buf + done, n - done);
      if (w <= 0) return;
      done += static_cast<std::size_t>(w);
    }
  }
};

const char* signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV, segmentation fault";
    case SIGBUS: return "SIGBUS, bus error";
    case SIGILL: return "SIGILL, illegal instruction";
    case SIGFPE: return "SIGFPE, arithmetic exception";
    case SIGABRT: return "SIGABRT, aborted";
    default: return "fatal signal";
  }
}

const Mapping* mapping_of(uintptr_t address) {
  int count = g_mapping_count.load(std::memory_order_acquire);
  for (int i = 0; i < count; ++i) {
    if (address >= g_mappings[i].start && address < g_mappings[i].end) return &g_mappings[i];
  }
  return nullptr;
}

// " in /path/lib.so+0x1234 (plugin package P)"; dladdr for code mapped after the last refill.
void describe(Line& line, uintptr_t address) {
  if (const Mapping* m = mapping_of(address)) {
    line.add(" in ").add(m->path).add("+").hex(address - m->start + m->file_offset);
    if (m->package[0] != '\0') line.add(" (plugin package ").add(m->package).add(")");
    return;
  }
  Dl_info info{};
  if (address != 0 && ::dladdr(reinterpret_cast<void*>(address), &info) != 0 && info.dli_fname != nullptr) {
    line.add(" in ").add(info.dli_fname);
  } else {
    line.add(" at an address in no known library");
  }
}

// When the faulting code is not a plugin's (a libc call, abort()), the innermost plugin frame.
const Mapping* calling_plugin(uintptr_t pc, uintptr_t* frame_out) {
  if (const Mapping* m = mapping_of(pc); m != nullptr && m->package[0] != '\0') return nullptr;
  void* frames[64];
  int depth = ::backtrace(frames, 64);
  for (int i = 0; i < depth; ++i) {
    uintptr_t at = reinterpret_cast<uintptr_t>(frames[i]) - 1;  // return address: inside the call
    const Mapping* m = mapping_of(at);
    if (m != nullptr && m->package[0] != '\0') {
      *frame_out = at;
      return m;
    }
  }
  return nullptr;
}

uintptr_t pc_of(const siginfo_t* info, const void* context) {
  const auto* uc = static_cast<const ucontext_t*>(context);
#if defined(__x86_64__)
  if (uc != nullptr) return static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  if (uc != nullptr) return static_cast<uintptr_t>(uc->uc_mcontext.pc);
#endif
  return reinterpret_cast<uintptr_t>(info->si_addr);
}

void build_report(Line& line, int sig, const siginfo_t* info, uintptr_t pc) {
  line.add("aiperf: crashed: signal ").dec(static_cast<uint64_t>(sig)).add(" (").add(signal_name(sig)).add(")");
  describe(line, pc);
  uintptr_t frame = 0;
  if (const Mapping* caller = calling_plugin(pc, &frame)) {
    line.add(", called from ").add(caller->path).add("+").hex(frame - caller->start + caller->file_offset);
    line.add(" (plugin package ").add(caller->package).add(")");
  }
  if (info != nullptr && (sig == SIGSEGV || sig == SIGBUS)) {
    line.add("; fault address ").hex(reinterpret_cast<uintptr_t>(info->si_addr));
  }
  line.add("\n");
}

void on_fatal_signal(int sig, siginfo_t* info, void* context) {
  if (::getpid() != g_pid.load()) {  // a forked child (plugin pre-check): let its parent see the signal
    ::signal(sig, SIG_DFL);
    ::raise(sig);
    return;
  }
  ::alarm(10);  // should a lookup block, the process still ends
  Line line;
  build_report(line, sig, info, pc_of(info, context));
  line.write_to(STDERR_FILENO);
  const bool publish = g_publish.exchange(false);
  if (publish && g_before_publish.run != nullptr) g_before_publish.run(g_before_publish.context);
  if (publish && ::rename(g_temp, g_final) == 0) {
    Line saved;
    saved.add("aiperf: the records of the requests finished before the crash are in ").add(g_final).add("\n");
    saved.write_to(STDERR_FILENO);
  }
  ::_exit(kFatalSignalExitCode);
}

}  // namespace

void install_fatal_signal_handler() {
  g_pid = ::getpid();
  void* warm[2];
  (void)::backtrace(warm, 2);  // loads the unwinder now, not inside the handler
  stack_t stack{};
  stack.ss_sp = g_stack;
  stack.ss_size = sizeof g_stack;
  ::sigaltstack(&stack, nullptr);  // this thread's stack overflow is reported too
  struct sigaction action {};
  action.sa_sigaction = on_fatal_signal;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;  // a fault in the handler: default action
  sigemptyset(&action.sa_mask);
  for (int sig : kFatalSignals) ::sigaction(sig, &action, nullptr);
}

void note_loaded_libraries(const std::vector<PluginLibraryInfo>& plugins) {
  struct Id {
    dev_t dev;
    ino_t ino;
    const std::string* package;
  };
  std::vector<Id> ids;
  for (const auto& p : plugins) {
    struct stat st {};
    if (::stat(p.library.c_str(), &st) == 0) ids.push_back({st.st_dev, st.st_ino, &p.package});
  }
  g_mapping_count.store(0, std::memory_order_release);
  std::ifstream maps("/proc/self/maps");
  std::string text;
  int count = 0;
  while (count < kMaxMappings && std::getline(maps, text)) {
    unsigned long start = 0, end = 0, offset = 0, inode = 0;
    unsigned major_id = 0, minor_id = 0;
    char perms[8] = {};
    int path_at = 0;
    if (std::sscanf(text.c_str(), "%lx-%lx %7s %lx %x:%x %lu %n", &start, &end, perms, &offset, &major_id,
                    &minor_id, &inode, &path_at) < 7 || std::strchr(perms, 'x') == nullptr || path_at <= 0 ||
        text[static_cast<std::size_t>(path_at)] != '/') {
      continue;
    }
    Mapping& m = g_mappings[count++];
    m.start = start;
    m.end = end;
    m.file_offset = offset;
    copy(m.path, sizeof m.path, text.substr(static_cast<std::size_t>(path_at)));
    m.package[0] = '\0';
    for (const auto& id : ids) {
      if (id.ino == inode && ::major(id.dev) == major_id && ::minor(id.dev) == minor_id) {
        copy(m.package, sizeof m.package, *id.package);
      }
    }
  }
  g_mapping_count.store(count, std::memory_order_release);
}

void publish_on_crash(const std::filesystem::path& temp, const std::filesystem::path& final, BeforePublish before) {
  g_publish = false;
  copy(g_temp, sizeof g_temp, temp.string());
  copy(g_final, sizeof g_final, final.string());
  g_before_publish = before;
  g_publish = true;
}

void clear_publish_on_crash() { g_publish = false; }

std::string describe_address_for_test(const void* pc) {
  Line line;
  describe(line, reinterpret_cast<uintptr_t>(pc));
  return std::string(line.buf, line.n);
}

}  // namespace aiperf::crash
