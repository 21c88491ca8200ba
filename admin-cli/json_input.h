// Reading records from JSON files (the protobuf JSON mapping), with errors
// that name the file, the line and column, and the field path.
#ifndef CIVHUB_ADMIN_CLI_JSON_INPUT_H_
#define CIVHUB_ADMIN_CLI_JSON_INPUT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "civhub/v1/admin.pb.h"
#include "google/protobuf/message.h"

namespace civhub::ctl {

// Where in a JSON text an error is: 1-based line and column (in
// characters); 0 when it cannot be told.
struct JsonPosition {
  int line = 0;
  int column = 0;
};

// Parses `json` (a leading UTF-8 byte-order mark is skipped) into `message`.
// INVALID_ARGUMENT such as
//   "organization.locations[0].latitude: invalid value "abc" for type double",
//   "organization: unknown field "nmes" (check its spelling against ...)",
//   "not valid JSON: Expected , or } after key:value pair";
// `*where`, when given, is set to the error's position when it is known.
absl::Status ParseJson(absl::string_view json,
                       google::protobuf::Message* message,
                       JsonPosition* where = nullptr);

// Checks that `path` names a readable regular file: NOT_FOUND or
// INVALID_ARGUMENT "PATH: is a directory" / "PATH: cannot open: <strerror>".
absl::Status CheckInputFile(const std::string& path);

// Reads FILE as a PublishRequest: {"recordId": "...", "organization": {...}}
// (or "community"). Errors start with "FILE:" (and "LINE:COLUMN:" when
// known); a bare organization or community object gets a hint showing the
// wrapper.
absl::StatusOr<v1::PublishRequest> ReadPublishFile(const std::string& path);

}  // namespace civhub::ctl

#endif  // CIVHUB_ADMIN_CLI_JSON_INPUT_H_
