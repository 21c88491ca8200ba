#include "node/records/recurrence.h"

#include <libical/ical.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "node/records/internal/field_checks.h"

namespace civhub::node {
namespace {

using internal::Invalid;
using internal::Quoted;

constexpr absl::string_view kSubset =
    "the subset is FREQ=DAILY|WEEKLY|MONTHLY|YEARLY, INTERVAL, COUNT or "
    "UNTIL, BYDAY, BYMONTHDAY, BYMONTH and WKST; see docs/matchmaking.md, "
    "\"Recurrence\"";

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

struct IteratorFree {
  void operator()(icalrecur_iterator* it) const { icalrecur_iterator_free(it); }
};

icaltimetype ToIcal(absl::CivilSecond c, bool is_date) {
  icaltimetype t = icaltime_null_time();
  t.year = static_cast<int>(c.year());
  t.month = c.month();
  t.day = c.day();
  if (!is_date) {
    t.hour = c.hour();
    t.minute = c.minute();
    t.second = c.second();
  }
  t.is_date = is_date ? 1 : 0;
  return t;
}

absl::CivilSecond FromIcal(const icaltimetype& t) {
  return t.is_date ? absl::CivilSecond(t.year, t.month, t.day)
                   : absl::CivilSecond(t.year, t.month, t.day, t.hour, t.minute,
                                       t.second);
}

// Calls `visit(start, end)` for each start the rule gives within the
// horizon (excluded_starts included), in order, until it returns false.
template <typename Visit>
void ForEachRuleStart(const v1::Event& event, Visit visit) {
  const absl::Time first = ToTime(event.starts_at());
  const absl::Duration length = ToTime(event.ends_at()) - first;
  if (event.recurrence().empty()) {
    visit(first, first + length);
    return;
  }
  icalrecurrencetype rule =
      icalrecurrencetype_from_string(std::string(event.recurrence()).c_str());
  if (rule.freq == ICAL_NO_RECURRENCE) {
    visit(first, first + length);
    return;
  }
  absl::TimeZone zone = absl::UTCTimeZone();
  if (!event.all_day() && !absl::LoadTimeZone(event.time_zone(), &zone)) {
    zone = absl::UTCTimeZone();  // Checked by validation; tzdata missing.
  }
  // UNTIL (inclusive) becomes a bound on the start, applied here: libical
  // would compare a UTC UNTIL with the floating local times it iterates.
  absl::Time until = absl::InfiniteFuture();
  if (!icaltime_is_null_time(rule.until)) {
    if (rule.until.is_date) {
      until = absl::FromCivil(absl::CivilDay(FromIcal(rule.until)) + 1, zone) -
              absl::Nanoseconds(1);
    } else {
      until = absl::FromCivil(FromIcal(rule.until), icaltime_is_utc(rule.until)
                                                        ? absl::UTCTimeZone()
                                                        : zone);
    }
    rule.until = icaltime_null_time();
  }
  const absl::Time horizon = first + kRecurrenceHorizon;
  std::unique_ptr<icalrecur_iterator, IteratorFree> it(icalrecur_iterator_new(
      rule, ToIcal(absl::ToCivilSecond(first, zone), event.all_day())));
  if (it == nullptr) {
    visit(first, first + length);
    return;
  }
  // starts_at is the first occurrence even when the rule would not give it
  // (RFC 5545 leaves that case undefined; libical skips it).
  if (!visit(first, first + length)) return;
  for (size_t n = 1; n < kMaxOccurrences;) {
    icaltimetype next = icalrecur_iterator_next(it.get());
    if (icaltime_is_null_time(next)) break;
    const absl::Time start = absl::FromCivil(FromIcal(next), zone);
    if (start <= first) continue;
    if (start > until || start >= horizon) break;
    if (!visit(start, start + length)) break;
    ++n;
  }
}

// ForEachRuleStart without the occurrences excluded_starts leaves out. An
// excluded start still counts towards kMaxOccurrences: the horizon is the
// rule's, whatever is left out of it.
template <typename Visit>
void ForEachOccurrence(const v1::Event& event, Visit visit) {
  if (event.excluded_starts().empty()) return ForEachRuleStart(event, visit);
  std::set<absl::Time> excluded;
  for (const google::protobuf::Timestamp& t : event.excluded_starts()) {
    excluded.insert(ToTime(t));
  }
  ForEachRuleStart(event, [&](absl::Time start, absl::Time end) {
    return excluded.count(start) > 0 || visit(start, end);
  });
}

// "2027-06-08 18:00 America/Lima", "2027-06-08" for all-day events: as the
// organizer wrote it, not in UTC.
std::string LocalTime(const v1::Event& event, absl::Time t) {
  if (event.all_day()) {
    return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone());
  }
  absl::TimeZone zone = absl::UTCTimeZone();
  absl::LoadTimeZone(event.time_zone(), &zone);
  return absl::StrCat(absl::FormatTime("%Y-%m-%d %H:%M", t, zone), " ",
                      event.time_zone());
}

}  // namespace

absl::Status CheckExcludedStarts(absl::string_view path,
                                 const v1::Event& event) {
  if (event.excluded_starts().empty()) return absl::OkStatus();
  if (event.recurrence().empty()) {
    return Invalid(path,
                   "requires a recurrence (an event that happens once has no "
                   "occurrence to leave out)");
  }
  if (static_cast<size_t>(event.excluded_starts_size()) > kMaxOccurrences) {
    return Invalid(path,
                   absl::StrCat("has more than ", kMaxOccurrences, " entries"));
  }
  std::set<absl::Time> starts;
  ForEachRuleStart(event, [&](absl::Time start, absl::Time) {
    starts.insert(start);
    return true;
  });
  std::set<absl::Time> excluded;
  for (int i = 0; i < event.excluded_starts_size(); ++i) {
    const absl::Time t = ToTime(event.excluded_starts(i));
    const std::string at = absl::StrCat(path, "[", i, "]");
    if (starts.count(t) == 0) {
      return Invalid(at, absl::StrCat(LocalTime(event, t),
                                      " is not the start of an occurrence of "
                                      "the recurrence (give the start of the "
                                      "occurrence to leave out)"));
    }
    if (!excluded.insert(t).second) {
      return Invalid(
          at, absl::StrCat(LocalTime(event, t), " is listed more than once"));
    }
  }
  if (excluded.size() == starts.size()) {
    return Invalid(path,
                   "leaves out every occurrence: the event would never "
                   "happen (delete it, or set its status to \"cancelled\")");
  }
  return absl::OkStatus();
}

absl::Status CheckRecurrence(absl::string_view path, absl::string_view rule) {
  if (rule.empty()) return absl::OkStatus();
  if (absl::StartsWithIgnoreCase(rule, "RRULE:")) {
    return Invalid(path, "give the rule without \"RRULE:\"");
  }
  if (rule.size() > 1000) return Invalid(path, "is longer than 1000 bytes");
  for (char c : rule) {
    if (!(absl::ascii_isalnum(c) || c == ';' || c == '=' || c == ',' ||
          c == '-' || c == '+')) {
      return Invalid(path, "may hold only letters, digits and ; = , + -");
    }
  }
  bool has_freq = false, has_count = false, has_until = false;
  for (absl::string_view part : absl::StrSplit(rule, ';')) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    const std::string name = absl::AsciiStrToUpper(kv.first);
    if (name.empty() || part.find('=') == absl::string_view::npos) {
      return Invalid(path, absl::StrCat(Quoted(part),
                                        " is not a NAME=VALUE part of a rule"));
    }
    if (name == "FREQ") {
      has_freq = true;
      const std::string freq = absl::AsciiStrToUpper(kv.second);
      if (freq != "DAILY" && freq != "WEEKLY" && freq != "MONTHLY" &&
          freq != "YEARLY") {
        return Invalid(path, absl::StrCat("FREQ=", kv.second,
                                          " is not supported (", kSubset, ")"));
      }
    } else if (name == "COUNT") {
      has_count = true;
    } else if (name == "UNTIL") {
      has_until = true;
    } else if (name != "INTERVAL" && name != "BYDAY" && name != "BYMONTHDAY" &&
               name != "BYMONTH" && name != "WKST") {
      return Invalid(path,
                     absl::StrCat(name, " is not supported (", kSubset, ")"));
    }
  }
  if (!has_freq) return Invalid(path, "FREQ is required");
  if (has_count && has_until) {
    return Invalid(path, "COUNT and UNTIL cannot both be given");
  }
  icalerror_clear_errno();
  icalrecurrencetype parsed =
      icalrecurrencetype_from_string(std::string(rule).c_str());
  if (parsed.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
    icalerror_clear_errno();
    return Invalid(
        path, absl::StrCat(Quoted(rule), " is not a valid RFC 5545 RRULE (",
                           kSubset, ")"));
  }
  if (has_count && parsed.count < 1) {
    return Invalid(path, "COUNT must be at least 1");
  }
  if (parsed.interval < 1) return Invalid(path, "INTERVAL must be at least 1");
  // Days of the month none of the months has: the rule never repeats, and
  // libical would search centuries for it.
  static constexpr int kDaysIn[12] = {31, 29, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31};
  std::vector<int> months;
  for (int i = 0; i < ICAL_BY_MONTH_SIZE &&
                  parsed.by_month[i] != ICAL_RECURRENCE_ARRAY_MAX;
       ++i) {
    months.push_back(icalrecurrencetype_month_month(parsed.by_month[i]));
  }
  std::vector<int> days;
  for (int i = 0; i < ICAL_BY_MONTHDAY_SIZE &&
                  parsed.by_month_day[i] != ICAL_RECURRENCE_ARRAY_MAX;
       ++i) {
    days.push_back(std::abs(parsed.by_month_day[i]));
  }
  if (!months.empty() && !days.empty()) {
    bool possible = false;
    for (int m : months) {
      for (int d : days) possible |= m >= 1 && m <= 12 && d <= kDaysIn[m - 1];
    }
    if (!possible) {
      return Invalid(path,
                     "BYMONTHDAY names no day the BYMONTH months have: the "
                     "event would never repeat");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckTimeZone(absl::string_view path, absl::string_view zone) {
  if (zone.empty()) {
    return Invalid(path,
                   "is required (an IANA time zone such as "
                   "\"Africa/Nairobi\")");
  }
  icu::UnicodeString id = icu::UnicodeString::fromUTF8(
      icu::StringPiece(zone.data(), static_cast<int32_t>(zone.size())));
  icu::UnicodeString canonical;
  UBool system = false;
  UErrorCode err = U_ZERO_ERROR;
  icu::TimeZone::getCanonicalID(id, canonical, system, err);
  if (U_FAILURE(err) || !system) {
    return Invalid(path,
                   absl::StrCat(Quoted(zone),
                                " is not an IANA time zone (such as "
                                "\"Africa/Nairobi\" or \"America/Lima\")"));
  }
  return absl::OkStatus();
}

std::vector<Occurrence> Occurrences(const v1::Event& event, absl::Time from,
                                    absl::Time to, size_t limit) {
  std::vector<Occurrence> out;
  if (limit == 0) return out;
  ForEachOccurrence(event, [&](absl::Time start, absl::Time end) {
    if (start >= to) return false;
    if (end > from) out.push_back({start, end});
    return out.size() < limit;
  });
  return out;
}

bool OccursDuring(const v1::Event& event, absl::Time from, absl::Time to) {
  return !Occurrences(event, from, to, 1).empty();
}

std::vector<std::string> MonthsOverlapping(absl::Time from, absl::Time to,
                                           size_t max) {
  std::vector<std::string> out;
  if (to <= from) return out;
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilMonth last =
      absl::CivilMonth(absl::ToCivilSecond(to - absl::Nanoseconds(1), utc));
  for (absl::CivilMonth m(absl::ToCivilSecond(from, utc));
       m <= last && out.size() < max; ++m) {
    out.push_back(absl::FormatCivilTime(m));
  }
  return out;
}

std::vector<std::string> OccurrenceMonths(const v1::Event& event) {
  std::vector<std::string> months;
  ForEachOccurrence(event, [&](absl::Time start, absl::Time end) {
    // An event lasts at most a year (validate_matchmaking.cc): 13 months
    // at most.
    for (std::string& m : MonthsOverlapping(start, end, 13)) {
      if (months.empty() || months.back() < m) months.push_back(std::move(m));
    }
    return true;
  });
  return months;
}

}  // namespace civhub::node
