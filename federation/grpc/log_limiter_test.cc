#include "federation/grpc/log_limiter.h"

#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "node/base/clock.h"

namespace civhub::federation {
namespace {

class LogLimiterTest : public ::testing::Test {
 protected:
  LogLimiter::Options Options(size_t max_keys = 1024) {
    LogLimiter::Options o;
    o.clock = &clock_;
    o.max_keys = max_keys;
    o.sink = [this](spdlog::level::level_enum, const std::string& line) {
      absl::MutexLock lock(&mu_);
      lines_.push_back(line);
    };
    return o;
  }
  std::vector<std::string> Lines() {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

  node::ManualClock clock_{absl::FromUnixSeconds(1780315200)};
  absl::Mutex mu_;
  std::vector<std::string> lines_;
};

// The log flood: one client calling Sync 3,221 times in a second
// made a line each. Now: the first at once, the rest in one summary.
TEST_F(LogLimiterTest, OneLineThenOneSummaryPerInterval) {
  LogLimiter log(Options());
  const std::string subject = "federation Sync from 203.0.113.7";
  for (int i = 0; i < 3221; ++i) {
    log.Refused(spdlog::level::warn, "Sync|203.0.113.7", subject,
                absl::StrCat("no client certificate (call ", i, ")"));
  }
  ASSERT_EQ(Lines().size(), 1u);
  EXPECT_EQ(Lines()[0],
            "federation Sync from 203.0.113.7 refused: no client certificate "
            "(call 0)");
  clock_.Advance(absl::Seconds(59));
  log.Flush();
  EXPECT_EQ(Lines().size(), 1u);
  clock_.Advance(absl::Seconds(1));
  log.Flush();
  ASSERT_EQ(Lines().size(), 2u);
  EXPECT_EQ(Lines()[1],
            "federation Sync from 203.0.113.7 refused 3,220 more times in the "
            "last 60 s: no client certificate (call 3220)");
  // Quiet since: nothing more; the next refusal is logged at once again.
  clock_.Advance(absl::Minutes(5));
  log.Flush();
  EXPECT_EQ(Lines().size(), 2u);
  log.Refused(spdlog::level::warn, "Sync|203.0.113.7", subject, "again");
  EXPECT_EQ(Lines().size(), 3u);
}

TEST_F(LogLimiterTest, ClientsAreCountedApart) {
  LogLimiter log(Options());
  for (int i = 0; i < 10; ++i) {
    log.Refused(spdlog::level::warn, "Sync|a", "from a", "x");
    log.Refused(spdlog::level::warn, "Sync|b", "from b", "y");
  }
  EXPECT_EQ(Lines().size(), 2u);
  clock_.Advance(absl::Minutes(1));
  log.Flush();
  ASSERT_EQ(Lines().size(), 4u);
  EXPECT_EQ(Lines()[2], "from a refused 9 more times in the last 60 s: x");
  EXPECT_EQ(Lines()[3], "from b refused 9 more times in the last 60 s: y");
}

// Keys beyond the cap push out the oldest (its count summarized), so
// memory stays bounded whatever the number of clients.
TEST_F(LogLimiterTest, KeysAreBounded) {
  LogLimiter log(Options(/*max_keys=*/4));
  log.Refused(spdlog::level::warn, "k0", "from k0", "r");
  log.Refused(spdlog::level::warn, "k0", "from k0", "r");
  clock_.Advance(absl::Seconds(2));
  for (int i = 1; i < 100; ++i) {
    log.Refused(spdlog::level::warn, absl::StrCat("k", i),
                absl::StrCat("from k", i), "r");
  }
  EXPECT_EQ(log.KeysForTesting(), 4u);
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 101u);  // 100 first lines, k0's summary.
  EXPECT_EQ(lines[4], "from k0 refused 1 more time in the last 2 s: r");
}

TEST_F(LogLimiterTest, ThreadSafe) {
  LogLimiter log(Options(/*max_keys=*/8));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < 1000; ++i) {
        log.Refused(spdlog::level::warn, absl::StrCat("k", (t * 7 + i) % 16),
                    "s", "r");
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_LE(log.KeysForTesting(), 8u);
}

}  // namespace
}  // namespace civhub::federation
