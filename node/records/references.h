#ifndef CIVHUB_NODE_RECORDS_REFERENCES_H_
#define CIVHUB_NODE_RECORDS_REFERENCES_H_

#include <string>
#include <vector>

#include "civhub/v1/record.pb.h"

namespace civhub::node {

// A reference one record makes to another, and the kind it must name.
struct KindedReference {
  std::string path;  // the field, as errors name it: "event.organizers[1]"
  const v1::RecordRef* ref;
  v1::RecordBody::PayloadCase kind;  // kOrganization, kCommunity, kEvent
  // Must name one of the publishing hub's own records (validate.h): the
  // organization of a need, an offer or a registration.
  bool own_only = false;
};

// The references of a need, offer, event or registration, which must name a
// live record of the right kind when they name one of the publishing hub's
// own (Hub checks those as it publishes). Points into `body`. None for the
// other kinds: organizations, communities and services refer to each other
// in any order (an HSDS import publishes a service before its organization).
std::vector<KindedReference> CheckedReferences(const v1::RecordBody& body);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORDS_REFERENCES_H_
