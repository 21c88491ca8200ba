// What the HSDS mapping checks of each record it maps (from_hsds.cc's
// Mapper): the record validated as the hub will validate it when it is
// published, and the value a validation error names taken out, so that the
// rest of the record can still be published. Private to hsds/.
#ifndef CIVHUB_HSDS_INTERNAL_MAPPED_CHECK_H_
#define CIVHUB_HSDS_INTERNAL_MAPPED_CHECK_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "civhub/v1/admin.pb.h"

namespace civhub::hsds::internal {

// Checks `mapped` as the hub will publish it (node::ValidateRecordBody,
// strict taxonomy), as a placeholder hub's record: an empty reference
// origin is taken as that hub's. The error's message starts with the
// field's path ("organization.phones[1].number: ...").
absl::Status ValidateAsPublished(const v1::PublishRequest& mapped);
// The same, borrowing `*mapped`'s payload rather than copying it: it is
// back in place, unchanged, when this returns.
absl::Status ValidateAsPublished(v1::PublishRequest* mapped);

// Removes what the validation error path `path` names from `request`: the
// innermost list element on the path ("service.phones[1].number" removes
// phones[1]), or the field itself if there is none. Sets `*value` to the
// value when it is text. False if the path does not name a field.
bool RemoveAtPath(absl::string_view path, v1::PublishRequest* request,
                  std::string* value);

}  // namespace civhub::hsds::internal

#endif  // CIVHUB_HSDS_INTERNAL_MAPPED_CHECK_H_
