#include "calendar/ics_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_join.h"
#include "tests/testutil.h"

namespace civhub::calendar {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string ReadExample() {
  std::ifstream in(CIVHUB_EXAMPLES_DIR "/events/techcamp-lima-2027.ics",
                   std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Ics(const std::vector<std::string>& lines) {
  return absl::StrJoin(lines, "\r\n") + "\r\n";
}

ParseOptions Options() {
  ParseOptions o;
  o.organizer.set_record_id("red-civica");
  return o;
}

std::vector<std::string> Messages(const ParsedCalendar& c) {
  std::vector<std::string> out;
  for (const IcsProblem& p : c.errors) {
    out.push_back(absl::StrCat("line ", p.line, ": ", p.message));
  }
  return out;
}

TEST(ParseIcsTest, TechCampExampleBecomesThreeEvents) {
  absl::StatusOr<ParsedCalendar> c = ParseIcs(ReadExample(), Options());
  ASSERT_OK(c.status());
  EXPECT_THAT(Messages(*c), IsEmpty());
  ASSERT_EQ(c->events.size(), 3u);

  const ImportedEvent& camp = c->events[0];
  EXPECT_EQ(camp.line, 16);
  EXPECT_EQ(camp.record_id, RecordIdForUid("techcamp-lima-2027@redcivica.pe"));
  const v1::Event& e = camp.event;
  EXPECT_EQ(e.ical_uid(), "techcamp-lima-2027@redcivica.pe");
  ASSERT_EQ(e.names_size(), 2);
  EXPECT_EQ(e.names(0).lang(), "es");
  EXPECT_EQ(e.names(0).text(),
            "TechCamp Lima 2027: tecnología para la acción cívica");
  EXPECT_EQ(e.names(1).lang(), "en");
  ASSERT_EQ(e.descriptions_size(), 2);
  EXPECT_THAT(e.descriptions(0).text(),
              HasSubstr("sociedad civil: seguridad digital, datos abiertos, "
                        "mapeo comunitario"));
  EXPECT_THAT(e.languages(), ElementsAre("es", "en"));
  // 09:00 in Lima (UTC-5) is 14:00 UTC.
  EXPECT_EQ(e.starts_at().seconds(), 1810130400);  // 2027-05-12T14:00:00Z
  EXPECT_EQ(e.ends_at().seconds(), 1810249200);    // 2027-05-13T23:00:00Z
  EXPECT_EQ(e.time_zone(), "America/Lima");
  EXPECT_FALSE(e.all_day());
  EXPECT_EQ(e.place().address(),
            "Universidad del Pacífico, Av. Salaverry 2020, Jesús María, Lima");
  EXPECT_DOUBLE_EQ(e.place().latitude(), -12.0844);
  EXPECT_DOUBLE_EQ(e.place().longitude(), -77.0499);
  EXPECT_EQ(e.place().country(), "PE");  // The time zone's country.
  EXPECT_EQ(e.url(), "https://techcamp.redcivica.pe/2027/");
  EXPECT_EQ(e.event_type(), "techcamp");
  EXPECT_THAT(e.topics(), ElementsAre("civic-tech", "digital-literacy"));
  EXPECT_EQ(e.status(), "scheduled");
  ASSERT_EQ(e.organizers_size(), 1);
  EXPECT_EQ(e.organizers(0).record_id(), "red-civica");
  EXPECT_THAT(camp.not_imported,
              ElementsAre("CATEGORIES \"Capacitación\" (not a civhub topic or "
                          "event type, line 35)",
                          "ORGANIZER (line 37)", "ATTENDEE (line 38)",
                          "VALARM (line 39)"));

  const v1::Event& mentoring = c->events[1].event;
  EXPECT_EQ(mentoring.recurrence(), "FREQ=MONTHLY;COUNT=6;BYDAY=1TH");
  EXPECT_EQ(mentoring.ends_at().seconds() - mentoring.starts_at().seconds(),
            90 * 60);
  EXPECT_EQ(mentoring.online_url(),
            "https://meet.redcivica.pe/techcamp-mentorias");
  EXPECT_FALSE(mentoring.has_place());
  EXPECT_EQ(mentoring.event_type(), "training");
  EXPECT_THAT(c->events[1].not_imported, IsEmpty());

  const v1::Event& open_data = c->events[2].event;
  EXPECT_TRUE(open_data.all_day());
  EXPECT_EQ(open_data.time_zone(), "");
  EXPECT_EQ(open_data.starts_at().seconds(), 1804291200);  // 2027-03-06Z
  EXPECT_EQ(open_data.ends_at().seconds(), 1804377600);    // 2027-03-07Z
  // The calendar's own zone (its one VTIMEZONE) gives the country.
  EXPECT_EQ(open_data.place().country(), "PE");
  EXPECT_EQ(open_data.event_type(), "hackathon");
}

TEST(ParseIcsTest, BrokenLinesAreNamedAndTheirEventSkipped) {
  const std::string text = Ics({
      "BEGIN:VCALENDAR",                            // 1
      "VERSION:2.0",                                // 2
      "PRODID:-//test//EN",                         // 3
      "BEGIN:VEVENT",                               // 4
      "UID:broken@example.org",                     // 5
      "DTSTART;TZID=America/Lima:2027XX12T090000",  // 6
      "SUMMARY:Broken",                             // 7
      "END:VEVENT",                                 // 8
      "BEGIN:VEVENT",                               // 9
      "UID:fine@example.org",                       // 10
      "DTSTART:20270512T140000Z",                   // 11
      "DTEND:20270512T160000Z",                     // 12
      "SUMMARY:Fine",                               // 13
      "END:VEVENT",                                 // 14
      "BEGIN:VEVENT",                               // 15
      "UID:garbled@example.org",                    // 16
      "DTSTART:20270512T140000Z",                   // 17
      "this line has no colon",                     // 18
      "END:VEVENT",                                 // 19
      "END:VCALENDAR",                              // 20
  });
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, Options());
  ASSERT_OK(c.status());
  ASSERT_EQ(c->events.size(), 1u);
  EXPECT_EQ(c->events[0].event.ical_uid(), "fine@example.org");
  EXPECT_EQ(c->events[0].event.time_zone(), "UTC");
  EXPECT_EQ(c->skipped, 2);
  std::vector<std::string> errors = Messages(*c);
  ASSERT_EQ(errors.size(), 2u) << absl::StrJoin(errors, "\n");
  EXPECT_THAT(errors[0], HasSubstr("line 6: "));
  EXPECT_THAT(errors[0], HasSubstr("DATE-TIME"));
  EXPECT_THAT(errors[0], HasSubstr("UID broken@example.org"));
  EXPECT_THAT(errors[1], HasSubstr("line 18: "));
  EXPECT_THAT(errors[1], HasSubstr("this line has no colon"));
}

TEST(ParseIcsTest, FoldedLinesCountFromTheirFirstLine) {
  const std::string text = Ics({
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "BEGIN:VEVENT",
      "UID:folded@example.org",
      "DESCRIPTION:a long",  // 5
      "  description",       // 6
      "DTSTART;TZID=America/Lima:2027",
      " 0512T0900XX",  // 8, the rest of line 7
      "END:VEVENT",
      "END:VCALENDAR",
  });
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, Options());
  ASSERT_OK(c.status());
  ASSERT_EQ(c->errors.size(), 1u);
  EXPECT_EQ(c->errors[0].line, 7);
}

TEST(ParseIcsTest, UnclosedComponentsAndStrayEndsAreErrors) {
  const std::string text = Ics({
      "BEGIN:VCALENDAR",
      "BEGIN:VEVENT",  // 2
      "UID:x@example.org",
      "DTSTART:20270512T140000Z",
      "END:VTODO",  // 5
      "END:VCALENDAR",
  });
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, Options());
  ASSERT_OK(c.status());
  EXPECT_THAT(c->events, IsEmpty());
  std::string all = absl::StrJoin(Messages(*c), "\n");
  EXPECT_THAT(all, HasSubstr("line 5: END:VTODO does not close BEGIN:VEVENT"));
}

TEST(ParseIcsTest, EventsCivhubCannotPlaceInTimeAreErrors) {
  const std::string text = Ics({
      "BEGIN:VCALENDAR",
      "BEGIN:VEVENT",
      "UID:floating@example.org",
      "DTSTART:20270512T090000",  // 4
      "END:VEVENT",
      "BEGIN:VEVENT",
      "UID:windows-zone@example.org",
      "DTSTART;TZID=SA Pacific Standard Time:20270512T090000",  // 8
      "END:VEVENT",
      "BEGIN:VEVENT",  // 10
      "DTSTART:20270512T090000Z",
      "END:VEVENT",
      "BEGIN:VEVENT",  // 13
      "UID:no-start@example.org",
      "END:VEVENT",
      "END:VCALENDAR",
  });
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, Options());
  ASSERT_OK(c.status());
  EXPECT_THAT(c->events, IsEmpty());
  std::vector<std::string> errors = Messages(*c);
  ASSERT_EQ(errors.size(), 4u) << absl::StrJoin(errors, "\n");
  EXPECT_THAT(errors[0], HasSubstr("line 4: DTSTART is a floating time"));
  EXPECT_THAT(errors[1],
              HasSubstr("line 8: DTSTART: TZID \"SA Pacific Standard Time\" "
                        "is not an IANA time zone"));
  EXPECT_THAT(errors[2], HasSubstr("line 10: the VEVENT has no UID"));
  EXPECT_THAT(errors[3], HasSubstr("line 13: the VEVENT has no DTSTART"));
}

TEST(ParseIcsTest, PrefixedTzidAndLanguageSubtagsAreUnderstood) {
  const std::string text = Ics({
      "BEGIN:VCALENDAR",
      "BEGIN:VEVENT",
      "UID:prefixed@example.org",
      "DTSTART;TZID=/freeassociation.sourceforge.net/Africa/Nairobi:"
      "20270512T090000",
      "SUMMARY;LANGUAGE=sw-KE:Kambi ya teknolojia",
      "SUMMARY;LANGUAGE=sw:Kambi nyingine",
      "STATUS:CANCELLED",
      "CONFERENCE;VALUE=URI:https://meet.example.org/x",
      "END:VEVENT",
      "END:VCALENDAR",
  });
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, Options());
  ASSERT_OK(c.status());
  ASSERT_EQ(c->events.size(), 1u);
  const v1::Event& e = c->events[0].event;
  EXPECT_EQ(e.time_zone(), "Africa/Nairobi");
  EXPECT_EQ(e.starts_at().seconds(), 1810101600);  // 06:00Z
  ASSERT_EQ(e.names_size(), 1);
  EXPECT_EQ(e.names(0).lang(), "sw");
  EXPECT_EQ(e.status(), "cancelled");
  EXPECT_EQ(e.online_url(), "https://meet.example.org/x");
  EXPECT_THAT(c->events[0].not_imported,
              ElementsAre("SUMMARY (a second one in sw) (line 6)"));
}

TEST(ParseIcsTest, NotICalendarIsRefused) {
  EXPECT_STATUS(ParseIcs("name,date\nTechCamp,2027-05-12\n", Options()),
                absl::StatusCode::kInvalidArgument,
                "line 1: not iCalendar: expected BEGIN:VCALENDAR");
  EXPECT_STATUS(ParseIcs("", Options()), absl::StatusCode::kInvalidArgument,
                "not iCalendar");
}

TEST(RecordIdForUidTest, StableReadableAndDistinct) {
  EXPECT_EQ(RecordIdForUid("TechCamp-Lima@redcivica.pe"),
            RecordIdForUid("TechCamp-Lima@redcivica.pe"));
  EXPECT_THAT(
      RecordIdForUid("TechCamp-Lima@redcivica.pe"),
      ::testing::MatchesRegex("ev-techcamp-lima-redcivica-pe-[0-9a-f]{10}"));
  EXPECT_NE(RecordIdForUid("a@b"), RecordIdForUid("a-b"));
  EXPECT_THAT(RecordIdForUid("@@@"),
              ::testing::MatchesRegex("ev-[0-9a-f]{10}"));
  EXPECT_LE(RecordIdForUid(std::string(500, 'x')).size(), 54u);
}

}  // namespace
}  // namespace civhub::calendar
