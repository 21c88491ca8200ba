// Validation of record bodies, with errors that name the field:
//   INVALID_ARGUMENT: organization.locations[0].country: "XX" is not an
//   ISO 3166-1 alpha-2 code
//
// The same rules apply to records published here and records received from
// other hubs, except the taxonomy check (see taxonomy.h) which only applies
// to local publishes. Thread-safe: pure functions.
#ifndef CIVHUB_NODE_RECORDS_VALIDATE_H_
#define CIVHUB_NODE_RECORDS_VALIDATE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "civhub/v1/record.pb.h"
#include "google/protobuf/message.h"

namespace civhub::node {

// How far in the future a record's issued_at may be: other hubs' clocks
// drift.
inline constexpr absl::Duration kMaxClockSkew = absl::Minutes(10);
// No record predates civhub; anything older is a forged or broken clock.
inline constexpr int64_t kEarliestIssuedAtUnixSeconds =
    1704067200;  // 2024-01-01

// System records every hub publishes about itself.
inline constexpr absl::string_view kHubProfileRecordId = "~hub";
inline constexpr absl::string_view kLinkRecordPrefix = "~link.";
inline constexpr size_t kLinkIdBytes = 16;
// The largest one-way latency a link record may claim (PeerLink
// latency_micros): 10 s.
inline constexpr uint32_t kMaxLinkLatencyMicros = 10'000'000;

// How long a need or an offer may run: expires_at is at most this long
// after issued_at.
inline constexpr absl::Duration kMaxExpiry = absl::Hours(24 * 366);
inline constexpr size_t kMaxCapabilities = 16;
inline constexpr size_t kMaxDisplayNameChars = 100;
// Largest effort of a need, in hours.
inline constexpr uint32_t kMaxHours = 100000;

struct ValidationOptions {
  absl::Time now;
  // The record is published on this hub (not received from another):
  // topics, organization types and capabilities must be listed codes or
  // "x-" extensions, and a need or an offer must not have expired already.
  // Records from other hubs may carry codes of a newer list, and may expire
  // on the way.
  bool strict_taxonomy = false;
};

// Checks a whole body: header fields, payload, and that no field unknown to
// this version of civhub is present anywhere in it.
absl::Status ValidateRecordBody(const v1::RecordBody& body,
                                const ValidationOptions& options);

// Checks `body` (a payload, as CopyPublishedPayload gives it) as the hub
// whose key is `origin` (32 bytes) would publish it now: the first version
// of `record_id`, strict. What a client runs when it cannot ask the hub
// (a dry run without one).
absl::Status ValidateAsPublishedNow(v1::RecordBody body,
                                    absl::string_view origin,
                                    absl::string_view record_id);
// The same, setting the header fields on `*body` (its payload untouched).
absl::Status ValidateAsPublishedNow(v1::RecordBody* body,
                                    absl::string_view origin,
                                    absl::string_view record_id);

// A record id: 1-128 characters from [A-Za-z0-9._~-]. `field` names it in
// the error.
absl::Status ValidateRecordId(absl::string_view id, absl::string_view field);

// Checks one payload; errors are prefixed "organization." / "community." /
// "service.".
absl::Status ValidateOrganization(const v1::Organization& org,
                                  const ValidationOptions& options);
absl::Status ValidateCommunity(const v1::Community& community,
                               const ValidationOptions& options);

absl::Status ValidateService(const v1::Service& service,
                             const ValidationOptions& options);

absl::Status ValidateHubProfile(const v1::HubProfile& profile);

// The payload checks of each kind, as the registry (record_kinds.h) calls
// them for a body whose header fields are valid: the payload, and what the
// kind requires of the record id (user records may not start with "~"; a hub
// profile is "~hub", a peer link "~link.<peer hub id>").
absl::Status ValidateOrganizationRecord(const v1::RecordBody& body,
                                        const ValidationOptions& options);
absl::Status ValidateCommunityRecord(const v1::RecordBody& body,
                                     const ValidationOptions& options);
absl::Status ValidateServiceRecord(const v1::RecordBody& body,
                                   const ValidationOptions& options);
absl::Status ValidateTombstoneRecord(const v1::RecordBody& body,
                                     const ValidationOptions& options);
absl::Status ValidateHubProfileRecord(const v1::RecordBody& body,
                                      const ValidationOptions& options);
absl::Status ValidatePeerLinkRecord(const v1::RecordBody& body,
                                    const ValidationOptions& options);
// Needs and offers: capabilities (capabilities.h), where and when, status
// and expiry. Events: times, time zone, recurrence (recurrence.h), place.
// Registrations: the attending organization is one of the publishing hub's.
absl::Status ValidateNeedRecord(const v1::RecordBody& body,
                                const ValidationOptions& options);
absl::Status ValidateOfferRecord(const v1::RecordBody& body,
                                 const ValidationOptions& options);
absl::Status ValidateEventRecord(const v1::RecordBody& body,
                                 const ValidationOptions& options);
absl::Status ValidateRegistrationRecord(const v1::RecordBody& body,
                                        const ValidationOptions& options);

// Returns the path of the first field in `message` (recursively) that this
// build does not know, e.g. "organization.locations[1]: unknown field 42",
// or an empty string if there is none.
std::string FindUnknownField(const google::protobuf::Message& message);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORDS_VALIDATE_H_
