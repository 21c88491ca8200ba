#include "calendar/internal/libical.h"

#include <unicode/strenum.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <memory>
#include <mutex>
#include <set>

namespace civhub::calendar::internal {

void InitLibical() {
  static std::once_flag once;
  std::call_once(once, [] { icalerror_set_errors_are_fatal(0); });
}

icaltimezone* BuiltinZone(absl::string_view iana) {
  if (iana.empty() || iana.front() == '/') return nullptr;
  return icaltimezone_get_builtin_timezone(std::string(iana).c_str());
}

std::optional<std::string> IanaZoneOf(icalcomponent* calendar,
                                      absl::string_view tzid,
                                      absl::string_view region,
                                      bool* windows_guess) {
  if (windows_guess != nullptr) *windows_guess = false;
  for (size_t from = 0; from < tzid.size();) {
    absl::string_view candidate = tzid.substr(from);
    if (BuiltinZone(candidate) != nullptr) return std::string(candidate);
    const size_t slash = tzid.find('/', from);
    if (slash == absl::string_view::npos) break;
    from = slash + 1;
  }
  // Outlook and Exchange name zones by their Windows ids ("Pacific Standard
  // Time"); CLDR maps each to its IANA zone (the "001" territory's).
  const std::string region_code(region);
  const icu::UnicodeString windows_id = icu::UnicodeString::fromUTF8(
      icu::StringPiece(tzid.data(), static_cast<int32_t>(tzid.size())));
  icu::UnicodeString windows_iana;
  UErrorCode status = U_ZERO_ERROR;
  if (!region_code.empty()) {
    icu::TimeZone::getIDForWindowsID(windows_id, region_code.c_str(),
                                     windows_iana, status);
  }
  if (U_FAILURE(status) || windows_iana.isEmpty()) {
    status = U_ZERO_ERROR;
    icu::TimeZone::getIDForWindowsID(windows_id, nullptr, windows_iana, status);
  }
  if (U_SUCCESS(status) && !windows_iana.isEmpty()) {
    std::string iana;
    windows_iana.toUTF8String(iana);
    if (BuiltinZone(iana) != nullptr) {
      // ICU answers with the main zone for a region the name has none in.
      if (windows_guess != nullptr) {
        *windows_guess = region_code.empty() || CountryOfZone(iana) != region;
      }
      return iana;
    }
  }
  if (calendar != nullptr) {
    icaltimezone* zone =
        icalcomponent_get_timezone(calendar, std::string(tzid).c_str());
    const char* location =
        zone != nullptr ? icaltimezone_get_location(zone) : nullptr;
    if (location != nullptr && BuiltinZone(location) != nullptr) {
      return std::string(location);
    }
  }
  return std::nullopt;
}

std::string CountryOfZone(absl::string_view iana) {
  char region[8] = {};
  UErrorCode status = U_ZERO_ERROR;
  const int32_t n = icu::TimeZone::getRegion(
      icu::UnicodeString::fromUTF8(
          icu::StringPiece(iana.data(), static_cast<int32_t>(iana.size()))),
      region, sizeof region, status);
  if (U_FAILURE(status) || n != 2) return "";  // "001": the world.
  return std::string(region, 2);
}

std::vector<std::string> CountriesOfWindowsZone(absl::string_view windows_id) {
  const icu::UnicodeString wanted =
      icu::UnicodeString::fromUTF8(icu::StringPiece(
          windows_id.data(), static_cast<int32_t>(windows_id.size())));
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::StringEnumeration> zones(
      icu::TimeZone::createTimeZoneIDEnumeration(
          UCAL_ZONE_TYPE_CANONICAL_LOCATION, nullptr, nullptr, status));
  std::set<std::string> countries;
  if (U_FAILURE(status) || zones == nullptr) return {};
  // CLDR maps each IANA zone to one Windows name; the name's zones are the
  // ones that map back to it (a few hundred to look at, on a warning path).
  while (const icu::UnicodeString* zone = zones->snext(status)) {
    if (U_FAILURE(status)) break;
    icu::UnicodeString windows;
    UErrorCode zone_status = U_ZERO_ERROR;
    icu::TimeZone::getWindowsID(*zone, windows, zone_status);
    if (U_FAILURE(zone_status) || windows != wanted) continue;
    std::string iana;
    zone->toUTF8String(iana);
    if (std::string country = CountryOfZone(iana); !country.empty()) {
      countries.insert(std::move(country));
    }
  }
  return {countries.begin(), countries.end()};
}

}  // namespace civhub::calendar::internal
