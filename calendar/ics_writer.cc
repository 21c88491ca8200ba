#include "calendar/ics_writer.h"

#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "calendar/internal/libical.h"
#include "http/url.h"

namespace civhub::calendar {
namespace {

using internal::ComponentPtr;

// Google Calendar, Outlook and others display PRODID nowhere; it names us.
constexpr char kProdId[] = "-//civhub//civhub events feed//EN";

void AddX(icalcomponent* c, const char* name, const std::string& value) {
  icalproperty* p = icalproperty_new_x(value.c_str());
  icalproperty_set_x_name(p, name);
  icalcomponent_add_property(c, p);
}

const v1::LocalizedText* InLang(
    const google::protobuf::RepeatedPtrField<v1::LocalizedText>& texts,
    const std::string& lang) {
  for (const v1::LocalizedText& t : texts) {
    if (t.lang() == lang) return &t;
  }
  return texts.empty() ? nullptr : &texts[0];
}

void AddText(icalcomponent* c, icalproperty* p, const v1::LocalizedText& t) {
  if (!t.lang().empty()) {
    icalproperty_add_parameter(p, icalparameter_new_language(t.lang().c_str()));
  }
  icalcomponent_add_property(c, p);
}

icaltimetype UtcTime(int64_t seconds, bool is_date) {
  return icaltime_from_timet_with_zone(static_cast<time_t>(seconds), is_date,
                                       icaltimezone_get_utc_timezone());
}

// DTSTART or DTEND (`make`) for `t` in the event's zone; adds the zone to
// `zones` when it needs a VTIMEZONE.
icalproperty* TimeProperty(icalproperty* (*make)(struct icaltimetype),
                           const google::protobuf::Timestamp& t,
                           const v1::Event& e, std::set<std::string>* zones) {
  if (e.all_day()) return make(UtcTime(t.seconds(), true));
  icaltimezone* zone = e.time_zone() == "UTC" || e.time_zone().empty()
                           ? nullptr
                           : internal::BuiltinZone(e.time_zone());
  if (zone == nullptr) return make(UtcTime(t.seconds(), false));
  icaltimetype local =
      icaltime_from_timet_with_zone(static_cast<time_t>(t.seconds()), 0, zone);
  local.zone = nullptr;  // Written as local time; TZID says whose.
  icalproperty* p = make(local);
  icalproperty_add_parameter(p, icalparameter_new_tzid(e.time_zone().c_str()));
  zones->insert(e.time_zone());
  return p;
}

std::string PlaceText(const v1::Location& place) {
  std::vector<std::string> parts;
  for (const std::string* s : {&place.name(), &place.address(), &place.city(),
                               &place.postal_code(), &place.region()}) {
    if (s->empty()) continue;
    if (s != &place.address() && absl::StrContains(place.address(), *s)) {
      continue;  // The address already says it.
    }
    parts.push_back(*s);
  }
  return absl::StrJoin(parts, ", ");
}

std::string UidOf(const v1::Record& record) {
  const v1::Event& e = record.body().event();
  return e.ical_uid().empty()
             ? absl::StrCat(record.record_id(), "@", record.origin())
             : e.ical_uid();
}

// Of two records with one UID (the same .ics imported on two hubs), the
// copy the feed writes: the latest issued (the freshest import of the
// source), then the smaller origin, so every hub writes the same one.
bool Preferred(const v1::Record& a, const v1::Record& b) {
  const auto issued = [](const v1::Record& r) {
    return std::make_pair(r.body().issued_at().seconds(),
                          r.body().issued_at().nanos());
  };
  if (issued(a) != issued(b)) return issued(a) > issued(b);
  return std::tie(a.origin(), a.record_id()) <
         std::tie(b.origin(), b.record_id());
}

// The event's page on the web directory (gateway/web/app.js:
// /record/{origin}/{record_id}).
std::string PageUrl(const std::string& web_url, const v1::Record& record) {
  return absl::StrCat(absl::StripSuffix(web_url, "/"), "/record/",
                      http::PercentEncode(record.origin()), "/",
                      http::PercentEncode(record.record_id()));
}

// DESCRIPTION: the text, then what calendar apps would otherwise not show:
// the online URL of an event that also has a place (LOCATION holds the
// place, and many apps ignore CONFERENCE), and the event's own site when
// URL holds the hub's page.
std::string DescriptionText(const v1::Event& e, const v1::LocalizedText* text,
                            bool url_is_page) {
  std::vector<std::string> parts;
  if (text != nullptr && !text->text().empty()) parts.push_back(text->text());
  if (e.has_place() && !e.online_url().empty()) {
    parts.push_back(absl::StrCat("Online: ", e.online_url()));
  }
  if (url_is_page && !e.url().empty()) {
    parts.push_back(absl::StrCat("Website: ", e.url()));
  }
  return absl::StrJoin(parts, "\n\n");
}

icalcomponent* EventComponent(const v1::Record& record,
                              const WriteOptions& options,
                              std::set<std::string>* zones) {
  const v1::Event& e = record.body().event();
  icalcomponent* c = icalcomponent_new_vevent();
  const std::string uid = UidOf(record);
  icalcomponent_add_property(c, icalproperty_new_uid(uid.c_str()));
  const icaltimetype issued =
      UtcTime(record.body().issued_at().seconds(), false);
  icalcomponent_add_property(c, icalproperty_new_dtstamp(issued));
  icalcomponent_add_property(c, icalproperty_new_lastmodified(issued));
  icalcomponent_add_property(
      c, icalproperty_new_sequence(static_cast<int>(record.body().version())));
  icalcomponent_add_property(
      c, TimeProperty(icalproperty_new_dtstart, e.starts_at(), e, zones));
  icalcomponent_add_property(
      c, TimeProperty(icalproperty_new_dtend, e.ends_at(), e, zones));
  if (!e.recurrence().empty()) {
    icalrecurrencetype rule =
        icalrecurrencetype_from_string(e.recurrence().c_str());
    if (rule.freq != ICAL_NO_RECURRENCE) {
      icalcomponent_add_property(c, icalproperty_new_rrule(rule));
      for (const google::protobuf::Timestamp& t : e.excluded_starts()) {
        icalcomponent_add_property(
            c, TimeProperty(icalproperty_new_exdate, t, e, zones));
      }
    }
  }
  if (const v1::LocalizedText* name = InLang(e.names(), options.lang)) {
    AddText(c, icalproperty_new_summary(name->text().c_str()), *name);
  }
  const bool url_is_page = !options.web_url.empty();
  const v1::LocalizedText* text = InLang(e.descriptions(), options.lang);
  const std::string description = DescriptionText(e, text, url_is_page);
  if (!description.empty()) {
    v1::LocalizedText with_lang;
    if (text != nullptr) with_lang.set_lang(text->lang());
    AddText(c, icalproperty_new_description(description.c_str()), with_lang);
  }
  const std::string place = e.has_place() ? PlaceText(e.place()) : "";
  if (!place.empty()) {
    icalcomponent_add_property(c, icalproperty_new_location(place.c_str()));
  } else if (!e.online_url().empty()) {
    icalcomponent_add_property(
        c, icalproperty_new_location(e.online_url().c_str()));
  }
  if (e.place().has_latitude() && e.place().has_longitude()) {
    icalgeotype geo;
    geo.lat = e.place().latitude();
    geo.lon = e.place().longitude();
    icalcomponent_add_property(c, icalproperty_new_geo(geo));
  }
  const std::string url =
      url_is_page ? PageUrl(options.web_url, record) : e.url();
  if (!url.empty()) {
    icalcomponent_add_property(c, icalproperty_new_url(url.c_str()));
  }
  if (!e.online_url().empty()) {
    icalproperty* p = icalproperty_new_conference(e.online_url().c_str());
    icalproperty_add_parameter(p, icalparameter_new_value(ICAL_VALUE_URI));
    icalcomponent_add_property(c, p);
  }
  icalproperty_status status = ICAL_STATUS_CONFIRMED;
  if (e.status() == "cancelled") status = ICAL_STATUS_CANCELLED;
  if (e.status() == "postponed") status = ICAL_STATUS_TENTATIVE;
  icalcomponent_add_property(c, icalproperty_new_status(status));
  if (e.status() == "postponed" || e.status() == "moved-online") {
    AddX(c, "X-CIVHUB-STATUS", e.status());
  }
  if (!e.event_type().empty() && e.event_type() != "other") {
    icalcomponent_add_property(
        c, icalproperty_new_categories(e.event_type().c_str()));
  }
  for (const std::string& topic : e.topics()) {
    icalcomponent_add_property(c, icalproperty_new_categories(topic.c_str()));
  }
  if (options.organizer) {
    for (const v1::RecordRef& ref : e.organizers()) {
      std::optional<OrganizerInfo> org = options.organizer(ref);
      if (!org || org->email.empty()) continue;
      icalproperty* p = icalproperty_new_organizer(
          absl::StrCat("mailto:", org->email).c_str());
      if (!org->name.empty()) {
        icalproperty_add_parameter(p, icalparameter_new_cn(org->name.c_str()));
      }
      icalcomponent_add_property(c, p);
      break;  // RFC 5545 allows one ORGANIZER.
    }
  }
  AddX(c, "X-CIVHUB-RECORD",
       absl::StrCat(record.origin(), "/", record.record_id()));
  return c;
}

}  // namespace

std::string WriteIcs(const std::vector<v1::Record>& records,
                     const WriteOptions& options) {
  internal::InitLibical();
  ComponentPtr calendar(icalcomponent_new_vcalendar());
  icalcomponent* cal = calendar.get();
  icalcomponent_add_property(cal, icalproperty_new_prodid(kProdId));
  icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
  icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
  AddX(cal, "X-WR-CALNAME", options.calendar_name);
  const icaldurationtype refresh = icaldurationtype_from_int(
      static_cast<int>(absl::ToInt64Seconds(options.refresh)));
  icalproperty* interval = icalproperty_new_refreshinterval(refresh);
  icalproperty_add_parameter(interval,
                             icalparameter_new_value(ICAL_VALUE_DURATION));
  icalcomponent_add_property(cal, interval);
  char* ttl = icaldurationtype_as_ical_string_r(refresh);
  AddX(cal, "X-PUBLISHED-TTL", ttl);
  icalmemory_free_buffer(ttl);

  // RFC 5545 3.8.4.7: a UID names one event; apps given two VEVENTs with
  // one UID show either, or neither, or fail the whole subscription.
  std::map<std::string, const v1::Record*> by_uid;
  for (const v1::Record& r : records) {
    if (!r.body().has_event()) continue;
    const v1::Record*& kept = by_uid[UidOf(r)];
    if (kept == nullptr || Preferred(r, *kept)) kept = &r;
  }
  std::set<std::string> zones;
  std::vector<icalcomponent*> events;
  for (const v1::Record& r : records) {
    if (!r.body().has_event() || by_uid[UidOf(r)] != &r) continue;
    events.push_back(EventComponent(r, options, &zones));
  }
  // Time zones first: some clients read a file once, top to bottom.
  for (const std::string& iana : zones) {
    icaltimezone* zone = internal::BuiltinZone(iana);
    if (zone == nullptr) continue;
    icalcomponent* vtimezone =
        icalcomponent_new_clone(icaltimezone_get_component(zone));
    icalproperty* tzid =
        icalcomponent_get_first_property(vtimezone, ICAL_TZID_PROPERTY);
    if (tzid != nullptr) icalproperty_set_tzid(tzid, iana.c_str());
    icalcomponent_add_component(cal, vtimezone);
  }
  for (icalcomponent* e : events) icalcomponent_add_component(cal, e);
  char* text = icalcomponent_as_ical_string_r(cal);
  std::string out = text == nullptr ? "" : text;
  icalmemory_free_buffer(text);
  return out;
}

}  // namespace civhub::calendar
