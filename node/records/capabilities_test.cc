#include "node/records/capabilities.h"

#include <string>

#include "gtest/gtest.h"
#include "node/records/taxonomy.h"

namespace civhub::node {
namespace {

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
