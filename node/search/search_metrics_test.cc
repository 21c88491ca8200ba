#include "node/search/search_metrics.h"

#include <gtest/gtest.h>

namespace civhub::node {
namespace {

TEST(SearchClass, NamesThePartsAQueryHas) {
  v1::SearchRequest r;
  EXPECT_EQ(SearchClass(r), "all");
  r.set_text("water");
  EXPECT_EQ(SearchClass(r), "text");
  r.set_country("KE");
  EXPECT_EQ(SearchClass(r), "text+filter");
  r.mutable_near()->set_latitude(-1.29);
  EXPECT_EQ(SearchClass(r), "text+filter+radius");
}

// Issue 18's filters were counted as "all", a bare listing.
TEST(SearchClass, MatchmakingFiltersAreFilters) {
  v1::SearchRequest capability;
  capability.set_capability("web");
  EXPECT_EQ(SearchClass(capability), "filter");
  v1::SearchRequest event;
  event.mutable_event()->set_record_id("techcamp");
  EXPECT_EQ(SearchClass(event), "filter");
  v1::SearchRequest organization;
  organization.mutable_organization()->set_record_id("maji-safi");
  EXPECT_EQ(SearchClass(organization), "filter");
  v1::SearchRequest during;
  during.mutable_during()->mutable_start()->set_seconds(1);
  EXPECT_EQ(SearchClass(during), "filter");
}

}  // namespace
}  // namespace civhub::node
