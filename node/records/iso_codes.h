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

// Countries by name, for people who type one where a code is asked for.
// The names looked at: the table's English short names, and ICU's names
// of each country in Arabic, Chinese, Dutch, English, French, German,
// Italian, Portuguese, Russian, Spanish and Swahili with its other names
// there ("Ivory Coast",
// "Swaziland", "UK", "EE. UU."); each compared as words folded as search
// folds text (case, accents: "KENIA", "Pérou").

// The country `name` stands for, if it stands for one: an ISO 3166-1
// alpha-3 code ("KEN", "usa"); else the one country with a name that is
// the words of `name` ("Kenya", "Perú", "肯尼亚", "Sudan") unless another
// has an English name beginning with them ("Congo": Congo, and "Congo,
// The Democratic Republic of the"); else the one with a name beginning
// with them; else the one with a name holding them ("Burma" in "Myanmar
// (Burma)"). nullopt if none, or several ("Congo", "Korea").
std::optional<absl::string_view> CountryWithName(absl::string_view name);

// A country as a person gives it: its code in either case ("ke"), or
// CountryWithName. nullopt if neither.
std::optional<absl::string_view> CountryCodeFor(absl::string_view value);

// The countries a person may have meant by `name`, sorted by code: every
// country CountryWithName would choose among ("congo": CD, CG); if none,
// those with a name in which the words of `name` begin consecutive words
// (3 letters or more: "tanz", "korea" for North and South Korea) or that
// hold all of its words ("Democratic Republic of the Congo"); if none,
// those one edit away (two for names over 6 letters: "Kenyaa"); if none,
// the same for its words that are words of some country's name ("DR
// Congo": CD, CG). Empty if nothing matches.
std::vector<absl::string_view> CountriesNamed(absl::string_view name);

// For an error about `value` where a country code was expected: "; Kenya
// is KE" (CountryWithName) or "; did you mean CD (Congo, The Democratic
// Republic of the) or CG (Congo)?" (CountriesNamed), or "" if no country,
// or more than five, are named so.
std::string CountryCodeHint(absl::string_view value);

// Every code of each table, sorted (the web directory's filter options).
std::vector<absl::string_view> CountryCodes();
std::vector<absl::string_view> RegionCodes();
std::vector<absl::string_view> LanguageCodes();

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORDS_ISO_CODES_H_
