#include "node/records/internal/matchmaking_kinds.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "node/records/index_terms.h"
#include "node/records/internal/record_details.h"

namespace civhub::node::internal {
namespace {

std::string FirstText(
    const google::protobuf::RepeatedPtrField<v1::LocalizedText>& texts) {
  return texts.empty() ? "(untitled)" : texts[0].text();
}

std::string RefKey(const v1::RecordRef& ref) {
  return MemberKey(ref.origin(), ref.record_id());
}

std::string TimeLine(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC",
                          absl::FromUnixSeconds(ts.seconds()),
                          absl::UTCTimeZone());
}

// "2026-07-01 00:00 UTC – 2026-08-01 00:00 UTC", "from ... (ongoing)".
std::string WindowLine(const v1::TimeWindow& w) {
  if (!w.has_end()) return absl::StrCat("from ", TimeLine(w.start()));
  return absl::StrCat(TimeLine(w.start()), " – ", TimeLine(w.end()));
}

// "on-site: Nairobi, KE-30 (within 25 km)", "remote".
std::string WorkPlaceLine(const v1::WorkPlace& wp) {
  std::string line = wp.mode();
  if (wp.has_location()) {
    absl::StrAppend(&line, ": ", LocationLine(wp.location()));
    if (wp.radius_km() > 0) {
      absl::StrAppend(&line,
                      absl::StrFormat(" (within %g km)", wp.radius_km()));
    }
  }
  return line;
}

std::string WorkPlaceSummary(const v1::WorkPlace& wp) {
  if (!wp.has_location()) return wp.mode();
  return PlaceOf(wp.location());
}

// The zone an event's times are shown in: its own, UTC for all-day events.
absl::TimeZone EventZone(const v1::Event& e) {
  absl::TimeZone tz;
  if (e.all_day() || !absl::LoadTimeZone(e.time_zone(), &tz)) {
    return absl::UTCTimeZone();
  }
  return tz;
}

}  // namespace

std::string NeedTitle(const v1::RecordBody& body) {
  return FirstText(body.need().titles());
}

RecordSummary NeedSummary(const v1::RecordBody& body) {
  const v1::Need& n = body.need();
  RecordSummary s;
  s.place = WorkPlaceSummary(n.work_place());
  s.topics.assign(n.capabilities().begin(), n.capabilities().end());
  return s;
}

std::vector<RecordDetail> NeedDetails(const v1::RecordBody& body) {
  const v1::Need& n = body.need();
  std::vector<RecordDetail> out;
  AddLocalized("titles", n.titles(), &out);
  Add("for", RefKey(n.organization()), &out);
  Add("status", n.status(), &out);
  Add("capability", absl::StrJoin(n.capabilities(), ", "), &out);
  Add("where", WorkPlaceLine(n.work_place()), &out);
  Add("languages", absl::StrJoin(n.languages(), ", "), &out);
  Add("when", n.has_window() ? WindowLine(n.window()) : "ongoing", &out);
  if (n.effort_hours() > 0) {
    Add("effort", absl::StrCat(n.effort_hours(), " hours"), &out);
  }
  Add("priority", n.priority().empty() ? "normal" : n.priority(), &out);
  Add("expires", TimeLine(n.expires_at()), &out);
  Add("topics", absl::StrJoin(n.topics(), ", "), &out);
  AddLocalized("about", n.descriptions(), &out);
  return out;
}

std::string OfferTitle(const v1::RecordBody& body) {
  const v1::Offer& o = body.offer();
  std::string title = FirstText(o.titles());
  if (o.has_volunteer()) {
    absl::StrAppend(&title, " (", o.volunteer().display_name(), ")");
  }
  return title;
}

RecordSummary OfferSummary(const v1::RecordBody& body) {
  const v1::Offer& o = body.offer();
  RecordSummary s;
  s.place = WorkPlaceSummary(o.work_place());
  s.topics.assign(o.capabilities().begin(), o.capabilities().end());
  return s;
}

std::vector<RecordDetail> OfferDetails(const v1::RecordBody& body) {
  const v1::Offer& o = body.offer();
  std::vector<RecordDetail> out;
  AddLocalized("titles", o.titles(), &out);
  if (o.has_organization()) {
    Add("from", RefKey(o.organization()), &out);
  } else {
    Add("volunteer", o.volunteer().display_name(), &out);
    Add("email", o.volunteer().email(), &out);
    Add("phone", o.volunteer().phone(), &out);
  }
  Add("status", o.status(), &out);
  Add("capability", absl::StrJoin(o.capabilities(), ", "), &out);
  Add("where", WorkPlaceLine(o.work_place()), &out);
  Add("languages", absl::StrJoin(o.languages(), ", "), &out);
  Add("when", o.has_window() ? WindowLine(o.window()) : "ongoing", &out);
  if (o.hours_per_month() > 0) {
    Add("capacity", absl::StrCat(o.hours_per_month(), " hours a month"), &out);
  }
  Add("expires", TimeLine(o.expires_at()), &out);
  Add("topics", absl::StrJoin(o.topics(), ", "), &out);
  AddLocalized("about", o.descriptions(), &out);
  return out;
}

std::string EventTitle(const v1::RecordBody& body) {
  const v1::Event& e = body.event();
  return absl::StrCat(
      FirstText(e.names()), " (",
      absl::FormatTime("%Y-%m-%d",
                       absl::FromUnixSeconds(e.starts_at().seconds()),
                       EventZone(e)),
      ")");
}

RecordSummary EventSummary(const v1::RecordBody& body) {
  const v1::Event& e = body.event();
  RecordSummary s;
  if (e.has_place()) {
    s.place = PlaceOf(e.place());
  } else if (!e.online_url().empty()) {
    s.place = "online";
  }
  s.topics.assign(e.topics().begin(), e.topics().end());
  return s;
}

std::vector<RecordDetail> EventDetails(const v1::RecordBody& body) {
  const v1::Event& e = body.event();
  std::vector<RecordDetail> out;
  AddLocalized("names", e.names(), &out);
  Add("type", e.event_type(), &out);
  Add("status", e.status(), &out);
  RecordDetail organizers{"organizers", {}};
  for (const v1::RecordRef& ref : e.organizers()) {
    organizers.lines.push_back(RefKey(ref));
  }
  out.push_back(std::move(organizers));
  if (e.has_community()) Add("community", RefKey(e.community()), &out);
  if (e.all_day()) {
    Add("when",
        absl::StrCat(
            absl::FormatTime("%Y-%m-%d",
                             absl::FromUnixSeconds(e.starts_at().seconds()),
                             absl::UTCTimeZone()),
            " – ",
            absl::FormatTime(
                "%Y-%m-%d",
                absl::FromUnixSeconds(e.ends_at().seconds()) - absl::Seconds(1),
                absl::UTCTimeZone()),
            " (all day)"),
        &out);
  } else {
    const absl::TimeZone tz = EventZone(e);
    Add("when",
        absl::StrCat(
            absl::FormatTime("%Y-%m-%d %H:%M",
                             absl::FromUnixSeconds(e.starts_at().seconds()),
                             tz),
            " – ",
            absl::FormatTime("%Y-%m-%d %H:%M",
                             absl::FromUnixSeconds(e.ends_at().seconds()), tz),
            " ", e.time_zone()),
        &out);
  }
  Add("repeats", e.recurrence(), &out);
  if (!e.excluded_starts().empty()) {
    RecordDetail except{"except", {}};
    const absl::TimeZone tz = e.all_day() ? absl::UTCTimeZone() : EventZone(e);
    for (const google::protobuf::Timestamp& t : e.excluded_starts()) {
      except.lines.push_back(
          absl::FormatTime(e.all_day() ? "%Y-%m-%d" : "%Y-%m-%d %H:%M",
                           absl::FromUnixSeconds(t.seconds()), tz));
    }
    out.push_back(std::move(except));
  }
  if (e.has_place()) Add("place", LocationLine(e.place()), &out);
  Add("online", e.online_url(), &out);
  Add("languages", absl::StrJoin(e.languages(), ", "), &out);
  Add("topics", absl::StrJoin(e.topics(), ", "), &out);
  if (e.capacity() > 0) Add("capacity", absl::StrCat(e.capacity()), &out);
  if (e.has_replicates()) Add("modeled on", RefKey(e.replicates()), &out);
  Add("website", e.url(), &out);
  AddLocalized("about", e.descriptions(), &out);
  return out;
}

std::string RegistrationTitle(const v1::RecordBody& body) {
  // "kalayaan-digital at techcamp-lima: going, 2 people".
  const v1::Registration& r = body.registration();
  return absl::StrCat(r.organization().record_id(), " at ",
                      r.event().record_id(), ": ", r.status(), ", ",
                      r.attendees(),
                      r.attendees() == 1 ? " person" : " people");
}

std::vector<RecordDetail> RegistrationDetails(const v1::RecordBody& body) {
  const v1::Registration& r = body.registration();
  std::vector<RecordDetail> out;
  Add("event", RefKey(r.event()), &out);
  Add("attendee", RefKey(r.organization()), &out);
  Add("status", r.status(), &out);
  Add("attendees", absl::StrCat(r.attendees()), &out);
  AddLocalized("notes", r.notes(), &out);
  return out;
}

}  // namespace civhub::node::internal
