// ISO code tables: countries (3166-1 alpha-2), subdivisions (3166-2) and
// languages (639-1), generated from Debian's iso-codes by scripts/gen-tables.
// Lookups are exact and case-sensitive ("KE", "KE-30", "sw"). Thread-safe.
#ifndef CIVHUB_NODE_RECORDS_ISO_CODES_H_
#define CIVHUB_NODE_RECORDS_ISO_CODES_H_

#include <optional>
#include <vector>

#include "absl/strings/string_view.h"

namespace civhub::node {

bool IsCountryCode(absl::string_view code);
bool IsRegionCode(absl::string_view code);
bool IsLanguageCode(absl::string_view code);

// English short names, for display.
std::optional<absl::string_view> CountryName(absl::string_view code);
std::optional<absl::string_view> LanguageName(absl::string_view code);

// Every code of each table, sorted (the web directory's filter options).
std::vector<absl::string_view> CountryCodes();
std::vector<absl::string_view> RegionCodes();
std::vector<absl::string_view> LanguageCodes();

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORDS_ISO_CODES_H_
