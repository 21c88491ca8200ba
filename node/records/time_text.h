#ifndef CIVHUB_NODE_RECORDS_TIME_TEXT_H_
#define CIVHUB_NODE_RECORDS_TIME_TEXT_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace civhub::node {

// Which instant a date alone ("2027-06-30") stands for.
enum class DateMeans {
  kStartOfDay,  // its midnight, UTC: a window's start, search's from=
  kEndOfDay,    // its last second, 23:59:59 UTC, the day included: an end,
                // to=, an expiry ("expires 2027-06-30" runs through that
                // day, and is shown back as that day)
};

// An RFC 3339 time ("2027-06-30T09:00:00-05:00", "2027-06-30T14:00:00Z"),
// or a date alone as `means` says; nullopt if the text is neither. The
// API, civhubctl's flags and its JSON files all read times through this,
// so a date means the same everywhere.
std::optional<absl::Time> ParseTimeOrDate(absl::string_view text,
                                          DateMeans means);

// "2027-06-30" and nothing else.
bool IsDateAlone(absl::string_view text);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORDS_TIME_TEXT_H_
