// Pieces of URLs and addresses the HTTP server takes apart.
#ifndef CIVHUB_HTTP_URL_H_
#define CIVHUB_HTTP_URL_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace civhub::http {

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in a
// query). False if an escape is malformed.
bool PercentDecode(absl::string_view in, bool plus_is_space, std::string* out);

// Escapes everything but unreserved characters (RFC 3986).
std::string PercentEncode(absl::string_view in);

// Splits an origin-form target ("/v1/search?text=a%20b") into its decoded
// path and query parameters. False if it does not start with '/' or an
// escape is malformed.
bool ParseTarget(absl::string_view target, std::string* path,
                 std::vector<std::pair<std::string, std::string>>* query);

// "HOST:PORT" or "[IPV6]:PORT" into host (no brackets) and port. False if
// either is missing.
bool SplitHostPort(absl::string_view address, std::string* host,
                   std::string* port);

}  // namespace civhub::http

#endif  // CIVHUB_HTTP_URL_H_
