// Writes civhub Events as an iCalendar (RFC 5545) VCALENDAR with libical,
// which also folds and escapes the lines. What each field becomes
// (docs/calendars.md, "Feed"), the inverse of ics_reader.h's mapping:
//  - UID: ical_uid if set, else "<record id>@<origin hub id>", the same on
//    every hub that holds the record. No UID is written twice: of records
//    with one UID (one .ics imported on two hubs) only the latest issued is
//    written (then the smaller origin), the same on every hub;
//    DTSTAMP and LAST-MODIFIED: issued_at;
//    SEQUENCE: the record's version; X-CIVHUB-RECORD: "origin/record id";
//  - DTSTART / DTEND with TZID=time_zone and one VTIMEZONE per zone used
//    (libical's, from the system's zoneinfo; TZID renamed to the IANA id),
//    in UTC ("Z") for "UTC", VALUE=DATE for all-day events; RRULE, and
//    EXDATE (written like DTSTART) for each of excluded_starts;
//  - SUMMARY / DESCRIPTION: one each (RFC 5545 allows no more), the text in
//    WriteOptions::lang if there is one, else the first, with LANGUAGE;
//    DESCRIPTION ends with "Online: URL" for an event with a place and an
//    online_url, and "Website: URL" for its url when URL is its page;
//  - LOCATION: the place's name, address, city, postal code, region as
//    written (or online_url when there is no place); GEO;
//    URL: the event's page on the web directory
//    (WEB_URL/record/ORIGIN/RECORD_ID) when WriteOptions::web_url is set,
//    else the event's url; CONFERENCE (RFC 7986): online_url;
//  - STATUS: CANCELLED, TENTATIVE (postponed) or CONFIRMED, with
//    X-CIVHUB-STATUS for the states iCalendar has no word for;
//  - CATEGORIES: event_type (unless "other") and the topics;
//  - ORGANIZER;CN=name:mailto:email for organizers the caller knows with an
//    e-mail address.
// Thread-safe: pure functions (libical locks its zone cache).
#ifndef CIVHUB_CALENDAR_ICS_WRITER_H_
#define CIVHUB_CALENDAR_ICS_WRITER_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "civhub/v1/directory.pb.h"

namespace civhub::calendar {

struct OrganizerInfo {
  std::string name;
  std::string email;
};

struct WriteOptions {
  // X-WR-CALNAME, what calendar apps call the subscription.
  std::string calendar_name = "civhub events";
  // ISO 639-1: the language of SUMMARY and DESCRIPTION where the event has
  // it; empty: each event's first.
  std::string lang;
  // How often a subscriber should fetch again (REFRESH-INTERVAL, RFC 7986,
  // and X-PUBLISHED-TTL).
  absl::Duration refresh = absl::Hours(1);
  // The hub's public web directory ("https://hub.example.org"); empty:
  // unknown, and URL is the event's own url.
  std::string web_url;
  // The organization a reference names, if the caller knows it; may be
  // empty.
  std::function<std::optional<OrganizerInfo>(const v1::RecordRef&)> organizer;
};

// `records` must hold events (body.event); other records are left out.
// Returns the calendar's text, CRLF line endings.
std::string WriteIcs(const std::vector<v1::Record>& records,
                     const WriteOptions& options);

}  // namespace civhub::calendar

#endif  // CIVHUB_CALENDAR_ICS_WRITER_H_
