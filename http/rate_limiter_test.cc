#include "http/rate_limiter.h"

#include <gtest/gtest.h>

namespace civhub::http {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

TEST(RateLimiterTest, ABurstThenTheRate) {
  RateLimiter limiter(/*rate=*/2, /*burst=*/3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.Take("a", kStart), absl::ZeroDuration()) << i;
  }
  // Empty: one more token in half a second.
  EXPECT_EQ(limiter.Take("a", kStart), absl::Milliseconds(500));
  EXPECT_EQ(limiter.Take("a", kStart + absl::Milliseconds(250)),
            absl::Milliseconds(250));
  EXPECT_EQ(limiter.Take("a", kStart + absl::Milliseconds(500)),
            absl::ZeroDuration());
  // Another client has its own bucket.
  EXPECT_EQ(limiter.Take("b", kStart), absl::ZeroDuration());
}

TEST(RateLimiterTest, RateZeroLimitsNothing) {
  RateLimiter limiter(0, 1);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(limiter.Take("a", kStart), absl::ZeroDuration());
  }
  EXPECT_EQ(limiter.clients(), 0u);
}

TEST(RateLimiterTest, TheTableStaysBoundedAndKeepsBusyClientsLimited) {
  RateLimiter limiter(/*rate=*/1, /*burst=*/2, /*max_clients=*/10);
  // A busy client, out of tokens.
  limiter.Take("busy", kStart);
  limiter.Take("busy", kStart);
  // Many idle ones: their buckets refill and are forgotten.
  for (int i = 0; i < 1000; ++i) {
    limiter.Take("idle" + std::to_string(i), kStart + absl::Seconds(5 * i));
    ASSERT_LE(limiter.clients(), 10u);
  }
  // Addresses that stay busy: past the bound the fullest bucket goes, so
  // a client that just spent its tokens is still limited.
  RateLimiter flooded(/*rate=*/1, /*burst=*/2, /*max_clients=*/10);
  flooded.Take("spender", kStart);
  flooded.Take("spender", kStart);
  for (int i = 0; i < 100; ++i) {
    flooded.Take("new" + std::to_string(i), kStart);
    ASSERT_LE(flooded.clients(), 10u);
  }
  EXPECT_GT(flooded.Take("spender", kStart), absl::ZeroDuration());
}

}  // namespace
}  // namespace civhub::http
