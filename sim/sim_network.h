// A deterministic network for federation tests: a virtual clock, an event
// queue as Scheduler, and a Transport that delivers calls between in-process
// hubs after a latency, counting messages and bytes. The same federation
// code runs here as between real processes.
#ifndef CIVHUB_SIM_SIM_NETWORK_H_
#define CIVHUB_SIM_SIM_NETWORK_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "federation/federation.h"
#include "federation/transport.h"
#include "hubnode/hub_node.h"
#include "node/base/clock.h"
#include "node/base/executor.h"
#include "node/hub.h"
#include "node/storage/store.h"
#include "node/storage/store_env.h"

namespace civhub::sim {

// Runs events in time order on a ManualClock. Not thread-safe: everything
// runs on the test's thread.
class SimScheduler : public federation::Scheduler {
 public:
  explicit SimScheduler(node::ManualClock* clock) : clock_(clock) {}
  void RunAfter(absl::Duration delay, std::function<void()> fn) override;
  // Runs events until none is due before `deadline` (virtual time).
  void RunUntil(absl::Time deadline);
  // Runs events until `done()` or `deadline`; returns done().
  bool RunUntil(const std::function<bool()>& done, absl::Time deadline);
  size_t pending() const { return queue_.size(); }

 private:
  node::ManualClock* const clock_;
  uint64_t next_id_ = 0;
  std::map<std::pair<absl::Time, uint64_t>, std::function<void()>> queue_;
};

struct TrafficCounters {
  uint64_t calls = 0;
  uint64_t request_bytes = 0;
  uint64_t response_bytes = 0;
  uint64_t pushed_records = 0;
  // Record bodies delivered by any call: pushes, fetches, sync replies.
  uint64_t records_sent = 0;
  uint64_t announced_records = 0;
};

class SimNetwork;

// A hub's side of the simulated network: calls go out as this hub, so the
// receiver knows the caller the way mutual TLS tells it in production.
// Calls ignore their deadline: a lost one fails after SimOptions::timeout.
class SimEndpoint : public federation::Transport {
 public:
  SimEndpoint(SimNetwork* network, crypto::PublicKey self)
      : network_(network), self_(std::move(self)) {}
  void RequestLink(const federation::PeerAddress& to, absl::Duration deadline,
                   v1::LinkRequest request,
                   federation::Reply<v1::LinkResponse> reply) override;
  void ConfirmLink(const federation::PeerAddress& to, absl::Duration deadline,
                   v1::LinkConfirmation request,
                   federation::Reply<v1::LinkAck> reply) override;
  void RemoveLink(const federation::PeerAddress& to, absl::Duration deadline,
                  v1::LinkRemoval request,
                  federation::Reply<v1::LinkAck> reply) override;
  void Sync(const federation::PeerAddress& to, absl::Duration deadline,
            v1::SyncRequest request,
            federation::Reply<v1::SyncResponse> reply) override;
  void Push(const federation::PeerAddress& to, absl::Duration deadline,
            v1::PushRequest request,
            federation::Reply<v1::PushResponse> reply) override;
  void Announce(const federation::PeerAddress& to, absl::Duration deadline,
                v1::AnnounceRequest request,
                federation::Reply<v1::AnnounceResponse> reply) override;
  void Fetch(const federation::PeerAddress& to, absl::Duration deadline,
             v1::FetchRequest request,
             federation::Reply<v1::FetchResponse> reply) override;
  void Probe(const federation::PeerAddress& to, absl::Duration deadline,
             std::function<void(absl::Status)> done) override;
  void Close(const federation::PeerAddress& to) override;
  // Addresses Close() was called for, in order.
  const std::vector<std::string>& closed() const { return closed_; }

 private:
  SimNetwork* const network_;
  std::vector<std::string> closed_;
  const crypto::PublicKey self_;
};

// One in-process hub: a HubNode (its own store, trust graph, hub and
// federation, assembled as in civhubd) on the simulated network.
struct SimHub {
  std::string name;
  std::string address;
  crypto::PrivateKey key;
  // Before the node, which calls out through it.
  std::unique_ptr<SimEndpoint> endpoint;
  std::unique_ptr<hubnode::HubNode> node;
  // The node's parts (owned by it). `store` is nullptr once the hub is
  // restarted (this instance stopped).
  node::Store* store = nullptr;
  federation::TrustGraph* trust = nullptr;
  node::Hub* hub = nullptr;
  federation::Federation* federation = nullptr;
};

// How the simulated network behaves. With a non-zero seed everything is
// reproducible: hub keys, link latencies and which messages are lost.
struct SimOptions {
  std::string dir;  // Stores live under it (also inside the memory env).
  absl::Time start = absl::FromUnixSeconds(1780315200);
  uint64_t seed = 0;  // 0: random keys, nothing else random.
  // Each link's one-way latency, fixed per link, drawn in [min, max].
  absl::Duration min_latency = absl::Milliseconds(20);
  absl::Duration max_latency = absl::Milliseconds(20);
  // Each link's bandwidth in bytes per second; a message takes its size
  // divided by it on top of the latency. 0: unlimited.
  double bandwidth = 0;
  // Chance that a message (request or reply) is lost; the caller then sees
  // UNAVAILABLE after `timeout`.
  double loss = 0;
  absl::Duration timeout = absl::Seconds(2);
  // Stores in memory (node::StoreEnv::InMemory) instead of files.
  bool in_memory = false;
  // Stores in this environment instead (tests of a full disk pass a
  // testing::FullDiskEnv); must outlive the network. Overrides in_memory.
  node::StoreEnv* env = nullptr;
};

class SimNetwork {
 public:
  explicit SimNetwork(SimOptions options);
  // Stores live under `dir`; each hub gets a subdirectory.
  SimNetwork(std::string dir, absl::Time start, absl::Duration latency);
  ~SimNetwork();

  // Creates and starts a hub named `name` (also its profile name).
  SimHub* AddHub(const std::string& name,
                 federation::FederationOptions options = {});
  SimHub* hub(const std::string& name) { return hubs_.at(name).get(); }

  // Makes `a` request a link to `b` and `b` approve it; runs until both
  // are active. Returns false if that does not happen within a minute.
  bool Link(const std::string& a, const std::string& b);

  // Restarts hub `name` with the same key: on the same store, or on an
  // empty one (`wipe_store`: a host that lost its disk). The old instance
  // is stopped and kept, so events already queued for it do nothing.
  SimHub* Restart(const std::string& name, bool wipe_store);

  // Splits the network: messages between hubs of different groups are
  // lost. Hubs in no group form one more group. Heal() joins them again.
  void Partition(const std::vector<std::set<std::string>>& groups);
  void Heal() { group_of_.clear(); }

  // The seeded generator, for scenarios that need more randomness.
  std::mt19937_64& rng() { return rng_; }
  const std::map<std::string, std::unique_ptr<SimHub>>& hubs() const {
    return hubs_;
  }

  // Builds an established network in one step: hubs `names`, linked as
  // `links` (indexes into `names`) say, each trusting all the others
  // without link handshakes or link records (TrustGraph::AssumeTrusted;
  // hubs publish no system records), and knowing the links as the link
  // records would tell them (TrustGraph::AssumeGraph: one graph shared by
  // every hub, each link weighted by LatencyBetween, what the latency both
  // ends measure and publish converges to). For measuring how records
  // spread through networks too large to set up link by link (civhub-bench).
  // `also_trusted`: more origins every hub accepts (raw keys).
  void AddEstablished(const std::vector<std::string>& names,
                      const std::vector<std::pair<int, int>>& links,
                      federation::FederationOptions options,
                      const std::vector<std::string>& also_trusted = {});

  // The memory environment stores live in (with SimOptions::in_memory),
  // else nullptr. A store may be prepared at "<dir>/<hub name>" before the
  // hub is added.
  node::StoreEnv* env() const { return mem_env_.get(); }

  // Runs after each call is handled, with its method ("SyncRequest", ...)
  // and sizes (response 0 if it failed).
  struct CallInfo {
    std::string caller, callee, method;
    size_t request_bytes = 0, response_bytes = 0;
  };
  void SetCallObserver(std::function<void(const CallInfo&)> observer) {
    called_ = std::move(observer);
  }

  // Loses each request `drop` returns true for (response_bytes is 0): its
  // caller sees UNAVAILABLE after SimOptions::timeout. For tests that lose
  // one message in particular.
  void SetDropFilter(std::function<bool(const CallInfo&)> drop) {
    drop_ = std::move(drop);
  }

  // Runs after each delivery to a hub: a call handled there, or a reply
  // received there.
  void SetDeliveryObserver(std::function<void(SimHub*)> observer) {
    delivered_ = std::move(observer);
  }

  // A hub that is down refuses every call (UNAVAILABLE) and makes none.
  void SetDown(const std::string& name, bool down);

  SimScheduler& scheduler() { return scheduler_; }
  node::ManualClock& clock() { return clock_; }
  TrafficCounters& traffic() { return traffic_; }

  // Delivers a call from `from` to the hub at `to` after the latency, runs
  // `handler` on the receiver, and the reply after the latency again.
  template <typename Request, typename Response, typename Handler>
  void Send(const crypto::PublicKey& from, const federation::PeerAddress& to,
            Request request, federation::Reply<Response> reply,
            Handler handler);
  // The one-way latency of the link between hubs `a` and `b` (by name):
  // fixed per pair and seed, in [min_latency, max_latency].
  absl::Duration LatencyBetween(const std::string& a,
                                const std::string& b) const;
  // What a connection from `from` to `to` finds (see Transport::Probe).
  void Probe(const crypto::PublicKey& from, const federation::PeerAddress& to,
             std::function<void(absl::Status)> done);

 private:
  // `before_start` runs on the new hub before its federation starts.
  SimHub* Create(const std::string& name, crypto::PrivateKey key,
                 const std::string& store_path,
                 federation::FederationOptions options,
                 const std::function<void(SimHub*)>& before_start = nullptr);
  crypto::PrivateKey KeyFor(const std::string& name) const;

  // Time to carry `bytes` over one link.
  absl::Duration Transmission(size_t bytes) const {
    return options_.bandwidth > 0 ? absl::Seconds(bytes / options_.bandwidth)
                                  : absl::ZeroDuration();
  }
  bool Lost(const std::string& from, const std::string& to);

  const SimOptions options_;
  std::string dir_;
  node::ManualClock clock_;
  SimScheduler scheduler_;
  // Ingest's checks run on the simulator's one thread.
  node::InlineExecutor executor_;
  std::mt19937_64 rng_;
  std::unique_ptr<node::StoreEnv> mem_env_;  // Outlives every store.
  std::map<std::string, int> group_of_;
  std::map<std::string, std::string> name_of_key_;
  std::map<std::string, std::unique_ptr<SimHub>> hubs_;
  std::vector<std::unique_ptr<SimHub>> stopped_;
  std::map<std::string, federation::FederationOptions> hub_options_;
  std::map<std::string, std::string> store_paths_;
  int wipes_ = 0;
  std::map<std::string, SimHub*> by_address_;
  std::set<std::string> down_;
  TrafficCounters traffic_;
  std::function<void(SimHub*)> delivered_;
  std::function<void(const CallInfo&)> called_;
  std::function<bool(const CallInfo&)> drop_;
};

}  // namespace civhub::sim

#endif  // CIVHUB_SIM_SIM_NETWORK_H_
