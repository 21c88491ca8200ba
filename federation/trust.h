// Which origins a hub accepts: those connected to it by a chain of active,
// signed links. A link X–Y is active when X's "~link.<Y>" record and Y's
// "~link.<X>" record both exist with the same link id, each carrying the
// other end's signature over the link statement; links of this hub itself
// come from its peer table. Blocked origins are never accepted.
//
// Thread-safe: Admit() may run concurrently with Rebuild().
#ifndef CIVHUB_FEDERATION_TRUST_H_
#define CIVHUB_FEDERATION_TRUST_H_

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "crypto/keys.h"
#include "federation/tree.h"
#include "node/hub.h"

namespace civhub::federation {

// The bytes both ends sign (after the kLink domain prefix): link id, then
// the two keys in byte order.
std::string LinkStatement(absl::string_view link_id, absl::string_view key_a,
                          absl::string_view key_b);

// True if `signature` is `signer`'s signature over the statement of a link
// `link_id` between `signer` and `other` (raw 32-byte keys).
bool VerifyLinkSignature(absl::string_view signer, absl::string_view other,
                         absl::string_view link_id,
                         absl::string_view signature);

// One end's published link record.
struct LinkClaim {
  std::string origin;  // the publishing end (32-byte key)
  std::string peer;    // the other end (32-byte key)
  std::string link_id;
  std::string peer_signature;
  // The one-way latency the publishing end measured on the link; zero if
  // it published none.
  absl::Duration latency = absl::ZeroDuration();
};

class TrustGraph : public node::OriginPolicy {
 public:
  explicit TrustGraph(crypto::PublicKey self) : self_(std::move(self)) {}

  // Recomputes the graph from this hub's active peers, every link record it
  // holds, and its blocked origins (all raw keys).
  void Rebuild(const std::vector<std::string>& direct_peers,
               const std::vector<LinkClaim>& claims,
               const std::set<std::string>& blocked);

  // OK for this hub's own records and trusted origins; also for a link
  // record of an unknown origin that names a trusted hub and carries that
  // hub's valid signature (this is how a new neighbour's link reaches the
  // network before the neighbour itself is trusted). PERMISSION_DENIED
  // otherwise.
  absl::Status Admit(const crypto::VerifiedRecord& record) const override;

  // Whether `origin` (a raw key other than this hub's) is connected to this
  // hub by active links, or assumed trusted.
  bool Trusted(absl::string_view origin) const;

  // Trusts `origins` as well, without link records. Only for simulations of
  // an established network (civhub-bench propagation), where replicating
  // every hub's link records first would dominate the run.
  void AssumeTrusted(std::shared_ptr<const std::set<std::string>> origins) {
    absl::MutexLock lock(&mu_);
    assumed_ = std::move(origins);
  }
  // Active links between other hubs and with this hub, as key pairs.
  std::vector<std::pair<std::string, std::string>> Links() const;

  // The links every hub can know of (both ends' link records held), each
  // weighted by LinkWeight of both ends' latency claims, for the origins'
  // shortest-path trees (tree.h). A link of this hub's own whose records
  // have not spread yet is left out: other hubs would not count it, and
  // the trees must be the same on every hub. nullptr while there is none
  // (a new hub: Spreading then does without trees). The same object until
  // the links or their weights change, so its cached trees survive
  // rebuilds for other reasons.
  std::shared_ptr<const LinkGraph> Graph() const;
  // Uses `graph` instead of the links of records. Only for simulations of
  // an established network (see AssumeTrusted), whose hubs share one.
  void AssumeGraph(std::shared_ptr<const LinkGraph> graph) {
    absl::MutexLock lock(&mu_);
    assumed_graph_ = std::move(graph);
  }

 private:
  const crypto::PublicKey self_;
  mutable absl::Mutex mu_;
  std::set<std::string> trusted_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> blocked_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const std::set<std::string>> assumed_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, std::string>> links_ ABSL_GUARDED_BY(mu_);
  // What graph_ was built from, to keep it while they stay the same.
  std::vector<LinkGraph::Link> graph_links_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const LinkGraph> graph_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const LinkGraph> assumed_graph_ ABSL_GUARDED_BY(mu_);
  // Link claims whose signature verified (origin, peer, link id, signature).
  std::set<std::string> verified_ ABSL_GUARDED_BY(mu_);
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_TRUST_H_
