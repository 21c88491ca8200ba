#include "gateway/events_feed.h"

#include <gtest/gtest.h>

#include "tests/testutil.h"

namespace civhub::gateway {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1800000000);  // 2027-01-15

TEST(ParseFeedQueryTest, DefaultsToAMonthAgoForAYear) {
  absl::StatusOr<FeedQuery> q = ParseFeedQuery({}, kNow);
  ASSERT_OK(q.status());
  EXPECT_EQ(q->search.kind(), v1::RECORD_KIND_EVENT);
  EXPECT_EQ(q->from, kNow - absl::Hours(24 * 30));
  EXPECT_EQ(q->to, q->from + absl::Hours(24 * 366));
  EXPECT_EQ(q->search.during().start().seconds(), absl::ToUnixSeconds(q->from));
  EXPECT_EQ(q->search.during().end().seconds(), absl::ToUnixSeconds(q->to));
}

TEST(ParseFeedQueryTest, ACountryCodeIsTakenInEitherCase) {
  absl::StatusOr<FeedQuery> q = ParseFeedQuery({{"country", "pe"}}, kNow);
  ASSERT_OK(q.status());
  EXPECT_EQ(q->search.country(), "PE");
}

TEST(ParseFeedQueryTest, FiltersAndDatesAreTaken) {
  absl::StatusOr<FeedQuery> q =
      ParseFeedQuery({{"country", "PE"},
                      {"topic", "civic-tech"},
                      {"community", "civhub1abc/techcamps"},
                      {"organization", "civhub1abc/red-civica"},
                      {"from", "2027-05-01"},
                      {"to", "2027-06-01T05:00:00Z"},
                      {"lang", "es"}},
                     kNow);
  ASSERT_OK(q.status());
  EXPECT_EQ(q->search.country(), "PE");
  EXPECT_EQ(q->search.topic(), "civic-tech");
  EXPECT_EQ(q->community.record_id(), "techcamps");
  EXPECT_EQ(q->search.organization().origin(), "civhub1abc");
  EXPECT_EQ(q->from,
            absl::FromCivil(absl::CivilDay(2027, 5, 1), absl::UTCTimeZone()));
  EXPECT_EQ(q->to, absl::FromCivil(absl::CivilHour(2027, 6, 1, 5),
                                   absl::UTCTimeZone()));
  EXPECT_EQ(q->lang, "es");
}

// Issue 18: from=2027-04-14&to=2027-04-14 was refused ("to: must be after
// from") though /v1/search took it as that day.
TEST(ParseFeedQueryTest, ADateInToIncludesTheDay) {
  absl::StatusOr<FeedQuery> q =
      ParseFeedQuery({{"from", "2027-04-14"}, {"to", "2027-04-14"}}, kNow);
  ASSERT_OK(q.status());
  EXPECT_EQ(q->to - q->from, absl::Hours(24) - absl::Seconds(1));
}

TEST(ParseFeedQueryTest, BadParametersAreNamed) {
  EXPECT_STATUS(ParseFeedQuery({{"from", "next week"}}, kNow),
                absl::StatusCode::kInvalidArgument, "from: \"next week\"");
  EXPECT_STATUS(
      ParseFeedQuery({{"from", "2027-05-01"}, {"to", "2027-04-01"}}, kNow),
      absl::StatusCode::kInvalidArgument, "to: must be after from");
  EXPECT_STATUS(
      ParseFeedQuery({{"from", "2027-05-01"}, {"to", "2037-05-01"}}, kNow),
      absl::StatusCode::kInvalidArgument, "to: at most 5 years");
  EXPECT_STATUS(ParseFeedQuery({{"community", "techcamps"}}, kNow),
                absl::StatusCode::kInvalidArgument, "community: ");
  EXPECT_STATUS(ParseFeedQuery({{"kind", "org"}}, kNow),
                absl::StatusCode::kInvalidArgument, "kind");
  EXPECT_STATUS(ParseFeedQuery({{"topic", "a"}, {"topic", "b"}}, kNow),
                absl::StatusCode::kInvalidArgument, "topic");
}

}  // namespace
}  // namespace civhub::gateway
