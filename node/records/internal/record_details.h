// The pieces of a record's summary and details that more than one kind's
// functions use (record_kinds.cc, matchmaking_kinds.cc). Private to
// node/records/. Thread-safe: pure functions.
#ifndef CIVHUB_NODE_RECORDS_INTERNAL_RECORD_DETAILS_H_
#define CIVHUB_NODE_RECORDS_INTERNAL_RECORD_DETAILS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "civhub/v1/record.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "node/records/record_kinds.h"

namespace civhub::node::internal {

// "Nairobi, KE-30": the city and the region (or the country).
std::string PlaceOf(const v1::Location& l);

// "Kibera office: Olympic Rd, Nairobi, KE-30, KE (-1.3133, 36.7876)".
std::string LocationLine(const v1::Location& l);

// Appends a detail labelled `label` to `out`: one line `value`, or none if
// `value` is empty.
void Add(absl::string_view label, std::string value,
         std::vector<RecordDetail>* out);

// Appends a detail labelled `label` to `out` with a line "[lang] text" per
// text.
void AddLocalized(
    absl::string_view label,
    const google::protobuf::RepeatedPtrField<v1::LocalizedText>& texts,
    std::vector<RecordDetail>* out);

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_RECORDS_INTERNAL_RECORD_DETAILS_H_
