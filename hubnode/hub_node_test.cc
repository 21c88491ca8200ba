#include "hubnode/hub_node.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "node/storage/store_env.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::hubnode {
namespace {

using testing::NewKey;
using testing::OrgPublish;

// Keeps what the federation schedules; runs it only when told.
class QueueScheduler : public federation::Scheduler {
 public:
  void RunAfter(absl::Duration, std::function<void()> fn) override {
    queue_.push_back(std::move(fn));
  }
  void RunAll() {
    std::vector<std::function<void()>> now;
    now.swap(queue_);
    for (auto& fn : now) fn();
  }
  size_t pending() const { return queue_.size(); }

 private:
  std::vector<std::function<void()>> queue_;
};

// Records the pushes the federation sends and keeps every reply unanswered
// (calls in flight when a node goes away).
class RecordingTransport : public federation::Transport {
 public:
  void RequestLink(const federation::PeerAddress&, absl::Duration,
                   v1::LinkRequest,
                   federation::Reply<v1::LinkResponse> reply) override {
    Keep(std::move(reply));
  }
  void ConfirmLink(const federation::PeerAddress&, absl::Duration,
                   v1::LinkConfirmation,
                   federation::Reply<v1::LinkAck> reply) override {
    Keep(std::move(reply));
  }
  void RemoveLink(const federation::PeerAddress&, absl::Duration,
                  v1::LinkRemoval,
                  federation::Reply<v1::LinkAck> reply) override {
    Keep(std::move(reply));
  }
  void Sync(const federation::PeerAddress&, absl::Duration, v1::SyncRequest,
            federation::Reply<v1::SyncResponse> reply) override {
    Keep(std::move(reply));
  }
  void Push(const federation::PeerAddress& to, absl::Duration,
            v1::PushRequest request,
            federation::Reply<v1::PushResponse> reply) override {
    pushes.emplace_back(to.address, std::move(request));
    Keep(std::move(reply));
  }
  void Announce(const federation::PeerAddress&, absl::Duration,
                v1::AnnounceRequest,
                federation::Reply<v1::AnnounceResponse> reply) override {
    Keep(std::move(reply));
  }
  void Fetch(const federation::PeerAddress&, absl::Duration, v1::FetchRequest,
             federation::Reply<v1::FetchResponse> reply) override {
    Keep(std::move(reply));
  }
  void Probe(const federation::PeerAddress&, absl::Duration,
             std::function<void(absl::Status)> done) override {
    Keep(std::move(done));
  }
  void Close(const federation::PeerAddress&) override {}

  std::vector<std::pair<std::string, v1::PushRequest>> pushes;

 private:
  template <typename Fn>
  void Keep(Fn fn) {
    unanswered_.push_back(std::make_shared<Fn>(std::move(fn)));
  }
  std::vector<std::shared_ptr<void>> unanswered_;
};

// An active link to a hub at "peer:7341", as the peer table keeps it.
absl::Status AddActivePeer(node::Store& store, const crypto::PublicKey& peer) {
  storage::PeerRecord record;
  record.set_key(peer.bytes());
  record.set_state(v1::PEER_STATE_ACTIVE);
  record.set_address("peer:7341");
  record.set_link_id("0123456789abcdef");
  return store.PutAux(absl::StrCat(federation::kPeerTablePrefix, record.key()),
                      record.SerializeAsString(), /*sync=*/true);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

class HubNodeTest : public ::testing::Test {
 protected:
  static federation::FederationOptions Named() {
    federation::FederationOptions options;
    options.profile.set_name("hub node test");
    // The peer table's entry is made up: no link records to publish.
    options.publish_system_records = false;
    return options;
  }

  // The scheduler and the transport outlive the nodes, as in civhubd.
  QueueScheduler scheduler_;
  RecordingTransport transport_;
  node::ManualClock clock_{testing::TestNow()};
  node::InlineExecutor executor_;
  testing::TempDir dir_;
};

TEST_F(HubNodeTest, InMemoryNodePublishesToItsPeers) {
  std::unique_ptr<node::StoreEnv> env = node::StoreEnv::InMemory();
  HubNodeOptions options;
  options.store.path = "/hub";
  options.store.env = env.get();
  options.key = NewKey();
  options.clock = &clock_;
  options.executor = &executor_;
  absl::StatusOr<std::unique_ptr<HubNode>> node = HubNode::Open(options);
  ASSERT_OK(node);
  HubNode& n = **node;
  EXPECT_EQ(n.key().public_key(), options.key->public_key());
  EXPECT_FALSE(n.key_created());
  EXPECT_EQ(n.federation(), nullptr);
  ASSERT_OK(AddActivePeer(*n.store(), NewKey().public_key()));

  federation::Federation* fed = n.Federate(&scheduler_, &transport_, Named());
  ASSERT_NE(fed, nullptr);
  EXPECT_EQ(fed, n.federation());
  ASSERT_OK(n.federation()->Start());
  absl::StatusOr<node::PublishResult> published =
      n.hub()->Publish(OrgPublish("org-1", {}));
  ASSERT_OK(published);

  // Stored, and pushed to the peer as it was signed.
  absl::StatusOr<std::optional<node::StoredView>> stored =
      n.store()->Get(n.key().public_key().bytes(), "org-1");
  ASSERT_OK(stored);
  EXPECT_TRUE(stored->has_value());
  ASSERT_FALSE(transport_.pushes.empty());
  EXPECT_EQ(transport_.pushes[0].first, "peer:7341");
  ASSERT_GE(transport_.pushes[0].second.records_size(), 1);
  EXPECT_EQ(transport_.pushes[0].second.records(0).SerializeAsString(),
            published->record.signed_().SerializeAsString());
}

TEST_F(HubNodeTest, DestroyedNodeLeavesItsDataDirToTheNext) {
  HubNodeOptions options;
  options.store.path = dir_.Sub("store");
  options.key_file = dir_.Sub("hub.key");
  options.clock = &clock_;
  options.executor = &executor_;
  std::string hub_id;
  {
    absl::StatusOr<std::unique_ptr<HubNode>> node = HubNode::Open(options);
    ASSERT_OK(node);
    EXPECT_TRUE((*node)->key_created());
    hub_id = (*node)->key().public_key().HubId();
    ASSERT_OK(AddActivePeer(*(*node)->store(), NewKey().public_key()));
    (*node)->Federate(&scheduler_, &transport_, Named());
    ASSERT_OK((*node)->federation()->Start());
    ASSERT_OK((*node)->hub()->Publish(OrgPublish("org-1", {})));
    // Destroyed with a push unanswered and rounds scheduled.
    ASSERT_FALSE(transport_.pushes.empty());
    ASSERT_GT(scheduler_.pending(), 0u);
  }
  // Its lock is released and its key kept: the next node is the same hub.
  absl::StatusOr<std::unique_ptr<HubNode>> again = HubNode::Open(options);
  ASSERT_OK(again);
  EXPECT_FALSE((*again)->key_created());
  EXPECT_EQ((*again)->key().public_key().HubId(), hub_id);
  absl::StatusOr<std::optional<node::StoredView>> stored =
      (*again)->store()->Get((*again)->key().public_key().bytes(), "org-1");
  ASSERT_OK(stored);
  EXPECT_TRUE(stored->has_value());
}

TEST_F(HubNodeTest, StoppedNodeReleasesItsStoreWhileWorkIsQueued) {
  // The simulator's restart: the node stays for what is queued for it, and
  // a new node opens the same store at once.
  HubNodeOptions options;
  options.store.path = dir_.Sub("store");
  options.key = NewKey();
  options.clock = &clock_;
  options.executor = &executor_;
  absl::StatusOr<std::unique_ptr<HubNode>> node = HubNode::Open(options);
  ASSERT_OK(node);
  ASSERT_OK(AddActivePeer(*(*node)->store(), NewKey().public_key()));
  (*node)->Federate(&scheduler_, &transport_, Named());
  ASSERT_OK((*node)->federation()->Start());
  ASSERT_OK((*node)->hub()->Publish(OrgPublish("org-1", {})));
  ASSERT_GT(scheduler_.pending(), 0u);

  (*node)->Stop();
  EXPECT_EQ((*node)->store(), nullptr);
  absl::StatusOr<std::unique_ptr<HubNode>> restarted = HubNode::Open(options);
  ASSERT_OK(restarted);
  // What was queued for the stopped node finds it stopped.
  scheduler_.RunAll();
  node->reset();
  absl::StatusOr<std::optional<node::StoredView>> stored =
      (*restarted)
          ->store()
          ->Get((*restarted)->key().public_key().bytes(), "org-1");
  ASSERT_OK(stored);
  EXPECT_TRUE(stored->has_value());
}

TEST_F(HubNodeTest, SecondNodeOnADataDirFailsBeforeTouchingAKey) {
  HubNodeOptions options;
  options.store.path = dir_.Sub("store");
  options.key_file = dir_.Sub("hub.key");
  absl::StatusOr<std::unique_ptr<HubNode>> first = HubNode::Open(options);
  ASSERT_OK(first);
  options.key_file = dir_.Sub("other.key");
  EXPECT_FALSE(HubNode::Open(options).ok());
  EXPECT_FALSE(Exists(dir_.Sub("other.key")));
}

TEST_F(HubNodeTest, AStoreWithRecordsIsNotGivenANewKey) {
  // Found in a trial: with hub.key gone, the next start made a new identity
  // and served the hub's own records as another origin's.
  HubNodeOptions options;
  options.store.path = dir_.Sub("store");
  options.key_file = dir_.Sub("hub.key");
  options.clock = &clock_;
  options.executor = &executor_;
  {
    absl::StatusOr<std::unique_ptr<HubNode>> node = HubNode::Open(options);
    ASSERT_OK(node);
    ASSERT_OK((*node)->hub()->Publish(OrgPublish("org-1", {})));
  }
  ASSERT_EQ(std::remove(dir_.Sub("hub.key").c_str()), 0);
  EXPECT_STATUS(HubNode::Open(options), absl::StatusCode::kFailedPrecondition,
                "missing but the store holds records");
  EXPECT_FALSE(Exists(dir_.Sub("hub.key")));
  // A new data dir still gets its key on first start.
  options.store.path = dir_.Sub("store2");
  absl::StatusOr<std::unique_ptr<HubNode>> fresh = HubNode::Open(options);
  ASSERT_OK(fresh);
  EXPECT_TRUE((*fresh)->key_created());
}

TEST_F(HubNodeTest, NeedsAKey) {
  HubNodeOptions options;
  options.store.path = dir_.Sub("store");
  EXPECT_STATUS(HubNode::Open(options), absl::StatusCode::kInvalidArgument,
                "key");
  EXPECT_FALSE(Exists(dir_.Sub("store")));
}

}  // namespace
}  // namespace civhub::hubnode
