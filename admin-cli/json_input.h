// Reading records from JSON files (the protobuf JSON mapping), with errors
// that name the file and the field path.
#ifndef CIVHUB_ADMIN_CLI_JSON_INPUT_H_
#define CIVHUB_ADMIN_CLI_JSON_INPUT_H_

#include <string>

#include "absl/status/statusor.h"
#include "civhub/v1/admin.pb.h"
#include "google/protobuf/message.h"

namespace civhub::ctl {

// Parses `json` into `message`. INVALID_ARGUMENT such as
// "organization.locations[0].latitude: invalid value "abc" for type double"
// or "organization.nmes: unknown field".
absl::Status ParseJson(const std::string& json,
                       google::protobuf::Message* message);

// Reads FILE as a PublishRequest: {"recordId": "...", "organization": {...}}
// (or "community"). Errors start with the file name.
absl::StatusOr<v1::PublishRequest> ReadPublishFile(const std::string& path);

}  // namespace civhub::ctl

#endif  // CIVHUB_ADMIN_CLI_JSON_INPUT_H_
