#include "node/records/internal/field_checks.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "crypto/keys.h"
#include "node/records/iso_codes.h"
#include "node/records/record_kinds.h"
#include "node/records/taxonomy.h"
#include "node/records/text.h"
#include "node/records/validate.h"

namespace civhub::node::internal {
using google::protobuf::RepeatedPtrField;

absl::Status Invalid(absl::string_view path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

std::string Quoted(absl::string_view s) {
  if (s.size() > 40) return absl::StrCat("\"", s.substr(0, 37), "...\"");
  return absl::StrCat("\"", s, "\"");
}

std::string At(absl::string_view path, size_t i) {
  return absl::StrCat(path, "[", i, "]");
}

// Free text: valid UTF-8, at most `max_chars` code points, no control
// characters except newlines and tabs where `multiline`.
absl::Status CheckText(absl::string_view path, absl::string_view text,
                       size_t max_chars, bool multiline) {
  if (!IsValidUtf8(text)) return Invalid(path, "is not valid UTF-8");
  size_t chars = CodePointCount(text);
  if (chars > max_chars) {
    return Invalid(path, absl::StrCat("has ", chars,
                                      " characters; the limit is ", max_chars));
  }
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      if (multiline && (c == '\n' || c == '\t' || c == '\r')) continue;
      return Invalid(path, "contains a control character");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckRequiredText(absl::string_view path, absl::string_view text,
                               size_t max_chars, bool multiline) {
  if (absl::StripAsciiWhitespace(text).empty()) {
    return Invalid(path, "is required");
  }
  return CheckText(path, text, max_chars, multiline);
}

absl::Status CheckLanguage(absl::string_view path, absl::string_view code) {
  if (code.empty())
    return Invalid(path, "is required (an ISO 639-1 code such as \"en\")");
  if (!IsLanguageCode(code)) {
    return Invalid(
        path, absl::StrCat(Quoted(code), " is not an ISO 639-1 language code"));
  }
  return absl::OkStatus();
}

absl::Status CheckCountry(absl::string_view path, absl::string_view code) {
  if (!IsCountryCode(code)) {
    return Invalid(
        path, absl::StrCat(Quoted(code), " is not an ISO 3166-1 alpha-2 code",
                           CountryCodeHint(code)));
  }
  return absl::OkStatus();
}

// An ISO 3166-1 alpha-2 country or an ISO 3166-2 subdivision.
absl::Status CheckArea(absl::string_view path, absl::string_view code) {
  if (IsCountryCode(code) || IsRegionCode(code)) return absl::OkStatus();
  return Invalid(path, absl::StrCat(Quoted(code),
                                    " is neither an ISO 3166-1 alpha-2 nor an "
                                    "ISO 3166-2 code"));
}

absl::Status CheckLocalizedTexts(
    absl::string_view path, const RepeatedPtrField<v1::LocalizedText>& list,
    size_t max_chars, bool required, bool multiline) {
  if (required && list.empty()) {
    return Invalid(path, "at least one entry is required");
  }
  if (static_cast<size_t>(list.size()) > kMaxLanguages) {
    return Invalid(path,
                   absl::StrCat("has ", list.size(), " entries; the limit is ",
                                kMaxLanguages));
  }
  std::set<std::string> langs;
  for (int i = 0; i < list.size(); ++i) {
    std::string item = At(path, i);
    if (absl::Status s =
            CheckLanguage(absl::StrCat(item, ".lang"), list[i].lang());
        !s.ok()) {
      return s;
    }
    if (!langs.insert(list[i].lang()).second) {
      return Invalid(absl::StrCat(item, ".lang"),
                     absl::StrCat("language ", Quoted(list[i].lang()),
                                  " appears more than once"));
    }
    if (absl::Status s = CheckRequiredText(
            absl::StrCat(item, ".text"), list[i].text(), max_chars, multiline);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// Codes from taxonomy.h: unique, well-formed, and publishable when strict.
absl::Status CheckCodes(absl::string_view path,
                        const RepeatedPtrField<std::string>& codes,
                        bool (*publishable)(absl::string_view), bool strict,
                        absl::string_view list_name) {
  if (static_cast<size_t>(codes.size()) > kMaxListItems) {
    return Invalid(path,
                   absl::StrCat("has ", codes.size(), " entries; the limit is ",
                                kMaxListItems));
  }
  std::set<absl::string_view> seen;
  for (int i = 0; i < codes.size(); ++i) {
    const std::string& code = codes[i];
    if (!IsWellFormedCode(code)) {
      // "Website", "Web Development": the code a person meant, if listed.
      std::string meant = absl::AsciiStrToLower(code);
      absl::StrReplaceAll({{" ", "-"}, {"_", "-"}}, &meant);
      const bool listed = IsWellFormedCode(meant) && publishable(meant) &&
                          !absl::StartsWith(meant, "x-");
      return Invalid(
          At(path, i),
          absl::StrCat(Quoted(code),
                       " is not a code (lower-case words joined "
                       "by '-'",
                       listed
                           ? absl::StrCat("): did you mean ", meant, "?")
                           : absl::StrCat(", such as \"disaster-response\")")));
    }
    if (strict && !publishable(code)) {
      return Invalid(At(path, i),
                     absl::StrCat(Quoted(code), " is not a known ", list_name,
                                  " (see docs/api.md, \"Taxonomy\"; local "
                                  "extensions start with \"x-\")"));
    }
    if (!seen.insert(code).second) {
      return Invalid(At(path, i),
                     absl::StrCat(Quoted(code), " appears more than once"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckUniqueList(absl::string_view path,
                             const RepeatedPtrField<std::string>& items,
                             absl::Status (*check)(absl::string_view,
                                                   absl::string_view)) {
  if (static_cast<size_t>(items.size()) > kMaxListItems) {
    return Invalid(path,
                   absl::StrCat("has ", items.size(), " entries; the limit is ",
                                kMaxListItems));
  }
  std::set<absl::string_view> seen;
  for (int i = 0; i < items.size(); ++i) {
    if (absl::Status s = check(At(path, i), items[i]); !s.ok()) return s;
    if (!seen.insert(items[i]).second) {
      return Invalid(At(path, i),
                     absl::StrCat(Quoted(items[i]), " appears more than once"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckUrl(absl::string_view path, absl::string_view url) {
  if (url.empty()) return absl::OkStatus();
  if (url.size() > 2048) return Invalid(path, "is longer than 2048 bytes");
  absl::string_view rest;
  if (absl::StartsWith(url, "https://")) {
    rest = url.substr(8);
  } else if (absl::StartsWith(url, "http://")) {
    rest = url.substr(7);
  } else {
    return Invalid(path, absl::StrCat(Quoted(url),
                                      " must start with https:// or http://"));
  }
  absl::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = host.rfind('@'); at != absl::string_view::npos) {
    return Invalid(path,
                   absl::StrCat(Quoted(url), " must not contain credentials"));
  }
  if (size_t colon = host.rfind(':');
      colon != absl::string_view::npos &&
      host.find(']') == absl::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (host.empty())
    return Invalid(path, absl::StrCat(Quoted(url), " has no host"));
  for (char c : url) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '"' || c == '<' || c == '>' ||
        c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' || c == '}') {
      return Invalid(path, absl::StrCat(Quoted(url),
                                        " contains a character not allowed in "
                                        "a URL (percent-encode it)"));
    }
  }
  for (char c : host) {
    if (!(absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '[' ||
          c == ']' || c == ':')) {
      return Invalid(path, absl::StrCat(Quoted(url), " has an invalid host"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckEmail(absl::string_view path, absl::string_view email) {
  if (email.empty()) return absl::OkStatus();
  auto bad = [&] {
    return Invalid(
        path,
        absl::StrCat(Quoted(email), " is not an email address (name@domain)"));
  };
  if (email.size() > 254) return Invalid(path, "is longer than 254 bytes");
  size_t at = email.rfind('@');
  if (at == absl::string_view::npos || at == 0 || at > 64) return bad();
  absl::string_view local = email.substr(0, at);
  absl::string_view domain = email.substr(at + 1);
  for (char c : local) {
    if (!(absl::ascii_isalnum(c) ||
          absl::StrContains(".!#$%&'*+/=?^_`{|}~-", c))) {
      return bad();
    }
  }
  if (local.front() == '.' || local.back() == '.' ||
      absl::StrContains(local, "..")) {
    return bad();
  }
  std::vector<absl::string_view> labels = absl::StrSplit(domain, '.');
  if (labels.size() < 2) return bad();
  for (absl::string_view label : labels) {
    if (label.empty() || label.size() > 63 || label.front() == '-' ||
        label.back() == '-') {
      return bad();
    }
    for (char c : label) {
      if (!absl::ascii_isalnum(c) && c != '-') return bad();
    }
  }
  return absl::OkStatus();
}

absl::Status CheckPhone(absl::string_view path, absl::string_view phone) {
  if (phone.empty()) return absl::OkStatus();
  int digits = 0;
  for (char c : phone) {
    if (absl::ascii_isdigit(c)) {
      ++digits;
    } else if (!absl::StrContains(" +-().", c)) {
      return Invalid(
          path, absl::StrCat(Quoted(phone),
                             " may hold only digits, spaces and + - ( ) ."));
    }
  }
  if (digits < 3 || digits > 20 || phone.size() > 32) {
    return Invalid(path, absl::StrCat(Quoted(phone),
                                      " is not a phone number (3-20 digits)"));
  }
  return absl::OkStatus();
}

constexpr absl::string_view kServiceStatuses[] = {
    "active", "inactive", "defunct", "temporarily closed"};

bool IsServiceStatus(absl::string_view status) {
  for (absl::string_view s : kServiceStatuses) {
    if (s == status) return true;
  }
  return false;
}

std::string JoinServiceStatuses() {
  std::vector<std::string> quoted;
  for (absl::string_view s : kServiceStatuses) quoted.push_back(Quoted(s));
  return JoinAlternatives(quoted);
}

constexpr absl::string_view kPhoneTypes[] = {
    "voice", "fax", "text", "cell", "video", "pager", "textphone"};

absl::Status CheckServicePhone(absl::string_view path, const v1::Phone& p) {
  std::string number = absl::StrCat(path, ".number");
  if (p.number().empty()) return Invalid(number, "is required");
  if (absl::Status s = CheckPhone(number, p.number()); !s.ok()) return s;
  if (p.extension().size() > 10 ||
      !std::all_of(p.extension().begin(), p.extension().end(),
                   absl::ascii_isdigit)) {
    return Invalid(absl::StrCat(path, ".extension"),
                   absl::StrCat(Quoted(p.extension()),
                                " is not an extension (at most 10 digits)"));
  }
  if (!p.type().empty() &&
      std::find(std::begin(kPhoneTypes), std::end(kPhoneTypes), p.type()) ==
          std::end(kPhoneTypes)) {
    std::vector<std::string> types(std::begin(kPhoneTypes),
                                   std::end(kPhoneTypes));
    return Invalid(absl::StrCat(path, ".type"),
                   absl::StrCat(Quoted(p.type()), " is not one of ",
                                JoinAlternatives(types), " (or empty)"));
  }
  return CheckText(absl::StrCat(path, ".description"), p.description(), 500);
}

// org-id.guide list codes: "GB-CHC", "US-EIN", "XI-IATI", "ZZ-XYZ".
absl::Status CheckIdentifiers(const RepeatedPtrField<v1::Identifier>& ids) {
  constexpr absl::string_view kPath = "organization.identifiers";
  if (ids.size() > 16) return Invalid(kPath, "has more than 16 entries");
  std::set<std::pair<std::string, std::string>> seen;
  for (int i = 0; i < ids.size(); ++i) {
    std::string item = At(kPath, i);
    const std::string& scheme = ids[i].scheme();
    bool ok = scheme.size() >= 4 && scheme.size() <= 32 && scheme[2] == '-';
    for (size_t k = 0; ok && k < scheme.size(); ++k) {
      char c = scheme[k];
      ok = k == 2 || absl::ascii_isupper(c) ||
           (k > 2 && (absl::ascii_isdigit(c) || c == '-' || c == '_'));
    }
    if (!ok) {
      return Invalid(absl::StrCat(item, ".scheme"),
                     absl::StrCat(Quoted(scheme),
                                  " is not an org-id.guide list code such as "
                                  "\"GB-CHC\" or \"US-EIN\""));
    }
    const std::string& id = ids[i].identifier();
    if (id.empty())
      return Invalid(absl::StrCat(item, ".identifier"), "is required");
    if (absl::Status s = CheckText(absl::StrCat(item, ".identifier"), id, 128);
        !s.ok()) {
      return s;
    }
    if (!seen.emplace(scheme, id).second) {
      return Invalid(item, absl::StrCat("identifier ", scheme, " ", id,
                                        " appears more than once"));
    }
  }
  return absl::OkStatus();
}

// A key naming an entry within its record (Location.id, ServiceLocation.id):
// 1-64 characters from [A-Za-z0-9._~-].
absl::Status CheckKey(absl::string_view path, absl::string_view key) {
  if (key.empty()) return Invalid(path, "is required");
  if (key.size() > 64) return Invalid(path, "is longer than 64 characters");
  for (char c : key) {
    if (!(absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '~' ||
          c == '-')) {
      return Invalid(
          path, absl::StrCat(Quoted(key),
                             " may hold only letters, digits and . _ ~ -"));
    }
  }
  return absl::OkStatus();
}

// A reference to a record of any hub: a hub id and a record id.
absl::Status CheckRecordRef(absl::string_view path, const v1::RecordRef& ref) {
  if (ref.origin().empty()) {
    return Invalid(absl::StrCat(path, ".origin"),
                   "is required (the hub id of the record's hub)");
  }
  if (absl::StatusOr<crypto::PublicKey> k =
          crypto::PublicKey::FromHubId(ref.origin());
      !k.ok()) {
    return Invalid(absl::StrCat(path, ".origin"), k.status().message());
  }
  return ValidateRecordId(ref.record_id(), absl::StrCat(path, ".record_id"));
}

absl::Status CheckLocation(absl::string_view path, const v1::Location& loc) {
  if (loc.country().empty()) {
    return Invalid(absl::StrCat(path, ".country"),
                   "is required (an ISO 3166-1 alpha-2 code such as \"KE\")");
  }
  if (absl::Status s =
          CheckCountry(absl::StrCat(path, ".country"), loc.country());
      !s.ok()) {
    return s;
  }
  if (!loc.region().empty()) {
    if (!IsRegionCode(loc.region())) {
      return Invalid(
          absl::StrCat(path, ".region"),
          absl::StrCat(Quoted(loc.region()), " is not an ISO 3166-2 code"));
    }
    if (!absl::StartsWith(loc.region(), absl::StrCat(loc.country(), "-"))) {
      return Invalid(absl::StrCat(path, ".region"),
                     absl::StrCat(Quoted(loc.region()), " is not in country ",
                                  loc.country()));
    }
  }
  if (!loc.id().empty()) {
    if (absl::Status s = CheckKey(absl::StrCat(path, ".id"), loc.id());
        !s.ok()) {
      return s;
    }
  }
  for (auto [name, value, max] :
       {std::make_tuple("name", &loc.name(), kMaxNameChars),
        std::make_tuple("city", &loc.city(), kMaxShortTextChars),
        std::make_tuple("address", &loc.address(), size_t{500}),
        std::make_tuple("postal_code", &loc.postal_code(), size_t{32})}) {
    if (absl::Status s = CheckText(absl::StrCat(path, ".", name), *value, max);
        !s.ok()) {
      return s;
    }
  }
  if (loc.has_latitude() != loc.has_longitude()) {
    return Invalid(path, "latitude and longitude must be given together");
  }
  if (loc.has_latitude()) {
    if (!std::isfinite(loc.latitude()) || loc.latitude() < -90 ||
        loc.latitude() > 90) {
      return Invalid(absl::StrCat(path, ".latitude"),
                     absl::StrCat(loc.latitude(), " is outside [-90, 90]"));
    }
    if (!std::isfinite(loc.longitude()) || loc.longitude() < -180 ||
        loc.longitude() > 180) {
      return Invalid(absl::StrCat(path, ".longitude"),
                     absl::StrCat(loc.longitude(), " is outside [-180, 180]"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckDate(absl::string_view path, absl::string_view date) {
  if (date.empty()) return absl::OkStatus();
  // YYYY, YYYY-MM or YYYY-MM-DD.
  static constexpr absl::string_view kFormats[] = {"%Y", "%Y-%m", "%Y-%m-%d"};
  bool shape = date.size() == 4 || date.size() == 7 || date.size() == 10;
  if (shape) {
    absl::string_view fmt = kFormats[date.size() == 4   ? 0
                                     : date.size() == 7 ? 1
                                                        : 2];
    absl::Time t;
    std::string err;
    if (absl::ParseTime(fmt, date, &t, &err)) return absl::OkStatus();
  }
  return Invalid(path,
                 absl::StrCat(Quoted(date),
                              " is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"));
}

// Ids starting with "~" name the hub's own system records.
absl::Status CheckUserRecordId(absl::string_view id) {
  if (absl::StartsWith(id, "~")) {
    return Invalid("record_id",
                   "ids starting with \"~\" are reserved for the hub's own "
                   "system records");
  }
  return absl::OkStatus();
}

}  // namespace civhub::node::internal
