// The fixture of the tests of one part of Federation alone (AntiEntropy,
// Links, Spreading): one hub on a store in memory, a ManualClock and a
// SimScheduler on it, a Transport that keeps each call for the test to
// answer, and the SharedState the parts share. No Federation and no other
// hub: the test plays the peer and the Host. Test-only.
#ifndef CIVHUB_FEDERATION_PART_TEST_FIXTURE_H_
#define CIVHUB_FEDERATION_PART_TEST_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "crypto/keys.h"
#include "federation/options.h"
#include "federation/peer_state.h"
#include "federation/transport.h"
#include "federation/trust.h"
#include "node/base/clock.h"
#include "node/base/executor.h"
#include "node/hub.h"
#include "node/storage/store.h"
#include "node/storage/store_env.h"
#include "sim/records.h"
#include "sim/sim_network.h"

namespace civhub::federation {

// A call made, kept for the test to look at and answer (by calling `reply`).
template <typename Request, typename Response>
struct KeptCall {
  PeerAddress to;
  Request request;
  Reply<Response> reply;
};

// Keeps every call; Probe answers OK at once.
class KeepingTransport : public Transport {
 public:
  void RequestLink(const PeerAddress& to, absl::Duration,
                   v1::LinkRequest request,
                   Reply<v1::LinkResponse> reply) override {
    link_requests.push_back({to, std::move(request), std::move(reply)});
  }
  void ConfirmLink(const PeerAddress& to, absl::Duration,
                   v1::LinkConfirmation request,
                   Reply<v1::LinkAck> reply) override {
    confirms.push_back({to, std::move(request), std::move(reply)});
  }
  void RemoveLink(const PeerAddress& to, absl::Duration,
                  v1::LinkRemoval request, Reply<v1::LinkAck> reply) override {
    removals.push_back({to, std::move(request), std::move(reply)});
  }
  void Sync(const PeerAddress& to, absl::Duration, v1::SyncRequest request,
            Reply<v1::SyncResponse> reply) override {
    syncs.push_back({to, std::move(request), std::move(reply)});
  }
  void Push(const PeerAddress& to, absl::Duration, v1::PushRequest request,
            Reply<v1::PushResponse> reply) override {
    pushes.push_back({to, std::move(request), std::move(reply)});
  }
  void Announce(const PeerAddress& to, absl::Duration,
                v1::AnnounceRequest request,
                Reply<v1::AnnounceResponse> reply) override {
    announces.push_back({to, std::move(request), std::move(reply)});
  }
  void Fetch(const PeerAddress& to, absl::Duration, v1::FetchRequest request,
             Reply<v1::FetchResponse> reply) override {
    fetches.push_back({to, std::move(request), std::move(reply)});
  }
  void Probe(const PeerAddress&, absl::Duration,
             std::function<void(absl::Status)> done) override {
    done(absl::OkStatus());
  }
  void Close(const PeerAddress& to) override { closed.push_back(to.address); }

  std::vector<KeptCall<v1::LinkRequest, v1::LinkResponse>> link_requests;
  std::vector<KeptCall<v1::LinkConfirmation, v1::LinkAck>> confirms;
  std::vector<KeptCall<v1::LinkRemoval, v1::LinkAck>> removals;
  std::vector<KeptCall<v1::SyncRequest, v1::SyncResponse>> syncs;
  std::vector<KeptCall<v1::PushRequest, v1::PushResponse>> pushes;
  std::vector<KeptCall<v1::AnnounceRequest, v1::AnnounceResponse>> announces;
  std::vector<KeptCall<v1::FetchRequest, v1::FetchResponse>> fetches;
  std::vector<std::string> closed;
};

class PartTest : public ::testing::Test {
 protected:
  PartTest() {
    node::StoreOptions options;
    options.path = "/mem/part";
    options.env = env_.get();
    options.clock = &clock_;
    absl::StatusOr<std::unique_ptr<node::Store>> store =
        node::Store::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    hub_ = std::make_unique<node::Hub>(key_, store_.get(), &clock_, &trust_,
                                       &executor_);
    shared_ = std::make_unique<SharedState>(store_.get(), &clock_, self(),
                                            /*seed=*/1);
    options_.profile.set_name("Self");
    options_.profile.set_federation_address("self:7341");
  }

  std::string self() const { return key_.public_key().bytes(); }

  // Saves an ACTIVE row for `peer` at "peer:7341", as a link made earlier.
  void AddActive(const crypto::PublicKey& peer) {
    storage::PeerRecord record;
    record.set_key(peer.bytes());
    record.set_state(v1::PEER_STATE_ACTIVE);
    record.set_address("peer:7341");
    record.set_link_id(std::string(16, 'L'));
    absl::MutexLock lock(&shared_->mu);
    ASSERT_TRUE(shared_->table.Save(record).ok());
  }

  // The row of `peer` as saved in memory.
  storage::PeerRecord Row(const crypto::PublicKey& peer) {
    absl::MutexLock lock(&shared_->mu);
    return shared_->table.rows()[peer.bytes()];
  }

  // Publishes organization `id` at this hub.
  void Publish(const std::string& id) {
    testing::OrgSpec spec;
    spec.name = id;
    ASSERT_TRUE(hub_->Publish(testing::OrgPublish(id, spec)).ok());
  }

  // Runs the events due up to `d` from now.
  void RunFor(absl::Duration d) { scheduler_.RunUntil(clock_.Now() + d); }

  std::unique_ptr<node::StoreEnv> env_ = node::StoreEnv::InMemory();
  node::ManualClock clock_{testing::TestNow()};
  sim::SimScheduler scheduler_{&clock_};
  node::InlineExecutor executor_;
  crypto::PrivateKey key_ = testing::NewKey();
  TrustGraph trust_{key_.public_key()};
  std::unique_ptr<node::Store> store_;
  std::unique_ptr<node::Hub> hub_;
  std::unique_ptr<SharedState> shared_;
  KeepingTransport transport_;
  FederationOptions options_;
  crypto::PrivateKey peer_key_ = testing::NewKey();
  const crypto::PublicKey& peer() const { return peer_key_.public_key(); }
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_PART_TEST_FIXTURE_H_
