// Text handling for search: UTF-8 checks and the words of a text.
//
// ICU does the Unicode work (docs/api.md, "How text is matched", says what a
// user sees):
//  - folding: NFKC with case folding (ICU's NFKC_Casefold), then diacritics
//    removed — the combining marks of Latin, Greek and Cyrillic, Arabic
//    harakat and hamza (so أ إ آ fold to ا) and Hebrew niqqud; marks that
//    are letters' vowels elsewhere (Devanagari, Bengali, Thai, kana voicing)
//    are kept. A few letters with no decomposition fold too (ł→l, ø→o,
//    đ→d), and Arabic variants (ة→ه, ى ی→ي, ک→ك). "Água", "agua" and "AGUA"
//    all give "agua";
//  - segmentation: ICU's word BreakIterator, with its dictionaries for
//    Chinese, Japanese, Thai, Khmer, Lao and Burmese ("北京环境保护协会"
//    gives 北京 环境 保护 协会).
// Text all in ASCII and Latin-1 (most names and descriptions in English,
// Spanish, French, Portuguese, Swahili) takes a path of its own in UTF-8,
// giving the same words without ICU's conversions (text.cc; civhub-bench's
// `text` workload measures it against ICU).
// Tokens are cut at kMaxTokenBytes.
// Thread-safe: ICU's iterators are cloned once per thread.
#ifndef CIVHUB_NODE_RECORDS_TEXT_H_
#define CIVHUB_NODE_RECORDS_TEXT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace civhub::node {

inline constexpr size_t kMaxTokenBytes = 48;

// Version of the folding and segmentation rules below. Postings written
// under another version are rebuilt when the store opens (node/store.cc).
inline constexpr int kTextIndexVersion = 2;

// True if `s` is well-formed UTF-8 (no overlongs, surrogates or values past
// U+10FFFF).
bool IsValidUtf8(absl::string_view s);

// Number of code points in valid UTF-8 `s`.
size_t CodePointCount(absl::string_view s);

// One word of a text, as search sees it.
struct Word {
  // Folded, with inner punctuation (apostrophes, dots) removed: "womens",
  // "leau", "usa", "التنميه".
  std::string folded;
  // The word without an elided article, an English clitic or the Arabic
  // definite article and its attached prefixes (ال لل وال بال فال كال):
  // "women" for "women's", "eau" for "l'eau", "تنميه" for "للتنمية".
  // Empty when there is nothing to take off.
  std::string stem;
  // The pieces between inner punctuation ("women", "s"); empty for a word
  // of one piece.
  std::vector<std::string> parts;
  // For a word of several Han, kana or Hangul characters, each of them:
  // these scripts are typed without spaces, so a search for part of a name
  // must find it however the dictionary segmented the name.
  std::vector<std::string> chars;
};

// The words of `text`, in order, duplicates kept. Invalid UTF-8 reads as
// U+FFFD, which is not part of any word.
std::vector<Word> SplitWords(absl::string_view text);

// The folded form of each word of `text` (Word::folded), in order.
std::vector<std::string> Tokenize(absl::string_view text);

// Appends every term `text` is indexed under: for each word its folded
// form, stem, parts and characters. Duplicates are possible.
void AppendIndexTerms(absl::string_view text, std::vector<std::string>* out);

namespace internal {

// SplitWords without its path for Latin text, all through ICU: for tests
// that compare the two.
std::vector<Word> SplitWordsThroughIcu(absl::string_view text);

}  // namespace internal

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORDS_TEXT_H_
