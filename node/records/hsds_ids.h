// Open Referral HSDS 3.0 ids for civhub records. HSDS wants a UUID for every
// row; civhub records have a hub id and a record id instead. The UUIDs here
// are derived from those deterministically, so every hub, importer and
// exporter computes the same id for the same record without coordination.
//
// This is a public contract: changing any construction below changes every
// exported id. The constructions (all text is UTF-8, hashed as given, no
// normalization; "+" is concatenation):
//
//   Uuid5(ns, name)      RFC 4122 section 4.3, version 5: b = SHA-1(the 16
//                        bytes of `ns` || name)[0..16); b[6] = (b[6] & 0x0f) |
//                        0x50; b[8] = (b[8] & 0x3f) | 0x80; written as lower-
//                        case 8-4-4-4-12 hex. Equal to Python's
//                        uuid.uuid5(uuid.UUID(ns), name).
//   kHsdsNamespace       Uuid5(NAMESPACE_URL "6ba7b811-9dad-11d1-80b4-
//                        00c04fd430c8", "urn:civhub:hsds:v1")
//                        = 8b9ba0ee-213d-5b8c-bc5a-a44eaa854304.
//   HsdsId(hub, rec)     if rec is "hsds-" + a lower-case UUID: that UUID
//                        (a record imported from HSDS keeps its id);
//                        else Uuid5(kHsdsNamespace, hub + "/" + rec), where
//                        hub is the bech32m hub id text "civhub1..."
//                        (crypto::HubIdOf).
//   HsdsSubId(p, t, k)   if k is a UUID (any case): k in lower case;
//                        else Uuid5(kHsdsNamespace, p + "/" + t + "/" + k),
//                        for a row of table t (e.g. "phones") that belongs
//                        to the row whose HSDS id is p, with key k within it.
//   HsdsTaxonomyId(n)    Uuid5(kHsdsNamespace, "taxonomy/" + n).
//   HsdsTermId(t, c)     Uuid5(kHsdsNamespace, t + "/" + c), for code c of
//                        taxonomy t.
//
// All functions are pure and thread-safe.
#ifndef CIVHUB_NODE_RECORDS_HSDS_IDS_H_
#define CIVHUB_NODE_RECORDS_HSDS_IDS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace civhub::node {

// The namespace of every civhub HSDS id (see the file comment).
inline constexpr absl::string_view kHsdsNamespace =
    "8b9ba0ee-213d-5b8c-bc5a-a44eaa854304";

// The prefix of a record id that carries an HSDS id ("hsds-" + UUID).
inline constexpr absl::string_view kHsdsRecordIdPrefix = "hsds-";

// True if `s` is a UUID in text form: 8-4-4-4-12 hex digits (either case),
// nothing around it. Any version and variant.
bool IsUuid(absl::string_view s);

// `s` in lower case. `s` must be a UUID (IsUuid); other text is returned
// lower-cased as well, unchecked.
std::string NormalizeUuid(absl::string_view s);

// The RFC 4122 version-5 UUID of `name` in the namespace `namespace_uuid_text`
// (a UUID in text form, either case), in lower case. If the namespace is not
// a UUID, returns "" (callers pass constants).
std::string Uuid5(absl::string_view namespace_uuid_text,
                  absl::string_view name);

// The HSDS id of record `record_id` published by hub `hub_id` ("civhub1...").
std::string HsdsId(absl::string_view hub_id, absl::string_view record_id);

// The HSDS id of a row of `table` under the row `parent_hsds_id`, with key
// `key` within it (an index, a code, or an id the data already had).
std::string HsdsSubId(absl::string_view parent_hsds_id, absl::string_view table,
                      absl::string_view key);

// The HSDS id of the taxonomy named `name` (e.g. "civhub-topics").
std::string HsdsTaxonomyId(absl::string_view name);

// The HSDS id of the term `code` of the taxonomy named `taxonomy`.
std::string HsdsTermId(absl::string_view taxonomy, absl::string_view code);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORDS_HSDS_IDS_H_
