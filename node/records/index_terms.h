// What a record contributes to the search indexes. Derived from the body
// alone, so the entries of an old version can be recomputed and removed when
// a newer version replaces it. Thread-safe: pure functions.
#ifndef CIVHUB_NODE_RECORDS_INDEX_TERMS_H_
#define CIVHUB_NODE_RECORDS_INDEX_TERMS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "civhub/v1/record.pb.h"
#include "leveldb/write_batch.h"
#include "node/records/payload_terms.h"  // MemberKey

namespace civhub::node {

// Weight of a text token by where it occurs; a token keeps its best weight.
inline constexpr uint8_t kWeightName = 3;  // names, acronym, alternate name
inline constexpr uint8_t kWeightText = 1;  // descriptions, missions

struct IndexTerms {
  std::map<std::string, uint8_t> tokens;
  std::set<std::pair<char, std::string>> filters;  // (keys::kField*, value)
  std::vector<std::pair<double, double>> points;   // (lat, lon)
};

// The kind's posting (record_kinds.h), the "every live record" posting if
// the kind is searchable, and the payload's terms. Tombstones have no terms:
// deleted records are not searchable.
IndexTerms DeriveIndexTerms(const v1::RecordBody& body);

// Adds (or, with `remove`, deletes) the postings of `terms` for `doc`.
void WriteIndexEntries(uint64_t doc, const IndexTerms& terms, bool remove,
                       leveldb::WriteBatch* batch);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORDS_INDEX_TERMS_H_
