// What a record contributes to the search indexes. Derived from the body
// alone, so the entries of an old version can be recomputed and removed when
// a newer version replaces it. Thread-safe: pure functions.
#ifndef CIVHUB_NODE_RECORDS_INDEX_TERMS_H_
#define CIVHUB_NODE_RECORDS_INDEX_TERMS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/strings/string_view.h"
#include "civhub/v1/record.pb.h"

namespace civhub::node {

// Weight of a text token by where it occurs; a token keeps its best weight.
inline constexpr uint8_t kWeightName = 3;  // names, acronym, alternate name
inline constexpr uint8_t kWeightText = 1;  // descriptions, missions

// Filter fields: what IndexTerms::filters and search's filters name. Each is
// also the byte that names the field in the store's filter keys, so a value
// here never changes.
inline constexpr char kFieldAll = 'a';      // "" : every live record
inline constexpr char kFieldKind = 'k';     // RecordKindInfo::index_letter
inline constexpr char kFieldCountry = 'c';  // ISO 3166-1
inline constexpr char kFieldRegion = 'r';   // ISO 3166-2
inline constexpr char kFieldTopic = 't';
inline constexpr char kFieldOrgType = 'y';
inline constexpr char kFieldLanguage = 'l';    // ISO 639-1
inline constexpr char kFieldIdentifier = 'i';  // scheme " " identifier
inline constexpr char kFieldMember = 'm';      // member org "hubid/recordid"
inline constexpr char kFieldProvider = 'p';    // provider org "hubid/recordid"
// The record's Open Referral HSDS id (hsds_ids.h: HsdsId of its origin and
// record id, a lower-case UUID), for every kind whose registry entry has an
// hsds_object; a service also has one per location it is offered at, its
// HSDS service_at_location id (HsdsSubId(service's id, "service_at_location",
// ServiceLocation.id)), so either id finds the service's document.
inline constexpr char kFieldHsdsId = 'u';
// Needs and offers: each capability code and its group
// (capabilities.h: CapabilityGroup), so a search for a group finds its
// members and matching finds a capability's siblings under one posting.
inline constexpr char kFieldCapability = 'q';
// The organization a need is for, an offer is from, an event is organized
// by, or a registration is of: "hubid/recordid".
inline constexpr char kFieldOwner = 'w';
// A registration's event: "hubid/recordid".
inline constexpr char kFieldEvent = 'e';
// An event: each UTC month "YYYY-MM" one of its occurrences overlaps,
// within the recurrence horizon (docs/matchmaking.md, "Recurrence").
inline constexpr char kFieldMonth = 'd';
// Needs and offers: the UTC day of expires_at, "YYYY-MM-DD". The index does
// not depend on the clock: search leaves expired records out at query time
// by these postings (node/search/internal/expiry.h).
inline constexpr char kFieldExpires = 'x';

// Version of the rules that derive the filter postings (IndexTerms::filters).
// A store whose filter postings were written under another version has them
// rebuilt when it opens (node/storage/store.cc). Version 1 added kFieldHsdsId;
// version 2 the postings of needs, offers, events and registrations
// (kFieldCapability, kFieldOwner, kFieldEvent, kFieldMonth, kFieldExpires);
// stores from before have no version.
inline constexpr int kFilterIndexVersion = 2;

// Ordered, as the postings are written. B-trees: a record's few dozen terms
// in a few nodes, not a node (an allocation) each as std::map's.
struct IndexTerms {
  absl::btree_map<std::string, uint8_t> tokens;
  absl::btree_set<std::pair<char, std::string>> filters;  // (kField*, value)
  std::vector<std::pair<double, double>> points;          // (lat, lon)
};

// Tombstones have no terms: deleted records are not searchable.
IndexTerms DeriveIndexTerms(const v1::RecordBody& body);

// The HSDS id of the record `body` holds (HsdsId of its origin's hub id and
// its record id), whatever its kind.
std::string RecordHsdsId(const v1::RecordBody& body);

// "hubid/recordid", the value of member postings.
std::string MemberKey(absl::string_view hub_id, absl::string_view record_id);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORDS_INDEX_TERMS_H_
