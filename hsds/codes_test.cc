#include "hsds/codes.h"

#include <gtest/gtest.h>

#include <string>

namespace civhub::hsds {
namespace {

TEST(Codes, LocalTopic) {
  EXPECT_EQ(LocalTopic("Food Pantry / Soup Kitchen"),
            "x-food-pantry-soup-kitchen");
  EXPECT_EQ(LocalTopic("  --  "), "");
  EXPECT_LE(LocalTopic(std::string(200, 'a')).size(), 64u);
}

TEST(Codes, IdentifierScheme) {
  EXPECT_EQ(IdentifierScheme("GB-COH", "Company number"), "GB-COH");
  EXPECT_EQ(IdentifierScheme("", "Company number"), "ZZ-COMPANY-NUMBER");
  EXPECT_EQ(IdentifierScheme("gb-coh", ""), "ZZ-UNKNOWN");
}

TEST(Codes, LanguageCode) {
  EXPECT_EQ(LanguageCode("EN"), "en");
  EXPECT_EQ(LanguageCode("en-GB"), "en");
  EXPECT_EQ(LanguageCode("zh_Hant"), "zh");
  // ISO 639-2/T, 639-2/B and 639-3 codes, from ICU's data: a language any
  // of them names, not only those of a table kept here.
  EXPECT_EQ(LanguageCode("eng"), "en");
  EXPECT_EQ(LanguageCode(" SPA "), "es");
  EXPECT_EQ(LanguageCode("fre"), "fr");
  EXPECT_EQ(LanguageCode("ger"), "de");
  EXPECT_EQ(LanguageCode("swh"), "sw");
  EXPECT_EQ(LanguageCode("cmn"), "zh");
  EXPECT_EQ(LanguageCode("arb"), "ar");
  EXPECT_EQ(LanguageCode("tgl"), "tl");
  EXPECT_EQ(LanguageCode("kin"), "rw");
  EXPECT_EQ(LanguageCode("hau"), "ha");
  EXPECT_EQ(LanguageCode("tir"), "ti");
  // No ISO 639-1 equivalent, or no language at all.
  EXPECT_EQ(LanguageCode("haw"), "");
  EXPECT_EQ(LanguageCode("tlh"), "");
  EXPECT_EQ(LanguageCode("xx"), "");
  EXPECT_EQ(LanguageCode("e1g"), "");
  EXPECT_EQ(LanguageCode(""), "");
}

}  // namespace
}  // namespace civhub::hsds
