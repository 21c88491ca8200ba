// What the HSDS readers (package_reader.cc, json_reader.cc) and the
// mapper (from_hsds.cc) share. Private to hsds/.
#ifndef CIVHUB_HSDS_INTERNAL_READING_H_
#define CIVHUB_HSDS_INTERNAL_READING_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hsds/package_reader.h"

namespace civhub::hsds::internal {

// `value` for a problem line: at most 80 bytes, cut between UTF-8
// sequences, "..." where cut.
std::string Shorten(absl::string_view value);

// Appends a problem at `where` (the row's "file:line"), `id` and `value`
// shortened.
void AddProblem(std::vector<Problem>* problems, const std::string& where,
                absl::string_view id, std::string field,
                absl::string_view value, std::string reason,
                bool skipped = false);

// `s` without the ASCII whitespace around it.
std::string Trimmed(absl::string_view s);

// JSON into `message` (unknown fields ignored), protobuf's status made
// absl's (its first line).
absl::Status ParseJson(absl::string_view json,
                       google::protobuf::Message* message);

// Counts `count` values of `key` ("table.field") not kept, first at `where`.
void CountNotKept(Package* package, const std::string& key,
                  absl::string_view where, int64_t count = 1);

// "ServiceAtLocation" -> "service_at_location": the HSDS table of a message.
std::string TableOf(const google::protobuf::Descriptor* d);

// The whole file; NOT_FOUND if it cannot be read, INVALID_ARGUMENT past
// `limit` bytes.
absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path,
                                     size_t limit);

// An HSDS JSON file (json_reader.cc): one document (an object or a paged
// list) or newline-delimited JSON, flattened into a package's tables.
absl::StatusOr<Package> ReadJsonFile(const std::filesystem::path& path);

}  // namespace civhub::hsds::internal

#endif  // CIVHUB_HSDS_INTERNAL_READING_H_
