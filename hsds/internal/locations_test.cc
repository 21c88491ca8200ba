#include "hsds/internal/locations.h"

#include <gtest/gtest.h>

namespace civhub::hsds::internal {
namespace {

constexpr char kOrg[] = "11111111-1111-4111-8111-111111111111";
constexpr char kKept[] = "22222222-2222-4222-8222-222222222222";
constexpr char kNoAddress[] = "33333333-3333-4333-8333-333333333333";

Package TwoLocations() {
  Package p;
  Row<v3::Location> loc;
  loc.where = "locations.csv:2";
  loc.message.set_id(kKept);
  loc.message.set_organization_id(kOrg);
  loc.message.set_latitude(1.5);  // Without a longitude: a problem.
  p.locations.push_back(loc);
  loc.where = "locations.csv:3";
  loc.message.set_id(kNoAddress);
  loc.message.clear_latitude();
  p.locations.push_back(loc);
  loc.where = "locations.csv:4";
  loc.message.set_id(kKept);  // Again: a problem, the first kept.
  p.locations.push_back(loc);
  Row<v3::Address> address;
  address.where = "addresses.csv:2";
  address.message.set_location_id(kKept);
  address.message.set_country("Kenya");  // Read as KE, with a note.
  address.message.set_city(" Nairobi ");
  p.addresses.push_back(address);
  return p;
}

// Each location is mapped when first asked for; the problems of all, found
// at indexing or at mapping, come out in row order.
TEST(LocationMap, MapsOnFirstUseAndGivesProblemsInRowOrder) {
  const Package p = TwoLocations();
  LocationMap map(&p);
  map.Index();
  EXPECT_EQ(map.OfOrganization(kOrg),
            (std::vector<std::string>{kKept, kNoAddress}));
  EXPECT_TRUE(map.OfOrganization("no-such-org").empty());
  ASSERT_NE(map.RowOf(kKept), nullptr);
  EXPECT_EQ(map.RowOf(kKept)->where, "locations.csv:2");
  const v1::Location* kept = map.Get(kKept);
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->country(), "KE");
  EXPECT_EQ(kept->city(), "Nairobi");
  EXPECT_FALSE(kept->has_latitude());
  EXPECT_EQ(map.Get(kKept), kept);  // Mapped once.
  EXPECT_EQ(map.Get("no-such-location"), nullptr);

  // kNoAddress is mapped here, for its problem.
  std::vector<std::string> order;
  for (const Problem& problem : map.TakeProblems()) {
    order.push_back(problem.where + " " + problem.field);
  }
  EXPECT_EQ(order, (std::vector<std::string>{
                       "addresses.csv:2 address.country",
                       "locations.csv:2 location.latitude",
                       "locations.csv:3 location",
                       "locations.csv:4 location.id",
                   }));
  EXPECT_EQ(map.Get(kNoAddress), nullptr);  // Dropped.
  ASSERT_NE(map.RowOf(kNoAddress), nullptr);
}

}  // namespace
}  // namespace civhub::hsds::internal
