#include "node/records/text.h"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uniset.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "absl/strings/string_view.h"

namespace civhub::node {
namespace {

// ICU's data ships inside libicudata; failing to load it means a broken
// installation, not bad input.
void CheckIcu(UErrorCode status, const char* what) {
  if (U_FAILURE(status)) {
    std::fprintf(stderr, "civhub: ICU cannot create %s: %s\n", what,
                 u_errorName(status));
    std::abort();
  }
}

// The immutable ICU objects, shared by every thread.
struct Icu {
  const icu::Normalizer2* nfkc_casefold;
  const icu::Normalizer2* nfd;
  const icu::Normalizer2* nfc;
  // Diacritics to drop after NFD: combining marks used with Latin, Greek
  // and Cyrillic, and Arabic and Hebrew vowel points (users omit them).
  // Marks that are vowels of Brahmic scripts, Thai or kana voicing are Mn
  // too but outside this set.
  const icu::UnicodeSet* diacritics;
  // Scripts written without spaces, whose characters are indexed one by one.
  const icu::UnicodeSet* unspaced;
  const icu::BreakIterator* word_prototype;
};

const Icu& GetIcu() {
  static const Icu* const icu = [] {
    UErrorCode st = U_ZERO_ERROR;
    auto* out = new Icu;
    out->nfkc_casefold = icu::Normalizer2::getNFKCCasefoldInstance(st);
    CheckIcu(st, "the NFKC_Casefold normalizer");
    out->nfd = icu::Normalizer2::getNFDInstance(st);
    CheckIcu(st, "the NFD normalizer");
    out->nfc = icu::Normalizer2::getNFCInstance(st);
    CheckIcu(st, "the NFC normalizer");
    auto* diacritics = new icu::UnicodeSet(
        icu::UnicodeString(
            u"[[:Mn:]&[\\u0300-\\u036F\\u0483-\\u0489\\u1AB0-\\u1AFF"
            u"\\u1DC0-\\u1DFF\\u20D0-\\u20FF\\uFE20-\\uFE2F"
            u"[:scx=Arab:][:scx=Hebr:]]]"),
        st);
    CheckIcu(st, "the set of diacritics");
    out->diacritics = diacritics->freeze();
    auto* unspaced = new icu::UnicodeSet(
        icu::UnicodeString(u"[[:sc=Han:][:scx=Hira:][:scx=Kana:][:sc=Hang:]]"),
        st);
    CheckIcu(st, "the set of unspaced scripts");
    out->unspaced = unspaced->freeze();
    out->word_prototype =
        icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), st);
    CheckIcu(st, "the word break iterator");
    return out;
  }();
  return *icu;
}

// Creating a BreakIterator loads rules and dictionaries; a clone is cheap but
// not free, and one iterator cannot be shared between threads.
icu::BreakIterator& WordIterator() {
  thread_local std::unique_ptr<icu::BreakIterator> mine(
      GetIcu().word_prototype->clone());
  return *mine;
}

// Letters that fold but have no decomposition, and Arabic-script variants
// that users type interchangeably. Applied after case folding.
UChar32 FoldLetter(UChar32 c) {
  switch (c) {
    case 0x0142:  // ł
      return 'l';
    case 0x00F8:  // ø
      return 'o';
    case 0x0111:  // đ
    case 0x00F0:  // ð
      return 'd';
    case 0x0127:  // ħ
      return 'h';
    case 0x0131:  // dotless ı
      return 'i';
    case 0x0671:  // alef wasla
      return 0x0627;
    case 0x0629:  // ta marbuta -> ha
      return 0x0647;
    case 0x0649:  // alef maksura -> ya
    case 0x06CC:  // Farsi ya -> ya
      return 0x064A;
    case 0x06A9:  // keheh -> kaf
      return 0x0643;
    default:
      return c;
  }
}

bool IsApostrophe(UChar32 c) {
  return c == 0x27 || c == 0x2018 || c == 0x2019 || c == 0x02BC;
}

// Letters, marks and digits make words; everything else separates them.
bool IsWordChar(UChar32 c) {
  if (IsApostrophe(c)) return false;
  return (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_M_MASK | U_GC_N_MASK)) != 0;
}

// ASCII text folds to its lower case: NFKC and NFD leave ASCII as it is,
// case folding maps A-Z alone, and no ASCII character is a diacritic, a
// tatweel or a letter FoldLetter changes. Most names and descriptions in
// English, Swahili or Indonesian are ASCII, and the three normalizations
// below were a third of deriving a record's index terms.
bool FoldAscii(const icu::UnicodeString& in, icu::UnicodeString* out) {
  const int32_t n = in.length();
  const char16_t* p = in.getBuffer();
  for (int32_t i = 0; i < n; ++i) {
    if (p[i] >= 0x80) return false;
  }
  char16_t* q = out->getBuffer(n);
  for (int32_t i = 0; i < n; ++i) {
    q[i] = p[i] >= u'A' && p[i] <= u'Z'
               ? static_cast<char16_t>(p[i] + (u'a' - u'A'))
               : p[i];
  }
  out->releaseBuffer(n);
  return true;
}

// NFKC_Casefold, then diacritics and variants folded away.
icu::UnicodeString Fold(const icu::UnicodeString& in) {
  if (icu::UnicodeString ascii; FoldAscii(in, &ascii)) return ascii;
  const Icu& icu = GetIcu();
  UErrorCode st = U_ZERO_ERROR;
  icu::UnicodeString decomposed =
      icu.nfd->normalize(icu.nfkc_casefold->normalize(in, st), st);
  icu::UnicodeString kept;
  for (int32_t i = 0; i < decomposed.length();) {
    UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (c == 0x0640) continue;  // Arabic tatweel (kashida): elongation only.
    if (icu.diacritics->contains(c)) continue;
    kept.append(FoldLetter(c));
  }
  icu::UnicodeString out = icu.nfc->normalize(kept, st);
  return U_SUCCESS(st) ? out : icu::UnicodeString();
}

std::string ToToken(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  if (out.size() > kMaxTokenBytes) {
    size_t cut = kMaxTokenBytes;
    while (cut > 0 && (out[cut] & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

// Articles elided before an apostrophe (French, Italian, Catalan): l'eau,
// dell'acqua, qu'elle.
bool IsElidedArticle(absl::string_view s) {
  static constexpr absl::string_view kArticles[] = {
      "l",    "d",    "j",     "m",      "n",      "s",      "t",
      "c",    "qu",   "jusqu", "lorsqu", "puisqu", "quoiqu", "dell",
      "nell", "all",  "dall",  "sull",   "coll",   "un",     "quell",
      "bell", "sant", "tutt",  "dov",    "com",
  };
  for (absl::string_view a : kArticles) {
    if (s == a) return true;
  }
  return false;
}

// English clitics after an apostrophe: women's, can't, they're.
bool IsClitic(absl::string_view s) {
  return s == "s" || s == "t" || s == "d" || s == "ll" || s == "re" ||
         s == "ve" || s == "m";
}

// The Arabic definite article with the prefixes attached to it, longest
// first: وال بال كال فال لل ال.
absl::string_view ArabicArticle(absl::string_view word) {
  static constexpr absl::string_view kPrefixes[] = {
      "\xD9\x88\xD8\xA7\xD9\x84",  // وال
      "\xD8\xA8\xD8\xA7\xD9\x84",  // بال
      "\xD9\x83\xD8\xA7\xD9\x84",  // كال
      "\xD9\x81\xD8\xA7\xD9\x84",  // فال
      "\xD9\x84\xD9\x84",          // لل
      "\xD8\xA7\xD9\x84",          // ال
  };
  for (absl::string_view p : kPrefixes) {
    // At least two letters (four bytes of Arabic) must remain.
    if (word.size() >= p.size() + 4 && word.substr(0, p.size()) == p) return p;
  }
  return {};
}

// The tokens of each character of `joined`, when it is all in scripts
// written without spaces (and at least two characters): searched by one.
void AddCharacters(const Icu& icu, const icu::UnicodeString& joined,
                   int32_t chars, int32_t unspaced, Word* word) {
  if (unspaced != chars || chars < 2) return;
  for (int32_t i = 0; i < joined.length();) {
    UChar32 c = joined.char32At(i);
    i += U16_LENGTH(c);
    if (icu.unspaced->contains(c)) {
      word->chars.push_back(ToToken(icu::UnicodeString(c)));
    }
  }
}

Word MakeWord(const icu::UnicodeString& segment) {
  const Icu& icu = GetIcu();
  Word word;
  // Most segments are one run of word characters, taken whole: no pieces to
  // join, no apostrophes.
  {
    int32_t chars = 0;
    int32_t unspaced = 0;
    int32_t i = 0;
    while (i < segment.length()) {
      UChar32 c = segment.char32At(i);
      if (!IsWordChar(c)) break;
      i += U16_LENGTH(c);
      ++chars;
      if (icu.unspaced->contains(c)) ++unspaced;
    }
    if (i == segment.length()) {
      if (chars == 0) return word;
      word.folded = ToToken(segment);
      if (absl::string_view p = ArabicArticle(word.folded); !p.empty()) {
        word.stem = word.folded.substr(p.size());
      }
      AddCharacters(icu, segment, chars, unspaced, &word);
      return word;
    }
  }
  std::vector<icu::UnicodeString> pieces(1);
  std::vector<bool> after_apostrophe;  // For pieces[1...]
  int32_t unspaced = 0;
  int32_t chars = 0;
  for (int32_t i = 0; i < segment.length();) {
    UChar32 c = segment.char32At(i);
    i += U16_LENGTH(c);
    if (!IsWordChar(c)) {
      if (!pieces.back().isEmpty()) {
        pieces.emplace_back();
        after_apostrophe.push_back(IsApostrophe(c));
      } else if (IsApostrophe(c) && !after_apostrophe.empty()) {
        after_apostrophe.back() = true;
      }
      continue;
    }
    pieces.back().append(c);
    ++chars;
    if (icu.unspaced->contains(c)) ++unspaced;
  }
  if (pieces.back().isEmpty()) {
    pieces.pop_back();
    if (!after_apostrophe.empty()) after_apostrophe.pop_back();
  }
  if (pieces.empty()) return word;

  icu::UnicodeString joined;
  for (const auto& p : pieces) joined.append(p);
  word.folded = ToToken(joined);
  if (pieces.size() > 1) {
    for (const auto& p : pieces) word.parts.push_back(ToToken(p));
    size_t first = 0, last = pieces.size();
    if (after_apostrophe[0] && IsElidedArticle(word.parts[0])) first = 1;
    if (after_apostrophe[last - 2] && last - first >= 2 &&
        IsClitic(word.parts[last - 1])) {
      --last;
    }
    if (first > 0 || last < pieces.size()) {
      icu::UnicodeString stem;
      for (size_t k = first; k < last; ++k) stem.append(pieces[k]);
      word.stem = ToToken(stem);
    }
  } else if (absl::string_view p = ArabicArticle(word.folded); !p.empty()) {
    word.stem = word.folded.substr(p.size());
  }
  AddCharacters(icu, joined, chars, unspaced, &word);
  return word;
}

// Calls fn(Word) for each word of `text`, in order.
template <typename Fn>
void ForEachWord(absl::string_view text, Fn fn) {
  const icu::UnicodeString folded = Fold(icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size()))));
  icu::BreakIterator& it = WordIterator();
  it.setText(folded);
  int32_t start = it.first();
  for (int32_t end = it.next(); end != icu::BreakIterator::DONE;
       start = end, end = it.next()) {
    // Spaces, punctuation and symbols are the rule status UBRK_WORD_NONE.
    if (it.getRuleStatus() < UBRK_WORD_NONE_LIMIT) continue;
    Word word = MakeWord(folded.tempSubStringBetween(start, end));
    if (!word.folded.empty()) fn(std::move(word));
  }
  // The iterator keeps a pointer to its text; leave it one that lives on.
  static const icu::UnicodeString* const kNoText = new icu::UnicodeString();
  it.setText(*kNoText);
}

}  // namespace

bool IsValidUtf8(absl::string_view s) {
  // Offsets are int32_t; nothing civhub validates comes near 2 GiB.
  if (s.size() > static_cast<size_t>(INT32_MAX)) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    // ICU's U8_NEXT gives a negative code point for overlongs, surrogates,
    // values past U+10FFFF and truncated sequences.
    U8_NEXT(p, i, n, c);
    if (c < 0) return false;
  }
  return true;
}

size_t CodePointCount(absl::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::vector<Word> SplitWords(absl::string_view text) {
  std::vector<Word> out;
  ForEachWord(text, [&out](Word word) { out.push_back(std::move(word)); });
  return out;
}

std::vector<std::string> Tokenize(absl::string_view text) {
  std::vector<std::string> out;
  for (Word& w : SplitWords(text)) out.push_back(std::move(w.folded));
  return out;
}

void AppendIndexTerms(absl::string_view text, std::vector<std::string>* out) {
  // Word by word, without a list of them (its allocations were a few
  // percent of the hub's CPU in an import).
  ForEachWord(text, [out](Word w) {
    out->push_back(std::move(w.folded));
    if (!w.stem.empty()) out->push_back(std::move(w.stem));
    for (std::string& p : w.parts) out->push_back(std::move(p));
    for (std::string& c : w.chars) out->push_back(std::move(c));
  });
}

}  // namespace civhub::node
