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

// jemalloc's control interface, when civhubd is linked with it
// (CMakeLists.txt: civhub_use_jemalloc); null in tests and sanitizer builds,
// which run on glibc's or the sanitizer's allocator.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp,
                       void* newp, size_t newlen) __attribute__((weak));

namespace civhub::server {
namespace {

// jemalloc's statistics are a snapshot taken when "epoch" is written.
size_t JemallocStat(const char* name) {
  size_t value = 0;
  size_t size = sizeof(value);
  if (mallctl(name, &value, &size, nullptr, 0) != 0) return 0;
  return value;
}

}  // namespace

bool UsingJemalloc() { return mallctl != nullptr; }

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
  if (UsingJemalloc()) {
    uint64_t epoch = 1;
    size_t size = sizeof(epoch);
    mallctl("epoch", &epoch, &size, &epoch, size);
    // allocated: bytes in live allocations; resident: pages the allocator
    // has touched and not given back (its metadata, live and dirty pages).
    memory.set_heap_in_use_bytes(JemallocStat("stats.allocated"));
    memory.set_heap_held_bytes(JemallocStat("stats.resident"));
    memory.set_allocator("jemalloc");
    return memory;
  }
#if defined(__GLIBC__)
  const struct mallinfo2 info = mallinfo2();
  // uordblks and arena: the heaps (main and per-thread arenas); hblkhd:
  // chunks mmapped on their own.
  memory.set_heap_in_use_bytes(info.uordblks + info.hblkhd);
  memory.set_heap_held_bytes(info.arena + info.hblkhd);
  memory.set_allocator("glibc");
#endif
  return memory;
}

void ReleaseFreeMemory() {
  if (UsingJemalloc()) {
    // MALLCTL_ARENAS_ALL: every arena's dirty and muzzy pages.
    mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
    return;
  }
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

int LimitMallocArenas() {
  if (UsingJemalloc()) return 0;
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
