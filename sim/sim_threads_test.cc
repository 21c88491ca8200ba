// The simulator runs on one thread: its hubs start none (ingest's checks
// run on an InlineExecutor), or a seed could not replay exactly. Its own
// binary: it counts every thread the process creates by standing in for
// pthread_create.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "sim/records.h"
#include "sim/sim_network.h"

namespace {

std::atomic<int> threads_created{0};

}  // namespace

// Every thread (std::thread too, through libstdc++) is created here.
extern "C" int pthread_create(pthread_t* thread, const pthread_attr_t* attr,
                              void* (*start)(void*), void* arg) noexcept {
  using Create =
      int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  static const Create real =
      reinterpret_cast<Create>(dlsym(RTLD_NEXT, "pthread_create"));
  threads_created.fetch_add(1);
  return real(thread, attr, start, arg);
}

namespace civhub::sim {
namespace {

class SimThreadsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { spdlog::set_level(spdlog::level::off); }
  void SetUp() override {
    // The count sees threads at all (else the tests below prove nothing).
    const int before = threads_created.load();
    std::thread([] {}).join();
    ASSERT_EQ(threads_created.load(), before + 1);
  }
};

TEST_F(SimThreadsTest, SyncOfManyRecordsStartsNoThreads) {
  // Replies of hundreds of records: IngestMany's largest batches.
  SimOptions options;
  options.dir = "/sim-threads";
  options.seed = 1;
  options.in_memory = true;
  SimNetwork net(options);
  const int before = threads_created.load();
  SimHub* a = net.AddHub("a");
  SimHub* b = net.AddHub("b");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(
        a->hub->Publish(testing::OrgPublish(absl::StrCat("org-", i), {})).ok());
  }
  ASSERT_TRUE(net.Link("a", "b"));
  auto synced = [&] { return b->store->counters().organizations() == 300; };
  ASSERT_TRUE(
      net.scheduler().RunUntil(synced, net.clock().Now() + absl::Minutes(5)));
  EXPECT_EQ(threads_created.load(), before);
}

}  // namespace
}  // namespace civhub::sim
