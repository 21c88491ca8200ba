// PublishMany stores a batch while the next one is checked and signed
// (node/hub.h). These tests stall the disk under the first batch's write
// and publish a second one meanwhile: the second must number its records
// after the first's, see the first's records once they are stored, and
// fail with it rather than leave a gap.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "node/base/executor.h"
#include "node/hub.h"
#include "node/storage/full_disk_env_for_tests.h"
#include "node/storage/store_for_tests.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

using ::absl::StatusCode;
using testing::FullDiskEnv;
using testing::NewKey;
using testing::OrgPublish;
using testing::OrgSpec;

// A pool that counts the parallel steps that have run: the hub's batch
// checks its records in one and signs them in the next, so a test can
// wait until a batch has got that far.
class CountingExecutor : public Executor {
 public:
  int parallelism() const override { return pool_.parallelism(); }
  void RunWithHelpers(int helpers, const std::function<void()>& helper,
                      const std::function<void()>& caller) override {
    pool_.RunWithHelpers(helpers, helper, caller);
    absl::MutexLock lock(&mu_);
    ++steps_;
  }
  // Returns once `n` steps have run in all.
  void AwaitSteps(int n) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return steps_ >= n;
    };
    mu_.Await(absl::Condition(&reached));
  }

 private:
  ThreadPool pool_{1};
  absl::Mutex mu_;
  int steps_ ABSL_GUARDED_BY(mu_) = 0;
};

using Results = std::vector<absl::StatusOr<PublishResult>>;

google::protobuf::RepeatedPtrField<v1::PublishRequest> Batch(
    std::vector<v1::PublishRequest> requests) {
  google::protobuf::RepeatedPtrField<v1::PublishRequest> batch;
  for (v1::PublishRequest& r : requests) *batch.Add() = std::move(r);
  return batch;
}

google::protobuf::RepeatedPtrField<v1::PublishRequest> NewOrgs(
    const std::string& prefix, int n) {
  std::vector<v1::PublishRequest> requests;
  for (int i = 0; i < n; ++i) {
    requests.push_back(OrgPublish(absl::StrCat(prefix, i), {}));
  }
  return Batch(std::move(requests));
}

class HubOverlapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenStore(dir_.Sub("store"), &clock_, env_.store_env());
    ASSERT_NE(store_, nullptr);
    hub_ =
        std::make_unique<Hub>(key_, store_.get(), &clock_, nullptr, &executor_);
  }

  // Publishes `first` with the disk stalled under its write, then `second`
  // while it waits; `second_steps`: how far `second` gets (parallel steps
  // of the executor) before the disk goes on. `before_release` runs just
  // before. Both batches' results.
  std::pair<Results, Results> Overlapped(
      const google::protobuf::RepeatedPtrField<v1::PublishRequest>& first,
      const google::protobuf::RepeatedPtrField<v1::PublishRequest>& second,
      int second_steps, const std::function<void()>& before_release = {}) {
    Results a, b;
    env_.HoldWrites();
    std::thread first_thread([&] { a = hub_->PublishMany(first); });
    env_.AwaitHeldWrite();  // The first batch is being stored.
    std::thread second_thread([&] { b = hub_->PublishMany(second); });
    executor_.AwaitSteps(2 + second_steps);  // The first took two steps.
    if (before_release) before_release();
    env_.ReleaseWrites();
    first_thread.join();
    second_thread.join();
    return {std::move(a), std::move(b)};
  }

  uint64_t MaxSequence() {
    absl::StatusOr<storage::OriginState> state =
        store_->GetOriginState(key_.public_key().bytes());
    EXPECT_TRUE(state.ok()) << state.status();
    return state.ok() ? state->max_sequence() : 0;
  }

  testing::TempDir dir_;
  ManualClock clock_{testing::TestNow()};
  FullDiskEnv env_;
  CountingExecutor executor_;
  crypto::PrivateKey key_ = NewKey();
  std::unique_ptr<Store> store_;
  std::unique_ptr<Hub> hub_;
};

TEST_F(HubOverlapTest, ABatchSignedWhileTheOneBeforeIsStoredFollowsIt) {
  // The second batch checks and signs (two steps) while the first waits on
  // the disk.
  auto [a, b] = Overlapped(NewOrgs("a", 3), NewOrgs("b", 2), 2);
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 2u);
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_OK(a[i]);
    EXPECT_EQ(a[i]->record.body().sequence(), i + 1);
  }
  for (size_t i = 0; i < b.size(); ++i) {
    ASSERT_OK(b[i]);
    EXPECT_EQ(b[i]->record.body().sequence(), a.size() + i + 1);
  }
  EXPECT_EQ(MaxSequence(), 5u);
  EXPECT_EQ(store_->counters().organizations(), 5u);
}

TEST_F(HubOverlapTest, ABatchNamingRecordsOfTheOneBeingStoredWaitsForThem) {
  const std::string self = key_.public_key().HubId();
  OrgSpec renamed;
  renamed.name = "Maji Safi Kenya Trust";
  testing::NeedSpec need_spec;
  need_spec.org_origin = self;
  need_spec.org_id = "maji-safi";
  v1::PublishRequest need;
  need.set_record_id("kiosk-website");
  *need.mutable_need() = testing::MakeNeed(need_spec);
  // A new version of one, the same content as another, and a need of the
  // third's: each read from the store before the first batch is in it.
  auto [a, b] = Overlapped(
      Batch({OrgPublish("renamed", {}), OrgPublish("same", {}),
             OrgPublish("maji-safi", {})}),
      Batch({OrgPublish("renamed", renamed), OrgPublish("same", {}), need}), 1);
  for (const auto& r : a) ASSERT_OK(r);
  ASSERT_EQ(b.size(), 3u);
  ASSERT_OK(b[0]);
  EXPECT_EQ(b[0]->record.body().version(), 2u);
  EXPECT_EQ(b[0]->record.body().sequence(), 4u);
  EXPECT_FALSE(b[0]->unchanged);
  ASSERT_OK(b[1]);
  EXPECT_TRUE(b[1]->unchanged);
  EXPECT_EQ(b[1]->record.body().sequence(), 2u);
  ASSERT_OK(b[2]);  // Its organization was found.
  EXPECT_EQ(b[2]->record.body().sequence(), 5u);
  EXPECT_EQ(MaxSequence(), 5u);
}

TEST_F(HubOverlapTest, ABatchSignedOnOneThatFailsToBeStoredFailsToo) {
  // The disk fills while the first batch waits on it and the second has
  // signed: neither is acknowledged, and the hub's next sequence follows
  // what was stored.
  auto [a, b] = Overlapped(NewOrgs("a", 3), NewOrgs("b", 2), 2,
                           [this] { env_.SetFull(true); });
  for (const auto& r : a) {
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status();
  }
  for (const auto& r : b) {
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status();
    EXPECT_TRUE(absl::StrContains(r.status().message(), "read-only"))
        << r.status();
  }
  EXPECT_EQ(MaxSequence(), 0u);
}

}  // namespace
}  // namespace civhub::node
