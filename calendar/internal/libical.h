// libical, wrapped where the calendar library meets it: owned handles, and
// the time zones civhub names by IANA id. Private to calendar/.
#ifndef CIVHUB_CALENDAR_INTERNAL_LIBICAL_H_
#define CIVHUB_CALENDAR_INTERNAL_LIBICAL_H_

#include <libical/ical.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace civhub::calendar::internal {

struct ComponentFree {
  void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
using ComponentPtr = std::unique_ptr<icalcomponent, ComponentFree>;

// Makes libical's errors non-fatal (they are reported as X-LIC-ERROR
// properties and error codes, never by abort()). Idempotent, thread-safe.
void InitLibical();

// libical's built-in zone (from the system's zoneinfo) for an IANA id, or
// nullptr. libical guards its zone cache with its own lock.
icaltimezone* BuiltinZone(absl::string_view iana);

// The IANA id a TZID parameter stands for: the TZID itself, a suffix of a
// prefixed one ("/freeassociation.sourceforge.net/America/Lima",
// "/mozilla.org/20050126_1/America/Lima"), the zone of a Windows time zone
// name as Outlook writes it ("SA Pacific Standard Time" → America/Bogota,
// ICU's CLDR mapping), or the X-LIC-LOCATION of the
// VTIMEZONE `calendar` defines for it; nullopt if none is a zone libical
// knows.
// `region` (ISO 3166-1, may be empty) picks among the zones of a Windows
// name: "SA Pacific Standard Time" is America/Lima in PE. `*windows_guess`
// (if given) is set when the TZID was a Windows name and `region` did not
// pick its zone (empty, or a country the name has no zone in): CLDR's main
// zone was taken.
std::optional<std::string> IanaZoneOf(icalcomponent* calendar,
                                      absl::string_view tzid,
                                      absl::string_view region = "",
                                      bool* windows_guess = nullptr);

// The ISO 3166-1 codes, sorted, of the countries whose zones a Windows zone
// name stands for ("Singapore Standard Time": BN, ID, MY, PH, SG); empty
// if it is no Windows name.
std::vector<std::string> CountriesOfWindowsZone(absl::string_view windows_id);

// The ISO 3166-1 code of the country an IANA zone is in (ICU's zone
// metadata), or "" for zones of no country ("UTC", "Etc/GMT+5").
std::string CountryOfZone(absl::string_view iana);

}  // namespace civhub::calendar::internal

#endif  // CIVHUB_CALENDAR_INTERNAL_LIBICAL_H_
