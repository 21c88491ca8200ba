#include "bench/generator.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace civhub::bench
