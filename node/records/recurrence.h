// The occurrences of an event: its first (starts_at to ends_at) and those
// its recurrence rule adds, less those its excluded_starts leave out, an RFC
// 5545 RRULE of the subset documented in docs/matchmaking.md ("Recurrence"):
//
//   FREQ=DAILY|WEEKLY|MONTHLY|YEARLY (required), INTERVAL, COUNT or UNTIL
//   (not both), BYDAY, BYMONTHDAY, BYMONTH, WKST
//
// Rules are parsed and expanded by libical (icalrecurrencetype_from_string,
// icalrecur_iterator), in the event's local time (Event.time_zone; UTC for
// all-day events), so a weekly 10:00 meeting stays at 10:00 across a
// daylight-saving change. Each occurrence lasts as long as the first.
//
// The horizon: only the first kMaxOccurrences occurrences starting within
// kRecurrenceHorizon of starts_at exist for civhub (the index's month
// postings, search's `during` filter, the calendar feed); a rule running
// longer is cut there.
//
// Thread-safe: pure functions (libical's parser and iterator keep no shared
// state).
#ifndef CIVHUB_NODE_RECORDS_RECURRENCE_H_
#define CIVHUB_NODE_RECORDS_RECURRENCE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "civhub/v1/record.pb.h"

namespace civhub::node {

inline constexpr size_t kMaxOccurrences = 500;
inline constexpr absl::Duration kRecurrenceHorizon =
    absl::Hours(24 * (5 * 365 + 1));  // 5 years

// One occurrence: [start, end).
struct Occurrence {
  absl::Time start;
  absl::Time end;
  bool operator==(const Occurrence& o) const {
    return start == o.start && end == o.end;
  }
};

// OK if `rule` is of the subset; else INVALID_ARGUMENT "PATH: ..." naming
// the part outside it ("event.recurrence: BYSETPOS is not supported ...")
// or libical's complaint. An empty rule is OK (the event happens once).
absl::Status CheckRecurrence(absl::string_view path, absl::string_view rule);

// OK if each of `event`'s excluded_starts (iCalendar EXDATE) is the start
// of a distinct occurrence its rule gives within the horizon, and they leave
// at least one; else INVALID_ARGUMENT "PATH[i]: ..." with the time in the
// event's zone. `event`'s times and rule must be valid. No exclusions: OK.
absl::Status CheckExcludedStarts(absl::string_view path,
                                 const v1::Event& event);

// OK if `zone` is an IANA time zone name ICU knows ("Africa/Nairobi",
// "America/Lima", "UTC"); else INVALID_ARGUMENT "PATH: ...".
absl::Status CheckTimeZone(absl::string_view path, absl::string_view zone);

// The occurrences of `event` (valid: validate.h) within the horizon that
// overlap [from, to), in order, at most `limit`. An event whose rule does
// not parse happens once.
std::vector<Occurrence> Occurrences(const v1::Event& event, absl::Time from,
                                    absl::Time to, size_t limit);

// True if an occurrence of `event` within the horizon overlaps [from, to).
bool OccursDuring(const v1::Event& event, absl::Time from, absl::Time to);

// Each UTC month ("2026-07") an occurrence within the horizon overlaps, in
// order: the event's month postings (index_terms.h, kFieldMonth).
std::vector<std::string> OccurrenceMonths(const v1::Event& event);

// The UTC months [from, to) overlaps, in order ("2026-06", "2026-07"); at
// most `max` (the first ones).
std::vector<std::string> MonthsOverlapping(absl::Time from, absl::Time to,
                                           size_t max);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORDS_RECURRENCE_H_
