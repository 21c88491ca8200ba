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

// ASCII text is folded without ICU's normalizers: every ASCII character,
// alone and in random text, gives the words ICU's folding gives. The same
// text ending in " é" goes through ICU (it is not ASCII) and its last word
// folds to "e", as " e" does through the ASCII path.
TEST(SplitWords, AsciiTextSplitsAsThroughIcu) {
  auto expect_same = [](const std::string& ascii) {
    const std::vector<Word> fast = SplitWords(ascii + " e");
    const std::vector<Word> icu = SplitWords(ascii + " \u00e9");
    ASSERT_EQ(fast.size(), icu.size()) << ascii;
    for (size_t i = 0; i < fast.size(); ++i) {
      EXPECT_EQ(fast[i].folded, icu[i].folded) << ascii;
      EXPECT_EQ(fast[i].stem, icu[i].stem) << ascii;
      EXPECT_EQ(fast[i].parts, icu[i].parts) << ascii;
      EXPECT_EQ(fast[i].chars, icu[i].chars) << ascii;
    }
  };
  for (int c = 0; c < 0x80; ++c) {
    const std::string ch(1, static_cast<char>(c));
    expect_same(ch);
    expect_same("Water" + ch + "AID " + ch + "3" + ch + "14 l" + ch + "EAU");
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string text(rng() % 40, ' ');
    // Mostly letters, so that words form around the rest.
    for (char& ch : text) {
      ch = rng() % 2 ? static_cast<char>('A' + rng() % 58)
                     : static_cast<char>(rng() % 0x80);
    }
    expect_same(text);
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
