#ifndef CIVHUB_HSDS_CODES_H_
#define CIVHUB_HSDS_CODES_H_

// The codes an HSDS import derives from HSDS values: local topics,
// identifier schemes and languages (hsds/from_hsds uses them).

#include <string>

#include "absl/strings/string_view.h"

namespace civhub::hsds {

// A local topic code for an HSDS taxonomy term that is not one of civhub's
// (a term whose code already is a well-formed "x-" code keeps it):
// "x-" + the lower-case ASCII words of `text` joined by '-', at most 64
// bytes; "" if `text` has no letters or digits.
std::string LocalTopic(absl::string_view text);

// The org-id scheme for an identifier: `scheme` when it is one
// (XX-ABC: two capital letters, '-', capitals, digits, '-' or '_', 4-32
// characters), else "ZZ-" + the capitals of identifier_type joined by '-'
// ("Company number" -> "ZZ-COMPANY-NUMBER"), else "ZZ-UNKNOWN".
std::string IdentifierScheme(absl::string_view scheme,
                             absl::string_view identifier_type);

// The ISO 639-1 code of an HSDS language code: a two-letter code as is
// (lower-cased; a tag's language: "en-GB" -> "en"), an ISO 639-2 (T or B)
// or 639-3 code with a 639-1 equivalent mapped by ICU's data ("eng",
// "fre", "swh" -> "en", "fr", "sw"); "" if there is none.
std::string LanguageCode(absl::string_view code);

}  // namespace civhub::hsds

#endif  // CIVHUB_HSDS_CODES_H_
