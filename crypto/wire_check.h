// Says why serialized protobuf bytes do not parse as a message, naming the
// field: protobuf's parser only answers false (and logs the field name for
// invalid UTF-8, at ERROR, where a sender could fill the log with it).
#ifndef CIVHUB_CRYPTO_WIRE_CHECK_H_
#define CIVHUB_CRYPTO_WIRE_CHECK_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace civhub::crypto {

struct WireProblem {
  std::string field;  // "organization.names[0].text"; "" for the message.
  std::string what;   // "not valid UTF-8", "wrong wire type", ...
};

// The first problem in `bytes` read as a `type` message: invalid UTF-8 in a
// string field, a field of the wrong wire type, bytes truncated or
// malformed, nesting deeper than protobuf's limit (100). Unknown fields are
// skipped (their bytes only have to be well formed). nullopt if none.
std::optional<WireProblem> FindWireProblem(
    const google::protobuf::Descriptor* type, absl::string_view bytes);

}  // namespace civhub::crypto

#endif  // CIVHUB_CRYPTO_WIRE_CHECK_H_
