// Reads iCalendar (RFC 5545) text into civhub Events with libical: each
// VEVENT becomes an Event payload and a record id; every parse error names
// its line, and every property civhub has no place for is listed, never
// silently dropped. The mapping (docs/calendars.md, "Import"):
//  - UID → ical_uid, and the record id "ev-" + the UID's letters and digits
//    (at most 40) + "-" + 10 hex digits of SHA-256(UID): the same UID
//    always gives the same id, so a re-import updates the event;
//  - SUMMARY / DESCRIPTION → names / descriptions, in their LANGUAGE
//    parameter's language (its primary subtag, "es-PE" → "es") or
//    ParseOptions::lang; one per language (a second one in the same
//    language is listed as not imported); `languages` are the names'; a
//    DESCRIPTION in HTML (Google Calendar's) becomes plain text and its
//    Google Meet block ("-::~:~::~" lines) is left out
//    (internal/description.h);
//  - DTSTART / DTEND or DURATION: a date-time with TZID (an IANA zone, a
//    Windows zone name as Outlook writes it, or a VTIMEZONE whose
//    X-LIC-LOCATION is one; a Windows name's zone is the one of the
//    country, ParseOptions::country or else default_country, with a
//    warning when neither picks it) or in UTC ("Z", time zone "UTC") →
//    starts_at / ends_at in UTC and time_zone; VALUE=DATE → all_day, midnight
//    UTC of the first day and of the day after the last; a floating time
//    (neither) is in ParseOptions::floating_zone, an error without one; DTEND
//    not after DTSTART is an error;
//  - RRULE → recurrence, as written without "RRULE:", checked against the
//    subset (node/records/recurrence.h); EXDATE → excluded_starts (an
//    EXDATE no occurrence starts at is listed as not imported);
//  - LOCATION → place.address (a last part repeated, "Manila, Philippines,
//    Philippines", once), GEO → place.latitude/longitude, the place's
//    country from ParseOptions::country, else the time zone's country
//    (ICU), else default_country; a LOCATION that is an http(s) URL, or
//    CONFERENCE (RFC 7986), → online_url instead; X-GOOGLE-CONFERENCE or
//    X-MICROSOFT-SKYPETEAMSMEETINGURL → online_url when nothing else gives
//    one;
//  - URL → url; STATUS CANCELLED → "cancelled", TENTATIVE / CONFIRMED /
//    none → "scheduled" (X-CIVHUB-STATUS, written by WriteIcs, wins);
//  - CATEGORIES: an event type code (techcamp, training, hackathon, meetup,
//    conference) → event_type (default "other"; ParseOptions::event_type
//    wins), a civhub topic code → topics, anything else listed as not
//    imported; ParseOptions::replicates → every event's `replicates`;
//  - DTSTAMP, SEQUENCE, CREATED, LAST-MODIFIED, CLASS:PUBLIC, TRANSP,
//    X-CIVHUB-RECORD and the scheduling bookkeeping of Outlook
//    (X-MICROSOFT-CDO-*, X-MICROSOFT-DISALLOW-COUNTER, X-MS-OLK-*) and
//    Thunderbird (X-MOZ-GENERATION, X-MOZ-LASTACK) are read silently: they
//    hold nothing civhub models; every other property and nested component
//    (ATTENDEE, ORGANIZER, RDATE, VALARM...) is listed.
// An event with a parse error, no UID, no DTSTART, a floating time without
// floating_zone, times that end before they start or a rule outside the
// subset is skipped with an error naming the property, its line and its
// value as written, and saying what to change; the others are returned.
// The rest of the hub's rules are checked on publish (ExplainRefusal).

// Thread-safe: pure functions (libical's parser holds no shared state).
#ifndef CIVHUB_CALENDAR_ICS_READER_H_
#define CIVHUB_CALENDAR_ICS_READER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "civhub/v1/record.pb.h"

namespace civhub::calendar {

// Larger input is refused (an .ics of thousands of events is far smaller).
inline constexpr size_t kMaxIcsBytes = 16 << 20;

struct ParseOptions {
  // ISO 639-1 language of texts without a LANGUAGE parameter.
  std::string lang = "en";
  // The organizer of every event (ORGANIZER is a mailto: address, not a
  // record); an empty origin stands for the publishing hub.
  v1::RecordRef organizer;
  // ISO 3166-1 country of every LOCATION, and the one whose zone a Windows
  // zone name stands for; empty: default_country's zone, and the time
  // zone's country.
  std::string country;
  // The country assumed when `country` is empty (the organizer's): picks
  // a Windows zone name's zone, and is the country of a place whose time
  // zone has none ("UTC").
  std::string default_country;
  // Non-empty: the event_type of every event, whatever CATEGORIES says.
  std::string event_type;
  // Set: the event every event replicates (Event.replicates).
  v1::RecordRef replicates;
  // The IANA zone of floating times (DTSTART without TZID and without "Z");
  // empty: they are errors.
  std::string floating_zone;
};

struct IcsProblem {
  // 1-based line of the file (of a folded line, its first); 0 when the
  // problem belongs to no line.
  int line = 0;
  std::string message;
};

struct ImportedEvent {
  std::string record_id;
  v1::Event event;
  // Line of its BEGIN:VEVENT.
  int line = 0;
  // What was not imported, each "NAME (line N)" or "NAME value (line N)".
  std::vector<std::string> not_imported;
  // What was imported on a guess to check ("DTSTART (line 7): TZID ...").
  std::vector<std::string> warnings;
  // The line of each property the event was read from (its first), by
  // name ("DTEND").
  std::map<std::string, int> property_lines;
};

struct ParsedCalendar {
  // In file order.
  std::vector<ImportedEvent> events;
  // Errors, in file order; each skipped event has at least one.
  std::vector<IcsProblem> errors;
  int skipped = 0;
};

// Parses `text`. INVALID_ARGUMENT (naming line 1) if it is not iCalendar at
// all (no BEGIN:VCALENDAR first) or larger than kMaxIcsBytes; otherwise
// every event that could be read, and the errors of the others.
absl::StatusOr<ParsedCalendar> ParseIcs(absl::string_view text,
                                        const ParseOptions& options);

// OK if `text` could be iCalendar (what ParseIcs refuses outright, it
// refuses too): a cheap check before anything else is done with the file.
absl::Status CheckIsIcs(absl::string_view text);

// The record id for an iCalendar UID (the rule above).
std::string RecordIdForUid(absl::string_view uid);

// The hub's refusal of `event` (a validation message "event.FIELD: ...") in
// the file's terms: "DTEND (line 8): ..." naming the property the field was
// read from; the message as it is when no property is known.
std::string ExplainRefusal(const ImportedEvent& event,
                           absl::string_view message);

}  // namespace civhub::calendar

#endif  // CIVHUB_CALENDAR_ICS_READER_H_
