#include "node/records/time_text.h"

#include <gtest/gtest.h>

namespace civhub::node {
namespace {

absl::Time Utc(int y, int m, int d, int h = 0) {
  return absl::FromCivil(absl::CivilHour(y, m, d, h), absl::UTCTimeZone());
}

// Issue 18: "2027-06-30" was refused in a need's expiresAt and in /v1/search
// from=, though civhubctl search --from took it.
TEST(ParseTimeOrDate, ADateAloneIsItsStartOrTheDayIncluded) {
  EXPECT_EQ(ParseTimeOrDate("2027-06-30", DateMeans::kStartOfDay),
            Utc(2027, 6, 30));
  // Its last second: shown back, it is the day written (a trial read
  // "expires 2027-07-01" for a need it had said expires on 2027-06-30).
  EXPECT_EQ(ParseTimeOrDate("2027-06-30", DateMeans::kEndOfDay),
            Utc(2027, 7, 1) - absl::Seconds(1));
  EXPECT_EQ(ParseTimeOrDate("2027-12-31", DateMeans::kEndOfDay),
            Utc(2028, 1, 1) - absl::Seconds(1));
}

TEST(ParseTimeOrDate, RFC3339TimesAreExact) {
  EXPECT_EQ(ParseTimeOrDate("2027-06-30T09:00:00-05:00", DateMeans::kEndOfDay),
            Utc(2027, 6, 30, 14));
  EXPECT_EQ(ParseTimeOrDate("2027-06-30T14:00:00Z", DateMeans::kStartOfDay),
            Utc(2027, 6, 30, 14));
}

TEST(ParseTimeOrDate, AnythingElseIsRefused) {
  for (const char* bad :
       {"", "2027-6-30", "2027-02-30", "30/06/2027", "2027-06-30 09:00",
        "2027-06-30T09:00", "tomorrow", "2027-06-300"}) {
    EXPECT_EQ(ParseTimeOrDate(bad, DateMeans::kStartOfDay), std::nullopt)
        << bad;
  }
}

}  // namespace
}  // namespace civhub::node
