#include "node/records/capabilities.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "node/records/taxonomy.h"

namespace civhub::node {
namespace {

// docs/matchmaking.md's table lists every group and every member under it.
TEST(CapabilitiesTest, TheDocsListEveryCapability) {
  std::ifstream in(CIVHUB_DOCS_DIR "/matchmaking.md");
  ASSERT_TRUE(in) << "docs/matchmaking.md";
  std::stringstream doc;
  doc << in.rdbuf();
  for (const Capability& c : Capabilities()) {
    const std::string entry =
        c.group == nullptr ? absl::StrCat("| `", c.code, "` — ", c.name, " |")
                           : absl::StrCat("`", c.code, "` (", c.name, ")");
    EXPECT_TRUE(absl::StrContains(doc.str(), entry))
        << entry << " is not in docs/matchmaking.md";
  }
}

TEST(CapabilitiesTest, ListIsSortedWellFormedAndEveryGroupIsListed) {
  std::string previous;
  for (const Capability& c : Capabilities()) {
    EXPECT_TRUE(IsWellFormedCode(c.code)) << c.code;
    EXPECT_LT(previous, c.code) << "not sorted or repeated";
    previous = c.code;
    if (c.group != nullptr) {
      const Capability* group = FindCapability(c.group);
      ASSERT_NE(group, nullptr) << c.code << "'s group " << c.group;
      EXPECT_EQ(group->group, nullptr) << c.group << " is not a group";
    }
  }
}

TEST(CapabilitiesTest, SiblingsShareAGroupAndAGroupFindsItsMembers) {
  EXPECT_EQ(CapabilityGroup("website"), "web");
  EXPECT_EQ(CapabilityGroup("web-development"), "web");
  EXPECT_EQ(CapabilityGroup("web"), "web");
  EXPECT_EQ(CapabilityGroup("x-drone-survey"), "");
  EXPECT_EQ(CapabilityAndMembers("web"),
            (std::vector<std::string>{"content-management", "web", "web-design",
                                      "web-development", "website"}));
  EXPECT_EQ(CapabilityAndMembers("translation"),
            std::vector<std::string>{"translation"});
  EXPECT_EQ(CapabilityAndMembers("x-drone-survey"),
            std::vector<std::string>{"x-drone-survey"});
}

TEST(CapabilitiesTest, PublishableAreListedOrLocalExtensions) {
  EXPECT_TRUE(IsPublishableCapability("translation"));
  EXPECT_TRUE(IsPublishableCapability("x-drone-survey"));
  EXPECT_FALSE(IsPublishableCapability("drone-survey"));
  EXPECT_FALSE(IsPublishableCapability("Translation"));
  EXPECT_FALSE(IsPublishableCapability("x-"));
}

}  // namespace
}  // namespace civhub::node
