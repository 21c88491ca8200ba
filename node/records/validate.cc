#include "node/records/validate.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crypto/keys.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/unknown_field_set.h"
#include "node/records/iso_codes.h"
#include "node/records/record_kinds.h"
#include "node/records/taxonomy.h"
#include "node/records/text.h"

namespace civhub::node {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::RepeatedPtrField;

constexpr size_t kMaxNameChars = 200;
constexpr size_t kMaxDescriptionChars = 4000;
constexpr size_t kMaxShortTextChars = 200;
constexpr size_t kMaxLanguages = 16;
constexpr size_t kMaxListItems = 64;
constexpr size_t kMaxMemberships = 1000;

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
                       size_t max_chars, bool multiline = false) {
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
                               size_t max_chars, bool multiline = false) {
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
        path, absl::StrCat(Quoted(code), " is not an ISO 3166-1 alpha-2 code"));
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
      return Invalid(At(path, i),
                     absl::StrCat(Quoted(code),
                                  " is not a code (lower-case words joined by "
                                  "'-', such as \"disaster-response\")"));
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

}  // namespace

absl::Status ValidateRecordId(absl::string_view id, absl::string_view field) {
  if (id.empty()) return Invalid(field, "is required");
  if (id.size() > 128) return Invalid(field, "is longer than 128 characters");
  for (char c : id) {
    if (!(absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '~' ||
          c == '-')) {
      return Invalid(
          field, absl::StrCat(Quoted(id),
                              " may hold only letters, digits and . _ ~ -"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateOrganization(const v1::Organization& org,
                                  const ValidationOptions& options) {
  absl::Status s;
  if (s = CheckIdentifiers(org.identifiers()); !s.ok()) return s;
  if (s = CheckLocalizedTexts("organization.names", org.names(), kMaxNameChars,
                              /*required=*/true, /*multiline=*/false);
      !s.ok()) {
    return s;
  }
  if (s = CheckLocalizedTexts("organization.descriptions", org.descriptions(),
                              kMaxDescriptionChars, false, true);
      !s.ok()) {
    return s;
  }
  if (s = CheckText("organization.alternate_name", org.alternate_name(),
                    kMaxNameChars);
      !s.ok()) {
    return s;
  }
  if (s = CheckText("organization.acronym", org.acronym(), 32); !s.ok())
    return s;
  if (s = CheckCodes("organization.types", org.types(),
                     IsPublishableOrganizationType, options.strict_taxonomy,
                     "organization type");
      !s.ok()) {
    return s;
  }
  if (s = CheckUrl("organization.website", org.website()); !s.ok()) return s;
  if (s = CheckEmail("organization.email", org.email()); !s.ok()) return s;
  if (s = CheckPhone("organization.phone", org.phone()); !s.ok()) return s;
  if (static_cast<size_t>(org.locations_size()) > kMaxListItems) {
    return Invalid("organization.locations",
                   absl::StrCat("has more than ", kMaxListItems, " entries"));
  }
  std::set<absl::string_view> location_ids;
  for (int i = 0; i < org.locations_size(); ++i) {
    const v1::Location& loc = org.locations(i);
    if (s = CheckLocation(At("organization.locations", i), loc); !s.ok()) {
      return s;
    }
    if (!loc.id().empty() && !location_ids.insert(loc.id()).second) {
      return Invalid(absl::StrCat(At("organization.locations", i), ".id"),
                     absl::StrCat(Quoted(loc.id()), " appears more than once"));
    }
  }
  if (org.has_parent()) {
    if (s = CheckRecordRef("organization.parent", org.parent()); !s.ok()) {
      return s;
    }
  }
  if (s = CheckUniqueList("organization.areas_served", org.areas_served(),
                          CheckArea);
      !s.ok()) {
    return s;
  }
  if (s = CheckUniqueList("organization.languages", org.languages(),
                          CheckLanguage);
      !s.ok()) {
    return s;
  }
  if (s = CheckCodes("organization.topics", org.topics(), IsPublishableTopic,
                     options.strict_taxonomy, "topic");
      !s.ok()) {
    return s;
  }
  int this_year = absl::ToCivilYear(options.now, absl::UTCTimeZone()).year();
  if (org.year_incorporated() != 0 &&
      (org.year_incorporated() < 1000 ||
       static_cast<int>(org.year_incorporated()) > this_year + 1)) {
    return Invalid(
        "organization.year_incorporated",
        absl::StrCat(org.year_incorporated(), " is not a plausible year"));
  }
  return CheckText("organization.legal_status", org.legal_status(),
                   kMaxShortTextChars);
}

absl::Status ValidateCommunity(const v1::Community& c,
                               const ValidationOptions& options) {
  absl::Status s;
  if (s = CheckLocalizedTexts("community.names", c.names(), kMaxNameChars, true,
                              false);
      !s.ok()) {
    return s;
  }
  if (s = CheckLocalizedTexts("community.missions", c.missions(),
                              kMaxDescriptionChars, false, true);
      !s.ok()) {
    return s;
  }
  if (s = CheckCodes("community.topics", c.topics(), IsPublishableTopic,
                     options.strict_taxonomy, "topic");
      !s.ok()) {
    return s;
  }
  if (s = CheckUniqueList("community.region_scope", c.region_scope(),
                          CheckArea);
      !s.ok()) {
    return s;
  }
  if (s = CheckUrl("community.website", c.website()); !s.ok()) return s;
  if (s = CheckLocalizedTexts("community.meeting_info", c.meeting_info(), 1000,
                              false, true);
      !s.ok()) {
    return s;
  }
  if (static_cast<size_t>(c.memberships_size()) > kMaxMemberships) {
    return Invalid("community.memberships",
                   absl::StrCat("has more than ", kMaxMemberships, " entries"));
  }
  std::set<std::pair<std::string, std::string>> members;
  for (int i = 0; i < c.memberships_size(); ++i) {
    const v1::Membership& m = c.memberships(i);
    std::string item = At("community.memberships", i);
    if (!m.has_organization()) {
      return Invalid(absl::StrCat(item, ".organization"), "is required");
    }
    std::string org_path = absl::StrCat(item, ".organization");
    if (s = CheckRecordRef(org_path, m.organization()); !s.ok()) return s;
    if (!members
             .emplace(m.organization().origin(), m.organization().record_id())
             .second) {
      return Invalid(org_path, "this organization is listed more than once");
    }
    if (s = CheckText(absl::StrCat(item, ".role"), m.role(), 64); !s.ok())
      return s;
    if (s = CheckDate(absl::StrCat(item, ".since"), m.since()); !s.ok())
      return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateService(const v1::Service& svc,
                             const ValidationOptions& options) {
  absl::Status s;
  if (!svc.has_organization()) {
    return Invalid("service.organization",
                   "is required (the organization that provides the service)");
  }
  if (s = CheckRecordRef("service.organization", svc.organization()); !s.ok()) {
    return s;
  }
  if (s = CheckLocalizedTexts("service.names", svc.names(), kMaxNameChars,
                              /*required=*/true, /*multiline=*/false);
      !s.ok()) {
    return s;
  }
  for (auto [name, texts, max] : {
           std::make_tuple("service.descriptions", &svc.descriptions(),
                           kMaxDescriptionChars),
           std::make_tuple("service.area_descriptions",
                           &svc.area_descriptions(), size_t{1000}),
           std::make_tuple("service.fees", &svc.fees(), size_t{1000}),
           std::make_tuple("service.eligibility", &svc.eligibility(),
                           kMaxDescriptionChars),
           std::make_tuple("service.application_process",
                           &svc.application_process(), kMaxDescriptionChars),
       }) {
    if (s = CheckLocalizedTexts(name, *texts, max, false, true); !s.ok()) {
      return s;
    }
  }
  if (s = CheckText("service.alternate_name", svc.alternate_name(),
                    kMaxNameChars);
      !s.ok()) {
    return s;
  }
  if (svc.status().empty()) {
    return Invalid("service.status", absl::StrCat("is required (one of ",
                                                  JoinServiceStatuses(), ")"));
  }
  if (!IsServiceStatus(svc.status())) {
    return Invalid("service.status",
                   absl::StrCat(Quoted(svc.status()), " is not one of ",
                                JoinServiceStatuses()));
  }
  if (s = CheckUrl("service.url", svc.url()); !s.ok()) return s;
  if (s = CheckEmail("service.email", svc.email()); !s.ok()) return s;
  if (svc.phones_size() > 16) {
    return Invalid("service.phones", "has more than 16 entries");
  }
  for (int i = 0; i < svc.phones_size(); ++i) {
    if (s = CheckServicePhone(At("service.phones", i), svc.phones(i));
        !s.ok()) {
      return s;
    }
  }
  if (s = CheckUniqueList("service.languages", svc.languages(), CheckLanguage);
      !s.ok()) {
    return s;
  }
  if (s = CheckUniqueList("service.areas_served", svc.areas_served(),
                          CheckArea);
      !s.ok()) {
    return s;
  }
  if (s = CheckCodes("service.topics", svc.topics(), IsPublishableTopic,
                     options.strict_taxonomy, "topic");
      !s.ok()) {
    return s;
  }
  if (static_cast<size_t>(svc.locations_size()) > kMaxListItems) {
    return Invalid("service.locations",
                   absl::StrCat("has more than ", kMaxListItems, " entries"));
  }
  std::set<absl::string_view> ids;
  for (int i = 0; i < svc.locations_size(); ++i) {
    const v1::ServiceLocation& at = svc.locations(i);
    std::string item = At("service.locations", i);
    if (s = CheckKey(absl::StrCat(item, ".id"), at.id()); !s.ok()) return s;
    if (!ids.insert(at.id()).second) {
      return Invalid(absl::StrCat(item, ".id"),
                     absl::StrCat(Quoted(at.id()), " appears more than once"));
    }
    if (s = CheckKey(absl::StrCat(item, ".location_id"), at.location_id());
        !s.ok()) {
      return s;
    }
    if (!at.has_location()) {
      return Invalid(absl::StrCat(item, ".location"),
                     "is required (a copy of the provider's location)");
    }
    if (s = CheckLocation(absl::StrCat(item, ".location"), at.location());
        !s.ok()) {
      return s;
    }
    if (s = CheckLocalizedTexts(absl::StrCat(item, ".descriptions"),
                                at.descriptions(), 1000, false, true);
        !s.ok()) {
      return s;
    }
  }
  for (auto [name, has, age] :
       {std::make_tuple("service.minimum_age", svc.has_minimum_age(),
                        svc.minimum_age()),
        std::make_tuple("service.maximum_age", svc.has_maximum_age(),
                        svc.maximum_age())}) {
    if (has && age > 150) {
      return Invalid(name, absl::StrCat(age, " is not an age (0-150)"));
    }
  }
  if (svc.has_minimum_age() && svc.has_maximum_age() &&
      svc.minimum_age() > svc.maximum_age()) {
    return Invalid("service.maximum_age",
                   absl::StrCat(svc.maximum_age(), " is below minimum_age ",
                                svc.minimum_age()));
  }
  return absl::OkStatus();
}

absl::Status ValidateHubProfile(const v1::HubProfile& p) {
  absl::Status s;
  if (s = CheckRequiredText("hub_profile.name", p.name(), kMaxNameChars);
      !s.ok()) {
    return s;
  }
  if (!p.region().empty()) {
    if (s = CheckArea("hub_profile.region", p.region()); !s.ok()) return s;
  }
  if (!p.contact().empty()) {
    bool url = absl::StartsWith(p.contact(), "http");
    s = url ? CheckUrl("hub_profile.contact", p.contact())
            : CheckEmail("hub_profile.contact", p.contact());
    if (!s.ok()) return s;
  }
  return CheckText("hub_profile.federation_address", p.federation_address(),
                   255);
}

absl::Status ValidatePeerLink(const v1::PeerLink& link,
                              absl::string_view record_id) {
  absl::StatusOr<crypto::PublicKey> peer =
      crypto::PublicKey::FromHubId(link.peer());
  if (!peer.ok()) return Invalid("peer_link.peer", peer.status().message());
  if (record_id != absl::StrCat(kLinkRecordPrefix, link.peer())) {
    return Invalid("record_id",
                   absl::StrCat("a peer link record must be named \"",
                                kLinkRecordPrefix, link.peer(), "\""));
  }
  if (link.link_id().size() != kLinkIdBytes) {
    return Invalid("peer_link.link_id", "must be 16 bytes");
  }
  if (link.peer_signature().size() != crypto::kSignatureSize) {
    return Invalid("peer_link.peer_signature", "must be 64 bytes");
  }
  return absl::OkStatus();
}

absl::Status ValidateRecordBody(const v1::RecordBody& body,
                                const ValidationOptions& options) {
  if (std::string unknown = FindUnknownField(body); !unknown.empty()) {
    return absl::InvalidArgumentError(unknown);
  }
  if (body.origin().size() != crypto::kPublicKeySize) {
    return Invalid("origin", "must be a 32-byte Ed25519 public key");
  }
  if (absl::Status s = ValidateRecordId(body.record_id(), "record_id");
      !s.ok()) {
    return s;
  }
  if (body.version() == 0) return Invalid("version", "must be at least 1");
  if (body.sequence() == 0) return Invalid("sequence", "must be at least 1");
  if (!body.has_issued_at()) return Invalid("issued_at", "is required");
  const auto& ts = body.issued_at();
  if (ts.nanos() < 0 || ts.nanos() > 999999999) {
    return Invalid("issued_at.nanos", "is outside [0, 999999999]");
  }
  absl::Time issued = absl::FromUnixSeconds(ts.seconds());
  if (ts.seconds() < kEarliestIssuedAtUnixSeconds) {
    return Invalid("issued_at", absl::StrCat(absl::FormatTime(issued),
                                             " is before 2024-01-01"));
  }
  if (issued > options.now + kMaxClockSkew) {
    return Invalid("issued_at",
                   absl::StrCat(absl::FormatTime(issued),
                                " is more than 10 minutes in the future"));
  }
  const RecordKindInfo* kind = KindOf(body);
  if (kind == nullptr) {
    std::vector<std::string> names;
    for (const RecordKindInfo& k : RecordKinds()) {
      if (!k.system) names.emplace_back(k.name);
    }
    return Invalid("payload", absl::StrCat("one of ", JoinAlternatives(names),
                                           " is required"));
  }
  return kind->validate(body, options);
}

absl::Status ValidateOrganizationRecord(const v1::RecordBody& body,
                                        const ValidationOptions& options) {
  if (absl::Status s = CheckUserRecordId(body.record_id()); !s.ok()) return s;
  if (absl::Status s = ValidateOrganization(body.organization(), options);
      !s.ok()) {
    return s;
  }
  const v1::Organization& org = body.organization();
  if (org.has_parent() && org.parent().record_id() == body.record_id() &&
      org.parent().origin() == crypto::HubIdOf(body.origin())) {
    return Invalid("organization.parent",
                   "an organization cannot be its own parent");
  }
  return absl::OkStatus();
}

absl::Status ValidateCommunityRecord(const v1::RecordBody& body,
                                     const ValidationOptions& options) {
  if (absl::Status s = CheckUserRecordId(body.record_id()); !s.ok()) return s;
  return ValidateCommunity(body.community(), options);
}

absl::Status ValidateServiceRecord(const v1::RecordBody& body,
                                   const ValidationOptions& options) {
  if (absl::Status s = CheckUserRecordId(body.record_id()); !s.ok()) return s;
  return ValidateService(body.service(), options);
}

absl::Status ValidateTombstoneRecord(const v1::RecordBody& body,
                                     const ValidationOptions&) {
  return CheckText("tombstone.reason", body.tombstone().reason(), 500);
}

absl::Status ValidateHubProfileRecord(const v1::RecordBody& body,
                                      const ValidationOptions&) {
  if (body.record_id() != kHubProfileRecordId) {
    return Invalid("record_id", "a hub profile record must be named \"~hub\"");
  }
  return ValidateHubProfile(body.hub_profile());
}

absl::Status ValidatePeerLinkRecord(const v1::RecordBody& body,
                                    const ValidationOptions&) {
  return ValidatePeerLink(body.peer_link(), body.record_id());
}

namespace {

std::string FindUnknownAt(const Message& m, const std::string& path) {
  const auto* refl = m.GetReflection();
  const google::protobuf::UnknownFieldSet& unknown = refl->GetUnknownFields(m);
  if (!unknown.empty()) {
    return absl::StrCat(path.empty() ? "body" : path, ": unknown field ",
                        unknown.field(0).number(),
                        " (not part of this record format)");
  }
  std::vector<const FieldDescriptor*> fields;
  refl->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    std::string sub =
        path.empty() ? f->name() : absl::StrCat(path, ".", f->name());
    if (f->is_repeated()) {
      for (int i = 0; i < refl->FieldSize(m, f); ++i) {
        std::string r = FindUnknownAt(refl->GetRepeatedMessage(m, f, i),
                                      absl::StrCat(sub, "[", i, "]"));
        if (!r.empty()) return r;
      }
    } else {
      std::string r = FindUnknownAt(refl->GetMessage(m, f), sub);
      if (!r.empty()) return r;
    }
  }
  return "";
}

}  // namespace

std::string FindUnknownField(const Message& message) {
  return FindUnknownAt(message, "");
}

}  // namespace civhub::node
