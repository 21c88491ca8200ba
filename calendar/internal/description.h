// The text of an iCalendar DESCRIPTION as a reader should see it. Google
// Calendar exports the HTML of its editor (<br>, <a href=...>, &nbsp;) and
// appends a Google Meet block between "-::~:~::~" lines ("Please do not edit
// this section of the description"); civhub's descriptions are plain text.
// Private to calendar/.
#ifndef CIVHUB_CALENDAR_INTERNAL_DESCRIPTION_H_
#define CIVHUB_CALENDAR_INTERNAL_DESCRIPTION_H_

#include <string>

#include "absl/strings/string_view.h"

namespace civhub::calendar::internal {

struct CleanedDescription {
  std::string text;
  bool was_html = false;        // Tags or entities were turned into text.
  bool dropped_footer = false;  // A "-::~:~::~" block was left out.
  // The first https://meet.google.com/ address of that block, if any.
  std::string meet_url;
};

// `text` with the "-::~:~::~" block left out and, if it holds HTML (a tag
// civhub knows, such as <br> or <a, or an entity such as &nbsp;), as plain
// text: a line break for <br> and each paragraph, list item or div; a link
// as its text and, when it differs, its address in parentheses; other tags
// removed, entities decoded; runs of blank lines and trailing spaces
// trimmed. Text without HTML is kept as written (a "<" in "a < b" stays).
CleanedDescription CleanDescription(absl::string_view text);

}  // namespace civhub::calendar::internal

#endif  // CIVHUB_CALENDAR_INTERNAL_DESCRIPTION_H_
