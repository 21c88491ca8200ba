// The validators of the matchmaking kinds (needs, offers, events and
// registrations), declared in validate.h; the other kinds' are in
// validate.cc.
#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "crypto/keys.h"
#include "google/protobuf/timestamp.pb.h"
#include "node/records/capabilities.h"
#include "node/records/internal/field_checks.h"
#include "node/records/record_kinds.h"
#include "node/records/recurrence.h"
#include "node/records/taxonomy.h"
#include "node/records/validate.h"

namespace civhub::node {
namespace {

using google::protobuf::RepeatedPtrField;
using internal::At;
using internal::CheckCodes;
using internal::CheckEmail;
using internal::CheckLanguage;
using internal::CheckLocalizedTexts;
using internal::CheckLocation;
using internal::CheckPhone;
using internal::CheckRecordRef;
using internal::CheckRequiredText;
using internal::CheckText;
using internal::CheckUniqueList;
using internal::CheckUrl;
using internal::CheckUserRecordId;
using internal::Invalid;
using internal::kMaxDescriptionChars;
using internal::kMaxNameChars;
using internal::Quoted;

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// A timestamp between 1970 and 9999.
absl::Status CheckTimestamp(absl::string_view path,
                            const google::protobuf::Timestamp& ts) {
  if (ts.nanos() < 0 || ts.nanos() > 999999999) {
    return Invalid(absl::StrCat(path, ".nanos"), "is outside [0, 999999999]");
  }
  if (ts.seconds() < 0 || ts.seconds() > 253402300799) {
    return Invalid(path, "is not between 1970 and 9999");
  }
  return absl::OkStatus();
}

std::string Format(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", ToTime(ts),
                          absl::UTCTimeZone());
}

// One of `allowed` ("open", "met"); `required` refuses an empty value.
absl::Status CheckOneOf(absl::string_view path, absl::string_view value,
                        const std::vector<std::string>& allowed,
                        bool required) {
  if (value.empty() && !required) return absl::OkStatus();
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) {
    return absl::OkStatus();
  }
  if (value.empty()) {
    return Invalid(path, absl::StrCat("is required (one of ",
                                      JoinAlternatives(allowed), ")"));
  }
  return Invalid(path, absl::StrCat(Quoted(value), " is not one of ",
                                    JoinAlternatives(allowed)));
}

// A required reference to a record.
absl::Status CheckRequiredRef(absl::string_view path, bool has,
                              const v1::RecordRef& ref,
                              absl::string_view what) {
  if (!has) return Invalid(path, absl::StrCat("is required (", what, ")"));
  return CheckRecordRef(path, ref);
}

// 1-16 unique, well-formed capability codes; when publishing here, listed
// or "x-" extensions (codes from other hubs may come from a newer list).
absl::Status CheckCapabilities(absl::string_view path,
                               const RepeatedPtrField<std::string>& codes,
                               bool strict) {
  if (codes.empty()) {
    return Invalid(path,
                   "at least one is required (docs/matchmaking.md, "
                   "\"Capabilities\")");
  }
  if (static_cast<size_t>(codes.size()) > kMaxCapabilities) {
    return Invalid(path,
                   absl::StrCat("has ", codes.size(), " entries; the limit is ",
                                kMaxCapabilities));
  }
  if (absl::Status s = CheckCodes(path, codes, IsPublishableCapability,
                                  /*strict=*/false, "capability");
      !s.ok()) {
    return s;
  }
  if (!strict) return absl::OkStatus();
  // Every unknown code at once: a file with three typos is mended in one
  // round, not three.
  std::vector<std::string> unknown;
  int first = -1;
  for (int i = 0; i < codes.size(); ++i) {
    if (IsPublishableCapability(codes[i])) continue;
    if (first < 0) first = i;
    std::vector<std::string> similar = SimilarCapabilities(codes[i]);
    unknown.push_back(absl::StrCat(
        Quoted(codes[i]), similar.empty()
                              ? ""
                              : absl::StrCat(" (did you mean ",
                                             JoinAlternatives(similar), "?)")));
  }
  if (unknown.empty()) return absl::OkStatus();
  return Invalid(
      At(path, first),
      absl::StrCat(absl::StrJoin(unknown, ", "),
                   unknown.size() == 1 ? " is not a listed capability"
                                       : " are not listed capabilities",
                   "; the list is in docs/matchmaking.md, \"Capabilities\"; "
                   "local ones start with \"x-\""));
}

// Where the work is done: a mode, and a place with coordinates unless
// remote; a radius only with a place.
absl::Status CheckWorkPlace(absl::string_view path, bool has,
                            const v1::WorkPlace& wp) {
  const std::string mode_path = absl::StrCat(path, ".mode");
  if (!has) {
    return Invalid(mode_path, "is required (remote, on-site or either)");
  }
  if (absl::Status s =
          CheckOneOf(mode_path, wp.mode(), {"remote", "on-site", "either"},
                     /*required=*/true);
      !s.ok()) {
    return s;
  }
  const std::string loc_path = absl::StrCat(path, ".location");
  if (wp.has_location()) {
    if (absl::Status s = CheckLocation(loc_path, wp.location()); !s.ok()) {
      return s;
    }
    if (!wp.location().has_latitude()) {
      return Invalid(loc_path,
                     "needs latitude and longitude (distances are measured "
                     "from them)");
    }
  } else if (wp.mode() != "remote") {
    return Invalid(loc_path,
                   absl::StrCat("is required unless the work is remote (mode ",
                                Quoted(wp.mode()), ")"));
  }
  const std::string radius_path = absl::StrCat(path, ".radius_km");
  if (wp.radius_km() != 0) {  // NaN too
    if (!wp.has_location()) return Invalid(radius_path, "needs a location");
    if (!(wp.radius_km() > 0 && wp.radius_km() <= 20040)) {
      return Invalid(radius_path,
                     absl::StrCat(wp.radius_km(), " is outside (0, 20040]"));
    }
  }
  return absl::OkStatus();
}

// [start, end): a start, and an end after it or none (ongoing).
absl::Status CheckWindow(absl::string_view path, const v1::TimeWindow& w) {
  const std::string start = absl::StrCat(path, ".start");
  const std::string end = absl::StrCat(path, ".end");
  if (!w.has_start()) return Invalid(start, "is required in a window");
  if (absl::Status s = CheckTimestamp(start, w.start()); !s.ok()) return s;
  if (!w.has_end()) return absl::OkStatus();
  if (absl::Status s = CheckTimestamp(end, w.end()); !s.ok()) return s;
  if (ToTime(w.end()) < ToTime(w.start())) {
    return Invalid(end, absl::StrCat("before window.start (", Format(w.end()),
                                     " < ", Format(w.start()), ")"));
  }
  if (ToTime(w.end()) == ToTime(w.start())) {
    return Invalid(end, "equals window.start: the window is empty");
  }
  return absl::OkStatus();
}

// Required; at most kMaxExpiry after issued_at; when publishing here, not
// already past (records from other hubs may have expired on the way).
absl::Status CheckExpiry(absl::string_view path, const v1::RecordBody& body,
                         bool has, const google::protobuf::Timestamp& expires,
                         const ValidationOptions& options) {
  if (!has) {
    return Invalid(path, "is required (at most a year after issued_at)");
  }
  if (absl::Status s = CheckTimestamp(path, expires); !s.ok()) return s;
  const absl::Time at = ToTime(expires);
  if (at > ToTime(body.issued_at()) + kMaxExpiry) {
    return Invalid(path, absl::StrCat(Format(expires),
                                      " is more than a year after issued_at (",
                                      Format(body.issued_at()), ")"));
  }
  if (options.strict_taxonomy && at <= options.now) {
    return Invalid(path, absl::StrCat(Format(expires),
                                      " is in the past: set a new expiry, or "
                                      "delete the record"));
  }
  return absl::OkStatus();
}

// The text, languages and topics needs and offers share.
absl::Status CheckNeedOrOfferText(
    absl::string_view kind, const RepeatedPtrField<v1::LocalizedText>& titles,
    const RepeatedPtrField<v1::LocalizedText>& descriptions,
    const RepeatedPtrField<std::string>& languages,
    const RepeatedPtrField<std::string>& topics,
    const ValidationOptions& options) {
  absl::Status s;
  if (s = CheckLocalizedTexts(absl::StrCat(kind, ".titles"), titles,
                              kMaxNameChars, /*required=*/true,
                              /*multiline=*/false);
      !s.ok()) {
    return s;
  }
  if (s = CheckLocalizedTexts(absl::StrCat(kind, ".descriptions"), descriptions,
                              kMaxDescriptionChars, false, true);
      !s.ok()) {
    return s;
  }
  if (languages.empty()) {
    return Invalid(absl::StrCat(kind, ".languages"),
                   "at least one is required (ISO 639-1 codes such as "
                   "\"en\")");
  }
  if (s = CheckUniqueList(absl::StrCat(kind, ".languages"), languages,
                          CheckLanguage);
      !s.ok()) {
    return s;
  }
  return CheckCodes(absl::StrCat(kind, ".topics"), topics, IsPublishableTopic,
                    options.strict_taxonomy, "topic");
}

// `ref` names an organization of the hub publishing `body`: an
// organization speaks through its own hub, whose signature vouches for it,
// so no hub can say another hub's organization needs, offers or attends.
absl::Status CheckOwnOrganization(absl::string_view path,
                                  const v1::RecordRef& ref,
                                  const v1::RecordBody& body,
                                  absl::string_view who) {
  const std::string self = crypto::HubIdOf(body.origin());
  if (ref.origin() == self) return absl::OkStatus();
  return Invalid(
      path,
      absl::StrCat("must be an organization of the publishing hub "
                   "(origin ",
                   self, "): ", who,
                   " through its own hub, so publish this on hub ",
                   ref.origin(), ", or name one of this hub's organizations"));
}

}  // namespace

absl::Status ValidateNeedRecord(const v1::RecordBody& body,
                                const ValidationOptions& options) {
  if (absl::Status s = CheckUserRecordId(body.record_id()); !s.ok()) return s;
  const v1::Need& n = body.need();
  absl::Status s;
  if (s = CheckRequiredRef("need.organization", n.has_organization(),
                           n.organization(), "the organization in need");
      !s.ok()) {
    return s;
  }
  if (s = CheckOwnOrganization("need.organization", n.organization(), body,
                               "an organization publishes its needs");
      !s.ok()) {
    return s;
  }
  if (s = CheckNeedOrOfferText("need", n.titles(), n.descriptions(),
                               n.languages(), n.topics(), options);
      !s.ok()) {
    return s;
  }
  if (s = CheckCapabilities("need.capabilities", n.capabilities(),
                            options.strict_taxonomy);
      !s.ok()) {
    return s;
  }
  if (s = CheckWorkPlace("need.work_place", n.has_work_place(), n.work_place());
      !s.ok()) {
    return s;
  }
  if (n.has_window()) {
    if (s = CheckWindow("need.window", n.window()); !s.ok()) return s;
  }
  if (n.effort_hours() > kMaxHours) {
    return Invalid("need.effort_hours",
                   absl::StrCat(n.effort_hours(), " is more than ", kMaxHours));
  }
  if (s = CheckOneOf("need.priority", n.priority(),
                     {"low", "normal", "high", "urgent"}, false);
      !s.ok()) {
    return s;
  }
  if (s = CheckOneOf("need.status", n.status(),
                     {"open", "partly-met", "met", "withdrawn"}, true);
      !s.ok()) {
    return s;
  }
  return CheckExpiry("need.expires_at", body, n.has_expires_at(),
                     n.expires_at(), options);
}

absl::Status ValidateOfferRecord(const v1::RecordBody& body,
                                 const ValidationOptions& options) {
  if (absl::Status s = CheckUserRecordId(body.record_id()); !s.ok()) return s;
  const v1::Offer& o = body.offer();
  absl::Status s;
  if (o.has_organization() == o.has_volunteer()) {
    return Invalid(o.has_organization() ? "offer.volunteer" : "offer",
                   o.has_organization()
                       ? "an offer is from an organization or a volunteer, "
                         "not both"
                       : "set either organization (an organization's offer) "
                         "or volunteer (an individual's)");
  }
  if (o.has_organization()) {
    if (s = CheckRecordRef("offer.organization", o.organization()); !s.ok()) {
      return s;
    }
    if (s = CheckOwnOrganization("offer.organization", o.organization(), body,
                                 "an organization publishes its offers");
        !s.ok()) {
      return s;
    }
  } else {
    const v1::Volunteer& v = o.volunteer();
    if (s = CheckRequiredText("offer.volunteer.display_name", v.display_name(),
                              kMaxDisplayNameChars);
        !s.ok()) {
      return s;
    }
    if (s = CheckEmail("offer.volunteer.email", v.email()); !s.ok()) return s;
    if (s = CheckPhone("offer.volunteer.phone", v.phone()); !s.ok()) return s;
  }
  if (s = CheckNeedOrOfferText("offer", o.titles(), o.descriptions(),
                               o.languages(), o.topics(), options);
      !s.ok()) {
    return s;
  }
  if (s = CheckCapabilities("offer.capabilities", o.capabilities(),
                            options.strict_taxonomy);
      !s.ok()) {
    return s;
  }
  if (s = CheckWorkPlace("offer.work_place", o.has_work_place(),
                         o.work_place());
      !s.ok()) {
    return s;
  }
  if (o.has_window()) {
    if (s = CheckWindow("offer.window", o.window()); !s.ok()) return s;
  }
  if (o.hours_per_month() > 744) {
    return Invalid("offer.hours_per_month",
                   absl::StrCat(o.hours_per_month(),
                                " is more hours than a month has (744)"));
  }
  if (s = CheckOneOf("offer.status", o.status(), {"open", "withdrawn"}, true);
      !s.ok()) {
    return s;
  }
  return CheckExpiry("offer.expires_at", body, o.has_expires_at(),
                     o.expires_at(), options);
}

absl::Status ValidateEventRecord(const v1::RecordBody& body,
                                 const ValidationOptions& options) {
  if (absl::Status s = CheckUserRecordId(body.record_id()); !s.ok()) return s;
  const v1::Event& e = body.event();
  absl::Status s;
  if (s = CheckLocalizedTexts("event.names", e.names(), kMaxNameChars, true,
                              false);
      !s.ok()) {
    return s;
  }
  if (s = CheckLocalizedTexts("event.descriptions", e.descriptions(),
                              kMaxDescriptionChars, false, true);
      !s.ok()) {
    return s;
  }
  if (s = CheckOneOf("event.event_type", e.event_type(),
                     {"techcamp", "training", "hackathon", "meetup",
                      "conference", "other"},
                     false);
      !s.ok()) {
    return s;
  }
  if (e.organizers().empty()) {
    return Invalid("event.organizers",
                   "at least one is required (the organizations organizing "
                   "it)");
  }
  if (e.organizers_size() > 16) {
    return Invalid("event.organizers", "has more than 16 entries");
  }
  std::set<std::pair<std::string, std::string>> organizers;
  for (int i = 0; i < e.organizers_size(); ++i) {
    const v1::RecordRef& ref = e.organizers(i);
    if (s = CheckRecordRef(At("event.organizers", i), ref); !s.ok()) return s;
    if (!organizers.emplace(ref.origin(), ref.record_id()).second) {
      return Invalid(At("event.organizers", i),
                     "this organization is listed more than once");
    }
  }
  if (e.has_community()) {
    if (s = CheckRecordRef("event.community", e.community()); !s.ok()) return s;
  }
  if (!e.has_starts_at()) return Invalid("event.starts_at", "is required");
  if (!e.has_ends_at()) return Invalid("event.ends_at", "is required");
  if (s = CheckTimestamp("event.starts_at", e.starts_at()); !s.ok()) return s;
  if (s = CheckTimestamp("event.ends_at", e.ends_at()); !s.ok()) return s;
  const absl::Time starts = ToTime(e.starts_at());
  const absl::Time ends = ToTime(e.ends_at());
  if (ends <= starts) {
    return Invalid("event.ends_at", absl::StrCat(Format(e.ends_at()),
                                                 " is not after starts_at (",
                                                 Format(e.starts_at()), ")"));
  }
  if (ends - starts > kMaxExpiry) {
    return Invalid("event.ends_at",
                   "more than a year after starts_at (a longer series is "
                   "one event with a recurrence)");
  }
  if (e.all_day()) {
    for (auto [name, t] : {std::make_pair("event.starts_at", starts),
                           std::make_pair("event.ends_at", ends)}) {
      if (absl::ToCivilSecond(t, absl::UTCTimeZone()) !=
          absl::CivilSecond(absl::ToCivilDay(t, absl::UTCTimeZone()))) {
        return Invalid(name,
                       "an all-day event starts and ends at midnight UTC "
                       "(its first day, and the day after its last)");
      }
    }
  }
  if (!e.all_day() || !e.time_zone().empty()) {
    if (s = CheckTimeZone("event.time_zone", e.time_zone()); !s.ok()) return s;
  }
  if (s = CheckRecurrence("event.recurrence", e.recurrence()); !s.ok()) {
    return s;
  }
  for (int i = 0; i < e.excluded_starts_size(); ++i) {
    if (s = CheckTimestamp(At("event.excluded_starts", i),
                           e.excluded_starts(i));
        !s.ok()) {
      return s;
    }
  }
  if (s = CheckExcludedStarts("event.excluded_starts", e); !s.ok()) return s;
  if (!e.has_place() && e.online_url().empty()) {
    return Invalid("event.place",
                   "a place or an online_url (or both) is required");
  }
  if (e.has_place()) {
    if (s = CheckLocation("event.place", e.place()); !s.ok()) return s;
  }
  if (s = CheckUrl("event.online_url", e.online_url()); !s.ok()) return s;
  if (s = CheckUrl("event.url", e.url()); !s.ok()) return s;
  if (s = CheckUniqueList("event.languages", e.languages(), CheckLanguage);
      !s.ok()) {
    return s;
  }
  if (s = CheckCodes("event.topics", e.topics(), IsPublishableTopic,
                     options.strict_taxonomy, "topic");
      !s.ok()) {
    return s;
  }
  if (e.capacity() > 1000000) {
    return Invalid("event.capacity",
                   absl::StrCat(e.capacity(), " is more than 1000000"));
  }
  if (s = CheckOneOf("event.status", e.status(),
                     {"scheduled", "cancelled", "postponed", "moved-online"},
                     true);
      !s.ok()) {
    return s;
  }
  if (e.has_replicates()) {
    if (s = CheckRecordRef("event.replicates", e.replicates()); !s.ok()) {
      return s;
    }
    if (e.replicates().record_id() == body.record_id() &&
        e.replicates().origin() == crypto::HubIdOf(body.origin())) {
      return Invalid("event.replicates", "an event cannot replicate itself");
    }
  }
  return CheckText("event.ical_uid", e.ical_uid(), 255);
}

absl::Status ValidateRegistrationRecord(const v1::RecordBody& body,
                                        const ValidationOptions&) {
  if (absl::Status s = CheckUserRecordId(body.record_id()); !s.ok()) return s;
  const v1::Registration& r = body.registration();
  absl::Status s;
  if (s = CheckRequiredRef("registration.event", r.has_event(), r.event(),
                           "the event attended");
      !s.ok()) {
    return s;
  }
  if (s = CheckRequiredRef("registration.organization", r.has_organization(),
                           r.organization(), "the attending organization");
      !s.ok()) {
    return s;
  }
  if (s = CheckOwnOrganization("registration.organization", r.organization(),
                               body, "an organization registers");
      !s.ok()) {
    return s;
  }
  if (r.attendees() < 1 || r.attendees() > 10000) {
    return Invalid("registration.attendees",
                   absl::StrCat(r.attendees(), " is outside [1, 10000]"));
  }
  if (s = CheckOneOf("registration.status", r.status(),
                     {"going", "interested", "cancelled"}, true);
      !s.ok()) {
    return s;
  }
  return CheckLocalizedTexts("registration.notes", r.notes(), 1000, false,
                             true);
}

}  // namespace civhub::node
