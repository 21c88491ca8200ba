// The title, summary and details functions of the matchmaking kinds (needs,
// offers, events and registrations), as their entries in the registry
// (record_kinds.cc) hold them. Private to node/records/. Thread-safe: pure
// functions.
#ifndef CIVHUB_NODE_RECORDS_INTERNAL_MATCHMAKING_KINDS_H_
#define CIVHUB_NODE_RECORDS_INTERNAL_MATCHMAKING_KINDS_H_

#include <string>
#include <vector>

#include "civhub/v1/record.pb.h"
#include "node/records/record_kinds.h"

namespace civhub::node::internal {

std::string NeedTitle(const v1::RecordBody& body);
RecordSummary NeedSummary(const v1::RecordBody& body);
std::vector<RecordDetail> NeedDetails(const v1::RecordBody& body);

// The title, and the volunteer's display name if a volunteer offers it.
std::string OfferTitle(const v1::RecordBody& body);
RecordSummary OfferSummary(const v1::RecordBody& body);
std::vector<RecordDetail> OfferDetails(const v1::RecordBody& body);

// The name and the start date in the event's time zone (UTC if all day).
std::string EventTitle(const v1::RecordBody& body);
RecordSummary EventSummary(const v1::RecordBody& body);
std::vector<RecordDetail> EventDetails(const v1::RecordBody& body);

// "kalayaan-digital at techcamp-lima: going, 2 people". Registrations have
// no summary.
std::string RegistrationTitle(const v1::RecordBody& body);
std::vector<RecordDetail> RegistrationDetails(const v1::RecordBody& body);

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_RECORDS_INTERNAL_MATCHMAKING_KINDS_H_
