// The index terms of each kind's payload, reached through the registry of
// record kinds (record_kinds.h). Defined in index_terms.cc beside
// DeriveIndexTerms, which adds the terms every kind shares and calls these.
// Thread-safe: pure functions.
#ifndef CIVHUB_NODE_RECORDS_PAYLOAD_TERMS_H_
#define CIVHUB_NODE_RECORDS_PAYLOAD_TERMS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "civhub/v1/record.pb.h"

namespace civhub::node {

struct IndexTerms;  // index_terms.h

// Names, descriptions, identifiers, types, places, languages and topics.
void OrganizationTerms(const v1::RecordBody& body, IndexTerms* terms);
// Names, missions, topics, region scope, and a member posting per member.
void CommunityTerms(const v1::RecordBody& body, IndexTerms* terms);
// Names, descriptions, eligibility, topics, languages, areas served, the
// places (and points) of the locations it is offered at, its provider, and
// the HSDS service_at_location id of each location.
void ServiceTerms(const v1::RecordBody& body, IndexTerms* terms);
// Titles, descriptions, capabilities and their groups, the organization
// (owner), languages, topics, the work place and its point, the expiry day.
void NeedTerms(const v1::RecordBody& body, IndexTerms* terms);
// As a need's; a volunteer's display name is a name, and an offer without
// an organization has no owner posting.
void OfferTerms(const v1::RecordBody& body, IndexTerms* terms);
// Names, descriptions, organizers (owner), languages, topics, the place and
// its point, and the UTC months of its occurrences (recurrence.h).
void EventTerms(const v1::RecordBody& body, IndexTerms* terms);
// Notes, the event, and the attending organization (owner).
void RegistrationTerms(const v1::RecordBody& body, IndexTerms* terms);
// Adds nothing: the kind is found by its kind posting alone, or not at all.
void NoPayloadTerms(const v1::RecordBody& body, IndexTerms* terms);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORDS_PAYLOAD_TERMS_H_
