#include "federation/trust.h"

#include <algorithm>
#include <deque>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "node/records/validate.h"

namespace civhub::federation {

std::string LinkStatement(absl::string_view link_id, absl::string_view key_a,
                          absl::string_view key_b) {
  if (key_b < key_a) std::swap(key_a, key_b);
  return absl::StrCat(link_id, key_a, key_b);
}

bool VerifyLinkSignature(absl::string_view signer, absl::string_view other,
                         absl::string_view link_id,
                         absl::string_view signature) {
  absl::StatusOr<crypto::PublicKey> key =
      crypto::PublicKey::FromBytesCached(signer);
  return key.ok() &&
         key->Verify(crypto::SigningDomain::kLink,
                     LinkStatement(link_id, signer, other), signature);
}

namespace {

bool SameLinks(const std::vector<LinkGraph::Link>& a,
               const std::vector<LinkGraph::Link>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const LinkGraph::Link& x, const LinkGraph::Link& y) {
                      return x.a == y.a && x.b == y.b && x.weight == y.weight;
                    });
}

}  // namespace

void TrustGraph::Rebuild(const std::vector<std::string>& direct_peers,
                         const std::vector<LinkClaim>& claims,
                         const std::set<std::string>& blocked) {
  // A claim X->Y counts if Y signed it; a link is active if both X->Y and
  // Y->X count with the same link id.
  std::map<std::pair<std::string, std::string>, std::string> valid;
  std::map<std::pair<std::string, std::string>, absl::Duration> latency;
  std::set<std::string> verified;
  {
    absl::MutexLock lock(&mu_);
    verified = verified_;
  }
  for (const LinkClaim& c : claims) {
    // Signatures checked once: rebuilds happen whenever links change.
    std::string id =
        absl::StrCat(c.origin, c.peer, c.link_id, c.peer_signature);
    if (verified.count(id) ||
        VerifyLinkSignature(c.peer, c.origin, c.link_id, c.peer_signature)) {
      verified.insert(std::move(id));
      valid[{c.origin, c.peer}] = c.link_id;
      latency[{c.origin, c.peer}] = c.latency;
    }
  }
  std::map<std::string, std::vector<std::string>> adjacent;
  std::vector<std::pair<std::string, std::string>> links;
  std::vector<LinkGraph::Link> graph_links;  // In key order.
  for (const auto& [ends, link_id] : valid) {
    const auto& [x, y] = ends;
    if (x >= y) continue;  // Each pair once.
    auto back = valid.find({y, x});
    if (back == valid.end() || back->second != link_id) continue;
    adjacent[x].push_back(y);
    adjacent[y].push_back(x);
    links.emplace_back(x, y);
    graph_links.push_back({x, y, LinkWeight(latency[{x, y}], latency[{y, x}])});
  }
  const std::string& self = self_.bytes();
  for (const std::string& peer : direct_peers) {
    adjacent[self].push_back(peer);
    adjacent[peer].push_back(self);
    if (!valid.count({self, peer}) || !valid.count({peer, self})) {
      links.emplace_back(std::min(self, peer), std::max(self, peer));
    }
  }
  std::set<std::string> trusted = {self};
  std::deque<std::string> queue = {self};
  while (!queue.empty()) {
    std::string at = queue.front();
    queue.pop_front();
    for (const std::string& next : adjacent[at]) {
      if (blocked.count(next) || !trusted.insert(next).second) continue;
      queue.push_back(next);
    }
  }
  absl::MutexLock lock(&mu_);
  if (!SameLinks(graph_links, graph_links_)) {
    graph_ = graph_links.empty() ? nullptr
                                 : std::make_shared<LinkGraph>(graph_links);
    graph_links_ = std::move(graph_links);
  }
  trusted_ = std::move(trusted);
  blocked_ = blocked;
  links_ = std::move(links);
  verified_ = std::move(verified);
}

absl::Status TrustGraph::Admit(const crypto::VerifiedRecord& record) const {
  const std::string& origin = record.origin.bytes();
  if (origin == self_.bytes()) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  if (blocked_.count(origin)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "origin ", record.origin.HubId(), " is blocked on this hub"));
  }
  if (trusted_.count(origin)) return absl::OkStatus();
  if (assumed_ != nullptr && assumed_->count(origin)) return absl::OkStatus();
  if (record.body.has_peer_link()) {
    absl::StatusOr<crypto::PublicKey> peer =
        crypto::PublicKey::FromHubId(record.body.peer_link().peer());
    if (peer.ok() && trusted_.count(peer->bytes()) &&
        VerifyLinkSignature(peer->bytes(), origin,
                            record.body.peer_link().link_id(),
                            record.body.peer_link().peer_signature())) {
      return absl::OkStatus();
    }
  }
  return absl::PermissionDeniedError(
      absl::StrCat("origin ", record.origin.HubId(),
                   " is not connected to this hub by a chain of active links"));
}

bool TrustGraph::Trusted(absl::string_view origin) const {
  absl::MutexLock lock(&mu_);
  const std::string key(origin);
  return trusted_.count(key) > 0 ||
         (assumed_ != nullptr && assumed_->count(key) > 0);
}

std::shared_ptr<const LinkGraph> TrustGraph::Graph() const {
  absl::MutexLock lock(&mu_);
  return assumed_graph_ != nullptr ? assumed_graph_ : graph_;
}

std::vector<std::pair<std::string, std::string>> TrustGraph::Links() const {
  absl::MutexLock lock(&mu_);
  return links_;
}

}  // namespace civhub::federation
