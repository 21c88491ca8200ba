// What the HSDS API (issue 17) asks of the directory: records by their HSDS
// ids, and the values of a filter field (the local topics a hub publishes
// as taxonomy terms).
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
