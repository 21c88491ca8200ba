// Text handling for search: UTF-8 checks and tokenization.
//
// Tokens are runs of letters, marks and digits, folded to lower case with
// diacritics removed (NFKD, marks dropped, case-folded): "Água", "agua" and
// "AGUA" all give "agua". Han ideographs and kana have no spaces between
// words, so each becomes a token of its own. Tokens are cut at kMaxTokenBytes.
// Thread-safe: these are pure functions.
#ifndef CIVHUB_NODE_TEXT_H_
#define CIVHUB_NODE_TEXT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace civhub::node {

inline constexpr size_t kMaxTokenBytes = 48;

// True if `s` is well-formed UTF-8 (no overlongs, surrogates or values past
// U+10FFFF).
bool IsValidUtf8(absl::string_view s);

// Number of code points in valid UTF-8 `s`.
size_t CodePointCount(absl::string_view s);

// Appends the tokens of `text` to `out`, in order, duplicates kept.
void Tokenize(absl::string_view text, std::vector<std::string>* out);

inline std::vector<std::string> Tokenize(absl::string_view text) {
  std::vector<std::string> out;
  Tokenize(text, &out);
  return out;
}

}  // namespace civhub::node

#endif  // CIVHUB_NODE_TEXT_H_
