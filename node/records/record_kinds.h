// The registry of record kinds: one entry per case of RecordBody.payload,
// holding everything that differs between kinds — the name users see, the
// letter of the store's kind postings, the counter, the validator, the index
// terms, and how a record is shown. Code elsewhere asks the registry instead
// of switching on the payload; record_kinds_test.cc walks the oneof's
// descriptor and fails when a case has no entry. docs/architecture.md,
// "Adding a record kind", lists what a new kind needs.
//
// Thread-safe: the table is constant and every function is pure.
#ifndef CIVHUB_NODE_RECORDS_RECORD_KINDS_H_
#define CIVHUB_NODE_RECORDS_RECORD_KINDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "civhub/storage/storage.pb.h"
#include "civhub/v1/admin.pb.h"
#include "civhub/v1/directory.pb.h"
#include "civhub/v1/record.pb.h"

namespace civhub::node {

struct IndexTerms;         // index_terms.h
struct ValidationOptions;  // validate.h

// What a list of records (civhubctl's tables, later the web page) shows of
// one record besides its title.
struct RecordSummary {
  std::string place;                // "Nairobi, KE-30", "worldwide" or ""
  std::vector<std::string> topics;  // topic codes
};

// One labelled field of a record, as a view of the whole record shows it
// (`civhubctl record get`).
struct RecordDetail {
  std::string label;               // "names", "website"
  std::vector<std::string> lines;  // none: nothing to show
  bool hub_id = false;             // the one line is a hub id ("civhub1...")
};

struct RecordKindInfo {
  v1::RecordBody::PayloadCase payload_case;
  // The payload field's name in RecordBody, as the JSON and the API docs
  // have it: "organization", "hub_profile". Unique.
  absl::string_view name;
  // The kind as served in v1::Record.kind.
  v1::RecordKind api_kind;
  // The value of the kind's postings in the store (kFieldKind, this
  // letter): 'o'. '\0' for a kind without them (tombstones have no postings
  // at all). On disk: a letter never changes. Unique.
  char index_letter;
  // Searchable: in the "every live record" posting, and selectable by
  // SearchRequest.kind. The hub's system kinds are not.
  bool searchable;
  // A record the hub publishes about itself, with an id starting "~".
  bool system;
  // The storage::Counters field counting the latest versions of this kind
  // (shared by no other kind).
  uint64_t (storage::Counters::*count)() const;
  void (storage::Counters::*set_count)(uint64_t);
  // The PublishRequest.payload case holding this kind's message (the field
  // of the same name), or PAYLOAD_NOT_SET if Admin.Publish does not take it
  // (the hub writes its system records and tombstones itself).
  v1::PublishRequest::PayloadCase publish_case;
  // civhubctl's command group for publishing the kind ("org"), also its
  // short name in tables; and that group's help. Empty if not publishable.
  absl::string_view command;
  absl::string_view command_help;
  // How civhubctl labels one record of the kind ("organization", "deleted"),
  // and how messages count several ("organizations", "tombstones").
  absl::string_view display_name;
  absl::string_view plural;

  // Checks the payload of a body whose header fields are valid, including
  // what the kind requires of the record id. Errors name the field:
  // INVALID_ARGUMENT "organization.names: ...", "record_id: ...".
  absl::Status (*validate)(const v1::RecordBody& body,
                           const ValidationOptions& options);
  // Adds the payload's own index terms. DeriveIndexTerms adds the kind's
  // posting and, if searchable, the "every live record" posting.
  void (*index_terms)(const v1::RecordBody& body, IndexTerms* terms);
  // One line naming the record: "Maji Safi Kenya (MSK)", "(deleted)".
  std::string (*title)(const v1::RecordBody& body);
  RecordSummary (*summary)(const v1::RecordBody& body);
  // The payload's fields, in the order a record view lists them.
  std::vector<RecordDetail> (*details)(const v1::RecordBody& body);

  // The HTTP gateway's path segment for the kind ("organizations"), and the
  // Open Referral HSDS 3 object it maps to ("organization"); empty for kinds
  // without one. A kind with an HSDS object has an HSDS id posting
  // (kFieldHsdsId), so Directory::FindByHsdsId finds its records.
  absl::string_view http_path = {};
  absl::string_view hsds_object = {};
};

// Every kind: the publishable ones, the hub's system kinds, tombstones last.
absl::Span<const RecordKindInfo> RecordKinds();

// The entry of a payload case, a name, an API kind or a PublishRequest case;
// nullptr if there is none (PAYLOAD_NOT_SET, RECORD_KIND_UNSPECIFIED, an
// unknown name).
const RecordKindInfo* FindRecordKind(v1::RecordBody::PayloadCase payload_case);
const RecordKindInfo* FindRecordKind(absl::string_view name);
const RecordKindInfo* FindRecordKind(v1::RecordKind api_kind);
const RecordKindInfo* FindPublishKind(
    v1::PublishRequest::PayloadCase publish_case);

// The entry of `body`'s payload; nullptr if none is set.
inline const RecordKindInfo* KindOf(const v1::RecordBody& body) {
  return FindRecordKind(body.payload_case());
}

// Sets `body`'s payload to `request`'s. Returns INVALID_ARGUMENT naming the
// publishable kinds if `request` has none.
absl::Status CopyPublishedPayload(const v1::PublishRequest& request,
                                  v1::RecordBody* body);
// CopyPublishedPayload without the copy: swaps `request`'s payload with the
// same kind's in `body`. Swapping again gives it back.
absl::Status SwapPublishedPayload(v1::PublishRequest* request,
                                  v1::RecordBody* body);

// Adds `delta` (+1 or -1) to the counter of `body`'s kind. A body without a
// payload (never stored: validation rejects it) counts as deleted.
void CountRecord(const v1::RecordBody& body, int delta,
                 storage::Counters* counters);

// "a", "a or b", "a, b or c": alternatives for a message.
std::string JoinAlternatives(const std::vector<std::string>& words);

// "an event", "an organization", "a need": a kind's display name with its
// article, for messages.
std::string WithArticle(absl::string_view noun);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORDS_RECORD_KINDS_H_
