#include "calendar/ics_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "crypto/keys.h"
#include "node/records/recurrence.h"
#include "node/records/validate.h"
#include "tests/testutil.h"

namespace civhub::calendar {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string ReadExample() {
  std::ifstream in(CIVHUB_EXAMPLES_DIR "/events/techcamp-arequipa-2027.ics",
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
  o.organizer.set_record_id("red-mujeres-emprendedoras");
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
  EXPECT_EQ(camp.line, 17);
  EXPECT_EQ(camp.record_id,
            RecordIdForUid("techcamp-arequipa-2027@remep.example.pe"));
  const v1::Event& e = camp.event;
  EXPECT_EQ(e.ical_uid(), "techcamp-arequipa-2027@remep.example.pe");
  ASSERT_EQ(e.names_size(), 2);
  EXPECT_EQ(e.names(0).lang(), "es");
  EXPECT_EQ(e.names(0).text(),
            "TechCamp Arequipa 2027: tecnología para emprendedoras");
  EXPECT_EQ(e.names(1).lang(), "en");
  ASSERT_EQ(e.descriptions_size(), 2);
  // Unfolded across four lines, one fold inside a word.
  EXPECT_THAT(e.descriptions(0).text(),
              HasSubstr("mujeres del sur andino: seguridad digital, ventas en "
                        "línea, finanzas colectivas y datos abiertos"));
  EXPECT_THAT(e.languages(), ElementsAre("es", "en"));
  // 09:00 in Arequipa (America/Lima, UTC-5) is 14:00 UTC.
  EXPECT_EQ(e.starts_at().seconds(), 1818684000);  // 2027-08-19T14:00:00Z
  EXPECT_EQ(e.ends_at().seconds(), 1818802800);    // 2027-08-20T23:00:00Z
  EXPECT_EQ(e.time_zone(), "America/Lima");
  EXPECT_FALSE(e.all_day());
  EXPECT_EQ(e.place().address(),
            "Universidad Nacional de San Agustín, Calle Santa Catalina 117, "
            "Arequipa");
  EXPECT_DOUBLE_EQ(e.place().latitude(), -16.3963);
  EXPECT_DOUBLE_EQ(e.place().longitude(), -71.5369);
  EXPECT_EQ(e.place().country(), "PE");  // The time zone's country.
  EXPECT_EQ(e.url(), "https://techcamp.remep.example.pe/arequipa-2027/");
  EXPECT_EQ(e.event_type(), "techcamp");
  EXPECT_THAT(e.topics(), ElementsAre("civic-tech", "digital-literacy"));
  EXPECT_EQ(e.status(), "scheduled");
  ASSERT_EQ(e.organizers_size(), 1);
  EXPECT_EQ(e.organizers(0).record_id(), "red-mujeres-emprendedoras");
  EXPECT_THAT(camp.not_imported,
              ElementsAre("CATEGORIES \"Capacitación\" (not a civhub topic or "
                          "event type, line 38)",
                          "ORGANIZER (line 40)", "ATTENDEE (line 42)",
                          "VALARM (line 43)"));

  const v1::Event& mentoring = c->events[1].event;
  EXPECT_EQ(c->events[1].line, 49);
  EXPECT_EQ(mentoring.recurrence(), "FREQ=MONTHLY;COUNT=6;BYDAY=1TH");
  EXPECT_EQ(mentoring.ends_at().seconds() - mentoring.starts_at().seconds(),
            90 * 60);
  EXPECT_EQ(mentoring.online_url(),
            "https://meet.remep.example.pe/techcamp-mentorias");
  EXPECT_FALSE(mentoring.has_place());
  EXPECT_EQ(mentoring.event_type(), "training");
  EXPECT_THAT(c->events[1].not_imported, IsEmpty());

  const v1::Event& hackathon = c->events[2].event;
  EXPECT_TRUE(hackathon.all_day());
  EXPECT_EQ(hackathon.time_zone(), "");
  EXPECT_EQ(hackathon.starts_at().seconds(), 1812758400);  // 2027-06-12Z
  EXPECT_EQ(hackathon.ends_at().seconds(), 1812844800);    // 2027-06-13Z
  // The calendar's own zone (its one VTIMEZONE) gives the country.
  EXPECT_EQ(hackathon.place().country(), "PE");
  EXPECT_EQ(hackathon.event_type(), "hackathon");
  EXPECT_THAT(hackathon.topics(), ElementsAre("economic-opportunity"));
}

TEST(ParseIcsTest, TechCampExampleEventsPassTheHubsValidation) {
  absl::StatusOr<crypto::PrivateKey> private_key =
      crypto::PrivateKey::Generate();
  ASSERT_OK(private_key.status());
  const std::string key = private_key->public_key().bytes();
  ParseOptions options = Options();
  options.organizer.set_origin(crypto::HubIdOf(key));
  absl::StatusOr<ParsedCalendar> c = ParseIcs(ReadExample(), options);
  ASSERT_OK(c.status());
  for (const ImportedEvent& e : c->events) {
    v1::RecordBody body;
    body.set_origin(key);
    body.set_record_id(e.record_id);
    body.set_version(1);
    body.set_sequence(1);
    body.mutable_issued_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    *body.mutable_event() = e.event;
    SCOPED_TRACE(e.record_id);
    EXPECT_OK(node::ValidateRecordBody(body, {absl::Now(), true}));
  }
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
      "UID:unknown-zone@example.org",
      "DTSTART;TZID=Mars Standard Time:20270512T090000",  // 8
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
  EXPECT_THAT(errors[0],
              HasSubstr("line 4: DTSTART 20270512T090000 is a floating time"));
  EXPECT_THAT(errors[0], HasSubstr("import with --tz ZONE"));
  EXPECT_THAT(errors[1],
              HasSubstr("line 8: DTSTART: TZID \"Mars Standard Time\" "
                        "is not a time zone civhub knows"));
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
      "DURATION:PT2H",
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
              ElementsAre("SUMMARY (a second one in sw) (line 7)"));
}

// Google Calendar writes one-off events in UTC and names the calendar's
// zone: a Nairobi coordinator read "06:00 (UTC)" for a 09:00 TechCamp.
TEST(ParseIcsTest, AOneOffUtcEventTakesTheCalendarsZone) {
  const std::string text = Ics({
      "BEGIN:VCALENDAR",
      "X-WR-TIMEZONE:Africa/Nairobi",
      "BEGIN:VEVENT",
      "UID:kisumu@google.com",
      "DTSTART:20270512T060000Z",
      "DTEND:20270512T140000Z",
      "SUMMARY:TechCamp Kisumu",
      "END:VEVENT",
      "BEGIN:VEVENT",
      "UID:weekly@google.com",
      "DTSTART:20270512T060000Z",
      "DTEND:20270512T070000Z",
      "RRULE:FREQ=WEEKLY;COUNT=3",
      "SUMMARY:Weekly call",
      "END:VEVENT",
      "END:VCALENDAR",
  });
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, Options());
  ASSERT_OK(c.status());
  ASSERT_EQ(c->events.size(), 2u);
  EXPECT_EQ(c->events[0].event.time_zone(), "Africa/Nairobi");
  EXPECT_EQ(c->events[0].event.starts_at().seconds(), 1810101600);  // 06:00Z
  // A repeating one keeps the zone its rule was written in.
  EXPECT_EQ(c->events[1].event.time_zone(), "UTC");
}

// Outlook and Exchange write Windows zone names; they used to be refused.
TEST(ParseIcsTest, WindowsZoneNamesAreTheirIanaZones) {
  const std::string text = Ics({
      "BEGIN:VCALENDAR",
      "BEGIN:VEVENT",
      "UID:nairobi@example.org",
      "DTSTART;TZID=\"E. Africa Standard Time\":20270510T090000",
      "DTEND;TZID=\"E. Africa Standard Time\":20270510T170000",
      "LOCATION:iHub\\, Nairobi",
      "END:VEVENT",
      "BEGIN:VEVENT",
      "UID:lima@example.org",
      "DTSTART;TZID=SA Pacific Standard Time:20270601T180000",
      "DURATION:PT1H",
      "END:VEVENT",
      "END:VCALENDAR",
  });
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, Options());
  ASSERT_OK(c.status());
  ASSERT_EQ(c->events.size(), 2u) << absl::StrJoin(Messages(*c), "\n");
  EXPECT_EQ(c->events[0].event.time_zone(), "Africa/Nairobi");
  EXPECT_EQ(c->events[0].event.starts_at().seconds(),
            absl::ToUnixSeconds(absl::FromCivil(absl::CivilHour(2027, 5, 10, 6),
                                                absl::UTCTimeZone())));
  EXPECT_EQ(c->events[0].event.place().country(), "KE");
  // CLDR's zone for the name is Bogota's; the country picks Lima.
  EXPECT_EQ(c->events[1].event.time_zone(), "America/Bogota");
  ParseOptions peru = Options();
  peru.country = "PE";
  c = ParseIcs(text, peru);
  ASSERT_OK(c.status());
  ASSERT_EQ(c->events.size(), 2u);
  EXPECT_EQ(c->events[1].event.time_zone(), "America/Lima");
  EXPECT_EQ(c->events[1].event.starts_at().seconds(),
            absl::ToUnixSeconds(absl::FromCivil(absl::CivilHour(2027, 6, 1, 23),
                                                absl::UTCTimeZone())));
}

// An Outlook export from Manila names "Singapore Standard Time", which
// stands for zones of five countries: it was stored as Asia/Singapore, SG.
const char* const kManilaOutlook[] = {
    "BEGIN:VCALENDAR",
    "BEGIN:VTIMEZONE",
    "TZID:Singapore Standard Time",
    "BEGIN:STANDARD",
    "DTSTART:16010101T000000",
    "TZOFFSETFROM:+0800",
    "TZOFFSETTO:+0800",
    "END:STANDARD",
    "END:VTIMEZONE",
    "BEGIN:VEVENT",
    "UID:manila@example.org",
    "DTSTART;TZID=\"Singapore Standard Time\":20270515T090000",  // line 12
    "DTEND;TZID=\"Singapore Standard Time\":20270515T170000",
    "LOCATION:UP Diliman\\, Quezon City",
    "END:VEVENT",
    "END:VCALENDAR",
};

TEST(ParseIcsTest, TheOrganizersCountryPicksAWindowsNamesZone) {
  const std::string text =
      Ics({std::begin(kManilaOutlook), std::end(kManilaOutlook)});
  ParseOptions options = Options();
  options.default_country = "PH";
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, options);
  ASSERT_OK(c.status());
  ASSERT_EQ(c->events.size(), 1u) << absl::StrJoin(Messages(*c), "\n");
  EXPECT_EQ(c->events[0].event.time_zone(), "Asia/Manila");
  EXPECT_EQ(c->events[0].event.place().country(), "PH");
  EXPECT_THAT(c->events[0].warnings, IsEmpty());
  // --country wins over the organizer's.
  options.country = "MY";
  c = ParseIcs(text, options);
  ASSERT_OK(c.status());
  EXPECT_EQ(c->events[0].event.time_zone(), "Asia/Kuala_Lumpur");
  EXPECT_EQ(c->events[0].event.place().country(), "MY");
}

TEST(ParseIcsTest, AWindowsNameMappedWithoutItsCountryIsAWarning) {
  const std::string text =
      Ics({std::begin(kManilaOutlook), std::end(kManilaOutlook)});
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, Options());
  ASSERT_OK(c.status());
  ASSERT_EQ(c->events.size(), 1u) << absl::StrJoin(Messages(*c), "\n");
  EXPECT_EQ(c->events[0].event.time_zone(), "Asia/Singapore");
  EXPECT_THAT(
      c->events[0].warnings,
      ElementsAre(
          "DTSTART (line 12): TZID \"Singapore Standard Time\" is a Windows "
          "zone name for zones of several countries (BN, ID, MY, PH, SG); "
          "taken as Asia/Singapore (SG) because the country is not known: "
          "pass --country with the event's country (e.g. --country BN), or "
          "an --organizer whose organization has a location"));
  // A country the name has no zone in is no better.
  ParseOptions peru = Options();
  peru.default_country = "PE";
  c = ParseIcs(text, peru);
  ASSERT_OK(c.status());
  ASSERT_EQ(c->events[0].warnings.size(), 1u);
  EXPECT_THAT(c->events[0].warnings[0], HasSubstr("it has no zone in PE"));
  // A name of one country's zones needs no warning.
  const std::string india = Ics({
      "BEGIN:VCALENDAR",
      "BEGIN:VEVENT",
      "UID:delhi@example.org",
      "DTSTART;TZID=India Standard Time:20270510T090000",
      "DURATION:PT1H",
      "END:VEVENT",
      "END:VCALENDAR",
  });
  c = ParseIcs(india, Options());
  ASSERT_OK(c.status());
  ASSERT_EQ(c->events.size(), 1u);
  EXPECT_EQ(c->events[0].event.time_zone(), "Asia/Calcutta");  // CLDR's id.
  EXPECT_THAT(c->events[0].warnings, IsEmpty());
}

// A UTC event has no country of its own: the organizer's is the place's.
TEST(ParseIcsTest, APlaceInUtcTakesTheDefaultCountry) {
  const std::string text = Ics({
      "BEGIN:VCALENDAR",
      "BEGIN:VEVENT",
      "UID:utc@example.org",
      "DTSTART:20270901T010000Z",
      "DTEND:20270901T030000Z",
      "LOCATION:Makati City",
      "END:VEVENT",
      "END:VCALENDAR",
  });
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, Options());
  ASSERT_OK(c.status());
  ASSERT_EQ(c->events.size(), 1u);
  EXPECT_EQ(c->events[0].event.place().country(), "");
  ParseOptions options = Options();
  options.default_country = "PH";
  c = ParseIcs(text, options);
  ASSERT_OK(c.status());
  EXPECT_EQ(c->events[0].event.place().country(), "PH");
}

TEST(ParseIcsTest, TypeAndLineageApplyToEveryEvent) {
  const std::string text = Ics({
      "BEGIN:VCALENDAR",
      "BEGIN:VEVENT",
      "UID:a@example.org",
      "DTSTART:20270901T010000Z",
      "DURATION:PT1H",
      "CATEGORIES:meetup",
      "END:VEVENT",
      "BEGIN:VEVENT",
      "UID:b@example.org",
      "DTSTART:20270902T010000Z",
      "DURATION:PT1H",
      "END:VEVENT",
      "END:VCALENDAR",
  });
  ParseOptions options = Options();
  options.event_type = "techcamp";
  options.replicates.set_origin("civhub1first");
  options.replicates.set_record_id("techcamp-first");
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, options);
  ASSERT_OK(c.status());
  ASSERT_EQ(c->events.size(), 2u);
  for (const ImportedEvent& e : c->events) {
    EXPECT_EQ(e.event.event_type(), "techcamp") << e.record_id;
    EXPECT_EQ(e.event.replicates().origin(), "civhub1first");
    EXPECT_EQ(e.event.replicates().record_id(), "techcamp-first");
  }
  c = ParseIcs(text, Options());
  ASSERT_OK(c.status());
  EXPECT_EQ(c->events[0].event.event_type(), "meetup");
  EXPECT_EQ(c->events[1].event.event_type(), "other");
  EXPECT_FALSE(c->events[1].event.has_replicates());
}

// Google Calendar exports its editor's HTML and a Meet block; both were
// stored as written.
TEST(ParseIcsTest, GoogleDescriptionsBecomePlainText) {
  const std::string text = Ics({
      "BEGIN:VCALENDAR",
      "BEGIN:VEVENT",
      "UID:7kukuqrfedlm2f9t0s2ce9hbrc@google.com",
      "DTSTART:20270820T010000Z",
      "DTEND:20270820T090000Z",
      "DESCRIPTION:<b>TechCamp Manila 2027</b><br>Civic tech&nbsp\\;for "
      "NGOs &amp\\; LGUs.<br><br>Register: <a href=\"https://www.google.com/"
      "url?q=https://kalaayan.example.ph/techcamp%3Fref%3Dcal&amp\\;sa=D\">"
      "kalaayan.example.ph/techcamp</a><br><a href=\"https://kalaayan."
      "example.ph/\">https://kalaayan.example.ph/</a><ul><li>one</li><li>two"
      "</li></ul>\\n\\n-::~:~::~:~:~:~:~:~:~:~:~:~:~::~:~::-\\nJoin with "
      "Google Meet: https://meet.google.com/abc-defg-hij\\n\\nPlease do not "
      "edit this section.\\n-::~:~::~:~:~:~:~:~:~:~:~:~:~::~:~::-",
      "LOCATION:Ateneo de Manila University\\, Quezon City\\, Metro Manila\\, "
      "Philippines\\, Philippines",
      "END:VEVENT",
      "END:VCALENDAR",
  });
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, Options());
  ASSERT_OK(c.status());
  ASSERT_EQ(c->events.size(), 1u) << absl::StrJoin(Messages(*c), "\n");
  const v1::Event& e = c->events[0].event;
  ASSERT_EQ(e.descriptions_size(), 1);
  EXPECT_EQ(e.descriptions(0).text(),
            "TechCamp Manila 2027\n"
            "Civic tech for NGOs & LGUs.\n"
            "\n"
            "Register: kalaayan.example.ph/techcamp "
            "(https://kalaayan.example.ph/techcamp?ref=cal)\n"
            "https://kalaayan.example.ph/\n"
            "- one\n"
            "- two");
  // The Meet block's address is the meeting's when nothing else says.
  EXPECT_EQ(e.online_url(), "https://meet.google.com/abc-defg-hij");
  EXPECT_EQ(e.place().address(),
            "Ateneo de Manila University, Quezon City, Metro Manila, "
            "Philippines");
  EXPECT_THAT(c->events[0].not_imported, IsEmpty());
}

TEST(ParseIcsTest, PlainDescriptionsStayAsWritten) {
  const std::string text = Ics({
      "BEGIN:VCALENDAR",
      "BEGIN:VEVENT",
      "UID:plain@example.org",
      "DTSTART:20270820T010000Z",
      "DTEND:20270820T090000Z",
      "DESCRIPTION:Bring a laptop if RAM < 8 GB\\, say so.\\n\\nAgenda:  "
      "talks",
      "LOCATION:Cebu\\, Philippines",
      "END:VEVENT",
      "END:VCALENDAR",
  });
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, Options());
  ASSERT_OK(c.status());
  ASSERT_EQ(c->events.size(), 1u);
  EXPECT_EQ(c->events[0].event.descriptions(0).text(),
            "Bring a laptop if RAM < 8 GB, say so.\n\nAgenda:  talks");
  EXPECT_EQ(c->events[0].event.place().address(), "Cebu, Philippines");
}

TEST(ParseIcsTest, FloatingTimesAreInTheGivenZone) {
  const std::string text = Ics({
      "BEGIN:VCALENDAR",
      "BEGIN:VEVENT",
      "UID:floating@example.org",
      "DTSTART:20270901T090000",
      "DTEND:20270901T120000",
      "LOCATION:Kampala",
      "END:VEVENT",
      "END:VCALENDAR",
  });
  ParseOptions options = Options();
  options.floating_zone = "Africa/Kampala";
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, options);
  ASSERT_OK(c.status());
  ASSERT_EQ(c->events.size(), 1u) << absl::StrJoin(Messages(*c), "\n");
  const v1::Event& e = c->events[0].event;
  EXPECT_EQ(e.time_zone(), "Africa/Kampala");
  EXPECT_EQ(e.starts_at().seconds(),
            absl::ToUnixSeconds(absl::FromCivil(absl::CivilHour(2027, 9, 1, 6),
                                                absl::UTCTimeZone())));
  EXPECT_EQ(e.ends_at().seconds() - e.starts_at().seconds(), 3 * 3600);
}

// EXDATE used to be listed as not imported while the occurrence stayed.
TEST(ParseIcsTest, ExdateLeavesOutTheOccurrence) {
  const std::string text = Ics({
      "BEGIN:VCALENDAR",
      "BEGIN:VEVENT",
      "UID:weekly@example.org",
      "DTSTART;TZID=America/Lima:20270601T180000",
      "DURATION:PT1H30M",
      "RRULE:FREQ=WEEKLY;COUNT=4",
      "EXDATE;TZID=America/Lima:20270608T180000",  // 7
      "EXDATE;TZID=America/Lima:20270609T180000",  // 8: no occurrence
      "LOCATION:Lima",
      "END:VEVENT",
      "END:VCALENDAR",
  });
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, Options());
  ASSERT_OK(c.status());
  ASSERT_EQ(c->events.size(), 1u) << absl::StrJoin(Messages(*c), "\n");
  const v1::Event& e = c->events[0].event;
  const absl::TimeZone utc = absl::UTCTimeZone();
  ASSERT_EQ(e.excluded_starts_size(), 1);
  EXPECT_EQ(e.excluded_starts(0).seconds(),
            absl::ToUnixSeconds(
                absl::FromCivil(absl::CivilHour(2027, 6, 8, 23), utc)));
  EXPECT_THAT(c->events[0].not_imported,
              ElementsAre("EXDATE 20270609T180000 (no occurrence of the RRULE "
                          "starts then, line 8)"));
  std::vector<node::Occurrence> all =
      node::Occurrences(e, absl::InfinitePast(), absl::InfiniteFuture(), 10);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(absl::ToCivilDay(all[1].start, utc), absl::CivilDay(2027, 6, 15));
}

// Errors used to point at DTSTART, in UTC, with libical's bare words.
TEST(ParseIcsTest, ErrorsNameThePropertyItsLineAndTheTimeAsWritten) {
  const std::string text = Ics({
      "BEGIN:VCALENDAR",
      "BEGIN:VEVENT",
      "UID:backwards@example.org",
      "DTSTART;TZID=America/Lima:20270901T090000",  // 4
      "DTEND;TZID=America/Lima:20270901T080000",    // 5
      "END:VEVENT",
      "BEGIN:VEVENT",
      "UID:broken@example.org",
      "DTSTART;TZID=America/Lima:20270901T090000",
      "DTEND;TZID=America/Lima:2027-09-01T10:00",  // 10
      "END:VEVENT",
      "BEGIN:VEVENT",
      "UID:hourly@example.org",
      "DTSTART;TZID=America/Lima:20270901T090000",
      "DURATION:PT1H",
      "RRULE:FREQ=HOURLY;COUNT=3",  // 16
      "END:VEVENT",
      "END:VCALENDAR",
  });
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, Options());
  ASSERT_OK(c.status());
  std::vector<std::string> errors = Messages(*c);
  ASSERT_EQ(errors.size(), 3u) << absl::StrJoin(errors, "\n");
  EXPECT_THAT(errors[0],
              HasSubstr("line 5: DTEND 20270901T080000 ends the event before "
                        "or when it starts (DTSTART 20270901T090000, line 4): "
                        "set DTEND to when the event ends"));
  EXPECT_THAT(errors[1], HasSubstr("line 10: DTEND \"2027-09-01T10:00\" "
                                   "cannot be read (libical: "));
  EXPECT_THAT(errors[1], HasSubstr("write a time as 20270819T090000"));
  EXPECT_THAT(errors[1], Not(HasSubstr("Removing entire property")));
  EXPECT_THAT(errors[2], HasSubstr("line 16: RRULE: FREQ=HOURLY is not "
                                   "supported"));
}

TEST(ParseIcsTest, HubRefusalsNameTheProperty) {
  ImportedEvent e;
  e.property_lines = {{"DTSTART", 4}, {"DURATION", 5}, {"SUMMARY", 6}};
  EXPECT_EQ(ExplainRefusal(e, "event.ends_at: more than a year after"),
            "DURATION (line 5): event.ends_at: more than a year after");
  EXPECT_EQ(ExplainRefusal(e, "INVALID_ARGUMENT: event.names[0].text: long"),
            "SUMMARY (line 6): event.names[0].text: long");
  EXPECT_EQ(ExplainRefusal(e, "event.url: bad"), "event.url: bad");
  // A place without a country: what gives it, not only that it lacks one.
  e.property_lines["LOCATION"] = 7;
  EXPECT_THAT(
      ExplainRefusal(e,
                     "event.place.country: is required (an ISO 3166-1 "
                     "alpha-2 code such as \"KE\")"),
      HasSubstr("LOCATION (line 7): event.place.country: is required (an ISO "
                "3166-1 alpha-2 code such as \"KE\"): pass --country"));
}

// TRANSP and vendor bookkeeping used to be reported as data not imported;
// Google's meeting link was lost.
TEST(ParseIcsTest, BookkeepingIsSilentAndGoogleMeetIsTheOnlineUrl) {
  const std::string text = Ics({
      "BEGIN:VCALENDAR",
      "BEGIN:VEVENT",
      "UID:abc123@google.com",
      "DTSTART:20270715T170000Z",
      "DTEND:20270715T180000Z",
      "TRANSP:OPAQUE",
      "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
      "X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij",
      "PRIORITY:5",
      "END:VEVENT",
      "END:VCALENDAR",
  });
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, Options());
  ASSERT_OK(c.status());
  ASSERT_EQ(c->events.size(), 1u) << absl::StrJoin(Messages(*c), "\n");
  EXPECT_EQ(c->events[0].event.online_url(),
            "https://meet.google.com/abc-defg-hij");
  EXPECT_THAT(c->events[0].not_imported, ElementsAre("PRIORITY (line 9)"));
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
