#include "node/text.h"

#include <gtest/gtest.h>

namespace civhub::node {
namespace {

using Tokens = std::vector<std::string>;

TEST(Tokenize, FoldsCaseAndDiacritics) {
  EXPECT_EQ(Tokenize("Água Limpa, ÇA VA!"),
            (Tokens{"agua", "limpa", "ca", "va"}));
  EXPECT_EQ(Tokenize("Société Genève"), (Tokens{"societe", "geneve"}));
  EXPECT_EQ(Tokenize("Straße"), (Tokens{"strasse"}));
  EXPECT_EQ(Tokenize("ИНИЦИАТИВА Ёлка"), (Tokens{"инициатива", "елка"}));
  EXPECT_EQ(Tokenize("Ωμέγα"), (Tokens{"ωμεγα"}));
}

TEST(Tokenize, DecomposedInputMatchesComposed) {
  // "é" as e + combining acute (NFD) folds like the precomposed form.
  EXPECT_EQ(Tokenize("cafe\xCC\x81"), Tokenize("café"));
}

TEST(Tokenize, SplitsOnPunctuationAndKeepsDigits) {
  EXPECT_EQ(Tokenize("COVID-19 relief/2024"),
            (Tokens{"covid", "19", "relief", "2024"}));
  EXPECT_EQ(Tokenize("  "), Tokens{});
  EXPECT_EQ(Tokenize("Ｆｕｌｌｗｉｄｔｈ"), (Tokens{"fullwidth"}));
}

TEST(Tokenize, IdeographsAreSingleTokens) {
  EXPECT_EQ(Tokenize("水资源 NGO"), (Tokens{"水", "资", "源", "ngo"}));
}

TEST(Tokenize, ArabicAndDevanagariAreWords) {
  EXPECT_EQ(Tokenize("منظمة المياه").size(), 2u);
  EXPECT_EQ(Tokenize("जल संरक्षण").size(), 2u);
}

TEST(Tokenize, CutsLongTokensAtCharacterBoundary) {
  std::string word;
  for (int i = 0; i < 40; ++i) word += "é";
  Tokens t = Tokenize(word);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_LE(t[0].size(), kMaxTokenBytes);
  EXPECT_TRUE(IsValidUtf8(t[0]));
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
