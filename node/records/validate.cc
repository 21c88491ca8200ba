#include "node/records/validate.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crypto/keys.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/unknown_field_set.h"
#include "node/records/capabilities.h"
#include "node/records/internal/field_checks.h"
#include "node/records/iso_codes.h"
#include "node/records/record_kinds.h"
#include "node/records/recurrence.h"
#include "node/records/taxonomy.h"
#include "node/records/text.h"

namespace civhub::node {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::RepeatedPtrField;
using internal::At;
using internal::CheckArea;
using internal::CheckCodes;
using internal::CheckDate;
using internal::CheckEmail;
using internal::CheckIdentifiers;
using internal::CheckKey;
using internal::CheckLanguage;
using internal::CheckLocalizedTexts;
using internal::CheckLocation;
using internal::CheckPhone;
using internal::CheckRecordRef;
using internal::CheckRequiredText;
using internal::CheckServicePhone;
using internal::CheckText;
using internal::CheckUniqueList;
using internal::CheckUrl;
using internal::CheckUserRecordId;
using internal::Invalid;
using internal::IsServiceStatus;
using internal::JoinServiceStatuses;
using internal::kMaxDescriptionChars;
using internal::kMaxListItems;
using internal::kMaxMemberships;
using internal::kMaxNameChars;
using internal::kMaxShortTextChars;
using internal::Quoted;

}  // namespace

absl::Status ValidateRecordId(absl::string_view id, absl::string_view field) {
  if (id.empty()) return Invalid(field, "is required");
  if (id.size() > 128) return Invalid(field, "is longer than 128 characters");
  for (char c : id) {
    if (!(absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '~' ||
          c == '-')) {
      return Invalid(
          field, absl::StrCat(Quoted(id),
                              " may hold only letters, digits and . _ ~ -"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateOrganization(const v1::Organization& org,
                                  const ValidationOptions& options) {
  absl::Status s;
  if (s = CheckIdentifiers(org.identifiers()); !s.ok()) return s;
  if (s = CheckLocalizedTexts("organization.names", org.names(), kMaxNameChars,
                              /*required=*/true, /*multiline=*/false);
      !s.ok()) {
    return s;
  }
  if (s = CheckLocalizedTexts("organization.descriptions", org.descriptions(),
                              kMaxDescriptionChars, false, true);
      !s.ok()) {
    return s;
  }
  if (s = CheckText("organization.alternate_name", org.alternate_name(),
                    kMaxNameChars);
      !s.ok()) {
    return s;
  }
  if (s = CheckText("organization.acronym", org.acronym(), 32); !s.ok())
    return s;
  if (s = CheckCodes("organization.types", org.types(),
                     IsPublishableOrganizationType, options.strict_taxonomy,
                     "organization type");
      !s.ok()) {
    return s;
  }
  if (s = CheckUrl("organization.website", org.website()); !s.ok()) return s;
  if (s = CheckEmail("organization.email", org.email()); !s.ok()) return s;
  if (s = CheckPhone("organization.phone", org.phone()); !s.ok()) return s;
  if (static_cast<size_t>(org.locations_size()) > kMaxListItems) {
    return Invalid("organization.locations",
                   absl::StrCat("has more than ", kMaxListItems, " entries"));
  }
  std::set<absl::string_view> location_ids;
  for (int i = 0; i < org.locations_size(); ++i) {
    const v1::Location& loc = org.locations(i);
    if (s = CheckLocation(At("organization.locations", i), loc); !s.ok()) {
      return s;
    }
    if (!loc.id().empty() && !location_ids.insert(loc.id()).second) {
      return Invalid(absl::StrCat(At("organization.locations", i), ".id"),
                     absl::StrCat(Quoted(loc.id()), " appears more than once"));
    }
  }
  if (org.has_parent()) {
    if (s = CheckRecordRef("organization.parent", org.parent()); !s.ok()) {
      return s;
    }
  }
  if (s = CheckUniqueList("organization.areas_served", org.areas_served(),
                          CheckArea);
      !s.ok()) {
    return s;
  }
  if (s = CheckUniqueList("organization.languages", org.languages(),
                          CheckLanguage);
      !s.ok()) {
    return s;
  }
  if (s = CheckCodes("organization.topics", org.topics(), IsPublishableTopic,
                     options.strict_taxonomy, "topic");
      !s.ok()) {
    return s;
  }
  int this_year = absl::ToCivilYear(options.now, absl::UTCTimeZone()).year();
  if (org.year_incorporated() != 0 &&
      (org.year_incorporated() < 1000 ||
       static_cast<int>(org.year_incorporated()) > this_year + 1)) {
    return Invalid(
        "organization.year_incorporated",
        absl::StrCat(org.year_incorporated(), " is not a plausible year"));
  }
  return CheckText("organization.legal_status", org.legal_status(),
                   kMaxShortTextChars);
}

absl::Status ValidateCommunity(const v1::Community& c,
                               const ValidationOptions& options) {
  absl::Status s;
  if (s = CheckLocalizedTexts("community.names", c.names(), kMaxNameChars, true,
                              false);
      !s.ok()) {
    return s;
  }
  if (s = CheckLocalizedTexts("community.missions", c.missions(),
                              kMaxDescriptionChars, false, true);
      !s.ok()) {
    return s;
  }
  if (s = CheckCodes("community.topics", c.topics(), IsPublishableTopic,
                     options.strict_taxonomy, "topic");
      !s.ok()) {
    return s;
  }
  if (s = CheckUniqueList("community.region_scope", c.region_scope(),
                          CheckArea);
      !s.ok()) {
    return s;
  }
  if (s = CheckUrl("community.website", c.website()); !s.ok()) return s;
  if (s = CheckLocalizedTexts("community.meeting_info", c.meeting_info(), 1000,
                              false, true);
      !s.ok()) {
    return s;
  }
  if (static_cast<size_t>(c.memberships_size()) > kMaxMemberships) {
    return Invalid("community.memberships",
                   absl::StrCat("has more than ", kMaxMemberships, " entries"));
  }
  std::set<std::pair<std::string, std::string>> members;
  for (int i = 0; i < c.memberships_size(); ++i) {
    const v1::Membership& m = c.memberships(i);
    std::string item = At("community.memberships", i);
    if (!m.has_organization()) {
      return Invalid(absl::StrCat(item, ".organization"), "is required");
    }
    std::string org_path = absl::StrCat(item, ".organization");
    if (s = CheckRecordRef(org_path, m.organization()); !s.ok()) return s;
    if (!members
             .emplace(m.organization().origin(), m.organization().record_id())
             .second) {
      return Invalid(org_path, "this organization is listed more than once");
    }
    if (s = CheckText(absl::StrCat(item, ".role"), m.role(), 64); !s.ok())
      return s;
    if (s = CheckDate(absl::StrCat(item, ".since"), m.since()); !s.ok())
      return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateService(const v1::Service& svc,
                             const ValidationOptions& options) {
  absl::Status s;
  if (!svc.has_organization()) {
    return Invalid("service.organization",
                   "is required (the organization that provides the service)");
  }
  if (s = CheckRecordRef("service.organization", svc.organization()); !s.ok()) {
    return s;
  }
  if (s = CheckLocalizedTexts("service.names", svc.names(), kMaxNameChars,
                              /*required=*/true, /*multiline=*/false);
      !s.ok()) {
    return s;
  }
  for (auto [name, texts, max] : {
           std::make_tuple("service.descriptions", &svc.descriptions(),
                           kMaxDescriptionChars),
           std::make_tuple("service.area_descriptions",
                           &svc.area_descriptions(), size_t{1000}),
           std::make_tuple("service.fees", &svc.fees(), size_t{1000}),
           std::make_tuple("service.eligibility", &svc.eligibility(),
                           kMaxDescriptionChars),
           std::make_tuple("service.application_process",
                           &svc.application_process(), kMaxDescriptionChars),
       }) {
    if (s = CheckLocalizedTexts(name, *texts, max, false, true); !s.ok()) {
      return s;
    }
  }
  if (s = CheckText("service.alternate_name", svc.alternate_name(),
                    kMaxNameChars);
      !s.ok()) {
    return s;
  }
  if (svc.status().empty()) {
    return Invalid("service.status", absl::StrCat("is required (one of ",
                                                  JoinServiceStatuses(), ")"));
  }
  if (!IsServiceStatus(svc.status())) {
    return Invalid("service.status",
                   absl::StrCat(Quoted(svc.status()), " is not one of ",
                                JoinServiceStatuses()));
  }
  if (s = CheckUrl("service.url", svc.url()); !s.ok()) return s;
  if (s = CheckEmail("service.email", svc.email()); !s.ok()) return s;
  if (svc.phones_size() > 16) {
    return Invalid("service.phones", "has more than 16 entries");
  }
  for (int i = 0; i < svc.phones_size(); ++i) {
    if (s = CheckServicePhone(At("service.phones", i), svc.phones(i));
        !s.ok()) {
      return s;
    }
  }
  if (s = CheckUniqueList("service.languages", svc.languages(), CheckLanguage);
      !s.ok()) {
    return s;
  }
  if (s = CheckUniqueList("service.areas_served", svc.areas_served(),
                          CheckArea);
      !s.ok()) {
    return s;
  }
  if (s = CheckCodes("service.topics", svc.topics(), IsPublishableTopic,
                     options.strict_taxonomy, "topic");
      !s.ok()) {
    return s;
  }
  if (static_cast<size_t>(svc.locations_size()) > kMaxListItems) {
    return Invalid("service.locations",
                   absl::StrCat("has more than ", kMaxListItems, " entries"));
  }
  std::set<absl::string_view> ids;
  for (int i = 0; i < svc.locations_size(); ++i) {
    const v1::ServiceLocation& at = svc.locations(i);
    std::string item = At("service.locations", i);
    if (s = CheckKey(absl::StrCat(item, ".id"), at.id()); !s.ok()) return s;
    if (!ids.insert(at.id()).second) {
      return Invalid(absl::StrCat(item, ".id"),
                     absl::StrCat(Quoted(at.id()), " appears more than once"));
    }
    if (s = CheckKey(absl::StrCat(item, ".location_id"), at.location_id());
        !s.ok()) {
      return s;
    }
    if (!at.has_location()) {
      return Invalid(absl::StrCat(item, ".location"),
                     "is required (a copy of the provider's location)");
    }
    if (s = CheckLocation(absl::StrCat(item, ".location"), at.location());
        !s.ok()) {
      return s;
    }
    if (s = CheckLocalizedTexts(absl::StrCat(item, ".descriptions"),
                                at.descriptions(), 1000, false, true);
        !s.ok()) {
      return s;
    }
  }
  for (auto [name, has, age] :
       {std::make_tuple("service.minimum_age", svc.has_minimum_age(),
                        svc.minimum_age()),
        std::make_tuple("service.maximum_age", svc.has_maximum_age(),
                        svc.maximum_age())}) {
    if (has && age > 150) {
      return Invalid(name, absl::StrCat(age, " is not an age (0-150)"));
    }
  }
  if (svc.has_minimum_age() && svc.has_maximum_age() &&
      svc.minimum_age() > svc.maximum_age()) {
    return Invalid("service.maximum_age",
                   absl::StrCat(svc.maximum_age(), " is below minimum_age ",
                                svc.minimum_age()));
  }
  return absl::OkStatus();
}

absl::Status ValidateHubProfile(const v1::HubProfile& p) {
  absl::Status s;
  if (s = CheckRequiredText("hub_profile.name", p.name(), kMaxNameChars);
      !s.ok()) {
    return s;
  }
  if (!p.region().empty()) {
    if (s = CheckArea("hub_profile.region", p.region()); !s.ok()) return s;
  }
  if (!p.contact().empty()) {
    bool url = absl::StartsWith(p.contact(), "http");
    s = url ? CheckUrl("hub_profile.contact", p.contact())
            : CheckEmail("hub_profile.contact", p.contact());
    if (!s.ok()) return s;
  }
  return CheckText("hub_profile.federation_address", p.federation_address(),
                   255);
}

absl::Status ValidatePeerLink(const v1::PeerLink& link,
                              absl::string_view record_id) {
  absl::StatusOr<crypto::PublicKey> peer =
      crypto::PublicKey::FromHubId(link.peer());
  if (!peer.ok()) return Invalid("peer_link.peer", peer.status().message());
  if (record_id != absl::StrCat(kLinkRecordPrefix, link.peer())) {
    return Invalid("record_id",
                   absl::StrCat("a peer link record must be named \"",
                                kLinkRecordPrefix, link.peer(), "\""));
  }
  if (link.link_id().size() != kLinkIdBytes) {
    return Invalid("peer_link.link_id", "must be 16 bytes");
  }
  if (link.peer_signature().size() != crypto::kSignatureSize) {
    return Invalid("peer_link.peer_signature", "must be 64 bytes");
  }
  return absl::OkStatus();
}

absl::Status ValidateRecordBody(const v1::RecordBody& body,
                                const ValidationOptions& options) {
  if (std::string unknown = FindUnknownField(body); !unknown.empty()) {
    return absl::InvalidArgumentError(unknown);
  }
  if (body.origin().size() != crypto::kPublicKeySize) {
    return Invalid("origin", "must be a 32-byte Ed25519 public key");
  }
  if (absl::Status s = ValidateRecordId(body.record_id(), "record_id");
      !s.ok()) {
    return s;
  }
  if (body.version() == 0) return Invalid("version", "must be at least 1");
  if (body.sequence() == 0) return Invalid("sequence", "must be at least 1");
  if (!body.has_issued_at()) return Invalid("issued_at", "is required");
  const auto& ts = body.issued_at();
  if (ts.nanos() < 0 || ts.nanos() > 999999999) {
    return Invalid("issued_at.nanos", "is outside [0, 999999999]");
  }
  absl::Time issued = absl::FromUnixSeconds(ts.seconds());
  if (ts.seconds() < kEarliestIssuedAtUnixSeconds) {
    return Invalid("issued_at", absl::StrCat(absl::FormatTime(issued),
                                             " is before 2024-01-01"));
  }
  if (issued > options.now + kMaxClockSkew) {
    return Invalid("issued_at",
                   absl::StrCat(absl::FormatTime(issued),
                                " is more than 10 minutes in the future"));
  }
  const RecordKindInfo* kind = KindOf(body);
  if (kind == nullptr) {
    std::vector<std::string> names;
    for (const RecordKindInfo& k : RecordKinds()) {
      if (!k.system) names.emplace_back(k.name);
    }
    return Invalid("payload", absl::StrCat("one of ", JoinAlternatives(names),
                                           " is required"));
  }
  return kind->validate(body, options);
}

absl::Status ValidateOrganizationRecord(const v1::RecordBody& body,
                                        const ValidationOptions& options) {
  if (absl::Status s = CheckUserRecordId(body.record_id()); !s.ok()) return s;
  if (absl::Status s = ValidateOrganization(body.organization(), options);
      !s.ok()) {
    return s;
  }
  const v1::Organization& org = body.organization();
  if (org.has_parent() && org.parent().record_id() == body.record_id() &&
      org.parent().origin() == crypto::HubIdOf(body.origin())) {
    return Invalid("organization.parent",
                   "an organization cannot be its own parent");
  }
  return absl::OkStatus();
}

absl::Status ValidateCommunityRecord(const v1::RecordBody& body,
                                     const ValidationOptions& options) {
  if (absl::Status s = CheckUserRecordId(body.record_id()); !s.ok()) return s;
  return ValidateCommunity(body.community(), options);
}

absl::Status ValidateServiceRecord(const v1::RecordBody& body,
                                   const ValidationOptions& options) {
  if (absl::Status s = CheckUserRecordId(body.record_id()); !s.ok()) return s;
  return ValidateService(body.service(), options);
}

absl::Status ValidateTombstoneRecord(const v1::RecordBody& body,
                                     const ValidationOptions&) {
  return CheckText("tombstone.reason", body.tombstone().reason(), 500);
}

absl::Status ValidateHubProfileRecord(const v1::RecordBody& body,
                                      const ValidationOptions&) {
  if (body.record_id() != kHubProfileRecordId) {
    return Invalid("record_id", "a hub profile record must be named \"~hub\"");
  }
  return ValidateHubProfile(body.hub_profile());
}

absl::Status ValidatePeerLinkRecord(const v1::RecordBody& body,
                                    const ValidationOptions&) {
  return ValidatePeerLink(body.peer_link(), body.record_id());
}

namespace {

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
  for (int i = 0; i < codes.size(); ++i) {
    if (IsPublishableCapability(codes[i])) continue;
    std::vector<std::string> similar = SimilarCapabilities(codes[i]);
    return Invalid(
        At(path, i),
        absl::StrCat(Quoted(codes[i]), " is not a listed capability",
                     similar.empty()
                         ? ""
                         : absl::StrCat(" (did you mean ",
                                        JoinAlternatives(similar), "?)"),
                     "; the list is in docs/matchmaking.md, \"Capabilities\"; "
                     "local ones start with \"x-\""));
  }
  return absl::OkStatus();
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
  if (r.organization().origin() != crypto::HubIdOf(body.origin())) {
    return Invalid("registration.organization",
                   absl::StrCat("must be an organization of the publishing "
                                "hub (origin ",
                                crypto::HubIdOf(body.origin()), ")"));
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

namespace {

std::string FindUnknownAt(const Message& m, const std::string& path) {
  const auto* refl = m.GetReflection();
  const google::protobuf::UnknownFieldSet& unknown = refl->GetUnknownFields(m);
  if (!unknown.empty()) {
    return absl::StrCat(path.empty() ? "body" : path, ": unknown field ",
                        unknown.field(0).number(),
                        " (not part of this record format)");
  }
  std::vector<const FieldDescriptor*> fields;
  refl->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    std::string sub =
        path.empty() ? f->name() : absl::StrCat(path, ".", f->name());
    if (f->is_repeated()) {
      for (int i = 0; i < refl->FieldSize(m, f); ++i) {
        std::string r = FindUnknownAt(refl->GetRepeatedMessage(m, f, i),
                                      absl::StrCat(sub, "[", i, "]"));
        if (!r.empty()) return r;
      }
    } else {
      std::string r = FindUnknownAt(refl->GetMessage(m, f), sub);
      if (!r.empty()) return r;
    }
  }
  return "";
}

}  // namespace

std::string FindUnknownField(const Message& message) {
  return FindUnknownAt(message, "");
}

}  // namespace civhub::node
