#include "node/records/time_text.h"

#include <string>

#include "absl/strings/ascii.h"

namespace civhub::node {

bool IsDateAlone(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<absl::Time> ParseTimeOrDate(absl::string_view text,
                                          DateMeans means) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &err)) return t;
  absl::CivilDay day;
  if (!IsDateAlone(text) || !absl::ParseCivilTime(text, &day)) {
    return std::nullopt;
  }
  const absl::Time midnight = absl::FromCivil(day, absl::UTCTimeZone());
  return means == DateMeans::kEndOfDay
             ? midnight + absl::Hours(24) - absl::Seconds(1)
             : midnight;
}

}  // namespace civhub::node
