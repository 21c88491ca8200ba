// What the HSDS API (issue 17) asks of the directory: records by their HSDS
// ids, pages by offset with a modified-after filter, and the values of a
// filter field (the local topics a hub publishes as taxonomy terms).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "crypto/record_signing.h"
#include "node/hub.h"
#include "node/records/hsds_ids.h"
#include "node/records/index_terms.h"
#include "node/search/directory.h"
#include "node/storage/store_for_tests.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

using ::absl::StatusCode;
using testing::NewKey;
using testing::OrgPublish;
using testing::OrgSpec;
using Ids = std::vector<std::string>;

constexpr char kUuid[] = "3f2a9c1e-7b4d-4e8a-9c0f-1d2e3f4a5b6c";

class HsdsLookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenStore(dir_.Sub("store"), &clock_);
    ASSERT_NE(store_, nullptr);
    hub_ = std::make_unique<Hub>(key_, store_.get(), &clock_);
  }

  void Put(const std::string& id, const OrgSpec& spec = {}) {
    ASSERT_OK(hub_->Publish(OrgPublish(id, spec)));
  }
  void PutService(const std::string& id, const std::string& provider) {
    testing::ServiceSpec spec;
    spec.provider_origin = hub_id_;
    spec.provider_id = provider;
    ASSERT_OK(hub_->Publish(testing::ServicePublish(id, spec)));
  }

  // "origin-prefix/record id" of each record found, in order.
  Ids Found(const std::string& hsds_id, v1::RecordKind kind) {
    absl::StatusOr<std::vector<v1::Record>> found =
        dir().FindByHsdsId(hsds_id, kind);
    EXPECT_TRUE(found.ok()) << found.status();
    Ids ids;
    if (!found.ok()) return ids;
    for (const v1::Record& r : *found) {
      EXPECT_EQ(r.kind(), kind);
      ids.push_back(r.record_id());
    }
    return ids;
  }

  // Record ids of every hit, following page tokens.
  Ids TokenPages(v1::SearchRequest req) {
    Ids ids;
    for (int pages = 0; pages < 100; ++pages) {
      absl::StatusOr<v1::SearchResponse> resp = dir().Search(req);
      EXPECT_TRUE(resp.ok()) << resp.status();
      if (!resp.ok()) break;
      for (const auto& hit : resp->hits())
        ids.push_back(hit.record().record_id());
      if (resp->next_page_token().empty()) break;
      req.set_page_token(resp->next_page_token());
    }
    return ids;
  }

  // Record ids of the page at `paging`, and its total.
  Ids OffsetPage(const v1::SearchRequest& req, const SearchPaging& paging,
                 int64_t* total = nullptr) {
    absl::StatusOr<v1::SearchResponse> resp = dir().SearchAt(req, paging);
    EXPECT_TRUE(resp.ok()) << resp.status();
    Ids ids;
    if (!resp.ok()) return ids;
    EXPECT_TRUE(resp->next_page_token().empty());
    if (total != nullptr) *total = resp->total_count();
    for (const auto& hit : resp->hits()) {
      ids.push_back(hit.record().record_id());
    }
    return ids;
  }

  const Directory& dir() { return hub_->directory(); }

  testing::TempDir dir_;
  ManualClock clock_{testing::TestNow()};
  crypto::PrivateKey key_ = NewKey();
  const std::string hub_id_ = key_.public_key().HubId();
  std::unique_ptr<Store> store_;
  std::unique_ptr<Hub> hub_;
};

TEST_F(HsdsLookupTest, RecordsAreFoundByTheirHsdsIds) {
  Put("maji");
  Put(std::string("hsds-") + kUuid);
  PutService("clinic", "maji");

  const std::string maji = HsdsId(hub_id_, "maji");
  EXPECT_EQ(Found(maji, v1::RECORD_KIND_ORGANIZATION), Ids{"maji"});
  // HSDS clients may send ids in upper case.
  EXPECT_EQ(Found(absl::AsciiStrToUpper(maji), v1::RECORD_KIND_ORGANIZATION),
            Ids{"maji"});
  // An organization imported from HSDS keeps its id.
  EXPECT_EQ(Found(kUuid, v1::RECORD_KIND_ORGANIZATION),
            Ids{std::string("hsds-") + kUuid});

  const std::string clinic = HsdsId(hub_id_, "clinic");
  EXPECT_EQ(Found(clinic, v1::RECORD_KIND_SERVICE), Ids{"clinic"});
  // Its service_at_location row (the one place it is offered at).
  const std::string at = HsdsSubId(clinic, "service_at_location", "loc-1");
  EXPECT_EQ(Found(at, v1::RECORD_KIND_SERVICE), Ids{"clinic"});

  // Another kind's id, or an id nothing has, finds nothing.
  EXPECT_EQ(Found(maji, v1::RECORD_KIND_SERVICE), Ids{});
  EXPECT_EQ(Found(clinic, v1::RECORD_KIND_ORGANIZATION), Ids{});
  EXPECT_EQ(Found(at, v1::RECORD_KIND_ORGANIZATION), Ids{});
  EXPECT_EQ(Found(HsdsId(hub_id_, "nobody"), v1::RECORD_KIND_ORGANIZATION),
            Ids{});

  // A deleted record is gone; the others stay.
  ASSERT_OK(hub_->Delete("clinic", ""));
  EXPECT_EQ(Found(clinic, v1::RECORD_KIND_SERVICE), Ids{});
  EXPECT_EQ(Found(at, v1::RECORD_KIND_SERVICE), Ids{});
  ASSERT_OK(hub_->Delete("maji", ""));
  EXPECT_EQ(Found(maji, v1::RECORD_KIND_ORGANIZATION), Ids{});
  EXPECT_EQ(Found(kUuid, v1::RECORD_KIND_ORGANIZATION),
            Ids{std::string("hsds-") + kUuid});
}

// Two hubs that imported the same HSDS organization both hold a record with
// its id: both are found, in the order of their origins' key bytes.
TEST_F(HsdsLookupTest, RecordsOfSeveralHubsWithOneIdAreOrderedByOrigin) {
  Put(std::string("hsds-") + kUuid);
  crypto::PrivateKey other = NewKey();
  absl::StatusOr<crypto::VerifiedRecord> theirs = crypto::VerifyRecord(
      testing::SignedOrg(other, std::string("hsds-") + kUuid, 1, 1));
  ASSERT_OK(theirs);
  ASSERT_OK(store_->Apply(*theirs, false));

  absl::StatusOr<std::vector<v1::Record>> found =
      dir().FindByHsdsId(kUuid, v1::RECORD_KIND_ORGANIZATION);
  ASSERT_OK(found);
  ASSERT_EQ(found->size(), 2u);
  std::vector<std::string> origins = {key_.public_key().bytes(),
                                      other.public_key().bytes()};
  std::sort(origins.begin(), origins.end());
  EXPECT_EQ((*found)[0].body().origin(), origins[0]);
  EXPECT_EQ((*found)[1].body().origin(), origins[1]);
}

TEST_F(HsdsLookupTest, BadIdsAndKindsAreRefusedNamingTheField) {
  Put("maji");
  EXPECT_STATUS(dir().FindByHsdsId("maji", v1::RECORD_KIND_ORGANIZATION),
                StatusCode::kInvalidArgument, "id: \"maji\" is not a UUID");
  EXPECT_STATUS(dir().FindByHsdsId(std::string(kUuid) + "0",
                                   v1::RECORD_KIND_ORGANIZATION),
                StatusCode::kInvalidArgument, "id: ");
  EXPECT_STATUS(
      dir().FindByHsdsId(std::string(1000, 'a'), v1::RECORD_KIND_ORGANIZATION),
      StatusCode::kInvalidArgument, "id: is not a UUID");
  EXPECT_STATUS(dir().FindByHsdsId(kUuid, v1::RECORD_KIND_COMMUNITY),
                StatusCode::kInvalidArgument,
                "kind: must be ORGANIZATION or SERVICE");
  EXPECT_STATUS(dir().FindByHsdsId(kUuid, v1::RECORD_KIND_UNSPECIFIED),
                StatusCode::kInvalidArgument, "kind: ");
}

// Offset pages list what page tokens list, in the same order: for text
// ranking, distance and document order alike.
TEST_F(HsdsLookupTest, OffsetPagesCoverTheSameRecordsInTheSameOrder) {
  for (int i = 0; i < 47; ++i) {
    OrgSpec s;
    // Ranks differ: "water" in the name for some, the description for
    // others, and ties among each.
    if (i % 3 == 0) {
      s.name = "Water Group " + std::to_string(i);
    } else {
      s.name = "Group " + std::to_string(i);
      s.description = "water for everyone";
    }
    s.lat_lon = {{-1.0 - (i % 7) * 0.01, 36.8}};
    Put("g" + std::to_string(i), s);
  }
  v1::SearchRequest text;
  text.set_text("water");
  v1::SearchRequest near;
  near.mutable_near()->set_latitude(-1);
  near.mutable_near()->set_longitude(36.8);
  near.mutable_near()->set_radius_km(500);
  v1::SearchRequest all;
  for (v1::SearchRequest req : {text, near, all}) {
    SCOPED_TRACE(req.ShortDebugString());
    req.set_page_size(10);
    const Ids tokens = TokenPages(req);
    ASSERT_EQ(tokens.size(), 47u);
    Ids offsets;
    for (int64_t offset = 0; offset < 47; offset += 10) {
      int64_t total = 0;
      Ids page = OffsetPage(req, {offset}, &total);
      EXPECT_EQ(total, 47);
      EXPECT_EQ(page.size(), std::min<size_t>(10, 47 - offset));
      offsets.insert(offsets.end(), page.begin(), page.end());
    }
    EXPECT_EQ(offsets, tokens);

    int64_t total = 0;
    EXPECT_EQ(OffsetPage(req, {47}, &total), Ids{});
    EXPECT_EQ(total, 47);
    EXPECT_EQ(OffsetPage(req, {int64_t{1} << 62}, &total), Ids{});
    EXPECT_EQ(total, 47);
  }

  // The page size defaults and is capped as Search's.
  v1::SearchRequest req;
  EXPECT_EQ(OffsetPage(req, {}).size(), 20u);
  req.set_page_size(100000);
  EXPECT_EQ(OffsetPage(req, {}).size(), 47u);
  req.set_page_size(30);
  EXPECT_EQ(OffsetPage(req, {40}).size(), 7u);
  // A caller's own limit replaces the page size.
  SearchPaging whole;
  whole.limit = 45;
  EXPECT_EQ(OffsetPage(req, whole).size(), 45u);
}

TEST_F(HsdsLookupTest, OffsetPagingRefusesPageTokensAndNegativeOffsets) {
  Put("a");
  Put("b");
  v1::SearchRequest req;
  req.set_page_size(1);
  absl::StatusOr<v1::SearchResponse> first = dir().Search(req);
  ASSERT_OK(first);
  ASSERT_FALSE(first->next_page_token().empty());
  req.set_page_token(first->next_page_token());
  EXPECT_STATUS(dir().SearchAt(req, {}), StatusCode::kInvalidArgument,
                "page_token: ");
  req.clear_page_token();
  EXPECT_STATUS(dir().SearchAt(req, {-1}), StatusCode::kInvalidArgument,
                "offset: ");
  req.set_country("XX");
  EXPECT_STATUS(dir().SearchAt(req, {}), StatusCode::kInvalidArgument,
                "country: ");
}

TEST_F(HsdsLookupTest, ModifiedAfterKeepsRecordsPublishedSince) {
  const absl::Time start = clock_.Now();
  Put("a");
  clock_.Advance(absl::Hours(1));
  Put("b");
  clock_.Advance(absl::Hours(1));
  Put("c");
  clock_.Advance(absl::Hours(1));
  // A new version of "a" is a modification.
  OrgSpec renamed;
  renamed.name = "Maji Safi Tanzania";
  Put("a", renamed);

  v1::SearchRequest req;
  int64_t total = 0;
  EXPECT_EQ(OffsetPage(req, {0, start}, &total), (Ids{"a", "b", "c"}));
  EXPECT_EQ(total, 3);
  // At or after: b was published exactly then.
  EXPECT_EQ(OffsetPage(req, {0, start + absl::Hours(1)}, &total),
            (Ids{"a", "b", "c"}));
  EXPECT_EQ(OffsetPage(req, {0, start + absl::Hours(1.5)}, &total),
            (Ids{"a", "c"}));
  EXPECT_EQ(total, 2);
  EXPECT_EQ(OffsetPage(req, {1, start + absl::Hours(1.5)}, &total), Ids{"c"});
  EXPECT_EQ(total, 2);
  EXPECT_EQ(OffsetPage(req, {0, start + absl::Hours(4)}, &total), Ids{});
  EXPECT_EQ(total, 0);
  // With other conditions: text.
  req.set_text("tanzania");
  EXPECT_EQ(OffsetPage(req, {0, start + absl::Hours(2.5)}, &total), Ids{"a"});
  EXPECT_EQ(total, 1);
}

TEST_F(HsdsLookupTest, FilterValuesListWhatLiveRecordsHold) {
  OrgSpec bees;
  bees.topics = {"x-bees", "water-sanitation"};
  Put("bees", bees);
  OrgSpec boats;
  boats.topics = {"x-boats", "x-bees", "health"};
  Put("boats", boats);
  OrgSpec plain;
  plain.topics = {"education"};
  Put("plain", plain);

  auto values = [&](absl::string_view prefix, size_t max) {
    absl::StatusOr<std::vector<std::string>> v =
        dir().FilterValues(kFieldTopic, prefix, max);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : Ids{};
  };
  EXPECT_EQ(values("x-", 10), (Ids{"x-bees", "x-boats"}));
  EXPECT_EQ(values("x-", 1), Ids{"x-bees"});
  EXPECT_EQ(values("x-", 0), Ids{});
  EXPECT_EQ(values("x-bo", 10), Ids{"x-boats"});
  EXPECT_EQ(values("", 10), (Ids{"education", "health", "water-sanitation",
                                 "x-bees", "x-boats"}));
  EXPECT_EQ(values("y-", 10), Ids{});

  // Deleted or changed records no longer hold theirs.
  ASSERT_OK(hub_->Delete("boats", ""));
  EXPECT_EQ(values("x-", 10), Ids{"x-bees"});
  bees.topics = {"water-sanitation"};
  Put("bees", bees);
  EXPECT_EQ(values("x-", 10), Ids{});
}

}  // namespace
}  // namespace civhub::node
