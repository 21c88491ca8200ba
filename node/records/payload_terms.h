// The index terms of each kind's payload, reached through the registry of
// record kinds (record_kinds.h). DeriveIndexTerms (declared in index_terms.h)
// is defined beside them: it adds the terms every kind shares and calls
// these. Kept apart from the postings' LevelDB writes (index_terms.cc) so
// that civhubctl can link the registry without LevelDB. Thread-safe: pure
// functions.
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
// Adds nothing: the kind is found by its kind posting alone, or not at all.
void NoPayloadTerms(const v1::RecordBody& body, IndexTerms* terms);

// "hubid/recordid", the value of member postings.
std::string MemberKey(absl::string_view hub_id, absl::string_view record_id);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORDS_PAYLOAD_TERMS_H_
