// Search's capped count (SearchOptions::exact_count_up_to): a query in
// store order stops counting past the cap and says so, with the same pages
// as an uncapped count; ranked queries and those under the cap count
// exactly.
#include <gtest/gtest.h>

#include <limits>

#include "node/hub.h"
#include "node/search/directory.h"
#include "node/storage/store_for_tests.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

using Ids = std::vector<std::string>;

constexpr size_t kCap = 5;

class SearchCountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenStore(dir_.Sub("store"), &clock_);
    ASSERT_NE(store_, nullptr);
    hub_ = std::make_unique<Hub>(key_, store_.get(), &clock_);
    capped_ =
        std::make_unique<Directory>(store_.get(), &clock_, SearchOptions{kCap});
    uncapped_ = std::make_unique<Directory>(
        store_.get(), &clock_,
        SearchOptions{std::numeric_limits<size_t>::max()});
  }

  // `n` organizations in `country`, named "<country>-<i>", stored in order.
  void PutOrgs(const std::string& country, int n) {
    for (int i = 0; i < n; ++i) {
      testing::OrgSpec spec;
      spec.name = absl::StrCat("Water Trust ", country, " ", i);
      spec.country = country;
      ASSERT_OK(hub_->Publish(
          testing::OrgPublish(absl::StrCat(country, "-", i), spec)));
    }
  }

  // The first page of `req` from `dir`.
  v1::SearchResponse First(const Directory& dir, const v1::SearchRequest& req) {
    absl::StatusOr<v1::SearchResponse> resp = dir.Search(req);
    EXPECT_TRUE(resp.ok()) << resp.status();
    return resp.ok() ? *resp : v1::SearchResponse();
  }

  // Record ids of every hit of `req` from `dir`, following page tokens.
  Ids All(const Directory& dir, v1::SearchRequest req) {
    Ids ids;
    for (int pages = 0; pages < 100; ++pages) {
      v1::SearchResponse resp = First(dir, req);
      for (const auto& hit : resp.hits()) {
        ids.push_back(hit.record().record_id());
      }
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    return ids;
  }

  static Ids IdsOf(const v1::SearchResponse& resp) {
    Ids ids;
    for (const auto& hit : resp.hits()) ids.push_back(hit.record().record_id());
    return ids;
  }

  testing::TempDir dir_;
  ManualClock clock_{testing::TestNow()};
  crypto::PrivateKey key_ = testing::NewKey();
  std::unique_ptr<Store> store_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<Directory> capped_;    // counts to kCap
  std::unique_ptr<Directory> uncapped_;  // counts every match
};

TEST_F(SearchCountTest, PastTheCapTheCountIsALowerBoundAndPagesAreUnchanged) {
  PutOrgs("KE", 12);
  PutOrgs("UG", 3);
  v1::SearchRequest req;
  req.set_country("KE");
  req.set_page_size(2);

  const v1::SearchResponse capped = First(*capped_, req);
  EXPECT_EQ(capped.total_count(), static_cast<int64_t>(kCap));
  EXPECT_TRUE(capped.total_count_is_lower_bound());
  const v1::SearchResponse exact = First(*uncapped_, req);
  EXPECT_EQ(exact.total_count(), 12);
  EXPECT_FALSE(exact.total_count_is_lower_bound());
  EXPECT_EQ(IdsOf(capped), (Ids{"KE-0", "KE-1"}));
  EXPECT_EQ(IdsOf(capped), IdsOf(exact));
  EXPECT_EQ(capped.next_page_token(), exact.next_page_token());

  // Every page, past the cap too, as without it.
  const Ids all = All(*capped_, req);
  EXPECT_EQ(all.size(), 12u);
  EXPECT_EQ(all, All(*uncapped_, req));
}

TEST_F(SearchCountTest, AtOrUnderTheCapTheCountIsExact) {
  PutOrgs("KE", static_cast<int>(kCap));
  PutOrgs("UG", 3);
  for (const char* country : {"KE", "UG"}) {
    v1::SearchRequest req;
    req.set_country(country);
    req.set_page_size(2);
    const v1::SearchResponse resp = First(*capped_, req);
    EXPECT_EQ(resp.total_count(), country == std::string("KE") ? 5 : 3)
        << country;
    EXPECT_FALSE(resp.total_count_is_lower_bound()) << country;
  }
}

TEST_F(SearchCountTest, RankedQueriesCountExactlyPastTheCap) {
  PutOrgs("KE", 12);
  v1::SearchRequest text;
  text.set_text("water");
  text.set_page_size(3);
  const v1::SearchResponse resp = First(*capped_, text);
  EXPECT_EQ(resp.total_count(), 12);
  EXPECT_FALSE(resp.total_count_is_lower_bound());
  EXPECT_EQ(IdsOf(resp), IdsOf(First(*uncapped_, text)));
  EXPECT_EQ(All(*capped_, text), All(*uncapped_, text));
}

// Filter clauses step before they seek (PostingClause): dense and sparse
// runs of matches, in turn, give the same matches as the filters say.
TEST_F(SearchCountTest, TwoFiltersIntersectAlikeInDenseAndSparseRuns) {
  Ids want;
  for (int i = 0; i < 90; ++i) {
    testing::OrgSpec spec;
    // Dense: both on every other record; sparse: one record in 13 in KE.
    const bool dense = i < 30 || i >= 60;
    spec.country = (dense ? i % 2 == 0 : i % 13 == 0) ? "KE" : "UG";
    spec.topics = {i % 3 != 1 ? "health" : "education"};
    const std::string id = absl::StrCat("org-", i);
    ASSERT_OK(hub_->Publish(testing::OrgPublish(id, spec)));
    if (spec.country == "KE" && spec.topics[0] == "health") want.push_back(id);
  }
  v1::SearchRequest req;
  req.set_country("KE");
  req.set_topic("health");
  req.set_page_size(7);
  EXPECT_EQ(All(*uncapped_, req), want);
  EXPECT_EQ(All(*capped_, req), want);
}

TEST_F(SearchCountTest, ExpiredNeedsAreNotCountedTowardsTheCap) {
  ASSERT_OK(hub_->Publish(testing::OrgPublish("org-1", {})));
  // Needs 0-5 expire in a day, 6-8 in half a year.
  for (int i = 0; i < 9; ++i) {
    testing::NeedSpec spec;
    spec.org_origin = key_.public_key().HubId();
    spec.expires_at = clock_.Now() + absl::Hours(i < 6 ? 24 : 24 * 180);
    v1::PublishRequest publish;
    publish.set_record_id(absl::StrCat("need-", i));
    *publish.mutable_need() = testing::MakeNeed(spec);
    ASSERT_OK(hub_->Publish(publish));
  }
  v1::SearchRequest req;
  req.set_kind(v1::RECORD_KIND_NEED);
  req.set_page_size(2);
  EXPECT_TRUE(First(*capped_, req).total_count_is_lower_bound());

  clock_.Advance(absl::Hours(48));
  const v1::SearchResponse later = First(*capped_, req);
  EXPECT_EQ(later.total_count(), 3);
  EXPECT_FALSE(later.total_count_is_lower_bound());
  EXPECT_EQ(All(*capped_, req), (Ids{"need-6", "need-7", "need-8"}));
}

}  // namespace
}  // namespace civhub::node
