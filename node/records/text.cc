#include "node/records/text.h"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uniset.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

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

// Cuts UTF-8 `token` to kMaxTokenBytes at a character boundary.
void CutToken(std::string* token) {
  if (token->size() > kMaxTokenBytes) {
    size_t cut = kMaxTokenBytes;
    while (cut > 0 && ((*token)[cut] & 0xC0) == 0x80) --cut;
    token->resize(cut);
  }
}

std::string ToToken(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  CutToken(&out);
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

// The pieces [first, last) of a word of several (`parts`, their tokens)
// that make its stem: without an elided article before an apostrophe at
// its start or an English clitic after one at its end. {0, parts.size()}
// when there is nothing to take off.
std::pair<size_t, size_t> StemPieces(
    const std::vector<std::string>& parts,
    const std::vector<bool>& after_apostrophe) {
  size_t first = 0, last = parts.size();
  if (after_apostrophe[0] && IsElidedArticle(parts[0])) first = 1;
  if (after_apostrophe[last - 2] && last - first >= 2 &&
      IsClitic(parts[last - 1])) {
    --last;
  }
  return {first, last};
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
    const auto [first, last] = StemPieces(word.parts, after_apostrophe);
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

// Latin text, folded and split without ICU's UTF-16 strings, normalizers
// and break iterator (together most of deriving a record's index terms):
// text whose every character is ASCII or Latin-1 (as most names and
// descriptions in English, Spanish, French, Portuguese, Swahili or
// Indonesian are) and is one of the characters below.
//
// Each character folds alone to what ICU's folding (Fold) gives it, which
// here is what it gives it within any such text: NFKC_Casefold decomposes
// no Latin-1 character into anything that composes with its neighbours,
// and the diacritics Fold drops are all marks no character here folds to.
// Words are then found by the rules of Unicode's word segmentation (UAX
// #29) that these characters take part in, as ICU's word iterator applies
// them, on each character's word-break property as ICU gives it. A
// character is here only if that holds of it: a letter that folds to
// letters, or anything else that folds to itself and is not a letter, mark
// or digit unless it is a digit. Anything else (a soft hyphen, a no-break
// space, "¹", a control) leaves the text to ICU.
// SplitWords.LatinTextSplitsAsThroughIcu compares the two on random text.
enum class Wb : uint8_t {
  kNotLatin,  // ICU's path.
  kLetter,
  kNumeric,
  kMidLetter,
  kMidNumLet,
  kSingleQuote,
  kMidNum,
  kExtendNumLet,
  kSpace,  // WSegSpace.
  kCr,
  kLf,
  kOther,
};

struct LatinChar {
  Wb wb = Wb::kNotLatin;
  bool word_char = false;   // IsWordChar of what it folds to.
  bool apostrophe = false;  // IsApostrophe.
  uint8_t folded_size = 0;
  char folded[6] = {};  // UTF-8.
};

const LatinChar* LatinChars() {
  static const LatinChar* const table = [] {
    auto* out = new LatinChar[256];
    for (UChar32 c = 0; c < 256; ++c) {
      std::string folded;
      Fold(icu::UnicodeString(c)).toUTF8String(folded);
      if (folded.empty() || folded.size() > sizeof(out[c].folded)) continue;
      Wb wb = Wb::kNotLatin;
      switch (u_getIntPropertyValue(c, UCHAR_WORD_BREAK)) {
        case U_WB_ALETTER:
          wb = Wb::kLetter;
          break;
        case U_WB_NUMERIC:
          wb = Wb::kNumeric;
          break;
        case U_WB_MIDLETTER:
          wb = Wb::kMidLetter;
          break;
        case U_WB_MIDNUMLET:
          wb = Wb::kMidNumLet;
          break;
        case U_WB_SINGLE_QUOTE:
          wb = Wb::kSingleQuote;
          break;
        case U_WB_MIDNUM:
          wb = Wb::kMidNum;
          break;
        case U_WB_EXTENDNUMLET:
          wb = Wb::kExtendNumLet;
          break;
        case U_WB_WSEGSPACE:
          wb = Wb::kSpace;
          break;
        case U_WB_CR:
          wb = Wb::kCr;
          break;
        case U_WB_LF:
          wb = Wb::kLf;
          break;
        case U_WB_OTHER:
          wb = Wb::kOther;
          break;
        default:
          continue;  // Newline, Format, Extend...: ICU's path.
      }
      // ICU's word rules (word.txt) take "@" as a letter, so that an email
      // address is one word, and ":" as punctuation, not MidLetter.
      if (c == '@') wb = Wb::kLetter;
      if (c == ':') wb = Wb::kOther;
      bool word_char = true;
      bool letters = true;
      const icu::UnicodeString f = icu::UnicodeString::fromUTF8(folded);
      for (int32_t i = 0; i < f.length();) {
        const UChar32 g = f.char32At(i);
        i += U16_LENGTH(g);
        word_char = word_char && IsWordChar(g);
        letters = letters && IsWordChar(g) &&
                  u_getIntPropertyValue(g, UCHAR_WORD_BREAK) == U_WB_ALETTER &&
                  !GetIcu().unspaced->contains(g);
      }
      if (wb == Wb::kLetter && c != '@') {
        if (!letters) continue;
      } else {
        std::string itself;
        icu::UnicodeString(c).toUTF8String(itself);
        if (folded != itself) continue;
        if (word_char != (wb == Wb::kNumeric)) continue;  // "@" is not.
      }
      LatinChar& lc = out[c];
      lc.wb = wb;
      lc.word_char = word_char;
      lc.apostrophe = IsApostrophe(c);
      lc.folded_size = static_cast<uint8_t>(folded.size());
      folded.copy(lc.folded, folded.size());
    }
    return out;
  }();
  return table;
}

// Whether UAX #29 keeps units[i - 1] and units[i] in one word (WB3 to
// WB13b, for the classes above).
bool JoinedWithPrevious(const std::vector<const LatinChar*>& units, size_t i) {
  const Wb a = units[i - 1]->wb;
  const Wb b = units[i]->wb;
  const Wb before = i >= 2 ? units[i - 2]->wb : Wb::kNotLatin;
  const Wb after = i + 1 < units.size() ? units[i + 1]->wb : Wb::kNotLatin;
  auto mid_letter = [](Wb w) {
    return w == Wb::kMidLetter || w == Wb::kMidNumLet || w == Wb::kSingleQuote;
  };
  auto mid_num = [](Wb w) {
    return w == Wb::kMidNum || w == Wb::kMidNumLet || w == Wb::kSingleQuote;
  };
  if (a == Wb::kCr && b == Wb::kLf) return true;  // WB3
  if (a == Wb::kCr || a == Wb::kLf || b == Wb::kCr || b == Wb::kLf) {
    return false;  // WB3a, WB3b
  }
  if (a == Wb::kSpace && b == Wb::kSpace) return true;    // WB3d
  if (a == Wb::kLetter && b == Wb::kLetter) return true;  // WB5
  if (a == Wb::kLetter && mid_letter(b) && after == Wb::kLetter) {
    return true;  // WB6
  }
  if (before == Wb::kLetter && mid_letter(a) && b == Wb::kLetter) {
    return true;  // WB7
  }
  if (a == Wb::kNumeric && b == Wb::kNumeric) return true;  // WB8
  if (a == Wb::kLetter && b == Wb::kNumeric) return true;   // WB9
  if (a == Wb::kNumeric && b == Wb::kLetter) return true;   // WB10
  if (before == Wb::kNumeric && mid_num(a) && b == Wb::kNumeric) {
    return true;  // WB11
  }
  if (a == Wb::kNumeric && mid_num(b) && after == Wb::kNumeric) {
    return true;  // WB12
  }
  if ((a == Wb::kLetter || a == Wb::kNumeric || a == Wb::kExtendNumLet) &&
      b == Wb::kExtendNumLet) {
    return true;  // WB13a
  }
  return a == Wb::kExtendNumLet && (b == Wb::kLetter || b == Wb::kNumeric);
}

// MakeWord for a segment of Latin characters.
Word MakeLatinWord(const LatinChar* const* begin, const LatinChar* const* end) {
  Word word;
  // Most segments are one run of word characters, taken whole.
  if (std::all_of(begin, end,
                  [](const LatinChar* c) { return c->word_char; })) {
    for (const LatinChar* const* u = begin; u != end; ++u) {
      word.folded.append((*u)->folded, (*u)->folded_size);
    }
    CutToken(&word.folded);
    if (absl::string_view p = ArabicArticle(word.folded); !p.empty()) {
      word.stem = word.folded.substr(p.size());
    }
    return word;
  }
  std::vector<std::string> pieces(1);
  std::vector<bool> after_apostrophe;  // For pieces[1...]
  for (const LatinChar* const* u = begin; u != end; ++u) {
    const LatinChar& c = **u;
    if (!c.word_char) {
      if (!pieces.back().empty()) {
        pieces.emplace_back();
        after_apostrophe.push_back(c.apostrophe);
      } else if (c.apostrophe && !after_apostrophe.empty()) {
        after_apostrophe.back() = true;
      }
      continue;
    }
    pieces.back().append(c.folded, c.folded_size);
  }
  if (pieces.back().empty()) {
    pieces.pop_back();
    if (!after_apostrophe.empty()) after_apostrophe.pop_back();
  }
  if (pieces.empty()) return word;
  if (pieces.size() == 1) {
    word.folded = std::move(pieces[0]);
    CutToken(&word.folded);
  } else {
    for (const std::string& p : pieces) word.folded += p;
    CutToken(&word.folded);
    for (const std::string& p : pieces) {
      word.parts.push_back(p);
      CutToken(&word.parts.back());
    }
    const auto [first, last] = StemPieces(word.parts, after_apostrophe);
    if (first > 0 || last < pieces.size()) {
      for (size_t k = first; k < last; ++k) word.stem += pieces[k];
      CutToken(&word.stem);
    }
    return word;
  }
  if (absl::string_view p = ArabicArticle(word.folded); !p.empty()) {
    word.stem = word.folded.substr(p.size());
  }
  return word;
}

// ForEachWord for Latin text; false, having called nothing, for other text.
template <typename Fn>
bool ForEachLatinWord(absl::string_view text, Fn fn) {
  const LatinChar* const table = LatinChars();
  thread_local std::vector<const LatinChar*> units;
  units.clear();
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const auto* const end = p + text.size();
  while (p < end) {
    uint32_t c = *p++;
    if (c >= 0x80) {
      // Latin-1 past ASCII is two bytes, C2 or C3 and a continuation.
      if ((c != 0xC2 && c != 0xC3) || p == end || (*p & 0xC0) != 0x80) {
        return false;
      }
      c = ((c & 0x1F) << 6) | (*p++ & 0x3F);
    }
    if (table[c].wb == Wb::kNotLatin) return false;
    units.push_back(&table[c]);
  }
  size_t start = 0;
  for (size_t i = 1; i <= units.size(); ++i) {
    if (i < units.size() && JoinedWithPrevious(units, i)) continue;
    Word word = MakeLatinWord(units.data() + start, units.data() + i);
    if (!word.folded.empty()) fn(std::move(word));
    start = i;
  }
  return true;
}

// ForEachWord through ICU's folding and word iterator, whatever the text.
template <typename Fn>
void ForEachWordThroughIcu(absl::string_view text, Fn fn) {
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

// Calls fn(Word) for each word of `text`, in order.
template <typename Fn>
void ForEachWord(absl::string_view text, Fn fn) {
  if (ForEachLatinWord(text, fn)) return;
  ForEachWordThroughIcu(text, fn);
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

namespace internal {

std::vector<Word> SplitWordsThroughIcu(absl::string_view text) {
  std::vector<Word> out;
  ForEachWordThroughIcu(text,
                        [&out](Word word) { out.push_back(std::move(word)); });
  return out;
}

}  // namespace internal

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
