#include "calendar/ics_reader.h"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "calendar/internal/description.h"
#include "calendar/internal/libical.h"
#include "crypto/hash.h"
#include "node/records/recurrence.h"
#include "node/records/taxonomy.h"

namespace civhub::calendar {
namespace {

using internal::ComponentPtr;

// The event types CATEGORIES may name (record.proto, Event.event_type).
constexpr absl::string_view kEventTypes[] = {
    "techcamp", "training", "hackathon", "meetup", "conference"};

// One content line after unfolding (RFC 5545 3.1), with the file line it
// starts on.
struct ContentLine {
  int line = 0;
  std::string text;
};

std::vector<ContentLine> Unfold(absl::string_view text) {
  std::vector<ContentLine> out;
  int number = 0;
  for (absl::string_view physical : absl::StrSplit(text, '\n')) {
    ++number;
    absl::ConsumeSuffix(&physical, "\r");
    if (!physical.empty() && (physical[0] == ' ' || physical[0] == '\t') &&
        !out.empty()) {
      absl::StrAppend(&out.back().text, physical.substr(1));
      continue;
    }
    if (physical.empty()) continue;
    out.push_back({number, std::string(physical)});
  }
  return out;
}

// "SUMMARY;LANGUAGE=es:..." → "SUMMARY".
std::string NameOf(absl::string_view line) {
  const size_t end = line.find_first_of(";:");
  return absl::AsciiStrToUpper(line.substr(0, end));
}

// The value of a content line as written: after the first colon outside a
// quoted parameter (TZID="E. Africa Standard Time").
std::string ValueOf(absl::string_view line) {
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"') quoted = !quoted;
    if (line[i] == ':' && !quoted) return std::string(line.substr(i + 1));
  }
  return "";
}

// Properties that carry nothing civhub models: client bookkeeping (busy
// state, Outlook's and Thunderbird's internal counters), read silently so
// that "not imported" lists only data a reader would miss.
bool IsBookkeeping(absl::string_view name) {
  return name == "TRANSP" || name == "X-CIVHUB-RECORD" ||
         absl::StartsWith(name, "X-MICROSOFT-CDO-") ||
         name == "X-MICROSOFT-DISALLOW-COUNTER" ||
         absl::StartsWith(name, "X-MS-OLK-") || name == "X-MOZ-GENERATION" ||
         name == "X-MOZ-LASTACK";
}

// Vendor properties holding the online meeting's URL (Google Meet, Teams).
bool IsVendorMeetingUrl(absl::string_view name) {
  return name == "X-GOOGLE-CONFERENCE" ||
         name == "X-MICROSOFT-SKYPETEAMSMEETINGURL";
}

// What to write instead, for a property libical cannot read.
std::string HintFor(absl::string_view name) {
  if (name == "DTSTART" || name == "DTEND" || name == "EXDATE" ||
      name == "RDATE" || name == "RECURRENCE-ID") {
    return absl::StrCat(
        "write a time as 20270819T090000 with its zone before the colon (",
        name, ";TZID=America/Lima:20270819T090000), or in UTC as ",
        "20270819T140000Z, or a day as ", name, ";VALUE=DATE:20270819");
  }
  if (name == "DURATION") return "write a duration as PT1H30M or P2D";
  if (name == "RRULE") {
    return "write the rule as FREQ=WEEKLY;COUNT=4 (docs/matchmaking.md, "
           "\"Recurrence\")";
  }
  if (name == "GEO") {
    return "write latitude;longitude in decimal degrees, e.g. "
           "GEO:-16.3963;-71.5369";
  }
  return absl::StrCat("correct ", name,
                      " as RFC 5545 defines it, or delete the line");
}

// libical's message about one line, with the value as written and what to
// change. libical's own words stay (they name what it expected), without
// its "Removing entire property: ..." tail, which is about its own tree.
std::string ExplainLineError(const std::string& name, const std::string& line,
                             absl::string_view message) {
  const size_t removing = message.find(". Removing");
  if (removing != absl::string_view::npos)
    message = message.substr(0, removing);
  return absl::StrCat(name.empty() ? "this line" : name, " \"", ValueOf(line),
                      "\" cannot be read (libical: ", message,
                      "): ", HintFor(name));
}

// What the text says about one VEVENT: where it starts, the lines of its
// own properties by name (in order) and of its nested components, and the
// problems found on its lines.
struct EventLines {
  int begin = 0;
  std::map<std::string, std::deque<int>> properties;
  // The value of each property line as written, by line.
  std::map<int, std::string> values;
  std::vector<std::pair<std::string, int>> components;
  std::vector<IcsProblem> errors;

  // The line of the next property called `name` (libical keeps their
  // order); the last one again for the values libical split off it.
  int Take(const std::string& name) {
    auto it = properties.find(name);
    if (it == properties.end() || it->second.empty()) return 0;
    const int line = it->second.front();
    if (it->second.size() > 1) it->second.pop_front();
    return line;
  }
};

// libical's verdict on one content line on its own: the messages of the
// X-LIC-ERROR properties its parser adds.
std::vector<std::string> LineErrors(const std::string& line) {
  const std::string wrapped =
      absl::StrCat("BEGIN:VCALENDAR\r\n", line, "\r\nEND:VCALENDAR\r\n");
  ComponentPtr c(icalparser_parse_string(wrapped.c_str()));
  std::vector<std::string> out;
  if (c == nullptr) return {"libical cannot parse this line"};
  for (icalproperty* p =
           icalcomponent_get_first_property(c.get(), ICAL_XLICERROR_PROPERTY);
       p != nullptr;
       p = icalcomponent_get_next_property(c.get(), ICAL_XLICERROR_PROPERTY)) {
    out.push_back(icalproperty_get_xlicerror(p));
  }
  return out;
}

struct TextScan {
  std::vector<EventLines> events;  // VEVENTs directly in a VCALENDAR
  std::vector<IcsProblem> errors;  // outside events
};

// Checks BEGIN/END nesting and, when `check_lines` (libical found errors
// somewhere), each property line; files each finding under its event.
TextScan ScanLines(const std::vector<ContentLine>& lines, bool check_lines) {
  TextScan scan;
  std::vector<std::pair<std::string, int>> open;  // (component, line)
  int event = -1;  // Index in scan.events while inside a VEVENT.
  auto report = [&](int line, std::string message) {
    (event >= 0 ? scan.events[event].errors : scan.errors)
        .push_back({line, std::move(message)});
  };
  for (const ContentLine& l : lines) {
    const std::string name = NameOf(l.text);
    const size_t colon = l.text.find(':');
    const std::string value = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(
        colon == std::string::npos ? "" : l.text.substr(colon + 1)));
    if (name == "BEGIN") {
      if (value == "VEVENT" && !open.empty() && open.size() == 1 &&
          open.back().first == "VCALENDAR") {
        scan.events.push_back({});
        scan.events.back().begin = l.line;
        event = static_cast<int>(scan.events.size()) - 1;
      } else if (event >= 0 && open.size() == 2) {
        scan.events[event].components.emplace_back(value, l.line);
      }
      open.emplace_back(value, l.line);
      continue;
    }
    if (name == "END") {
      if (open.empty() || open.back().first != value) {
        report(l.line, open.empty()
                           ? absl::StrCat("END:", value, " closes nothing")
                           : absl::StrCat("END:", value, " does not close ",
                                          "BEGIN:", open.back().first,
                                          " (line ", open.back().second, ")"));
        continue;
      }
      open.pop_back();
      if (value == "VEVENT" && open.size() == 1) event = -1;
      continue;
    }
    if (open.empty()) {
      report(l.line, "a property outside BEGIN:VCALENDAR ... END:VCALENDAR");
      continue;
    }
    if (event >= 0 && open.size() == 2) {
      scan.events[event].properties[name].push_back(l.line);
      scan.events[event].values[l.line] = ValueOf(l.text);
    }
    if (check_lines) {
      for (const std::string& message : LineErrors(l.text)) {
        report(l.line, ExplainLineError(name, l.text, message));
      }
    }
  }
  while (!open.empty()) {
    report(open.back().second,
           absl::StrCat("BEGIN:", open.back().first, " is never closed"));
    if (open.back().first == "VEVENT") event = -1;
    open.pop_back();
  }
  return scan;
}

// The VEVENTs of the parsed tree, in file order, each with its VCALENDAR.
void CollectEvents(
    icalcomponent* c,
    std::vector<std::pair<icalcomponent*, icalcomponent*>>* out) {
  if (icalcomponent_isa(c) == ICAL_VCALENDAR_COMPONENT) {
    for (icalcomponent* e =
             icalcomponent_get_first_component(c, ICAL_VEVENT_COMPONENT);
         e != nullptr;
         e = icalcomponent_get_next_component(c, ICAL_VEVENT_COMPONENT)) {
      out->emplace_back(e, c);
    }
    return;
  }
  for (icalcomponent* k =
           icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
       k != nullptr;
       k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
    CollectEvents(k, out);
  }
}

std::string Lang(icalproperty* p, const std::string& fallback) {
  icalparameter* param =
      icalproperty_get_first_parameter(p, ICAL_LANGUAGE_PARAMETER);
  const char* lang =
      param != nullptr ? icalparameter_get_language(param) : nullptr;
  if (lang == nullptr || *lang == '\0') return fallback;
  absl::string_view tag(lang);
  return absl::AsciiStrToLower(tag.substr(0, tag.find_first_of("-_")));
}

std::string Str(const char* s) { return s == nullptr ? "" : s; }

// The IANA zone of the calendar's X-WR-TIMEZONE (Google Calendar's, Apple's);
// "" without one.
std::string WrTimeZone(icalcomponent* vcalendar) {
  for (icalproperty* p =
           icalcomponent_get_first_property(vcalendar, ICAL_X_PROPERTY);
       p != nullptr;
       p = icalcomponent_get_next_property(vcalendar, ICAL_X_PROPERTY)) {
    if (Str(icalproperty_get_x_name(p)) == "X-WR-TIMEZONE") {
      return internal::IanaZoneOf(vcalendar,
                                  Str(icalproperty_get_value_as_string(p)))
          .value_or("");
    }
  }
  return "";
}

// The zone a calendar names for itself: X-WR-TIMEZONE, or its only
// VTIMEZONE; "" if neither names an IANA zone.
std::string CalendarZone(icalcomponent* vcalendar) {
  if (std::string zone = WrTimeZone(vcalendar); !zone.empty()) return zone;
  if (icalcomponent_count_components(vcalendar, ICAL_VTIMEZONE_COMPONENT) !=
      1) {
    return "";
  }
  icalcomponent* tz =
      icalcomponent_get_first_component(vcalendar, ICAL_VTIMEZONE_COMPONENT);
  icalproperty* tzid = icalcomponent_get_first_property(tz, ICAL_TZID_PROPERTY);
  return tzid == nullptr
             ? ""
             : internal::IanaZoneOf(vcalendar, Str(icalproperty_get_tzid(tzid)))
                   .value_or("");
}

void SetTime(time_t seconds, google::protobuf::Timestamp* t) {
  t->set_seconds(static_cast<int64_t>(seconds));
  t->set_nanos(0);
}

// One VEVENT → an Event; the messages of the errors that skip it.
class EventMapper {
 public:
  // `calendar_zone`: the zone the calendar names for itself, for the
  // country of all-day events' places.
  EventMapper(icalcomponent* vevent, icalcomponent* vcalendar,
              EventLines* lines, const ParseOptions& options,
              std::string calendar_zone)
      : vevent_(vevent),
        vcalendar_(vcalendar),
        lines_(lines),
        options_(options),
        calendar_zone_(std::move(calendar_zone)) {}

  // False (with errors in lines_->errors) if the event is skipped.
  bool Map(ImportedEvent* out);

 private:
  void NotImported(const std::string& name, const std::string& value = "") {
    const int line = lines_->Take(name);
    std::string what = value.empty() ? name : absl::StrCat(name, " ", value);
    if (line > 0) absl::StrAppend(&what, " (line ", line, ")");
    out_->not_imported.push_back(std::move(what));
  }
  void Error(int line, std::string message) {
    lines_->errors.push_back({line, std::move(message)});
  }
  void AddText(icalproperty* p, const char* name, const char* text,
               google::protobuf::RepeatedPtrField<v1::LocalizedText>* texts);
  void AddCategories(icalproperty* p);
  // DTSTART / DTEND / EXDATE at `line`: seconds since the epoch and, if
  // `zone`, the zone.
  std::optional<time_t> TimeOf(icalproperty* p, const char* name, int line,
                               std::string* zone);
  // The country a Windows zone name's zone is chosen for ("" if unknown).
  const std::string& Region() const {
    return options_.country.empty() ? options_.default_country
                                    : options_.country;
  }
  // A Windows zone name mapped to `iana` without knowing which of its
  // countries is meant: said once per TZID, if it has several.
  void WarnWindowsGuess(const char* name, int line, const std::string& tzid,
                        const std::string& iana);
  bool MapTimes();
  bool MapExdates();
  void MapPlace(const std::optional<icalgeotype>& geo);
  void MapOnlineUrl();
  // The value of the property at `line` as the file writes it.
  std::string Written(int line) const {
    auto it = lines_->values.find(line);
    return it == lines_->values.end() ? "" : it->second;
  }

  icalcomponent* const vevent_;
  icalcomponent* const vcalendar_;
  EventLines* const lines_;
  const ParseOptions& options_;
  const std::string calendar_zone_;
  ImportedEvent* out_ = nullptr;
  std::string location_;
  // EXDATE properties with their lines, mapped after the times.
  std::vector<std::pair<icalproperty*, int>> exdates_;
  // The first vendor meeting URL (X-GOOGLE-CONFERENCE...), with its name.
  std::string vendor_url_, vendor_url_name_;
  int start_line_ = 0, end_line_ = 0;
  std::string end_name_;
  std::set<std::string> warned_tzids_;
};

void EventMapper::WarnWindowsGuess(const char* name, int line,
                                   const std::string& tzid,
                                   const std::string& iana) {
  if (!warned_tzids_.insert(tzid).second) return;
  const std::vector<std::string> countries =
      internal::CountriesOfWindowsZone(tzid);
  if (countries.size() < 2) return;
  const std::string taken = internal::CountryOfZone(iana);
  // An example of --country: one of the other countries.
  const std::string other =
      countries.front() != taken ? countries.front() : countries.back();
  const std::string& region = Region();
  out_->warnings.push_back(absl::StrCat(
      name, line > 0 ? absl::StrCat(" (line ", line, ")") : "", ": TZID \"",
      tzid, "\" is a Windows zone name for zones of several countries (",
      absl::StrJoin(countries, ", "), "); taken as ", iana, " (", taken,
      ") because ",
      region.empty() ? "the country is not known"
                     : absl::StrCat("it has no zone in ", region),
      ": pass --country with the event's country (e.g. --country ", other, ")",
      region.empty() ? ", or an --organizer whose organization has a location"
                     : ""));
}

void EventMapper::AddText(
    icalproperty* p, const char* name, const char* text,
    google::protobuf::RepeatedPtrField<v1::LocalizedText>* texts) {
  const std::string lang = Lang(p, options_.lang);
  for (const v1::LocalizedText& t : *texts) {
    if (t.lang() == lang) {
      return NotImported(name, absl::StrCat("(a second one in ", lang, ")"));
    }
  }
  lines_->Take(name);
  v1::LocalizedText* t = texts->Add();
  t->set_lang(lang);
  if (std::string(name) != "DESCRIPTION") {
    t->set_text(Str(text));
    return;
  }
  internal::CleanedDescription clean = internal::CleanDescription(Str(text));
  t->set_text(std::move(clean.text));
  // The Meet block's address is the meeting's when nothing else names one.
  if (!clean.meet_url.empty() && vendor_url_.empty()) {
    vendor_url_ = clean.meet_url;
    vendor_url_name_ = "DESCRIPTION's Google Meet address";
  }
}

void EventMapper::AddCategories(icalproperty* p) {
  v1::Event& e = out_->event;
  std::vector<std::string> not_codes;
  for (absl::string_view v :
       absl::StrSplit(Str(icalproperty_get_categories(p)), ',')) {
    const std::string code =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(v));
    if (code.empty()) continue;
    if (std::find(std::begin(kEventTypes), std::end(kEventTypes), code) !=
        std::end(kEventTypes)) {
      e.set_event_type(code);
    } else if (node::IsPublishableTopic(code)) {
      if (std::find(e.topics().begin(), e.topics().end(), code) ==
          e.topics().end()) {
        e.add_topics(code);
      }
    } else {
      not_codes.emplace_back(absl::StripAsciiWhitespace(v));
    }
  }
  const int line = lines_->Take("CATEGORIES");
  for (const std::string& v : not_codes) {
    std::string what = absl::StrCat("CATEGORIES \"", v,
                                    "\" (not a civhub topic or event type");
    if (line > 0) absl::StrAppend(&what, ", line ", line);
    out_->not_imported.push_back(what + ")");
  }
}

std::optional<time_t> EventMapper::TimeOf(icalproperty* p, const char* name,
                                          int line, std::string* zone) {
  const icaltimetype t = icalvalue_get_datetimedate(icalproperty_get_value(p));
  if (icaltime_is_null_time(t)) {
    Error(line, absl::StrCat(name, " has no date"));
    return std::nullopt;
  }
  icaltimezone* utc = icaltimezone_get_utc_timezone();
  if (t.is_date || icaltime_is_utc(t)) {
    if (zone != nullptr) *zone = t.is_date ? "" : "UTC";
    return icaltime_as_timet_with_zone(t, utc);
  }
  icalparameter* param =
      icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
  if (param == nullptr) {
    if (!options_.floating_zone.empty()) {
      if (zone != nullptr) *zone = options_.floating_zone;
      return icaltime_as_timet_with_zone(
          t, internal::BuiltinZone(options_.floating_zone));
    }
    Error(line,
          absl::StrCat(name, " ", Written(line),
                       " is a floating time (no TZID, no final \"Z\"): "
                       "civhub needs its time zone: import with --tz ZONE "
                       "(e.g. --tz America/Lima) for the file's floating "
                       "times, or write ",
                       name, ";TZID=America/Lima:", Written(line)));
    return std::nullopt;
  }
  const std::string tzid = Str(icalparameter_get_tzid(param));
  bool windows_guess = false;
  std::optional<std::string> iana =
      internal::IanaZoneOf(vcalendar_, tzid, Region(), &windows_guess);
  if (iana && windows_guess) WarnWindowsGuess(name, line, tzid, *iana);
  if (!iana) {
    Error(line, absl::StrCat(name, ": TZID \"", tzid,
                             "\" is not a time zone civhub knows: write an "
                             "IANA zone (TZID=America/Lima) or a Windows "
                             "zone name (TZID=SA Pacific Standard Time), or "
                             "give its VTIMEZONE an X-LIC-LOCATION naming "
                             "the IANA zone"));
    return std::nullopt;
  }
  if (zone != nullptr) *zone = *iana;
  return icaltime_as_timet_with_zone(t, internal::BuiltinZone(*iana));
}

bool EventMapper::MapTimes() {
  v1::Event& e = out_->event;
  icalproperty* start =
      icalcomponent_get_first_property(vevent_, ICAL_DTSTART_PROPERTY);
  if (start == nullptr) {
    Error(lines_->begin, "the VEVENT has no DTSTART");
    return false;
  }
  const bool all_day =
      icalvalue_get_datetimedate(icalproperty_get_value(start)).is_date;
  std::string zone;
  start_line_ = lines_->Take("DTSTART");
  std::optional<time_t> starts = TimeOf(start, "DTSTART", start_line_, &zone);
  if (!starts) return false;
  std::optional<time_t> ends;
  if (icalproperty* end =
          icalcomponent_get_first_property(vevent_, ICAL_DTEND_PROPERTY)) {
    end_name_ = "DTEND";
    end_line_ = lines_->Take("DTEND");
    ends = TimeOf(end, "DTEND", end_line_, nullptr);
    if (!ends) return false;
  } else if (icalproperty* duration = icalcomponent_get_first_property(
                 vevent_, ICAL_DURATION_PROPERTY)) {
    end_name_ = "DURATION";
    end_line_ = lines_->Take("DURATION");
    ends =
        *starts + icaldurationtype_as_int(icalproperty_get_duration(duration));
  } else {
    // RFC 5545 3.6.1: a date lasts the day, a date-time no time at all.
    ends = *starts + (all_day ? 86400 : 0);
  }
  if (*ends <= *starts && end_line_ == 0) {
    Error(start_line_,
          absl::StrCat("DTSTART ", Written(start_line_),
                       " has neither DTEND nor DURATION: civhub needs when "
                       "the event ends: add DTEND or DURATION (e.g. "
                       "DURATION:PT2H)"));
    return false;
  }
  if (*ends <= *starts) {
    // In the file's own words: its local times, the line of the end.
    Error(end_line_,
          absl::StrCat(end_name_, " ", Written(end_line_),
                       " ends the event before or when it starts (DTSTART ",
                       Written(start_line_), ", line ", start_line_, "): ",
                       end_name_ == "DTEND"
                           ? "set DTEND to when the event ends"
                           : "give a positive DURATION such as PT2H"));
    return false;
  }
  SetTime(*starts, e.mutable_starts_at());
  SetTime(*ends, e.mutable_ends_at());
  e.set_all_day(all_day);
  // Google Calendar writes a one-off event's times in UTC and names the
  // calendar's zone in X-WR-TIMEZONE: the same instants, shown as the
  // organizer wrote them (09:00 in Nairobi, not 06:00 UTC). A repeating
  // one keeps UTC: its rule was expanded in UTC by the calendar that wrote
  // it, and a zone with summer time would move its later occurrences.
  if (zone == "UTC" && !all_day &&
      icalcomponent_get_first_property(vevent_, ICAL_RRULE_PROPERTY) ==
          nullptr) {
    if (std::string named = WrTimeZone(vcalendar_); !named.empty()) {
      zone = std::move(named);
    }
  }
  e.set_time_zone(zone);
  return true;
}

bool EventMapper::MapExdates() {
  v1::Event& e = out_->event;
  if (exdates_.empty()) return true;
  // The starts the rule gives, which an EXDATE must name to leave one out.
  v1::Event rule_only = e;
  rule_only.clear_excluded_starts();
  std::set<int64_t> starts;
  const absl::Time first = absl::FromUnixSeconds(e.starts_at().seconds());
  for (const node::Occurrence& o :
       node::Occurrences(rule_only, first, first + node::kRecurrenceHorizon,
                         node::kMaxOccurrences)) {
    starts.insert(absl::ToUnixSeconds(o.start));
  }
  for (const auto& [p, line] : exdates_) {
    const icaltimetype t =
        icalvalue_get_datetimedate(icalproperty_get_value(p));
    if (!icaltime_is_null_time(t) && (t.is_date != 0) != e.all_day()) {
      Error(line, absl::StrCat("EXDATE ", Written(line), " is ",
                               e.all_day() ? "a time" : "a day",
                               " but DTSTART (line ", start_line_, ") is ",
                               e.all_day() ? "a day" : "a time",
                               ": write each EXDATE the way DTSTART is "
                               "written, the start of the occurrence to "
                               "leave out"));
      return false;
    }
    std::optional<time_t> when = TimeOf(p, "EXDATE", line, nullptr);
    if (!when) return false;
    if (e.recurrence().empty() || starts.count(*when) == 0) {
      out_->not_imported.push_back(absl::StrCat(
          "EXDATE ", Written(line),
          e.recurrence().empty() ? " (the event has no RRULE"
                                 : " (no occurrence of the RRULE starts then",
          line > 0 ? absl::StrCat(", line ", line) : "", ")"));
      continue;
    }
    bool seen = false;
    for (const google::protobuf::Timestamp& x : e.excluded_starts()) {
      seen |= x.seconds() == *when;
    }
    if (!seen) SetTime(*when, e.add_excluded_starts());
  }
  return true;
}

void EventMapper::MapOnlineUrl() {
  v1::Event& e = out_->event;
  if (absl::StartsWithIgnoreCase(location_, "https://") ||
      absl::StartsWithIgnoreCase(location_, "http://")) {
    if (e.online_url().empty()) e.set_online_url(location_);
  }
  if (vendor_url_.empty()) return;
  if (e.online_url().empty()) {
    e.set_online_url(vendor_url_);
  } else if (e.online_url() != vendor_url_) {
    out_->not_imported.push_back(absl::StrCat(vendor_url_name_, " ",
                                              vendor_url_,
                                              " (the event's "
                                              "online URL is ",
                                              e.online_url(), ")"));
  }
}

// "Quezon City, Metro Manila, Philippines, Philippines" (an address book
// entry's country after a map's full address) → "..., Philippines".
std::string WithoutRepeatedLastPart(const std::string& location) {
  std::vector<absl::string_view> parts = absl::StrSplit(location, ',');
  if (parts.size() < 3) return location;
  absl::string_view last = absl::StripAsciiWhitespace(parts.back());
  absl::string_view before =
      absl::StripAsciiWhitespace(parts[parts.size() - 2]);
  if (last.empty() || !absl::EqualsIgnoreCase(last, before)) return location;
  parts.pop_back();
  return absl::StrJoin(parts, ",");
}

void EventMapper::MapPlace(const std::optional<icalgeotype>& geo) {
  v1::Event& e = out_->event;
  const bool location_is_url =
      absl::StartsWithIgnoreCase(location_, "https://") ||
      absl::StartsWithIgnoreCase(location_, "http://");
  if (location_is_url || (location_.empty() && !geo)) return;
  v1::Location* place = e.mutable_place();
  place->set_address(WithoutRepeatedLastPart(location_));
  if (geo) {
    place->set_latitude(geo->lat);
    place->set_longitude(geo->lon);
  }
  const std::string& zone =
      e.time_zone().empty() ? calendar_zone_ : e.time_zone();
  std::string country = options_.country;
  if (country.empty()) country = internal::CountryOfZone(zone);
  if (country.empty()) country = options_.default_country;
  place->set_country(country);
}

bool EventMapper::Map(ImportedEvent* out) {
  out_ = out;
  for (const auto& [name, lines] : lines_->properties) {
    if (!lines.empty()) out->property_lines[name] = lines.front();
  }
  v1::Event& e = out->event;
  e.set_event_type("other");
  e.set_status("scheduled");
  if (!options_.organizer.record_id().empty()) {
    *e.add_organizers() = options_.organizer;
  }
  std::optional<icalgeotype> geo;
  for (icalproperty* p =
           icalcomponent_get_first_property(vevent_, ICAL_ANY_PROPERTY);
       p != nullptr;
       p = icalcomponent_get_next_property(vevent_, ICAL_ANY_PROPERTY)) {
    const std::string name = Str(icalproperty_get_property_name(p));
    switch (icalproperty_isa(p)) {
      case ICAL_UID_PROPERTY:
        lines_->Take(name);
        e.set_ical_uid(Str(icalproperty_get_uid(p)));
        break;
      case ICAL_SUMMARY_PROPERTY:
        AddText(p, "SUMMARY", icalproperty_get_summary(p), e.mutable_names());
        break;
      case ICAL_DESCRIPTION_PROPERTY:
        AddText(p, "DESCRIPTION", icalproperty_get_description(p),
                e.mutable_descriptions());
        break;
      case ICAL_DTSTART_PROPERTY:
      case ICAL_DTEND_PROPERTY:
      case ICAL_DURATION_PROPERTY:
        break;  // MapTimes.
      case ICAL_RRULE_PROPERTY:
        if (!e.recurrence().empty()) {
          NotImported(name, "(a second rule)");
        } else {
          lines_->Take(name);
          e.set_recurrence(Str(icalproperty_get_value_as_string(p)));
        }
        break;
      case ICAL_LOCATION_PROPERTY:
        lines_->Take(name);
        location_ = std::string(
            absl::StripAsciiWhitespace(Str(icalproperty_get_location(p))));
        break;
      case ICAL_GEO_PROPERTY:
        lines_->Take(name);
        geo = icalproperty_get_geo(p);
        break;
      case ICAL_URL_PROPERTY:
        lines_->Take(name);
        e.set_url(Str(icalproperty_get_url(p)));
        break;
      case ICAL_CONFERENCE_PROPERTY:
        if (!e.online_url().empty()) {
          NotImported(name, "(a second one)");
        } else {
          lines_->Take(name);
          e.set_online_url(Str(icalproperty_get_conference(p)));
        }
        break;
      case ICAL_CATEGORIES_PROPERTY:
        AddCategories(p);
        break;
      case ICAL_STATUS_PROPERTY: {
        const icalproperty_status status = icalproperty_get_status(p);
        if (status == ICAL_STATUS_CANCELLED) {
          e.set_status("cancelled");
        } else if (status != ICAL_STATUS_TENTATIVE &&
                   status != ICAL_STATUS_CONFIRMED) {
          NotImported(name, Str(icalproperty_get_value_as_string(p)));
          break;
        }
        lines_->Take(name);
        break;
      }
      case ICAL_CLASS_PROPERTY:
        if (icalproperty_get_class(p) == ICAL_CLASS_PUBLIC) {
          lines_->Take(name);
        } else {
          NotImported(name, Str(icalproperty_get_value_as_string(p)));
        }
        break;
      case ICAL_EXDATE_PROPERTY:
        exdates_.emplace_back(p, lines_->Take(name));
        break;
      case ICAL_DTSTAMP_PROPERTY:
      case ICAL_SEQUENCE_PROPERTY:
      case ICAL_CREATED_PROPERTY:
      case ICAL_LASTMODIFIED_PROPERTY:
      case ICAL_XLICERROR_PROPERTY:
        lines_->Take(name);
        break;
      default:
        if (IsBookkeeping(name)) {
          lines_->Take(name);
        } else if (IsVendorMeetingUrl(name)) {
          const std::string url(absl::StripAsciiWhitespace(
              Str(icalproperty_get_value_as_string(p))));
          const bool web = absl::StartsWithIgnoreCase(url, "https://") ||
                           absl::StartsWithIgnoreCase(url, "http://");
          if (web && (vendor_url_.empty() || vendor_url_ == url)) {
            lines_->Take(name);
            vendor_url_ = url;
            vendor_url_name_ = name;
          } else {
            NotImported(name, url);
          }
        } else if (name == "X-CIVHUB-STATUS") {
          lines_->Take(name);
          e.set_status(
              absl::AsciiStrToLower(Str(icalproperty_get_value_as_string(p))));
        } else {
          NotImported(name);
        }
    }
  }
  for (const auto& [component, line] : lines_->components) {
    out->not_imported.push_back(absl::StrCat(component, " (line ", line, ")"));
  }
  if (e.ical_uid().empty()) {
    Error(lines_->begin,
          "the VEVENT has no UID: civhub needs it to update the event when "
          "the file is imported again");
    return false;
  }
  if (!MapTimes()) return false;
  if (!e.recurrence().empty()) {
    const int line = out->property_lines.count("RRULE") > 0
                         ? out->property_lines["RRULE"]
                         : lines_->begin;
    if (absl::Status s = node::CheckRecurrence("RRULE", e.recurrence());
        !s.ok()) {
      Error(line, std::string(s.message()));
      return false;
    }
  }
  if (!MapExdates()) return false;
  MapOnlineUrl();
  for (const v1::LocalizedText& name : e.names()) {
    if (std::find(e.languages().begin(), e.languages().end(), name.lang()) ==
        e.languages().end()) {
      e.add_languages(name.lang());
    }
  }
  MapPlace(geo);
  if (!options_.event_type.empty()) e.set_event_type(options_.event_type);
  if (!options_.replicates.record_id().empty()) {
    *e.mutable_replicates() = options_.replicates;
  }
  out->record_id = RecordIdForUid(e.ical_uid());
  return true;
}

}  // namespace

std::string RecordIdForUid(absl::string_view uid) {
  std::string readable;
  for (char c : uid) {
    if (readable.size() >= 40) break;
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      readable.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    } else if (!readable.empty() && readable.back() != '-') {
      readable.push_back('-');
    }
  }
  absl::string_view trimmed = absl::StripSuffix(readable, "-");
  const std::string hash =
      absl::BytesToHexString(crypto::Sha256(uid)).substr(0, 10);
  return trimmed.empty() ? absl::StrCat("ev-", hash)
                         : absl::StrCat("ev-", trimmed, "-", hash);
}

std::string ExplainRefusal(const ImportedEvent& event,
                           absl::string_view message) {
  // Each Event field, and the properties it is read from, likeliest first.
  static const auto* const kFrom =
      new std::map<std::string, std::vector<std::string>>{
          {"starts_at", {"DTSTART"}},
          {"ends_at", {"DTEND", "DURATION", "DTSTART"}},
          {"time_zone", {"DTSTART"}},
          {"all_day", {"DTSTART"}},
          {"recurrence", {"RRULE"}},
          {"excluded_starts", {"EXDATE"}},
          {"names", {"SUMMARY"}},
          {"languages", {"SUMMARY"}},
          {"descriptions", {"DESCRIPTION"}},
          {"place", {"LOCATION", "GEO"}},
          {"online_url",
           {"CONFERENCE", "LOCATION", "X-GOOGLE-CONFERENCE",
            "X-MICROSOFT-SKYPETEAMSMEETINGURL"}},
          {"url", {"URL"}},
          {"topics", {"CATEGORIES"}},
          {"event_type", {"CATEGORIES"}},
          {"status", {"STATUS", "X-CIVHUB-STATUS"}},
          {"ical_uid", {"UID"}},
      };
  const size_t at = message.find("event.");
  if (at == absl::string_view::npos) return std::string(message);
  absl::string_view field = message.substr(at + 6);
  field = field.substr(0, field.find_first_of(".[: "));
  auto it = kFrom->find(std::string(field));
  if (it == kFrom->end()) return std::string(message);
  // The place's country comes from the command line or the time zone,
  // never from the file: say which flag gives it.
  std::string hint;
  if (absl::StartsWith(message.substr(at),
                       "event.place.country: is required")) {
    hint =
        ": pass --country with the place's country (e.g. --country PH) "
        "(without it: the time zone's country, else the --organizer "
        "organization's)";
  }
  for (const std::string& name : it->second) {
    auto line = event.property_lines.find(name);
    if (line == event.property_lines.end()) continue;
    return absl::StrCat(name, " (line ", line->second,
                        "): ", message.substr(at), hint);
  }
  return absl::StrCat(message, hint);
}

absl::Status CheckIsIcs(absl::string_view text) {
  if (text.size() > kMaxIcsBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the file has ", text.size(), " bytes, more than the ",
                     kMaxIcsBytes, " civhub reads"));
  }
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");  // A byte-order mark.
  // The first content line, without unfolding the whole file.
  int line = 1;
  while (absl::ConsumePrefix(&text, "\r\n") ||
         absl::ConsumePrefix(&text, "\n")) {
    ++line;
  }
  absl::string_view first = text.substr(0, text.find('\n'));
  absl::ConsumeSuffix(&first, "\r");
  if (!absl::EqualsIgnoreCase(first, "BEGIN:VCALENDAR")) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", text.empty() ? 1 : line,
                     ": not iCalendar: expected BEGIN:VCALENDAR"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ParsedCalendar> ParseIcs(absl::string_view text,
                                        const ParseOptions& options) {
  internal::InitLibical();
  if (absl::Status s = CheckIsIcs(text); !s.ok()) return s;
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");  // A byte-order mark.
  const std::vector<ContentLine> lines = Unfold(text);
  if (lines.empty() ||
      absl::AsciiStrToUpper(lines[0].text) != "BEGIN:VCALENDAR") {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", lines.empty() ? 1 : lines[0].line,
                     ": not iCalendar: expected BEGIN:VCALENDAR"));
  }
  ComponentPtr root(icalparser_parse_string(std::string(text).c_str()));
  if (root == nullptr) {
    return absl::InvalidArgumentError(
        "line 1: libical found no calendar in the file");
  }
  TextScan scan = ScanLines(lines, icalcomponent_count_errors(root.get()) > 0);
  std::vector<std::pair<icalcomponent*, icalcomponent*>> vevents;
  CollectEvents(root.get(), &vevents);

  ParsedCalendar out;
  out.errors = std::move(scan.errors);
  // The text's events and libical's match in order unless the nesting was
  // too broken for either to agree; then no line is known.
  const bool aligned = vevents.size() == scan.events.size();
  if (!aligned) {
    for (EventLines& e : scan.events) {
      for (IcsProblem& p : e.errors) out.errors.push_back(std::move(p));
    }
  }
  for (size_t i = 0; i < vevents.size(); ++i) {
    EventLines none;
    EventLines& lines_of = aligned ? scan.events[i] : none;
    if (lines_of.errors.empty() &&
        icalcomponent_count_errors(vevents[i].first) > 0) {
      for (icalproperty* p = icalcomponent_get_first_property(
               vevents[i].first, ICAL_XLICERROR_PROPERTY);
           p != nullptr; p = icalcomponent_get_next_property(
                             vevents[i].first, ICAL_XLICERROR_PROPERTY)) {
        lines_of.errors.push_back(
            {lines_of.begin, Str(icalproperty_get_xlicerror(p))});
      }
    }
    ImportedEvent event;
    event.line = lines_of.begin;
    const size_t parse_errors = lines_of.errors.size();
    const bool had_errors = parse_errors > 0;
    EventMapper mapper(vevents[i].first, vevents[i].second, &lines_of, options,
                       CalendarZone(vevents[i].second));
    const bool mapped = mapper.Map(&event);
    if (had_errors) {
      // What libical removed for its errors is missing, not a finding.
      lines_of.errors.resize(parse_errors);
    }
    if (!mapped || had_errors) {
      ++out.skipped;
      std::string uid = event.event.ical_uid();
      for (IcsProblem& p : lines_of.errors) {
        if (!uid.empty())
          p.message = absl::StrCat(p.message, " (UID ", uid, ")");
        out.errors.push_back(std::move(p));
      }
      continue;
    }
    out.events.push_back(std::move(event));
  }
  std::stable_sort(
      out.errors.begin(), out.errors.end(),
      [](const IcsProblem& a, const IcsProblem& b) { return a.line < b.line; });
  return out;
}

}  // namespace civhub::calendar
