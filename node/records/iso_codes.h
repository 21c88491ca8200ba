// ISO code tables: countries (3166-1 alpha-2), subdivisions (3166-2) and
// languages (639-1), generated from Debian's iso-codes by scripts/gen-tables.
// Lookups are exact and case-sensitive ("KE", "KE-30", "sw"). Thread-safe.
#ifndef CIVHUB_NODE_RECORDS_ISO_CODES_H_
#define CIVHUB_NODE_RECORDS_ISO_CODES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace civhub::node {

bool IsCountryCode(absl::string_view code);
bool IsRegionCode(absl::string_view code);
bool IsLanguageCode(absl::string_view code);

// English short names, for display.
std::optional<absl::string_view> CountryName(absl::string_view code);
std::optional<absl::string_view> LanguageName(absl::string_view code);

// The countries a person may have meant by `name` when a code was asked
// for ("kenya", "Kenia", "Perú", "肯尼亚"): the codes whose English short
// name, or ICU's name for the country in Arabic, Chinese, English, French,
// Portuguese, Russian, Spanish or Swahili, has the same words as `name` once
// folded as search folds text (case, accents). If none does, those with a
// name in which the words of `name` begin consecutive words (3 letters or
// more: "tanz", "korea" for North and South Korea). Sorted by code; empty
// if nothing matches.
std::vector<absl::string_view> CountriesNamed(absl::string_view name);

// The one country whose name, in one of the languages CountriesNamed looks
// at, has the words of `name` ("Kenya", "KENIA", "Pérou"); nullopt if none
// or several do.
std::optional<absl::string_view> CountryWithName(absl::string_view name);

// For an error about `value` where a country code was expected: "; Kenya
// is KE" or "; did you mean CD (Congo - Kinshasa) or CG (Congo -
// Brazzaville)?" from CountriesNamed, or "" if no country, or more than
// five, are named so.
std::string CountryCodeHint(absl::string_view value);

// Every code of each table, sorted (the web directory's filter options).
std::vector<absl::string_view> CountryCodes();
std::vector<absl::string_view> RegionCodes();
std::vector<absl::string_view> LanguageCodes();

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORDS_ISO_CODES_H_
