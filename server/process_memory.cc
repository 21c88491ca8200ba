#include "server/process_memory.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"

namespace civhub::server {

v1::MemoryUsage ReadProcessMemory() {
  v1::MemoryUsage memory;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    absl::string_view value = line;
    // "VmRSS:     51200 kB"
    if (absl::ConsumePrefix(&value, "VmRSS:") &&
        absl::ConsumeSuffix(&value, " kB")) {
      uint64_t kb = 0;
      if (absl::SimpleAtoi(value, &kb)) memory.set_resident_bytes(kb << 10);
      break;
    }
  }
#if defined(__GLIBC__)
  const struct mallinfo2 info = mallinfo2();
  // uordblks and arena: the heaps (main and per-thread arenas); hblkhd:
  // chunks mmapped on their own.
  memory.set_heap_in_use_bytes(info.uordblks + info.hblkhd);
  memory.set_heap_held_bytes(info.arena + info.hblkhd);
#endif
  return memory;
}

int LimitMallocArenas() {
#if defined(__GLIBC__)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr ||
      (tunables != nullptr &&
       absl::StrContains(tunables, "glibc.malloc.arena_max"))) {
    return 0;
  }
  const int arenas =
      std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  if (mallopt(M_ARENA_MAX, arenas) == 1) return arenas;
#endif
  return 0;
}

}  // namespace civhub::server
