#include "bench/generator.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "node/records/validate.h"
#include "tests/testutil.h"

namespace civhub::bench {
namespace {

// Every generated record must be one a hub accepts, or the benchmarks would
// measure refusals.
TEST(Generator, RecordsAreValidAndReproducible) {
  Generator a(5), b(5);
  node::ValidationOptions strict{absl::FromUnixSeconds(1790000000),
                                 /*strict_taxonomy=*/true};
  for (int i = 0; i < 500; ++i) {
    v1::Organization org = a.Organization(i);
    ASSERT_OK(node::ValidateOrganization(org, strict));
    EXPECT_EQ(org.SerializeAsString(), b.Organization(i).SerializeAsString());
  }
}

// The scale and search datasets and Bodies() share one numbering: a
// record's id, sequence and issue time follow from its index, and stay in
// the past however large the dataset.
TEST(Generator, OrganizationBodyNumbersTheRecordByItsIndex) {
  const crypto::PrivateKey key = *crypto::PrivateKey::Generate();
  Generator a(5), b(5);
  for (uint64_t i : {uint64_t{0}, uint64_t{41}, uint64_t{10000041}}) {
    const v1::RecordBody body = a.OrganizationBody(key.public_key(), i);
    EXPECT_EQ(body.origin(), key.public_key().bytes());
    EXPECT_EQ(body.record_id(), absl::StrCat("org-", i));
    EXPECT_EQ(body.version(), 1u);
    EXPECT_EQ(body.sequence(), i + 1);
    EXPECT_EQ(body.organization().SerializeAsString(),
              b.Organization(i).SerializeAsString());
  }
  EXPECT_EQ(
      a.OrganizationBody(key.public_key(), 10000041).issued_at().seconds(),
      1780000041);
}

}  // namespace
}  // namespace civhub::bench
