#include "node/records/iso_codes.h"

#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <iterator>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "node/records/record_kinds.h"
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
};

// Every name CountriesNamed looks at; built on first use (a few
// milliseconds), then read-only.
const std::vector<NamedCountry>& CountryNames() {
  static const std::vector<NamedCountry>* const names = [] {
    static constexpr const char* kNameLanguages[] = {"ar", "en", "es", "fr",
                                                     "pt", "ru", "sw", "zh"};
    auto* out = new std::vector<NamedCountry>;
    for (const CodeName& e : kCountries) {
      out->push_back({Tokenize(e.name), e.code});
      const icu::Locale country("", e.code);
      for (const char* language : kNameLanguages) {
        icu::UnicodeString display;
        country.getDisplayCountry(icu::Locale(language), display);
        std::string utf8;
        display.toUTF8String(utf8);
        // ICU gives the code back for a country it has no name for.
        if (utf8 != e.code) out->push_back({Tokenize(utf8), e.code});
      }
    }
    return out;
  }();
  return *names;
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

}  // namespace

std::vector<absl::string_view> CountriesNamed(absl::string_view name) {
  const std::vector<std::string> words = Tokenize(name);
  if (words.empty()) return {};
  size_t letters = 0;
  for (const std::string& w : words) letters += CodePointCount(w);
  std::vector<absl::string_view> exact, begun;
  for (const NamedCountry& c : CountryNames()) {
    if (c.words == words) {
      exact.push_back(c.code);
    } else if (letters >= 3 && BeginsWords(words, c.words)) {
      begun.push_back(c.code);
    }
  }
  std::vector<absl::string_view>& out = exact.empty() ? begun : exact;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::optional<absl::string_view> CountryWithName(absl::string_view name) {
  const std::vector<std::string> words = Tokenize(name);
  std::optional<absl::string_view> found;
  for (const NamedCountry& c : CountryNames()) {
    if (words.empty() || c.words != words) continue;
    if (found.has_value() && *found != c.code) return std::nullopt;
    found = c.code;
  }
  return found;
}

std::string CountryCodeHint(absl::string_view value) {
  const std::vector<absl::string_view> codes = CountriesNamed(value);
  // More than a handful is a guess, not a hint ("uni").
  if (codes.empty() || codes.size() > 5) return "";
  if (codes.size() == 1) {
    return absl::StrCat("; ", *CountryName(codes[0]), " is ", codes[0]);
  }
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
