#include "hubnode/hub_node.h"

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "crypto/key_file.h"

namespace civhub::hubnode {

absl::StatusOr<std::unique_ptr<HubNode>> HubNode::Open(HubNodeOptions options) {
  if (!options.key && options.key_file.empty()) {
    return absl::InvalidArgumentError("a hub node needs a key or a key file");
  }
  options.store.clock = options.clock;
  absl::StatusOr<std::unique_ptr<node::Store>> store =
      node::Store::Open(options.store);
  if (!store.ok()) return store.status();
  // The key after the store: its lock has kept out any other process.
  bool key_created = false;
  if (!options.key && (*store)->last_change() > 0 &&
      !std::filesystem::exists(options.key_file)) {
    // A new key over a store that holds records would make a new hub of
    // an old one: its own records become another origin's that it cannot
    // update, and its peers, which pinned the old key, refuse it.
    return absl::FailedPreconditionError(absl::StrCat(
        "the hub key ", options.key_file,
        " is missing but the store holds records: restore hub.key from your "
        "backup (docs/operations.md, \"The key\"); to start this data dir "
        "as a new hub instead, move its store aside first"));
  }
  if (!options.key) {
    absl::StatusOr<crypto::LoadedKey> loaded =
        crypto::LoadOrCreateKeyFile(options.key_file);
    if (!loaded.ok()) return loaded.status();
    options.key = std::move(loaded->key);
    key_created = loaded->created;
  }
  std::unique_ptr<HubNode> n(new HubNode(*std::move(options.key), key_created));
  n->store_ = *std::move(store);
  n->trust_ = std::make_unique<federation::TrustGraph>(n->key_.public_key());
  n->hub_ = std::make_unique<node::Hub>(n->key_, n->store_.get(), options.clock,
                                        n->trust_.get(), options.executor);
  return n;
}

HubNode::~HubNode() {
  // Explicitly, though member order does the same: the federation uses the
  // hub, the hub the trust graph and the store.
  federation_.reset();
  hub_.reset();
  trust_.reset();
  store_.reset();
}

federation::Federation* HubNode::Federate(
    federation::Scheduler* scheduler, federation::Transport* transport,
    federation::FederationOptions options) {
  federation_ = std::make_unique<federation::Federation>(
      hub_.get(), trust_.get(), scheduler, transport, std::move(options));
  federation::Federation* fed = federation_.get();
  hub_->SetPublishObserver([fed](const v1::Record& r) { fed->OnPublished(r); });
  return fed;
}

void HubNode::Stop() {
  if (federation_) federation_->Stop();
  store_.reset();
}

}  // namespace civhub::hubnode
