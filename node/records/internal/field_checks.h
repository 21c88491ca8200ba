// The checks of single fields that validation (validate.cc,
// validate_matchmaking.cc) builds each kind's rules from: text, codes, URLs,
// e-mail, phones, places, references.
// Each returns OK or INVALID_ARGUMENT "PATH: what is wrong", PATH being the
// field's path in the record ("organization.locations[0].country").
// Private to node/records/. Thread-safe: pure functions.
#ifndef CIVHUB_NODE_RECORDS_INTERNAL_FIELD_CHECKS_H_
#define CIVHUB_NODE_RECORDS_INTERNAL_FIELD_CHECKS_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "civhub/v1/record.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace civhub::node::internal {

inline constexpr size_t kMaxNameChars = 200;
inline constexpr size_t kMaxDescriptionChars = 4000;
inline constexpr size_t kMaxShortTextChars = 200;
inline constexpr size_t kMaxLanguages = 16;
inline constexpr size_t kMaxListItems = 64;
inline constexpr size_t kMaxMemberships = 1000;

// INVALID_ARGUMENT "PATH: WHAT".
absl::Status Invalid(absl::string_view path, absl::string_view what);
// A value quoted for a message, cut to 40 characters.
std::string Quoted(absl::string_view s);
// "path[i]".
std::string At(absl::string_view path, size_t i);

// Free text: valid UTF-8, at most `max_chars` code points, no control
// characters except newlines and tabs where `multiline`.
absl::Status CheckText(absl::string_view path, absl::string_view text,
                       size_t max_chars, bool multiline = false);
// The same, and not blank.
absl::Status CheckRequiredText(absl::string_view path, absl::string_view text,
                               size_t max_chars, bool multiline = false);
absl::Status CheckLanguage(absl::string_view path, absl::string_view code);
absl::Status CheckCountry(absl::string_view path, absl::string_view code);
// An ISO 3166-1 alpha-2 country or an ISO 3166-2 subdivision.
absl::Status CheckArea(absl::string_view path, absl::string_view code);
// Texts per language: at most one per language, each checked as text.
absl::Status CheckLocalizedTexts(
    absl::string_view path,
    const google::protobuf::RepeatedPtrField<v1::LocalizedText>& list,
    size_t max_chars, bool required, bool multiline);
// Codes from taxonomy.h: unique, well-formed, and publishable when strict.
absl::Status CheckCodes(
    absl::string_view path,
    const google::protobuf::RepeatedPtrField<std::string>& codes,
    bool (*publishable)(absl::string_view), bool strict,
    absl::string_view list_name);
// A bounded list of unique items, each passing `check`.
absl::Status CheckUniqueList(
    absl::string_view path,
    const google::protobuf::RepeatedPtrField<std::string>& items,
    absl::Status (*check)(absl::string_view, absl::string_view));
absl::Status CheckUrl(absl::string_view path, absl::string_view url);
absl::Status CheckEmail(absl::string_view path, absl::string_view email);
absl::Status CheckPhone(absl::string_view path, absl::string_view phone);
// HSDS's service statuses, and them joined for a message.
bool IsServiceStatus(absl::string_view status);
std::string JoinServiceStatuses();
absl::Status CheckServicePhone(absl::string_view path, const v1::Phone& p);
// org-id.guide list codes: "GB-CHC", "US-EIN", "XI-IATI", "ZZ-XYZ".
absl::Status CheckIdentifiers(
    const google::protobuf::RepeatedPtrField<v1::Identifier>& ids);
// A key naming an entry within its record (Location.id,
// ServiceLocation.id): 1-64 characters from [A-Za-z0-9._~-].
absl::Status CheckKey(absl::string_view path, absl::string_view key);
// A reference to a record of any hub: a hub id and a record id.
absl::Status CheckRecordRef(absl::string_view path, const v1::RecordRef& ref);
absl::Status CheckLocation(absl::string_view path, const v1::Location& loc);
// YYYY, YYYY-MM or YYYY-MM-DD.
absl::Status CheckDate(absl::string_view path, absl::string_view date);
// Ids starting with "~" name the hub's own system records.
absl::Status CheckUserRecordId(absl::string_view id);

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_RECORDS_INTERNAL_FIELD_CHECKS_H_
