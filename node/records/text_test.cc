#include "node/records/text.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <thread>

namespace civhub::node {
namespace {

using Tokens = std::vector<std::string>;

Word OneWord(const std::string& text) {
  std::vector<Word> words = SplitWords(text);
  EXPECT_EQ(words.size(), 1u) << text;
  return words.empty() ? Word{} : words[0];
}

TEST(Tokenize, FoldsCaseAndDiacritics) {
  EXPECT_EQ(Tokenize("Água Limpa, ÇA VA!"),
            (Tokens{"agua", "limpa", "ca", "va"}));
  EXPECT_EQ(Tokenize("Société Genève"), (Tokens{"societe", "geneve"}));
  EXPECT_EQ(Tokenize("Straße"), (Tokens{"strasse"}));
  EXPECT_EQ(Tokenize("ИНИЦИАТИВА Ёлка"), (Tokens{"инициатива", "елка"}));
  EXPECT_EQ(Tokenize("Ωμέγα"), (Tokens{"ωμεγα"}));
  EXPECT_EQ(Tokenize("Hội Phụ nữ Việt Nam"),
            (Tokens{"hoi", "phu", "nu", "viet", "nam"}));
  EXPECT_EQ(Tokenize("İSTANBUL Łódź Søndergård"),
            (Tokens{"istanbul", "lodz", "sondergard"}));
}

TEST(Tokenize, DecomposedInputMatchesComposed) {
  // "é" as e + combining acute (NFD) folds like the precomposed form.
  EXPECT_EQ(Tokenize("cafe\xCC\x81"), Tokenize("café"));
  EXPECT_EQ(Tokenize("Ｆｕｌｌｗｉｄｔｈ"), (Tokens{"fullwidth"}));
}

TEST(Tokenize, SplitsOnPunctuationAndKeepsDigits) {
  EXPECT_EQ(Tokenize("COVID-19 relief/2024"),
            (Tokens{"covid", "19", "relief", "2024"}));
  EXPECT_EQ(Tokenize("  "), Tokens{});
  EXPECT_EQ(Tokenize("!!! — 🙂"), Tokens{});
}

TEST(Tokenize, KeepsVowelSignsThatAreMarks) {
  // Devanagari, Bengali and Thai vowel signs and viramas are nonspacing
  // marks: removing them would change the word.
  EXPECT_EQ(Tokenize("जल संरक्षण"), (Tokens{"जल", "संरक्षण"}));
  EXPECT_EQ(Tokenize("নারী উন্নয়ন"), Tokenize("নারী উন্নয়ন"));
  EXPECT_EQ(Tokenize("নারী")[0], "নারী");
  EXPECT_EQ(Tokenize("มูลนิธิ")[0], "มูลนิธิ");
  // Kana voicing marks too: ガ is not カ.
  EXPECT_NE(Tokenize("ガス"), Tokenize("カス"));
}

TEST(Tokenize, RemovesArabicAndHebrewVowelPoints) {
  EXPECT_EQ(Tokenize("مُنَظَّمَة"), Tokenize("منظمة"));
  EXPECT_EQ(Tokenize("שָׁלוֹם"), Tokenize("שלום"));
  // Hamza on alef is left out as often as it is written.
  EXPECT_EQ(Tokenize("أمل إنسان آمال"), Tokenize("امل انسان امال"));
  // Tatweel only stretches a word.
  EXPECT_EQ(Tokenize("مـــاء"), Tokenize("ماء"));
}

TEST(SplitWords, SegmentsChineseAndJapaneseWithDictionaries) {
  EXPECT_EQ(Tokenize("北京环境保护协会"),
            (Tokens{"北京", "环境", "保护", "协会"}));
  Tokens tokyo = Tokenize("東京ボランティア協会");
  ASSERT_FALSE(tokyo.empty());
  EXPECT_EQ(tokyo[0], "東京");
  EXPECT_EQ(Tokenize("มูลนิธิเพื่อการพัฒนา").size(), 4u);
}

TEST(SplitWords, IndexesUnspacedScriptsCharacterByCharacter) {
  Word w = OneWord("北京");
  EXPECT_EQ(w.chars, (Tokens{"北", "京"}));
  // The prolonged sound mark ー belongs to kana words too.
  EXPECT_EQ(OneWord("ネットワーク").chars.size(), 6u);
  EXPECT_TRUE(OneWord("water").chars.empty());
  EXPECT_TRUE(OneWord("水").chars.empty());
}

TEST(SplitWords, ApostrophesAndElisions) {
  Word womens = OneWord("Women's");
  EXPECT_EQ(womens.folded, "womens");
  EXPECT_EQ(womens.stem, "women");
  EXPECT_EQ(womens.parts, (Tokens{"women", "s"}));
  Word eau = OneWord("L’Eau");
  EXPECT_EQ(eau.folded, "leau");
  EXPECT_EQ(eau.stem, "eau");
  EXPECT_EQ(OneWord("dell'acqua").stem, "acqua");
  Word obrien = OneWord("O'Brien");
  EXPECT_EQ(obrien.folded, "obrien");
  EXPECT_EQ(obrien.stem, "");
  EXPECT_EQ(obrien.parts, (Tokens{"o", "brien"}));
}

TEST(SplitWords, ArabicDefiniteArticleAndPrefixes) {
  EXPECT_EQ(OneWord("للتنمية").stem, "تنميه");
  EXPECT_EQ(OneWord("التنمية").stem, "تنميه");
  EXPECT_EQ(OneWord("والتنمية").stem, "تنميه");
  EXPECT_EQ(OneWord("بالتنمية").stem, "تنميه");
  EXPECT_EQ(OneWord("الأمل").stem, "امل");
  // Too short to carry an article.
  EXPECT_EQ(OneWord("الم").stem, "");
  EXPECT_EQ(OneWord("تنمية").stem, "");
}

TEST(AppendIndexTerms, HoldsEveryFormAWordIsSearchedBy) {
  std::vector<std::string> terms;
  AppendIndexTerms("Women's L'eau 水源", &terms);
  for (const char* t :
       {"womens", "women", "s", "leau", "eau", "l", "水源", "水", "源"}) {
    EXPECT_NE(std::find(terms.begin(), terms.end(), t), terms.end()) << t;
  }
}

void ExpectSplitAsThroughIcu(const std::string& text) {
  const std::vector<Word> fast = SplitWords(text);
  const std::vector<Word> icu = internal::SplitWordsThroughIcu(text);
  ASSERT_EQ(fast.size(), icu.size()) << text;
  for (size_t i = 0; i < fast.size(); ++i) {
    EXPECT_EQ(fast[i].folded, icu[i].folded) << text;
    EXPECT_EQ(fast[i].stem, icu[i].stem) << text;
    EXPECT_EQ(fast[i].parts, icu[i].parts) << text;
    EXPECT_EQ(fast[i].chars, icu[i].chars) << text;
  }
}

// Latin text (ASCII and Latin-1) is folded and split without ICU: every
// such character, alone and between letters, digits and apostrophes, and
// random text of them with the punctuation UAX #29 joins words across,
// gives the words ICU gives. Characters left to ICU (a soft hyphen, "¹")
// are in the random text too, so that both paths meet there.
TEST(SplitWords, LatinTextSplitsAsThroughIcu) {
  std::vector<std::string> chars;
  for (int c = 1; c < 0x100; ++c) {
    chars.push_back(c < 0x80
                        ? std::string(1, static_cast<char>(c))
                        : std::string{static_cast<char>(0xC0 | (c >> 6)),
                                      static_cast<char>(0x80 | (c & 0x3F))});
  }
  // Pieces past kMaxTokenBytes, cut within a character: the stem is cut
  // from the whole pieces, not from the cut ones.
  std::string long_piece = "a";
  for (int i = 0; i < 30; ++i) long_piece += "\u00e6";  // Two bytes folded.
  ExpectSplitAsThroughIcu("l'" + long_piece + "'b's " + long_piece + "'s");
  for (const std::string& ch : chars) {
    ExpectSplitAsThroughIcu(ch);
    ExpectSplitAsThroughIcu("Water" + ch + "AID " + ch + "3" + ch + "14 l" +
                            ch + "EAU " + ch + ch + "x" + ch + "'s");
  }
  const std::vector<std::string> joiners = {
      "'",      ".",      ":",      ",",      ";",      "_",      " ",
      "  ",     "\r\n",   "\n",     "-",      "\u00b7", "\u00ad", "\u2019",
      "\u00a0", "\u00b9", "\u00df", "\u00e9", "\u00c6"};
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const size_t n = rng() % (i % 8 == 0 ? 80 : 24);
    for (size_t k = 0; k < n; ++k) {
      switch (rng() % 4) {
        case 0:
          text += static_cast<char>(rng() % 2 ? 'a' + rng() % 26
                                              : 'A' + rng() % 26);
          break;
        case 1:
          text += static_cast<char>('0' + rng() % 10);
          break;
        case 2:
          text += joiners[rng() % joiners.size()];
          break;
        default:
          text += chars[rng() % chars.size()];
      }
    }
    ExpectSplitAsThroughIcu(text);
    if (HasFailure()) break;
  }
}

TEST(Tokenize, CutsLongTokensAtCharacterBoundary) {
  std::string word;
  for (int i = 0; i < 40; ++i) word += "é";
  Tokens t = Tokenize(word);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_LE(t[0].size(), kMaxTokenBytes);
  EXPECT_TRUE(IsValidUtf8(t[0]));
}

TEST(Tokenize, WorksOnManyThreadsAtOnce) {
  std::vector<std::thread> threads;
  std::vector<Tokens> got(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&got, i] {
      for (int k = 0; k < 50; ++k) got[i] = Tokenize("北京环境保护协会 Água");
    });
  }
  for (auto& t : threads) t.join();
  for (const Tokens& g : got) EXPECT_EQ(g, got[0]);
}

TEST(Utf8, ValidatesStrictly) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("Água 水 😀"));
  EXPECT_TRUE(IsValidUtf8("\xEF\xBF\xBD"));       // U+FFFD itself is valid.
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // Truncated.
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // Overlong '/'.
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // Surrogate.
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // Past U+10FFFF.
  EXPECT_FALSE(IsValidUtf8("ok\xFF"));
  EXPECT_EQ(CodePointCount("Água水"), 5u);
}

}  // namespace
}  // namespace civhub::node
