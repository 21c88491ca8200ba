// The network's links with a weight each, and each origin's shortest-path
// tree over them: the route along which a record of that origin is pushed
// whole (Spreading::Relay), so that it reaches every hub about as soon as
// any store-and-forward scheme could, each body sent once.
//
// Every hub holding the same links computes the same tree: ties between
// equally short paths go to the parent whose key sorts first, and a link's
// weight is derived from what both ends publish (LinkWeight), never from
// what this hub alone measured.
//
// A LinkGraph is immutable once built (TrustGraph builds a new one when the
// links change); the trees it computes are cached in it, so one graph can
// be shared by many hubs (the simulator's 10,000 hubs hold one) and a tree
// is computed once per origin, not once per hub. Thread-safe.
#ifndef CIVHUB_FEDERATION_TREE_H_
#define CIVHUB_FEDERATION_TREE_H_

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace civhub::federation {

// The weight of a link neither end has published a latency for: a
// typical one-way latency between hubs of one region. With every link at
// this weight the tree is the fewest-hops tree.
inline constexpr absl::Duration kDefaultLinkWeight = absl::Milliseconds(30);

// The weight of a link whose ends claim one-way latencies `a` and `b`
// (zero: not claimed): the larger claim, so that neither end can pull
// routes through itself by claiming less; kDefaultLinkWeight if neither
// claims one.
absl::Duration LinkWeight(absl::Duration a, absl::Duration b);

class LinkGraph {
 public:
  struct Link {
    std::string a, b;  // Raw keys.
    absl::Duration weight = kDefaultLinkWeight;
  };
  // A hub's place in an origin's tree.
  struct Place {
    std::string parent;                 // Raw key; empty at the origin itself.
    std::vector<std::string> children;  // Raw keys, in key order.
  };

  // `links` in any order (the graph is the same whatever the order); a
  // pair given twice keeps its first weight. Weights below a microsecond
  // count as one. `max_trees`: trees kept (0: as many as fit about 64 MB,
  // from 16 to 4,096).
  explicit LinkGraph(const std::vector<Link>& links, size_t max_trees = 0);

  LinkGraph(const LinkGraph&) = delete;
  LinkGraph& operator=(const LinkGraph&) = delete;

  // `hub`'s place in the tree of `origin`; nullopt if either is not in the
  // graph or no chain of links joins them.
  std::optional<Place> PlaceOf(absl::string_view origin,
                               absl::string_view hub) const
      ABSL_LOCKS_EXCLUDED(mu_);

  size_t hubs() const { return keys_.size(); }
  size_t links() const { return adjacent_.size() / 2; }

 private:
  // One origin's tree, by hub index: each hub's parent (-1 at the origin
  // and at hubs not reached) and children (those of hub i are
  // children[child_start[i] .. child_start[i + 1])).
  struct Tree {
    std::vector<int32_t> parent;
    std::vector<int32_t> child_start;
    std::vector<int32_t> children;
  };

  int IndexOf(absl::string_view key) const;
  // Dijkstra from `origin`, ties to the lowest index (= key order).
  std::shared_ptr<const Tree> Compute(int origin) const;
  std::shared_ptr<const Tree> TreeOf(int origin) const ABSL_LOCKS_EXCLUDED(mu_);

  std::vector<std::string> keys_;  // Sorted: index order is key order.
  // Hub i's neighbours (index, weight in microseconds) are
  // adjacent_[start_[i] .. start_[i + 1]).
  std::vector<int32_t> start_;
  std::vector<std::pair<int32_t, int64_t>> adjacent_;

  // Trees of the origins asked about most recently, at most `capacity_`.
  size_t capacity_;
  mutable absl::Mutex mu_;
  mutable std::list<int> recent_ ABSL_GUARDED_BY(mu_);  // Most recent first.
  struct Cached {
    std::shared_ptr<const Tree> tree;
    std::list<int>::iterator at;
  };
  mutable std::unordered_map<int, Cached> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_TREE_H_
