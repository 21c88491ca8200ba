#include "hsds/codes.h"

#include <unicode/locid.h>

#include <algorithm>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "node/records/iso_codes.h"
#include "node/records/taxonomy.h"

namespace civhub::hsds {

namespace {

// `prefix` and then each run of the characters of `text` that `in_word`
// accepts, `fold`ed and each after a '-', cut to `max_size` bytes without
// a '-' at the end ("x" + "Food Pantry" -> "x-food-pantry").
std::string JoinedWords(absl::string_view prefix, absl::string_view text,
                        bool (*in_word)(unsigned char),
                        char (*fold)(unsigned char), size_t max_size) {
  std::string out(prefix);
  bool gap = true;
  for (char c : text) {
    if (!in_word(static_cast<unsigned char>(c))) {
      gap = true;
      continue;
    }
    if (gap) out.push_back('-');
    out.push_back(fold(static_cast<unsigned char>(c)));
    gap = false;
  }
  if (out.size() > max_size) {
    out.resize(max_size);
    while (out.back() == '-') out.pop_back();
  }
  return out;
}

}  // namespace

std::string LocalTopic(absl::string_view text) {
  std::string out =
      JoinedWords("x", text, absl::ascii_isalnum, absl::ascii_tolower, 64);
  if (out == "x") return "";
  return node::IsWellFormedCode(out) ? out : "";
}

std::string IdentifierScheme(absl::string_view scheme,
                             absl::string_view identifier_type) {
  bool ok = scheme.size() >= 4 && scheme.size() <= 32 && scheme[2] == '-';
  for (size_t k = 0; ok && k < scheme.size(); ++k) {
    char c = scheme[k];
    ok = k == 2 || absl::ascii_isupper(c) ||
         (k > 2 && (absl::ascii_isdigit(c) || c == '-' || c == '_'));
  }
  if (ok) return std::string(scheme);
  std::string out = JoinedWords("ZZ", identifier_type, absl::ascii_isalpha,
                                absl::ascii_toupper, 32);
  return out == "ZZ" ? "ZZ-UNKNOWN" : out;
}

std::string LanguageCode(absl::string_view code) {
  std::string c = absl::AsciiStrToLower(absl::StripAsciiWhitespace(code));
  // A tag such as "en-GB": its language.
  c = c.substr(0, c.find_first_of("-_"));
  if (c.size() == 2) return node::IsLanguageCode(c) ? c : "";
  if (c.size() != 3 || !std::all_of(c.begin(), c.end(), absl::ascii_isalpha)) {
    return "";
  }
  // ISO 639-2/T codes ("eng", "tgl"), as ICU gives each ISO 639-1
  // language's.
  static const auto* kTerminology = [] {
    auto* codes = new absl::flat_hash_map<std::string, std::string>();
    for (absl::string_view two : node::LanguageCodes()) {
      const std::string code(two);
      codes->emplace(icu::Locale(code.c_str()).getISO3Language(), code);
    }
    return codes;
  }();
  if (auto it = kTerminology->find(c); it != kTerminology->end()) {
    return it->second;
  }
  // 639-2/B codes ("fre", "ger") and 639-3 codes of a macrolanguage's
  // members ("swh", "cmn", "arb"): ICU's language aliases (CLDR's).
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale canonical(c.c_str());
  canonical.canonicalize(status);
  const char* language = canonical.getLanguage();
  if (U_SUCCESS(status) && std::strlen(language) == 2 &&
      node::IsLanguageCode(language)) {
    return language;
  }
  return "";
}

}  // namespace civhub::hsds
