#include "node/records/hsds_ids.h"

#include <gtest/gtest.h>

namespace civhub::node {
namespace {

// Every expected value below comes from Python's uuid module (python3):
//   import uuid
//   NS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:civhub:hsds:v1")
// and is a contract other hubs and tools rely on: a change here is a
// change of every exported HSDS id.

TEST(Uuid5, MatchesPythonForTheRfcNamespaces) {
  // uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
  EXPECT_EQ(Uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  // The namespace may be given in upper case; the result is lower case.
  EXPECT_EQ(Uuid5("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "python.org"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d");
}

TEST(Uuid5, TheHsdsNamespaceIsDerivedFromTheCivhubUrn) {
  // uuid.uuid5(uuid.NAMESPACE_URL, "urn:civhub:hsds:v1")
  EXPECT_EQ(Uuid5("6ba7b811-9dad-11d1-80b4-00c04fd430c8", "urn:civhub:hsds:v1"),
            kHsdsNamespace);
  EXPECT_EQ(kHsdsNamespace, "8b9ba0ee-213d-5b8c-bc5a-a44eaa854304");
}

TEST(Uuid5, SetsTheVersionAndVariantBits) {
  for (const char* name : {"", "a", "civhub1qqqq/org-1", "caf\xc3\xa9"}) {
    std::string id = Uuid5(kHsdsNamespace, name);
    ASSERT_TRUE(IsUuid(id)) << id;
    EXPECT_EQ(id[14], '5') << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
  }
}

TEST(Uuid5, RefusesANamespaceThatIsNotAUuid) {
  EXPECT_EQ(Uuid5("not-a-uuid", "x"), "");
}

TEST(IsUuid, AcceptsEitherCaseAndNothingElse) {
  EXPECT_TRUE(IsUuid("d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"));
  EXPECT_TRUE(IsUuid("D9D5E0F5-D3CE-4F73-9A2F-4DD0ECC6C610"));
  EXPECT_FALSE(IsUuid(""));
  EXPECT_FALSE(IsUuid("d9d5e0f5d3ce4f739a2f4dd0ecc6c610"));
  EXPECT_FALSE(IsUuid("d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c61"));
  EXPECT_FALSE(IsUuid("d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c6100"));
  EXPECT_FALSE(IsUuid("g9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"));
  EXPECT_FALSE(IsUuid("d9d5e0f5-d3ce-4f739-a2f-4dd0ecc6c610"));
  EXPECT_FALSE(IsUuid("{9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610}"));
  EXPECT_FALSE(IsUuid(" d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c61"));
}

TEST(NormalizeUuid, LowerCases) {
  EXPECT_EQ(NormalizeUuid("D9D5E0F5-D3CE-4F73-9A2F-4DD0ECC6C610"),
            "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610");
}

TEST(HsdsId, IsTheUuid5OfHubSlashRecord) {
  // uuid.uuid5(NS, "civhub1qqqq/org-1")
  EXPECT_EQ(HsdsId("civhub1qqqq", "org-1"),
            "c80dd5cb-906c-5797-8a54-95a1822e78bf");
  // Another hub's record with the same id is another row.
  EXPECT_NE(HsdsId("civhub1pppp", "org-1"), HsdsId("civhub1qqqq", "org-1"));
}

TEST(HsdsId, AnImportedHsdsIdPassesThrough) {
  EXPECT_EQ(HsdsId("civhub1qqqq", "hsds-d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"),
            "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610");
}

TEST(HsdsId, AnUpperCaseOrMalformedHsdsIdIsHashedLikeAnyOther) {
  // uuid.uuid5(NS, "civhub1qqqq/hsds-ABCDEF00-0000-4000-8000-000000000000")
  EXPECT_EQ(HsdsId("civhub1qqqq", "hsds-ABCDEF00-0000-4000-8000-000000000000"),
            "7b68af27-ca7b-56a7-9a5c-38a7e575530e");
  // uuid.uuid5(NS, "civhub1qqqq/hsds-d9d5e0f5-d3ce-4f73-9a2f")
  EXPECT_EQ(HsdsId("civhub1qqqq", "hsds-d9d5e0f5-d3ce-4f73-9a2f"),
            "414ad024-461b-5c26-a29a-ca5a89b7049c");
  // Mixed case, trailing text, or a different prefix: not passed through.
  for (const char* record_id :
       {"hsds-D9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610",
        "hsds-d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610x",
        "HSDS-d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610",
        "xhsds-d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610",
        "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "hsds-"}) {
    std::string id = HsdsId("civhub1qqqq", record_id);
    EXPECT_NE(id, "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610") << record_id;
    EXPECT_EQ(id,
              Uuid5(kHsdsNamespace, std::string("civhub1qqqq/") + record_id))
        << record_id;
  }
}

TEST(HsdsSubId, IsTheUuid5OfParentTableAndKey) {
  // uuid.uuid5(NS, "c80dd5cb-906c-5797-8a54-95a1822e78bf/locations/0")
  EXPECT_EQ(HsdsSubId("c80dd5cb-906c-5797-8a54-95a1822e78bf", "locations", "0"),
            "9b3d3da3-9987-5ad8-bf22-e17886da50b5");
  EXPECT_NE(HsdsSubId("c80dd5cb-906c-5797-8a54-95a1822e78bf", "phones", "0"),
            "9b3d3da3-9987-5ad8-bf22-e17886da50b5");
}

TEST(HsdsSubId, AKeyThatIsAUuidIsKeptInLowerCase) {
  EXPECT_EQ(HsdsSubId("c80dd5cb-906c-5797-8a54-95a1822e78bf", "phones",
                      "D9D5E0F5-D3CE-4F73-9A2F-4DD0ECC6C610"),
            "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610");
}

TEST(HsdsTaxonomyId, IsTheUuid5OfTaxonomySlashName) {
  // uuid.uuid5(NS, "taxonomy/civhub-topics")
  EXPECT_EQ(HsdsTaxonomyId("civhub-topics"),
            "21e0fabe-df93-55c0-8e60-f154882359b1");
}

TEST(HsdsTermId, IsTheUuid5OfTaxonomySlashCode) {
  // uuid.uuid5(NS, "civhub-topics/health")
  EXPECT_EQ(HsdsTermId("civhub-topics", "health"),
            "2ef92489-785f-5229-b9c6-f5d69a78a7c3");
}

}  // namespace
}  // namespace civhub::node
