#include "node/records/recurrence.h"

#include <gtest/gtest.h>

#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

using ::absl::StatusCode;
using testing::EventSpec;
using testing::MakeEvent;

constexpr auto kInvalid = StatusCode::kInvalidArgument;

absl::Time Utc(int y, int mo, int d, int h = 0, int mi = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0),
                         absl::UTCTimeZone());
}

TEST(Recurrence, AcceptsTheSubset) {
  for (const char* rule :
       {"", "FREQ=WEEKLY;BYDAY=TU;COUNT=10", "FREQ=MONTHLY;BYMONTHDAY=1,15",
        "FREQ=YEARLY;BYMONTH=7;BYDAY=3TU", "FREQ=DAILY;INTERVAL=2",
        "FREQ=WEEKLY;UNTIL=20261231T235959Z;WKST=SU",
        "freq=monthly;byday=-1fr"}) {
    SCOPED_TRACE(rule);
    EXPECT_OK(CheckRecurrence("event.recurrence", rule));
  }
}

TEST(Recurrence, RefusesWhatIsOutsideTheSubsetNamingThePart) {
  EXPECT_STATUS(CheckRecurrence("event.recurrence",
                                "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1"),
                kInvalid, "event.recurrence: BYSETPOS is not supported");
  EXPECT_STATUS(CheckRecurrence("event.recurrence", "FREQ=HOURLY"), kInvalid,
                "event.recurrence: FREQ=HOURLY is not supported");
  EXPECT_STATUS(CheckRecurrence("event.recurrence", "FREQ=DAILY;BYHOUR=9"),
                kInvalid, "BYHOUR is not supported");
  EXPECT_STATUS(
      CheckRecurrence("event.recurrence", "FREQ=DAILY;COUNT=3;UNTIL=20270101"),
      kInvalid, "COUNT and UNTIL cannot both be given");
  EXPECT_STATUS(CheckRecurrence("event.recurrence", "RRULE:FREQ=DAILY"),
                kInvalid, "without \"RRULE:\"");
  EXPECT_STATUS(CheckRecurrence("event.recurrence", "INTERVAL=2"), kInvalid,
                "FREQ is required");
  EXPECT_STATUS(CheckRecurrence("event.recurrence", "FREQ=WEEKLY;BYDAY=XX"),
                kInvalid, "is not a valid RFC 5545 RRULE");
  EXPECT_STATUS(CheckRecurrence("event.recurrence",
                                "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"),
                kInvalid, "BYMONTHDAY names no day the BYMONTH months have");
  EXPECT_STATUS(CheckRecurrence("event.recurrence",
                                "FREQ=MONTHLY;BYMONTH=4,6;BYMONTHDAY=-31"),
                kInvalid, "never repeat");
  EXPECT_OK(CheckRecurrence("event.recurrence",
                            "FREQ=YEARLY;BYMONTH=2,3;BYMONTHDAY=30"));
  EXPECT_STATUS(CheckRecurrence("event.recurrence", "FREQ=DAILY;COUNT=3\n"),
                kInvalid, "may hold only letters, digits");
}

TEST(Recurrence, ChecksTimeZones) {
  EXPECT_OK(CheckTimeZone("event.time_zone", "Africa/Nairobi"));
  EXPECT_OK(CheckTimeZone("event.time_zone", "America/Lima"));
  EXPECT_OK(CheckTimeZone("event.time_zone", "UTC"));
  EXPECT_STATUS(CheckTimeZone("event.time_zone", "Africa/Nairobbi"), kInvalid,
                "event.time_zone: \"Africa/Nairobbi\" is not an IANA time "
                "zone");
  EXPECT_STATUS(CheckTimeZone("event.time_zone", ""), kInvalid, "is required");
}

TEST(Recurrence, AOneOffEventOccursOnce) {
  v1::Event e = MakeEvent({});  // 2026-07-15 09:00-12:00 Lima = 14:00Z.
  std::vector<Occurrence> all =
      Occurrences(e, absl::InfinitePast(), absl::InfiniteFuture(), 10);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].start, Utc(2026, 7, 15, 14));
  EXPECT_EQ(all[0].end, Utc(2026, 7, 15, 17));
  EXPECT_TRUE(OccursDuring(e, Utc(2026, 7, 15, 16), Utc(2026, 7, 15, 18)));
  EXPECT_FALSE(OccursDuring(e, Utc(2026, 7, 15, 17), Utc(2026, 7, 16)));
  EXPECT_EQ(OccurrenceMonths(e), std::vector<std::string>{"2026-07"});
}

// A weekly meeting keeps its local time across a daylight-saving change.
TEST(Recurrence, WeeklyKeepsLocalTimeAcrossDst) {
  EventSpec spec;
  spec.time_zone = "Europe/Berlin";
  spec.starts_local = absl::CivilSecond(2026, 3, 17, 10, 0, 0);
  spec.length = absl::Hours(2);
  spec.recurrence = "FREQ=WEEKLY;BYDAY=TU;COUNT=3";
  std::vector<Occurrence> all = Occurrences(
      MakeEvent(spec), absl::InfinitePast(), absl::InfiniteFuture(), 10);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].start, Utc(2026, 3, 17, 9));
  EXPECT_EQ(all[1].start, Utc(2026, 3, 24, 9));
  EXPECT_EQ(all[2].start, Utc(2026, 3, 31, 8));  // CEST from March 29
  EXPECT_EQ(all[2].end, Utc(2026, 3, 31, 10));
}

// iCalendar EXDATE: the occurrence is left out of every window (search,
// month postings, the feed); an exclusion that names no occurrence, or a
// rule-less event's, is refused in the event's own time.
TEST(Recurrence, ExcludedStartsAreLeftOut) {
  EventSpec spec;
  spec.time_zone = "America/Lima";
  spec.starts_local = absl::CivilSecond(2027, 6, 1, 18, 0, 0);
  spec.length = absl::Hours(1);
  spec.recurrence = "FREQ=WEEKLY;COUNT=4";
  v1::Event e = MakeEvent(spec);
  EXPECT_OK(CheckExcludedStarts("event.excluded_starts", e));
  e.add_excluded_starts()->set_seconds(
      absl::ToUnixSeconds(Utc(2027, 6, 8, 23)));
  EXPECT_OK(CheckExcludedStarts("event.excluded_starts", e));
  std::vector<Occurrence> all =
      Occurrences(e, absl::InfinitePast(), absl::InfiniteFuture(), 10);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].start, Utc(2027, 6, 15, 23));
  EXPECT_FALSE(OccursDuring(e, Utc(2027, 6, 8), Utc(2027, 6, 10)));

  e.add_excluded_starts()->set_seconds(
      absl::ToUnixSeconds(Utc(2027, 6, 9, 23)));
  EXPECT_STATUS(CheckExcludedStarts("event.excluded_starts", e), kInvalid,
                "event.excluded_starts[1]: 2027-06-09 18:00 America/Lima is "
                "not the start of an occurrence");
  e.mutable_excluded_starts()->RemoveLast();
  for (int d : {1, 15, 22}) {
    e.add_excluded_starts()->set_seconds(
        absl::ToUnixSeconds(Utc(2027, 6, d, 23)));
  }
  EXPECT_STATUS(CheckExcludedStarts("event.excluded_starts", e), kInvalid,
                "leaves out every occurrence");
  e.clear_recurrence();
  EXPECT_STATUS(CheckExcludedStarts("event.excluded_starts", e), kInvalid,
                "requires a recurrence");
}

// RFC 5545 leaves a start off the rule undefined; civhub keeps it first.
TEST(Recurrence, StartsAtIsTheFirstOccurrenceEvenOffTheRule) {
  EventSpec spec;
  spec.time_zone = "UTC";
  spec.starts_local = absl::CivilSecond(2026, 7, 29, 10, 0, 0);  // Wednesday
  spec.recurrence = "FREQ=WEEKLY;BYDAY=TU;COUNT=3";
  std::vector<Occurrence> all = Occurrences(
      MakeEvent(spec), absl::InfinitePast(), absl::InfiniteFuture(), 10);
  ASSERT_GE(all.size(), 3u);
  EXPECT_EQ(all[0].start, Utc(2026, 7, 29, 10));
  EXPECT_EQ(all[1].start, Utc(2026, 8, 4, 10));
}

TEST(Recurrence, UntilIsInclusiveAndFromToLimitSelect) {
  EventSpec spec;
  spec.time_zone = "UTC";
  spec.starts_local = absl::CivilSecond(2026, 7, 28, 18, 0, 0);
  spec.recurrence = "FREQ=WEEKLY;UNTIL=20260818T180000Z";
  v1::Event e = MakeEvent(spec);
  EXPECT_EQ(
      Occurrences(e, absl::InfinitePast(), absl::InfiniteFuture(), 10).size(),
      4u);  // Jul 28, Aug 4, 11, 18
  std::vector<Occurrence> aug =
      Occurrences(e, Utc(2026, 8, 1), Utc(2026, 9, 1), 10);
  ASSERT_EQ(aug.size(), 3u);
  EXPECT_EQ(aug[0].start, Utc(2026, 8, 4, 18));
  EXPECT_EQ(Occurrences(e, Utc(2026, 8, 1), Utc(2026, 9, 1), 1).size(), 1u);
  // Across the month boundary: July and August.
  EXPECT_EQ(OccurrenceMonths(e),
            (std::vector<std::string>{"2026-07", "2026-08"}));
}

TEST(Recurrence, TheHorizonCutsEndlessRules) {
  EventSpec spec;
  spec.time_zone = "Africa/Nairobi";
  spec.recurrence = "FREQ=DAILY";
  v1::Event e = MakeEvent(spec);
  EXPECT_EQ(Occurrences(e, absl::InfinitePast(), absl::InfiniteFuture(), 10000)
                .size(),
            kMaxOccurrences);
  spec.recurrence = "FREQ=YEARLY";
  std::vector<Occurrence> yearly = Occurrences(
      MakeEvent(spec), absl::InfinitePast(), absl::InfiniteFuture(), 10000);
  ASSERT_EQ(yearly.size(), 5u);  // 2026..2030; 2031-07-15 is past 5 years
  EXPECT_EQ(OccurrenceMonths(MakeEvent(spec)).size(), 5u);
}

TEST(Recurrence, AllDayEventsRepeatInUtc) {
  v1::Event e = MakeEvent({});
  e.set_all_day(true);
  e.clear_time_zone();
  e.mutable_starts_at()->set_seconds(absl::ToUnixSeconds(Utc(2026, 1, 31)));
  e.mutable_ends_at()->set_seconds(absl::ToUnixSeconds(Utc(2026, 2, 2)));
  e.set_recurrence("FREQ=MONTHLY;COUNT=2");
  std::vector<Occurrence> all =
      Occurrences(e, absl::InfinitePast(), absl::InfiniteFuture(), 10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].start, Utc(2026, 3, 31));  // Feb 31 does not exist
  EXPECT_EQ(
      OccurrenceMonths(e),
      (std::vector<std::string>{"2026-01", "2026-02", "2026-03", "2026-04"}));
}

TEST(Recurrence, MonthsOverlapping) {
  EXPECT_EQ(MonthsOverlapping(Utc(2026, 11, 30), Utc(2027, 1, 1), 10),
            (std::vector<std::string>{"2026-11", "2026-12"}));
  EXPECT_EQ(MonthsOverlapping(Utc(2026, 11, 30), Utc(2026, 11, 30), 10),
            std::vector<std::string>{});
  EXPECT_EQ(MonthsOverlapping(Utc(2026, 1, 1), Utc(2027, 1, 1), 2).size(), 2u);
}

}  // namespace
}  // namespace civhub::node
