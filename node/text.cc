#include "node/text.h"

#include <algorithm>
#include <cstdint>

namespace civhub::node {
namespace {

struct CodeRange {
  uint32_t first;
  uint32_t last;
};
struct Fold {
  uint32_t cp;
  const char* folded;
};

#include "node/internal/fold_table.inc"

// Decodes one code point at `*pos`, advancing it. Returns U+FFFD for a
// malformed sequence and skips one byte.
uint32_t NextCodePoint(absl::string_view s, size_t* pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = *pos;
  unsigned char c = p[i];
  uint32_t cp;
  int extra;
  if (c < 0x80) {
    *pos = i + 1;
    return c;
  } else if (c >= 0xC2 && c <= 0xDF) {
    cp = c & 0x1F;
    extra = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    cp = c & 0x0F;
    extra = 2;
  } else if (c >= 0xF0 && c <= 0xF4) {
    cp = c & 0x07;
    extra = 3;
  } else {
    *pos = i + 1;
    return 0xFFFD;
  }
  if (i + extra >= s.size()) {
    *pos = i + 1;
    return 0xFFFD;
  }
  for (int k = 1; k <= extra; ++k) {
    unsigned char cc = p[i + k];
    if ((cc & 0xC0) != 0x80) {
      *pos = i + 1;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  // Overlong encodings, surrogates and values past U+10FFFF.
  if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    *pos = i + 1;
    return 0xFFFD;
  }
  *pos = i + 1 + extra;
  return cp;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsWordChar(uint32_t cp) {
  if (cp < 0x80) {
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
           (cp >= '0' && cp <= '9');
  }
  if (cp >= 0x10000) return cp >= 0x20000 && cp <= 0x3FFFF;  // CJK ext. B+
  const CodeRange* end =
      kWordRanges + sizeof(kWordRanges) / sizeof(kWordRanges[0]);
  const CodeRange* it = std::upper_bound(
      kWordRanges, end, cp,
      [](uint32_t v, const CodeRange& r) { return v < r.first; });
  return it != kWordRanges && cp <= (it - 1)->last;
}

// Scripts written without spaces between words: one token per character.
bool IsIdeographic(uint32_t cp) {
  return (cp >= 0x3040 && cp <= 0x30FF) ||  // Hiragana, Katakana
         (cp >= 0x3400 && cp <= 0x4DBF) ||  // CJK extension A
         (cp >= 0x4E00 && cp <= 0x9FFF) ||  // CJK unified ideographs
         (cp >= 0xF900 && cp <= 0xFAFF) ||  // CJK compatibility
         (cp >= 0x20000 && cp <= 0x3FFFF);
}

void AppendFolded(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
    return;
  }
  const Fold* end = kFolds + sizeof(kFolds) / sizeof(kFolds[0]);
  const Fold* it = std::lower_bound(
      kFolds, end, cp, [](const Fold& f, uint32_t v) { return f.cp < v; });
  if (it != end && it->cp == cp) {
    out->append(it->folded);
  } else {
    AppendUtf8(cp, out);
  }
}

void Flush(std::string* token, std::vector<std::string>* out) {
  if (token->empty()) return;
  if (token->size() > kMaxTokenBytes) {
    // Cut at a character boundary.
    size_t cut = kMaxTokenBytes;
    while (cut > 0 && ((*token)[cut] & 0xC0) == 0x80) --cut;
    token->resize(cut);
  }
  out->push_back(std::move(*token));
  token->clear();
}

}  // namespace

bool IsValidUtf8(absl::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    size_t before = pos;
    uint32_t cp = NextCodePoint(s, &pos);
    if (cp == 0xFFFD &&
        !(pos - before == 3 && s.substr(before, 3) == "\xEF\xBF\xBD")) {
      return false;
    }
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

void Tokenize(absl::string_view text, std::vector<std::string>* out) {
  std::string token;
  size_t pos = 0;
  while (pos < text.size()) {
    uint32_t cp = NextCodePoint(text, &pos);
    if (!IsWordChar(cp)) {
      Flush(&token, out);
      continue;
    }
    if (IsIdeographic(cp)) {
      Flush(&token, out);
      AppendUtf8(cp, &token);
      Flush(&token, out);
      continue;
    }
    AppendFolded(cp, &token);
  }
  Flush(&token, out);
}

}  // namespace civhub::node
