#include "server/process_memory.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/config.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace civhub::server {
namespace {

// A sanitizer's allocator replaces glibc's. (Abseil's macros know both
// GCC's and clang's ways of saying so.)
#if defined(ABSL_HAVE_ADDRESS_SANITIZER) || defined(ABSL_HAVE_THREAD_SANITIZER)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// Heaps glibc's malloc_info reports: the main arena and one per arena
// created for threads.
int MallocArenas() {
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  malloc_info(0, out);
  fclose(out);
  const std::string xml(text, size);
  free(text);
  int arenas = 0;
  for (size_t at = xml.find("<heap nr="); at != std::string::npos;
       at = xml.find("<heap nr=", at + 1)) {
    ++arenas;
  }
  return arenas;
}

bool IsZero(int* n) { return *n == 0; }

// Starts `threads` threads that each allocate and wait until all have, and
// counts the arenas while they all hold memory.
int ArenasWithThreadsAllocating(int threads) {
  absl::Mutex mu;
  int to_allocate = threads;
  bool release = false;
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&] {
      auto block = std::make_unique<char[]>(4096);
      block[0] = 1;
      absl::MutexLock lock(&mu);
      --to_allocate;
      mu.Await(absl::Condition(&release));
    });
  }
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(&IsZero, &to_allocate));
  }
  const int arenas = MallocArenas();
  {
    absl::MutexLock lock(&mu);
    release = true;
  }
  for (std::thread& t : pool) t.join();
  return arenas;
}

int Cores() {
  return std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
}

// Each runs in a child process (a death test): the cap holds for the whole
// process and arenas, once made, are never taken away.
void CappedChild() {
  const int cap = LimitMallocArenas();
  const int arenas = ArenasWithThreadsAllocating(4 * Cores() + 4);
  fprintf(stderr, "cap %d, arenas %d\n", cap, arenas);
  _exit(cap == Cores() && arenas <= cap ? 0 : 1);
}

void UncappedChild() {
  const int arenas = ArenasWithThreadsAllocating(4 * Cores() + 4);
  fprintf(stderr, "arenas %d\n", arenas);
  _exit(arenas > Cores() ? 0 : 1);
}

TEST(LimitMallocArenasTest, ThreadsShareOneArenaPerCore) {
  if (kSanitized) GTEST_SKIP() << "glibc's allocator is not in use";
  EXPECT_EXIT(CappedChild(), ::testing::ExitedWithCode(0), "");
}

// What the cap prevents: glibc alone gives each new thread its own arena
// (up to eight per core).
TEST(LimitMallocArenasTest, WithoutItEachThreadGetsAnArena) {
  if (kSanitized) GTEST_SKIP() << "glibc's allocator is not in use";
  EXPECT_EXIT(UncappedChild(), ::testing::ExitedWithCode(0), "");
}

TEST(LimitMallocArenasTest, LeavesAnOperatorsSettingAlone) {
  EXPECT_EXIT(
      {
        setenv("MALLOC_ARENA_MAX", "8", 1);
        _exit(LimitMallocArenas() == 0 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(
      {
        setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=8", 1);
        _exit(LimitMallocArenas() == 0 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace civhub::server
