// One hub, assembled: its store, its trust graph (the hub's origin policy),
// the Hub over them, and the Federation that spreads what the hub
// publishes. civhubd (server/hub_server.cc), the simulator
// (sim/sim_network.cc) and civhub-bench build their hubs with it, so that a
// hub is wired the same way wherever it runs; what differs is passed in:
// the store's place (a data dir, or a memory env), the clock, the executor
// for ingest's parallel work, and the federation's scheduler and transport.
//
// A node is built in two steps because civhubd needs the store (its lock,
// the kept profile) and the key before it can make its transport:
//   auto node = HubNode::Open(options);      // store, key, trust, hub
//   node->Federate(scheduler, transport, federation_options);
//   node->federation()->Start();             // once the port is bound
//
// Thread-safe once built: Open and Federate run before the node is shared;
// the parts' own contracts say how they may be used concurrently.
#ifndef CIVHUB_HUBNODE_HUB_NODE_H_
#define CIVHUB_HUBNODE_HUB_NODE_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "crypto/keys.h"
#include "federation/federation.h"
#include "federation/transport.h"
#include "federation/trust.h"
#include "node/base/clock.h"
#include "node/base/executor.h"
#include "node/hub.h"
#include "node/storage/store.h"

namespace civhub::hubnode {

struct HubNodeOptions {
  // Where the store lives (`store.path`, and `store.env` for a store in a
  // memory env) and how it is tuned. Its `clock` is replaced by `clock`.
  node::StoreOptions store;
  // The hub's key. If not set: the key in `key_file`, created there if
  // missing, read only once the store is open, so that the store's lock
  // keeps a second process off a data dir before it touches the key.
  std::optional<crypto::PrivateKey> key;
  std::string key_file;
  // The hub's and the store's time. Must outlive the node.
  node::Clock* clock = node::SystemClock();
  // Where ingest checks records in parallel: nullptr for the process-wide
  // pool (node::DefaultExecutor()); the simulator passes a
  // node::InlineExecutor to stay on its one thread. Must outlive the node.
  node::Executor* executor = nullptr;
};

class HubNode {
 public:
  // Opens (creating if missing) the store, then reads or creates the key,
  // and builds the trust graph and the hub; no federation yet. Returns
  // Store::Open's error if the store cannot open (such as another process
  // holding its lock), LoadOrCreateKeyFile's (FAILED_PRECONDITION if the key
  // file is unsafe or not a key), or INVALID_ARGUMENT if neither `key` nor
  // `key_file` is given. On error nothing stays open.
  static absl::StatusOr<std::unique_ptr<HubNode>> Open(HubNodeOptions options);

  // Stops the federation (if any) and closes the store, in that order
  // after everything built on them.
  ~HubNode();

  HubNode(const HubNode&) = delete;
  HubNode& operator=(const HubNode&) = delete;

  // Builds the node's federation over `scheduler` and `transport` (both
  // must outlive the node) and passes every record the hub publishes from
  // now on to it. Does not start it: call federation()->Start() once other
  // hubs can reach this one. Call once, before the node is shared.
  federation::Federation* Federate(federation::Scheduler* scheduler,
                                   federation::Transport* transport,
                                   federation::FederationOptions options);

  // Stops the federation and closes the store, for a restart on the same
  // data while work is still queued for this node: its objects stay, so
  // that what is queued for the federation finds it stopped and does
  // nothing. Call nothing else afterwards; destroy the node once nothing
  // is queued for it any more.
  void Stop();

  // The parts. federation() is nullptr until Federate; store() is nullptr
  // after Stop.
  node::Store* store() const { return store_.get(); }
  federation::TrustGraph* trust() const { return trust_.get(); }
  node::Hub* hub() const { return hub_.get(); }
  federation::Federation* federation() const { return federation_.get(); }
  const crypto::PrivateKey& key() const { return key_; }
  // Whether Open created the key file (a new hub).
  bool key_created() const { return key_created_; }

 private:
  HubNode(crypto::PrivateKey key, bool key_created)
      : key_(std::move(key)), key_created_(key_created) {}

  const crypto::PrivateKey key_;
  const bool key_created_;
  // Each built on the ones before it, so destroyed in reverse.
  std::unique_ptr<node::Store> store_;
  std::unique_ptr<federation::TrustGraph> trust_;
  std::unique_ptr<node::Hub> hub_;
  std::unique_ptr<federation::Federation> federation_;
};

}  // namespace civhub::hubnode

#endif  // CIVHUB_HUBNODE_HUB_NODE_H_
