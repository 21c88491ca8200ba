#include "node/records/taxonomy.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/testutil.h"

namespace civhub::node {
namespace {

// The codes in backquotes in docs/api.md between `from` and `to`.
std::set<std::string> DocumentedCodes(const std::string& from,
                                      const std::string& to) {
  std::string doc =
      testing::ReadFileOrDie(testing::SourceDir() + "/docs/api.md");
  size_t start = doc.find(from);
  size_t end = doc.find(to, start);
  EXPECT_NE(start, std::string::npos);
  std::string section = doc.substr(start, end - start);
  std::set<std::string> codes;
  for (size_t open = section.find('`'); open != std::string::npos;
       open = section.find('`', open + 1)) {
    size_t close = section.find('`', open + 1);
    if (close == std::string::npos) break;
    codes.insert(section.substr(open + 1, close - open - 1));
    open = close;
  }
  return codes;
}

std::set<std::string> Codes(absl::Span<const TaxonomyTerm> terms) {
  std::set<std::string> out;
  for (const auto& t : terms) out.insert(t.code);
  return out;
}

TEST(Taxonomy, DocsListTheSameCodesAsTheCode) {
  EXPECT_EQ(DocumentedCodes("Topics: ", "Organization types: "),
            Codes(Topics()));
  EXPECT_EQ(
      DocumentedCodes("Organization types: ", "(`node/records/taxonomy.cc`"),
      Codes(OrganizationTypes()));
}

TEST(Taxonomy, ListedAndExtensionCodesArePublishable) {
  for (const auto& t : Topics())
    EXPECT_TRUE(IsPublishableTopic(t.code)) << t.code;
  for (const auto& t : OrganizationTypes()) {
    EXPECT_TRUE(IsPublishableOrganizationType(t.code)) << t.code;
  }
  EXPECT_TRUE(IsPublishableTopic("x-mangroves"));
  EXPECT_FALSE(IsPublishableTopic("mangroves"));
  EXPECT_TRUE(IsWellFormedCode("mangroves"));
  for (const char* bad :
       {"", "Upper", "two--dashes", "-lead", "trail-", "sp ace", "ümlaut"}) {
    EXPECT_FALSE(IsWellFormedCode(bad)) << bad;
  }
}

}  // namespace
TEST(Taxonomy, SimilarCodesCatchCaseWordsAndTypos) {
  using V = std::vector<std::string>;
  EXPECT_EQ(SimilarCodes(OrganizationTypes(), "NGO"), V{"ngo"});
  EXPECT_EQ(SimilarCodes(Topics(), "human rights"), V{"human-rights"});
  EXPECT_EQ(SimilarCodes(Topics(), "water"), V{"water-sanitation"});
  EXPECT_EQ(SimilarCodes(Topics(), "helth"), V{"health"});
  EXPECT_EQ(SimilarCodes(OrganizationTypes(), "charty"), V{"charity"});
  EXPECT_TRUE(SimilarCodes(Topics(), "zzzzzz").empty());
  EXPECT_TRUE(SimilarCodes(Topics(), "").empty());
}

}  // namespace civhub::node
