// A store write that fails (a full disk) makes the store read-only, and
// nothing it acknowledged is lost (issue 13, item 2).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/record_signing.h"
#include "leveldb/db.h"
#include "node/hub.h"
#include "node/storage/full_disk_env_for_tests.h"
#include "node/storage/internal/store_access.h"
#include "node/storage/store.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

using ::absl::StatusCode;
using testing::FullDiskEnv;
using testing::NewKey;
using testing::OrgPublish;
using testing::SignedOrg;

constexpr char kReadOnly[] =
    "store is read-only after a write failed: No space left on device; free "
    "space and restart civhubd";

crypto::VerifiedRecord Verified(const v1::SignedRecord& rec) {
  absl::StatusOr<crypto::VerifiedRecord> v = crypto::VerifyRecord(rec);
  EXPECT_TRUE(v.ok()) << v.status();
  return *std::move(v);
}

// Every origin is welcome: records from elsewhere, as federation ingests.
class AdmitAll : public OriginPolicy {
 public:
  absl::Status Admit(const crypto::VerifiedRecord&) const override {
    return absl::OkStatus();
  }
};

class StoreFailureTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  // Closes the store (as kill -9 would leave it: LevelDB writes nothing on
  // close) and opens it again on the real file system.
  void Reopen() {
    hub_.reset();
    store_.reset();
    StoreOptions options;
    options.path = dir_.Sub("store");
    options.clock = &clock_;
    options.env = store_env_.get();
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
    ASSERT_OK(store);
    store_ = *std::move(store);
    hub_ = std::make_unique<Hub>(key_, store_.get(), &clock_, &admit_all_);
  }
  // Record `id` of `key` is on the hub.
  bool Holds(const crypto::PrivateKey& key, const std::string& id) {
    absl::StatusOr<std::optional<StoredView>> view =
        store_->Get(key.public_key().bytes(), id);
    EXPECT_OK(view);
    return view.ok() && view->has_value();
  }

  testing::TempDir dir_;
  FullDiskEnv env_;
  std::unique_ptr<StoreEnv> store_env_ = internal::StoreAccess::Borrow(&env_);
  ManualClock clock_{testing::TestNow()};
  AdmitAll admit_all_;
  crypto::PrivateKey key_ = NewKey();
  std::unique_ptr<Store> store_;
  std::unique_ptr<Hub> hub_;
};

TEST_F(StoreFailureTest, AFailedWriteMakesTheStoreReadOnlyAndLosesNothing) {
  const crypto::PrivateKey other = NewKey();
  std::vector<std::string> acknowledged;
  uint64_t seq = 0;
  auto apply = [&](const std::string& id) {
    ++seq;
    absl::StatusOr<ApplyOutcome> out =
        store_->Apply(Verified(SignedOrg(other, id, 1, seq)), /*sync=*/true);
    if (out.ok()) acknowledged.push_back(id);
    return out.status();
  };
  for (int i = 0; i < 5; ++i) ASSERT_OK(apply(absl::StrCat("before-", i)));

  env_.SetFull(true);
  EXPECT_STATUS(apply("fails"), StatusCode::kFailedPrecondition, kReadOnly);
  std::optional<StoreFailure> failure = store_->failure();
  EXPECT_TRUE(failure.has_value());
  if (failure.has_value()) {
    EXPECT_EQ(failure->reason, "No space left on device");
    EXPECT_EQ(failure->at, clock_.Now());
  }

  // Space is freed: the store still takes no write, of any kind, until it
  // is reopened. LevelDB's log is in an undefined state after the failed
  // write; what is written behind it would be lost on restart.
  env_.SetFull(false);
  EXPECT_STATUS(apply("after"), StatusCode::kFailedPrecondition, kReadOnly);
  EXPECT_TRUE(IsStoreReadOnly(apply("after-2")));
  EXPECT_TRUE(IsStoreReadOnly(store_->Sync()));
  EXPECT_TRUE(IsStoreReadOnly(store_->PutAux("peer/x", "y", true)));
  EXPECT_TRUE(IsStoreReadOnly(store_->DeleteAux("peer/x", true)));
  EXPECT_TRUE(IsStoreReadOnly(
      store_->AdvanceWatermark(other.public_key().bytes(), 0, 5)));
  EXPECT_TRUE(
      IsStoreReadOnly(store_->Block(NewKey().public_key().bytes()).status()));
  EXPECT_TRUE(IsStoreReadOnly(store_->Unblock(other.public_key().bytes())));
  EXPECT_EQ(env_.failed_writes(), 1);

  // Reads keep serving what was acknowledged.
  for (const std::string& id : acknowledged) EXPECT_TRUE(Holds(other, id));
  EXPECT_EQ(store_->counters().organizations(), 5u);

  Reopen();
  EXPECT_FALSE(store_->failure().has_value());
  for (const std::string& id : acknowledged) {
    EXPECT_TRUE(Holds(other, id)) << id << " was acknowledged, then lost";
  }
  EXPECT_EQ(store_->counters().organizations(), acknowledged.size());
  EXPECT_EQ(acknowledged.size(), 5u);
  // Writable again after the restart.
  EXPECT_OK(apply("after-restart"));
  EXPECT_TRUE(Holds(other, "after-restart"));
}

// Issue 17: a batch is one write. On a full disk none of it is
// acknowledged, the store turns read-only, and after a restart the store
// holds what was acknowledged before and nothing of the batch.
TEST_F(StoreFailureTest, AFailedBatchIsRefusedWholeAndLosesNothing) {
  const crypto::PrivateKey other = NewKey();
  std::vector<crypto::VerifiedRecord> records;
  for (uint64_t seq = 1; seq <= 300; ++seq) {
    records.push_back(
        Verified(SignedOrg(other, absl::StrCat("org-", seq), 1, seq)));
  }
  std::vector<Store::ApplyPlan> plans;
  for (const crypto::VerifiedRecord& r : records) {
    plans.push_back(Store::Plan(r));
  }
  auto apply_many = [&](size_t begin, size_t end) {
    std::vector<const crypto::VerifiedRecord*> batch;
    std::vector<const Store::ApplyPlan*> batch_plans;
    for (size_t i = begin; i < end; ++i) {
      batch.push_back(&records[i]);
      batch_plans.push_back(&plans[i]);
    }
    return store_->ApplyMany(batch, batch_plans, /*sync=*/true);
  };
  for (const absl::StatusOr<ApplyOutcome>& outcome : apply_many(0, 100)) {
    ASSERT_OK(outcome);
  }

  env_.SetFull(true);
  for (const absl::StatusOr<ApplyOutcome>& outcome : apply_many(100, 300)) {
    EXPECT_STATUS(outcome, StatusCode::kFailedPrecondition, kReadOnly);
  }
  env_.SetFull(false);
  EXPECT_TRUE(store_->failure().has_value());
  for (const absl::StatusOr<ApplyOutcome>& outcome : apply_many(100, 101)) {
    EXPECT_STATUS(outcome, StatusCode::kFailedPrecondition, kReadOnly);
  }
  EXPECT_EQ(store_->counters().organizations(), 100u);

  Reopen();
  for (size_t i = 0; i < 100; ++i) {
    EXPECT_TRUE(Holds(other, records[i].body.record_id()))
        << records[i].body.record_id() << " was acknowledged, then lost";
  }
  for (size_t i = 100; i < 300; ++i) {
    EXPECT_FALSE(Holds(other, records[i].body.record_id()))
        << "part of a refused batch is in the store";
  }
  EXPECT_EQ(store_->counters().organizations(), 100u);
  absl::StatusOr<storage::OriginState> state =
      store_->GetOriginState(other.public_key().bytes());
  ASSERT_OK(state);
  EXPECT_EQ(state->max_sequence(), 100u);
  // Writable again: the batch goes in whole.
  for (const absl::StatusOr<ApplyOutcome>& outcome : apply_many(100, 300)) {
    ASSERT_OK(outcome);
  }
  EXPECT_EQ(store_->counters().organizations(), 300u);
}

// The hub's PublishMany on a full disk: none of the batch is acknowledged,
// and the hub's sequence goes on from what was.
TEST_F(StoreFailureTest, APublishBatchOnAFullDiskIsRefusedWhole) {
  google::protobuf::RepeatedPtrField<v1::PublishRequest> first, second;
  for (int i = 0; i < 200; ++i) {
    *first.Add() = OrgPublish(absl::StrCat("first-", i), {});
    *second.Add() = OrgPublish(absl::StrCat("second-", i), {});
  }
  for (const absl::StatusOr<PublishResult>& r : hub_->PublishMany(first)) {
    ASSERT_OK(r);
  }
  env_.SetFull(true);
  for (const absl::StatusOr<PublishResult>& r : hub_->PublishMany(second)) {
    EXPECT_STATUS(r, StatusCode::kFailedPrecondition, kReadOnly);
  }
  env_.SetFull(false);

  Reopen();
  absl::StatusOr<storage::OriginState> own =
      store_->GetOriginState(key_.public_key().bytes());
  ASSERT_OK(own);
  EXPECT_EQ(own->max_sequence(), 200u);
  EXPECT_TRUE(Holds(key_, "first-199"));
  EXPECT_FALSE(Holds(key_, "second-0"));
  std::vector<absl::StatusOr<PublishResult>> again = hub_->PublishMany(second);
  ASSERT_OK(again[0]);
  EXPECT_EQ(again[0]->record.body().sequence(), 201u);
  ASSERT_OK(again[199]);
  EXPECT_EQ(again[199]->record.body().sequence(), 400u);
}

TEST_F(StoreFailureTest, TheHubsSequenceContinuesAfterWhatWasAcknowledged) {
  std::vector<uint64_t> sequences;
  for (const char* id : {"a", "b"}) {
    absl::StatusOr<PublishResult> r = hub_->Publish(OrgPublish(id, {}));
    ASSERT_OK(r);
    sequences.push_back(r->record.body().sequence());
  }
  env_.SetFull(true);
  EXPECT_STATUS(hub_->Publish(OrgPublish("c", {})),
                StatusCode::kFailedPrecondition, kReadOnly);
  env_.SetFull(false);
  for (const char* id : {"d", "e", "f"}) {
    absl::StatusOr<PublishResult> r = hub_->Publish(OrgPublish(id, {}));
    EXPECT_STATUS(r, StatusCode::kFailedPrecondition, kReadOnly);
    if (r.ok()) sequences.push_back(r->record.body().sequence());
  }
  EXPECT_STATUS(hub_->Delete("a", "gone"), StatusCode::kFailedPrecondition,
                kReadOnly);
  absl::StatusOr<storage::OriginState> own =
      store_->GetOriginState(key_.public_key().bytes());
  ASSERT_OK(own);
  EXPECT_EQ(own->max_sequence(), 2u);

  Reopen();
  own = store_->GetOriginState(key_.public_key().bytes());
  ASSERT_OK(own);
  EXPECT_EQ(own->max_sequence(), sequences.back())
      << "the hub lost records it acknowledged";
  absl::StatusOr<PublishResult> next = hub_->Publish(OrgPublish("g", {}));
  ASSERT_OK(next);
  EXPECT_EQ(next->record.body().sequence(), sequences.back() + 1);
  EXPECT_TRUE(Holds(key_, "a"));
  EXPECT_TRUE(Holds(key_, "b"));
}

TEST_F(StoreFailureTest, FederationIngestIsRefusedAfterAFailedWrite) {
  const crypto::PrivateKey other = NewKey();
  uint64_t seq = 0;
  auto batch = [&](const std::string& prefix, int n) {
    google::protobuf::RepeatedPtrField<v1::SignedRecord> records;
    for (int i = 0; i < n; ++i) {
      ++seq;
      *records.Add() = SignedOrg(other, absl::StrCat(prefix, i), 1, seq);
    }
    return records;
  };
  std::vector<std::string> acknowledged;
  auto ingest = [&](const std::string& prefix, int n) {
    auto records = batch(prefix, n);
    std::vector<IngestResult> results =
        hub_->IngestMany(records, /*sync=*/true);
    std::vector<absl::Status> statuses;
    for (int i = 0; i < n; ++i) {
      if (results[i].outcome.ok())
        acknowledged.push_back(absl::StrCat(prefix, i));
      statuses.push_back(results[i].outcome.status());
    }
    return statuses;
  };
  for (const absl::Status& s : ingest("first-", 20)) ASSERT_OK(s);
  ASSERT_OK(store_->AdvanceWatermark(other.public_key().bytes(), 0, seq));

  env_.SetFull(true);
  for (const absl::Status& s : ingest("full-", 20)) {
    EXPECT_STATUS(s, StatusCode::kFailedPrecondition, kReadOnly);
  }
  env_.SetFull(false);
  for (const absl::Status& s : ingest("freed-", 20)) {
    EXPECT_STATUS(s, StatusCode::kFailedPrecondition, kReadOnly);
  }
  EXPECT_TRUE(IsStoreReadOnly(
      store_->AdvanceWatermark(other.public_key().bytes(), 20, seq)));
  absl::StatusOr<storage::OriginState> state =
      store_->GetOriginState(other.public_key().bytes());
  ASSERT_OK(state);
  EXPECT_EQ(state->complete_through(), 20u);

  Reopen();
  for (const std::string& id : acknowledged) {
    EXPECT_TRUE(Holds(other, id)) << id << " was acknowledged, then lost";
  }
  EXPECT_EQ(store_->counters().organizations(), acknowledged.size());
  EXPECT_EQ(acknowledged.size(), 20u);
  state = store_->GetOriginState(other.public_key().bytes());
  ASSERT_OK(state);
  EXPECT_EQ(state->complete_through(), 20u);
}

TEST_F(StoreFailureTest, ABackgroundCompactionErrorMakesTheStoreReadOnly) {
  const crypto::PrivateKey other = NewKey();
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    ASSERT_OK(store_->Apply(
        Verified(SignedOrg(other, absl::StrCat("r", seq), 1, seq)), true));
  }
  // LevelDB writes the memtable to a table in the background; that write
  // fails and LevelDB keeps the error, which the next write returns.
  env_.SetFull(true);
  internal::StoreAccess::Db(*store_)->CompactRange(nullptr, nullptr);
  EXPECT_GE(env_.failed_writes(), 1);
  env_.SetFull(false);
  EXPECT_STATUS(store_->Apply(Verified(SignedOrg(other, "r4", 1, 4)), true),
                StatusCode::kFailedPrecondition, kReadOnly);
  EXPECT_TRUE(Holds(other, "r3"));

  Reopen();
  for (const char* id : {"r1", "r2", "r3"}) EXPECT_TRUE(Holds(other, id));
  EXPECT_FALSE(Holds(other, "r4"));
}

}  // namespace
}  // namespace civhub::node
