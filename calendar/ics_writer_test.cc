#include "calendar/ics_writer.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <libical/ical.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "calendar/ics_reader.h"
#include "tests/testutil.h"

namespace civhub::calendar {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOrigin[] = "civhub1testorigin";

std::string ReadExample() {
  std::ifstream in(CIVHUB_EXAMPLES_DIR "/events/techcamp-arequipa-2027.ics",
                   std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

ParseOptions Options() {
  ParseOptions o;
  o.organizer.set_origin(kOrigin);
  o.organizer.set_record_id("red-mujeres-emprendedoras");
  return o;
}

// The records a hub would hold for `events`.
std::vector<v1::Record> AsRecords(const std::vector<ImportedEvent>& events) {
  std::vector<v1::Record> out;
  for (const ImportedEvent& e : events) {
    v1::Record r;
    r.set_origin(kOrigin);
    r.set_record_id(e.record_id);
    r.mutable_body()->set_record_id(e.record_id);
    r.mutable_body()->set_version(3);
    r.mutable_body()->mutable_issued_at()->set_seconds(1800000000);
    *r.mutable_body()->mutable_event() = e.event;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<ImportedEvent> Parse(const std::string& text) {
  absl::StatusOr<ParsedCalendar> c = ParseIcs(text, Options());
  EXPECT_TRUE(c.ok()) << c.status();
  if (!c.ok()) return {};
  for (const IcsProblem& p : c->errors) {
    ADD_FAILURE() << "line " << p.line << ": " << p.message << "\n" << text;
  }
  return c->events;
}

// libical's own check of a written calendar: parsed back, no X-LIC-ERROR.
int LibicalErrors(const std::string& text) {
  icalcomponent* c = icalparser_parse_string(text.c_str());
  if (c == nullptr) return -1;
  const int errors = icalcomponent_count_errors(c);
  icalcomponent_free(c);
  return errors;
}

int Count(absl::string_view text, absl::string_view what) {
  int n = 0;
  for (size_t at = text.find(what); at != absl::string_view::npos;
       at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

void ExpectEqualEvents(const std::vector<ImportedEvent>& got,
                       const std::vector<ImportedEvent>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].record_id, want[i].record_id);
    std::string diff;
    google::protobuf::util::MessageDifferencer d;
    d.ReportDifferencesToString(&diff);
    EXPECT_TRUE(d.Compare(got[i].event, want[i].event)) << diff;
  }
}

TEST(WriteIcsTest, RoundTripGivesTheSameEvents) {
  // One language per event: the feed writes one SUMMARY (RFC 5545).
  const std::string text =
      absl::StrJoin(
          {"BEGIN:VCALENDAR",
           "VERSION:2.0",
           "PRODID:-//test//EN",
           "BEGIN:VEVENT",
           "UID:lima@example.org",
           "DTSTART;TZID=America/Lima:20270512T090000",
           "DTEND;TZID=America/Lima:20270513T180000",
           "RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=WE",
           "EXDATE;TZID=America/Lima:20270519T090000",
           "SUMMARY;LANGUAGE=es:TechCamp Lima\\, edición 2027",
           "DESCRIPTION;LANGUAGE=es:Talleres; mentorías\\nsegunda línea",
           "LOCATION:Universidad del Pacífico\\, Lima",
           "GEO:-12.0844;-77.0499",
           "URL:https://techcamp.example.org/",
           "CATEGORIES:techcamp,civic-tech",
           "STATUS:CANCELLED",
           "END:VEVENT",
           "BEGIN:VEVENT",
           "UID:online@example.org",
           "DTSTART:20270601T150000Z",
           "DURATION:PT2H",
           "SUMMARY;LANGUAGE=en:Online mentoring",
           "CONFERENCE;VALUE=URI:https://meet.example.org/m",
           "END:VEVENT",
           "BEGIN:VEVENT",
           "UID:day@example.org",
           "DTSTART;VALUE=DATE:20270306",
           "DTEND;VALUE=DATE:20270308",
           "SUMMARY;LANGUAGE=sw:Siku ya data",
           "X-CIVHUB-STATUS:postponed",
           "END:VEVENT",
           "END:VCALENDAR"},
          "\r\n") +
      "\r\n";
  const std::vector<ImportedEvent> first = Parse(text);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[2].event.status(), "postponed");
  EXPECT_EQ(first[0].event.excluded_starts_size(), 1);
  const std::string written = WriteIcs(AsRecords(first), WriteOptions());
  EXPECT_EQ(LibicalErrors(written), 0) << written;
  ExpectEqualEvents(Parse(written), first);
  // And once more: writing what was read back changes nothing.
  EXPECT_EQ(WriteIcs(AsRecords(Parse(written)), WriteOptions()), written);
}

TEST(WriteIcsTest, TechCampFeedHasZonesRulesAndTheRequestedLanguage) {
  const std::vector<ImportedEvent> events = Parse(ReadExample());
  ASSERT_EQ(events.size(), 3u);
  WriteOptions options;
  options.calendar_name = "Arequipa civic events";
  options.lang = "en";
  options.organizer =
      [](const v1::RecordRef& ref) -> std::optional<OrganizerInfo> {
    if (ref.record_id() != "red-mujeres-emprendedoras") return std::nullopt;
    return OrganizerInfo{"Red de Mujeres Emprendedoras",
                         "contacto@remep.example.pe"};
  };
  const std::string ics = WriteIcs(AsRecords(events), options);
  EXPECT_EQ(LibicalErrors(ics), 0) << ics;
  // Unfolded, so that what libical folded is found whole.
  std::string unfolded = absl::StrReplaceAll(ics, {{"\r\n ", ""}});
  EXPECT_THAT(unfolded, HasSubstr("X-WR-CALNAME:Arequipa civic events\r\n"));
  EXPECT_THAT(unfolded, HasSubstr("BEGIN:VTIMEZONE\r\nTZID:America/Lima\r\n"));
  EXPECT_THAT(unfolded, Not(HasSubstr("freeassociation")));
  EXPECT_THAT(unfolded,
              HasSubstr("DTSTART;TZID=America/Lima:20270819T090000\r\n"));
  EXPECT_THAT(unfolded, HasSubstr("DTEND;TZID=America/Lima:20270820T180000"));
  EXPECT_THAT(unfolded, HasSubstr("RRULE:FREQ=MONTHLY;COUNT=6;BYDAY=1TH"));
  EXPECT_THAT(unfolded, HasSubstr("DTSTART;VALUE=DATE:20270612\r\n"));
  EXPECT_THAT(unfolded, HasSubstr("SUMMARY;LANGUAGE=en:TechCamp Arequipa 2027: "
                                  "technology for women entrepreneurs\r\n"));
  // The hackathon has no English name: its Spanish one.
  EXPECT_THAT(unfolded, HasSubstr("SUMMARY;LANGUAGE=es:Hackatón de "
                                  "Emprendedoras Digitales Arequipa"));
  EXPECT_THAT(unfolded,
              HasSubstr("LOCATION:Universidad Nacional de San Agustín\\, "
                        "Calle Santa Catalina 117\\, Arequipa\r\n"));
  EXPECT_THAT(unfolded, HasSubstr("GEO:-16.3963"));
  EXPECT_THAT(unfolded,
              HasSubstr("UID:techcamp-arequipa-2027@remep.example.pe\r\n"));
  EXPECT_THAT(unfolded, HasSubstr("SEQUENCE:3\r\n"));
  EXPECT_THAT(unfolded, HasSubstr("DTSTAMP:20270115T080000Z\r\n"));
  EXPECT_THAT(unfolded, HasSubstr("CATEGORIES:techcamp\r\n"));
  EXPECT_THAT(unfolded, HasSubstr("ORGANIZER;CN=Red de Mujeres Emprendedoras:"
                                  "mailto:contacto@remep.example.pe\r\n"));
  EXPECT_THAT(unfolded, HasSubstr("CONFERENCE;VALUE=URI:https://"
                                  "meet.remep.example.pe/"));
  EXPECT_THAT(unfolded, HasSubstr("REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"));
  // One VTIMEZONE however many events use it.
  EXPECT_EQ(Count(unfolded, "BEGIN:VTIMEZONE"), 1);
  // libical folds: no line longer than 75 octets (RFC 5545 3.1).
  for (absl::string_view line : absl::StrSplit(ics, "\r\n")) {
    EXPECT_LE(line.size(), 75u) << line;
  }
}

TEST(WriteIcsTest, RecordsWithoutUidGetOneFromTheirOriginAndId) {
  v1::Record r;
  r.set_origin(kOrigin);
  r.set_record_id("meetup-nairobi");
  r.mutable_body()->set_version(1);
  v1::Event* e = r.mutable_body()->mutable_event();
  e->add_names()->set_text("Nairobi civic tech meetup");
  e->mutable_starts_at()->set_seconds(1810101600);
  e->mutable_ends_at()->set_seconds(1810108800);
  e->set_time_zone("Africa/Nairobi");
  e->set_status("moved-online");
  v1::Record not_an_event;
  not_an_event.mutable_body()->mutable_organization();
  const std::string ics = WriteIcs({r, not_an_event}, WriteOptions());
  EXPECT_EQ(LibicalErrors(ics), 0) << ics;
  EXPECT_THAT(ics, HasSubstr("UID:meetup-nairobi@civhub1testorigin\r\n"));
  EXPECT_THAT(ics, HasSubstr("DTSTART;TZID=Africa/Nairobi:20270512T090000"));
  EXPECT_THAT(ics, HasSubstr("X-CIVHUB-STATUS:moved-online\r\n"));
  EXPECT_THAT(ics,
              HasSubstr("X-CIVHUB-RECORD:civhub1testorigin/meetup-nairobi"));
  EXPECT_EQ(Count(ics, "BEGIN:VEVENT"), 1);
}

v1::Record OnlineEvent(const std::string& origin, int64_t issued) {
  v1::Record r;
  r.set_origin(origin);
  r.set_record_id("ev-same");
  r.mutable_body()->set_version(1);
  r.mutable_body()->mutable_issued_at()->set_seconds(issued);
  v1::Event* e = r.mutable_body()->mutable_event();
  e->add_names()->set_text(absl::StrCat("Copy of ", origin));
  e->mutable_starts_at()->set_seconds(1810101600);
  e->mutable_ends_at()->set_seconds(1810108800);
  e->set_time_zone("Africa/Nairobi");
  e->set_online_url("https://meet.example.org/x");
  e->set_ical_uid("same@example.org");
  e->set_status("scheduled");
  return r;
}

// The same .ics imported on two hubs gave two VEVENTs with one UID.
TEST(WriteIcsTest, OneUidIsWrittenOnceTheLatestIssuedCopy) {
  const std::vector<v1::Record> records = {OnlineEvent("civhub1aaa", 100),
                                           OnlineEvent("civhub1bbb", 200),
                                           OnlineEvent("civhub1ccc", 200)};
  const std::string ics = WriteIcs(records, WriteOptions());
  EXPECT_EQ(LibicalErrors(ics), 0) << ics;
  EXPECT_EQ(Count(ics, "UID:same@example.org"), 1) << ics;
  EXPECT_THAT(ics, HasSubstr("X-CIVHUB-RECORD:civhub1bbb/ev-same"));
  // Whatever order a hub's search gives them in.
  EXPECT_EQ(WriteIcs({records[2], records[1], records[0]}, WriteOptions()),
            ics);
}

TEST(WriteIcsTest, UrlIsTheEventsPageAndTheOnlineUrlIsShown) {
  v1::Record hybrid = OnlineEvent("civhub1aaa", 100);
  v1::Event* e = hybrid.mutable_body()->mutable_event();
  e->set_url("https://camp.example.org/");
  e->mutable_place()->set_address("iHub, Nairobi");
  e->mutable_place()->set_country("KE");
  v1::Record online = OnlineEvent("civhub1bbb", 100);
  online.set_record_id("ev-online");
  online.mutable_body()->mutable_event()->set_ical_uid("online@example.org");
  WriteOptions options;
  options.web_url = "https://hub.example.org/";
  const std::string ics = WriteIcs({hybrid, online}, options);
  EXPECT_EQ(LibicalErrors(ics), 0) << ics;
  EXPECT_THAT(
      ics, HasSubstr("URL:https://hub.example.org/record/civhub1aaa/ev-same"));
  EXPECT_THAT(
      ics,
      HasSubstr("URL:https://hub.example.org/record/civhub1bbb/ev-online"));
  std::vector<ImportedEvent> back = Parse(ics);
  ASSERT_EQ(back.size(), 2u);
  // The hybrid event: LOCATION is the place; DESCRIPTION says where online
  // and the event's own site.
  ASSERT_EQ(back[0].event.descriptions_size(), 1);
  EXPECT_EQ(back[0].event.descriptions(0).text(),
            "Online: https://meet.example.org/x\n\n"
            "Website: https://camp.example.org/");
  // The online event: LOCATION is the online URL.
  EXPECT_THAT(ics, HasSubstr("LOCATION:https://meet.example.org/x"));
}

TEST(WriteIcsTest, EmptyFeedIsStillACalendar) {
  const std::string ics = WriteIcs({}, WriteOptions());
  EXPECT_EQ(LibicalErrors(ics), 0);
  EXPECT_THAT(ics, HasSubstr("BEGIN:VCALENDAR\r\n"));
  EXPECT_THAT(ics, HasSubstr("VERSION:2.0\r\n"));
  EXPECT_THAT(ics, HasSubstr("PRODID:"));
}

}  // namespace
}  // namespace civhub::calendar
