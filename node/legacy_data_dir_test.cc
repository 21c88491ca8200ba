// A hub's data dir written before the tree was reshaped (issue 15) opens,
// checks sound, answers queries and goes on publishing: the reshaping kept
// the on-disk format. The fixture (node/testdata/hub-before-issue-15/, see
// its README.md) was written by civhubd at commit 0f65320.
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "civhub/v1/directory.pb.h"
#include "crypto/key_file.h"
#include "node/base/clock.h"
#include "node/hub.h"
#include "node/records/hsds_ids.h"
#include "node/storage/check.h"
#include "node/storage/store_for_tests.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

namespace fs = std::filesystem;
using ::civhub::testing::TempDir;

// The hub of the fixture: what was published on it (11 examples, one of them
// deleted since) and on the peer it linked with (one organization).
constexpr char kHubId[] =
    "civhub1ns9klq7q9c94p68rj7h4wnwkhsf6zwr4e9u8hwnqu66ln24j5nqqvgmq9w";
constexpr char kPeerId[] =
    "civhub1kejckfyk334et06nrnkdr93wg85vnj536jkam2jevfwcaaudm7lqztwceu";

class LegacyDataDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A copy: opening a store writes to it (a new log, the LOCK file).
    fs::copy(std::string(CIVHUB_NODE_TESTDATA) + "/hub-before-issue-15",
             dir_.path(), fs::copy_options::recursive);
    // Git keeps no modes; the key file must be the owner's alone.
    ASSERT_EQ(chmod(dir_.Sub("hub.key").c_str(), 0600), 0);
    store_ = civhub::testing::OpenStore(dir_.Sub("store"), &clock_);
    ASSERT_NE(store_, nullptr);
  }

  TempDir dir_;
  ManualClock clock_{absl::Now()};
  std::unique_ptr<Store> store_;
};

TEST_F(LegacyDataDirTest, ChecksSoundWithItsCounts) {
  // Written before HSDS ids (issue 17): the filter postings of every record
  // but the tombstone were rebuilt when the store opened.
  EXPECT_EQ(store_->filter_reindexed(), 15u);
  absl::StatusOr<v1::CheckReport> report = CheckStore(*store_);
  ASSERT_OK(report);
  EXPECT_EQ(report->problem_count(), 0u) << report->DebugString();
  // 11 published, 1 tombstone replacing one, the profile and the peer
  // link of each hub, and the peer's organization.
  EXPECT_EQ(report->records(), 16u);
  EXPECT_EQ(report->origins(), 2u);

  storage::Counters counters = store_->counters();
  EXPECT_EQ(counters.organizations(), 8u);
  EXPECT_EQ(counters.communities(), 3u);
  EXPECT_EQ(counters.tombstones(), 1u);
  EXPECT_EQ(counters.origins(), 2u);
}

TEST_F(LegacyDataDirTest, AnswersQueriesAndPublishesOnItsLog) {
  absl::StatusOr<crypto::LoadedKey> key =
      crypto::LoadOrCreateKeyFile(dir_.Sub("hub.key"));
  ASSERT_OK(key);
  ASSERT_FALSE(key->created);
  ASSERT_EQ(key->key.public_key().HubId(), kHubId);
  Hub hub(key->key, store_.get(), &clock_);

  v1::SearchRequest search;
  search.set_text("maji");
  absl::StatusOr<v1::SearchResponse> found = hub.directory().Search(search);
  ASSERT_OK(found);
  std::set<std::string> refs;
  for (const v1::SearchHit& hit : found->hits()) {
    refs.insert(
        absl::StrCat(hit.record().origin(), "/", hit.record().record_id()));
  }
  EXPECT_EQ(refs,
            (std::set<std::string>{absl::StrCat(kHubId, "/maji-safi-kenya"),
                                   absl::StrCat(kHubId, "/east-africa-wash"),
                                   absl::StrCat(kPeerId, "/maji-safi-kenya")}));

  v1::ListMembersRequest members;
  members.mutable_community()->set_origin(kHubId);
  members.mutable_community()->set_record_id("east-africa-wash");
  absl::StatusOr<v1::ListMembersResponse> listed =
      hub.directory().ListMembers(members);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->members_size(), 1);
  EXPECT_EQ(listed->members(0).organization().record_id(), "maji-safi-kenya");

  // Found by its HSDS id: the postings were added when the store opened.
  absl::StatusOr<std::vector<v1::Record>> by_hsds_id =
      hub.directory().FindByHsdsId(HsdsId(kHubId, "maji-safi-kenya"),
                                   v1::RECORD_KIND_ORGANIZATION);
  ASSERT_OK(by_hsds_id);
  ASSERT_EQ(by_hsds_id->size(), 1u);
  EXPECT_EQ((*by_hsds_id)[0].record_id(), "maji-safi-kenya");

  v1::GetRecordRequest deleted;
  deleted.set_origin(kHubId);
  deleted.set_record_id("sahel-education");
  EXPECT_STATUS(hub.directory().GetRecord(deleted), absl::StatusCode::kNotFound,
                "was deleted (version 2)");

  // The hub's log goes on where it stopped (sequence 14).
  absl::StatusOr<PublishResult> published =
      hub.Publish(civhub::testing::OrgPublish("new-after-reshape", {}));
  ASSERT_OK(published);
  EXPECT_EQ(published->record.body().sequence(), 15u);
  absl::StatusOr<v1::CheckReport> report = CheckStore(*store_);
  ASSERT_OK(report);
  EXPECT_EQ(report->problem_count(), 0u) << report->DebugString();
}

}  // namespace
}  // namespace civhub::node
