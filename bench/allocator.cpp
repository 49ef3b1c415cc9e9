#include "bench/allocator.h"

#include <malloc.h>

#include <cstdlib>
#include <fstream>

namespace d2ace {
namespace {

constexpr int kMmapThreshold = 32 << 20;  // glibc's largest allowed value on 64-bit systems
constexpr int kTrimThreshold = 1 << 30;

struct State {
  bool tuned = false;
  std::string other;  // path of a non-glibc allocator mapped into the process
};
State g_state;

// The first mapped library that replaces malloc (jemalloc, tcmalloc, mimalloc), if any.
std::string replacement_allocator() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    for (const char* name : {"libjemalloc", "libtcmalloc", "libmimalloc"})
      if (path.find(name) != std::string::npos) return path;
  }
  return "";
}

}  // namespace

void tune_allocator() {
  static const bool once = [] {
    g_state.other = replacement_allocator();
    const char* setting = std::getenv("D2ACE_MALLOC");
    if (!g_state.other.empty() || (setting != nullptr && std::string(setting) == "default"))
      return true;
    // mallopt returns 1 on success; both must hold for the description to say "tuned".
    g_state.tuned = mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1 &&
                    mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1;
    return true;
  }();
  (void)once;
}

std::string allocator_description() {
  if (!g_state.other.empty()) {
    const std::string kind = g_state.other.find("jemalloc") != std::string::npos   ? "jemalloc"
                             : g_state.other.find("tcmalloc") != std::string::npos ? "tcmalloc"
                                                                                   : "mimalloc";
    return kind + " (" + g_state.other + ")";
  }
  if (!g_state.tuned) return "glibc (default)";
  return "glibc (tuned: mmap_threshold=" + std::to_string(kMmapThreshold) +
         ", trim_threshold=" + std::to_string(kTrimThreshold) + ")";
}

}  // namespace d2ace
