#include "node/records/iso_codes.h"

#include <unicode/locid.h>
#include <unicode/udata.h>
#include <unicode/unistr.h>
#include <unicode/ures.h>
#include <unicode/utypes.h>

#include <algorithm>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/records/record_kinds.h"
#include "node/records/taxonomy.h"
#include "node/records/text.h"

namespace civhub::node {
namespace {

struct CodeName {
  const char* code;
  const char* name;
};

#include "node/records/internal/iso_tables.inc"

template <size_t N>
const CodeName* FindCode(const CodeName (&table)[N], absl::string_view code) {
  const CodeName* it = std::lower_bound(
      std::begin(table), std::end(table), code,
      [](const CodeName& e, absl::string_view c) { return e.code < c; });
  if (it != std::end(table) && it->code == code) return it;
  return nullptr;
}

// A country's name as words folded for search, and its code.
struct NamedCountry {
  std::vector<std::string> words;
  absl::string_view code;
  bool english;  // The table's name, or ICU's in English.
};

// The languages whose names of countries are looked at: the directory's
// own (docs/api.md), and others that hosts' data is often written in.
constexpr const char* kNameLanguages[] = {"ar", "de", "en", "es", "fr", "it",
                                          "nl", "pt", "ru", "sw", "zh"};

// Every name of a country in kCountries: the table's, ICU's display name
// in each of kNameLanguages, and ICU's other names there ("Ivory Coast",
// "Swaziland", "UK", "Congo (DRC)": its region data's Countries%variant
// and Countries%short). Built on first use (a few milliseconds), then
// read-only.
const std::vector<NamedCountry>& CountryNames() {
  static const std::vector<NamedCountry>* const names = [] {
    auto* out = new std::vector<NamedCountry>;
    auto add = [out](absl::string_view code, const icu::UnicodeString& name,
                     absl::string_view language) {
      std::string utf8;
      name.toUTF8String(utf8);
      // ICU gives the code back for a country it has no name for.
      if (utf8 != code && !utf8.empty()) {
        out->push_back({Tokenize(utf8), code, language == "en"});
      }
    };
    // ISO 3166's own names, as data written from it carries them
    // ("Tanzania, United Republic of", "Plurinational State of Bolivia";
    // found in a trial: they were refused without a hint).
    for (const CodeName& e : kCountryOtherNames) {
      out->push_back({Tokenize(e.name), e.code, true});
    }
    for (const CodeName& e : kCountries) {
      out->push_back({Tokenize(e.name), e.code, true});
      const icu::Locale country("", e.code);
      for (const char* language : kNameLanguages) {
        icu::UnicodeString display;
        country.getDisplayCountry(icu::Locale(language), display);
        add(e.code, display, language);
      }
    }
    for (const char* language : kNameLanguages) {
      UErrorCode status = U_ZERO_ERROR;
      UResourceBundle* region = ures_open(
          U_ICUDATA_NAME U_TREE_SEPARATOR_STRING "region", language, &status);
      for (const char* table : {"Countries%variant", "Countries%short"}) {
        UErrorCode table_status = status;
        UResourceBundle* names =
            ures_getByKey(region, table, nullptr, &table_status);
        while (U_SUCCESS(table_status) && ures_hasNext(names)) {
          const char* key = nullptr;
          int32_t length = 0;
          const UChar* name =
              ures_getNextString(names, &length, &key, &table_status);
          const CodeName* e = U_SUCCESS(table_status) && key != nullptr
                                  ? FindCode(kCountries, key)
                                  : nullptr;
          if (e != nullptr) {
            add(e->code, icu::UnicodeString(name, length), language);
          }
        }
        ures_close(names);
      }
      ures_close(region);
    }
    return out;
  }();
  return *names;
}

// Where `words` sit in `name`, as whole words.
enum class WordsIn { kNowhere, kWhole, kStart, kInside };

WordsIn FindWords(const std::vector<std::string>& words,
                  const std::vector<std::string>& name) {
  if (words.empty() || words.size() > name.size()) return WordsIn::kNowhere;
  for (size_t at = 0; at + words.size() <= name.size(); ++at) {
    if (std::equal(words.begin(), words.end(), name.begin() + at)) {
      if (at > 0) return WordsIn::kInside;
      return words.size() == name.size() ? WordsIn::kWhole : WordsIn::kStart;
    }
  }
  return WordsIn::kNowhere;
}

// True if `words` begin consecutive words of the name, anywhere in it
// ("korea" in "north korea", "rep dom" in "rep dominicana").
bool BeginsWords(const std::vector<std::string>& words,
                 const std::vector<std::string>& name) {
  for (size_t at = 0; at + words.size() <= name.size(); ++at) {
    size_t i = 0;
    while (i < words.size() && absl::StartsWith(name[at + i], words[i])) ++i;
    if (i == words.size()) return true;
  }
  return false;
}

// True if every one of `words` is a word of the name, in any order
// ("democratic republic of the congo" in "congo the democratic republic
// of the").
bool HasEveryWord(const std::vector<std::string>& words,
                  const std::vector<std::string>& name) {
  for (const std::string& w : words) {
    if (std::find(name.begin(), name.end(), w) == name.end()) return false;
  }
  return true;
}

// The ISO 3166-1 alpha-2 code of alpha-3 `code` ("KEN", "usa"), if any.
std::optional<absl::string_view> Alpha3Country(absl::string_view code) {
  if (code.size() != 3) return std::nullopt;
  const std::string upper = absl::AsciiStrToUpper(code);
  for (const CodeName& e : kCountries) {
    if (upper == icu::Locale("", e.code).getISO3Country()) {
      return absl::string_view(e.code);
    }
  }
  return std::nullopt;
}

// Sorted, each once.
std::vector<absl::string_view> Unique(std::vector<absl::string_view> codes) {
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  return codes;
}

// The countries `words` name for sure: those with a name that is the
// words, and those with an English name beginning with them ("congo":
// Congo, and "Congo, The Democratic Republic of the"; but "sudan" is not
// South Sudan, though Swahili says "Sudan Kusini"); if none, those with a
// name in any language beginning with them ("korea": "Korea Kaskazini",
// "Korea Kusini"); if none, those with a name holding them ("burma":
// "Myanmar (Burma)").
std::vector<absl::string_view> CountriesCalled(
    const std::vector<std::string>& words) {
  std::vector<absl::string_view> named, begun, holding;
  for (const NamedCountry& c : CountryNames()) {
    switch (FindWords(words, c.words)) {
      case WordsIn::kWhole:
        named.push_back(c.code);
        break;
      case WordsIn::kStart:
        begun.push_back(c.code);
        break;
      case WordsIn::kInside:
        holding.push_back(c.code);
        break;
      case WordsIn::kNowhere:
        break;
    }
  }
  if (!named.empty()) {
    for (const NamedCountry& c : CountryNames()) {
      if (c.english && FindWords(words, c.words) == WordsIn::kStart) {
        named.push_back(c.code);
      }
    }
    return Unique(std::move(named));
  }
  return Unique(begun.empty() ? std::move(holding) : std::move(begun));
}

// CountriesNamed of the words of a name.
std::vector<absl::string_view> CountriesNamedBy(
    const std::vector<std::string>& words) {
  if (std::vector<absl::string_view> called = CountriesCalled(words);
      !called.empty()) {
    return called;
  }
  size_t letters = 0;
  for (const std::string& w : words) letters += CodePointCount(w);
  std::vector<absl::string_view> begun;
  for (const NamedCountry& c : CountryNames()) {
    if ((letters >= 3 && BeginsWords(words, c.words)) ||
        (words.size() >= 2 && HasEveryWord(words, c.words))) {
      begun.push_back(c.code);
    }
  }
  if (!begun.empty()) return Unique(std::move(begun));
  // A slip of the keys ("Kenyaa", "Tanzanai"): one edit in a short name,
  // two in a longer one.
  if (letters < 4) return {};
  const std::string joined = absl::StrJoin(words, " ");
  const size_t limit = letters <= 6 ? 1 : 2;
  std::vector<absl::string_view> near;
  for (const NamedCountry& c : CountryNames()) {
    const std::string other = absl::StrJoin(c.words, " ");
    if (other.size() <= joined.size() + limit &&
        joined.size() <= other.size() + limit &&
        EditDistance(joined, other) <= limit) {
      near.push_back(c.code);
    }
  }
  return Unique(std::move(near));
}

}  // namespace

std::vector<absl::string_view> CountriesNamed(absl::string_view name) {
  if (std::optional<absl::string_view> code = Alpha3Country(name)) {
    return {*code};
  }
  const std::vector<std::string> words = Tokenize(name);
  if (words.empty()) return {};
  if (std::vector<absl::string_view> named = CountriesNamedBy(words);
      !named.empty()) {
    return named;
  }
  // Words of no country's name set aside ("dr" of "DR Congo"), the rest
  // may still name some (found in a trial: "DR Congo" got no hint).
  std::vector<std::string> known;
  for (const std::string& w : words) {
    for (const NamedCountry& c : CountryNames()) {
      if (std::find(c.words.begin(), c.words.end(), w) != c.words.end()) {
        known.push_back(w);
        break;
      }
    }
  }
  if (known.empty() || known.size() == words.size()) return {};
  return CountriesNamedBy(known);
}

std::optional<absl::string_view> CountryWithName(absl::string_view name) {
  if (std::optional<absl::string_view> code = Alpha3Country(name)) {
    return code;
  }
  const std::vector<std::string> words = Tokenize(name);
  if (words.empty()) return std::nullopt;
  std::vector<absl::string_view> called = CountriesCalled(words);
  if (called.size() != 1) return std::nullopt;
  return called[0];
}

std::optional<absl::string_view> CountryCodeFor(absl::string_view value) {
  const std::string upper = absl::AsciiStrToUpper(value);
  if (const CodeName* e = FindCode(kCountries, upper); e != nullptr) {
    return absl::string_view(e->code);
  }
  return CountryWithName(value);
}

std::string CountryCodeHint(absl::string_view value) {
  if (std::optional<absl::string_view> code = CountryWithName(value)) {
    return absl::StrCat("; ", *CountryName(*code), " is ", *code);
  }
  const std::vector<absl::string_view> codes = CountriesNamed(value);
  // More than a handful is a guess, not a hint ("island").
  if (codes.empty() || codes.size() > 5) return "";
  std::vector<std::string> choices;
  for (absl::string_view code : codes) {
    choices.push_back(absl::StrCat(code, " (", *CountryName(code), ")"));
  }
  return absl::StrCat("; did you mean ", JoinAlternatives(choices), "?");
}

bool IsCountryCode(absl::string_view code) {
  return FindCode(kCountries, code) != nullptr;
}

bool IsRegionCode(absl::string_view code) {
  return std::binary_search(
      std::begin(kRegions), std::end(kRegions), code,
      [](absl::string_view a, absl::string_view b) { return a < b; });
}

bool IsLanguageCode(absl::string_view code) {
  return FindCode(kLanguages, code) != nullptr;
}

std::optional<absl::string_view> CountryName(absl::string_view code) {
  const CodeName* e = FindCode(kCountries, code);
  if (e == nullptr) return std::nullopt;
  return absl::string_view(e->name);
}

std::optional<absl::string_view> LanguageName(absl::string_view code) {
  const CodeName* e = FindCode(kLanguages, code);
  if (e == nullptr) return std::nullopt;
  return absl::string_view(e->name);
}

std::vector<absl::string_view> CountryCodes() {
  std::vector<absl::string_view> out;
  for (const CodeName& e : kCountries) out.push_back(e.code);
  return out;
}

std::vector<absl::string_view> RegionCodes() {
  return std::vector<absl::string_view>(std::begin(kRegions),
                                        std::end(kRegions));
}

std::vector<absl::string_view> LanguageCodes() {
  std::vector<absl::string_view> out;
  for (const CodeName& e : kLanguages) out.push_back(e.code);
  return out;
}

}  // namespace civhub::node
