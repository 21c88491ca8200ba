#include "node/records/validate.h"

#include <cmath>
#include <iterator>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crypto/keys.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/unknown_field_set.h"
#include "node/records/internal/field_checks.h"
#include "node/records/iso_codes.h"
#include "node/records/record_kinds.h"
#include "node/records/taxonomy.h"
#include "node/records/text.h"

namespace civhub::node {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
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
  if (link.latency_micros() > kMaxLinkLatencyMicros) {
    return Invalid("peer_link.latency_micros",
                   absl::StrCat(link.latency_micros(), " is more than ",
                                kMaxLinkLatencyMicros,
                                " (10 s): give the link's one-way latency in "
                                "microseconds, or 0 if it is not measured"));
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

absl::Status ValidateAsPublishedNow(v1::RecordBody body,
                                    absl::string_view origin,
                                    absl::string_view record_id) {
  return ValidateAsPublishedNow(&body, origin, record_id);
}

absl::Status ValidateAsPublishedNow(v1::RecordBody* body,
                                    absl::string_view origin,
                                    absl::string_view record_id) {
  body->set_origin(std::string(origin));
  body->set_record_id(std::string(record_id));
  body->set_version(1);
  body->set_sequence(1);
  const absl::Time now = absl::Now();
  body->mutable_issued_at()->set_seconds(absl::ToUnixSeconds(now));
  return ValidateRecordBody(*body, ValidationOptions{now, true});
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

// The number of the first unknown field in `m` or a message inside it, or
// 0 if there is none. `*path` gets the field path to that message, last
// step first, as the walk returns: no string is built for a message
// without one (building each nested message's path was most of validating
// a record).
int FindUnknownAt(const Message& m, std::vector<std::string>* path) {
  const auto* refl = m.GetReflection();
  const google::protobuf::UnknownFieldSet& unknown = refl->GetUnknownFields(m);
  if (!unknown.empty()) return unknown.field(0).number();
  std::vector<const FieldDescriptor*> fields;
  refl->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const int n = f->is_repeated() ? refl->FieldSize(m, f) : 1;
    for (int i = 0; i < n; ++i) {
      const Message& sub = f->is_repeated() ? refl->GetRepeatedMessage(m, f, i)
                                            : refl->GetMessage(m, f);
      if (const int number = FindUnknownAt(sub, path); number != 0) {
        path->push_back(f->is_repeated() ? absl::StrCat(f->name(), "[", i, "]")
                                         : f->name());
        return number;
      }
    }
  }
  return 0;
}

}  // namespace

std::string FindUnknownField(const Message& message) {
  std::vector<std::string> path;
  const int number = FindUnknownAt(message, &path);
  if (number == 0) return "";
  return absl::StrCat(
      path.empty() ? "body" : absl::StrJoin(path.rbegin(), path.rend(), "."),
      ": unknown field ", number, " (not part of this record format)");
}

}  // namespace civhub::node
