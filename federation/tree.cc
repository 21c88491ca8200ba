#include "federation/tree.h"

#include <algorithm>
#include <map>
#include <queue>
#include <utility>

namespace civhub::federation {

absl::Duration LinkWeight(absl::Duration a, absl::Duration b) {
  const absl::Duration larger = std::max(a, b);
  return larger > absl::ZeroDuration() ? larger : kDefaultLinkWeight;
}

LinkGraph::LinkGraph(const std::vector<Link>& links, size_t max_trees) {
  for (const Link& link : links) {
    keys_.push_back(link.a);
    keys_.push_back(link.b);
  }
  std::sort(keys_.begin(), keys_.end());
  keys_.erase(std::unique(keys_.begin(), keys_.end()), keys_.end());
  // Each pair once (its first weight), both directions, neighbours in index
  // order: the same arrays whatever order `links` came in.
  std::map<std::pair<int32_t, int32_t>, int64_t> weights;
  for (const Link& link : links) {
    const int32_t a = IndexOf(link.a), b = IndexOf(link.b);
    if (a == b) continue;
    const int64_t w =
        std::max<int64_t>(1, absl::ToInt64Microseconds(link.weight));
    weights.emplace(std::make_pair(std::min(a, b), std::max(a, b)), w);
  }
  std::vector<std::vector<std::pair<int32_t, int64_t>>> adjacent(keys_.size());
  for (const auto& [ends, w] : weights) {
    adjacent[ends.first].emplace_back(ends.second, w);
    adjacent[ends.second].emplace_back(ends.first, w);
  }
  start_.reserve(keys_.size() + 1);
  start_.push_back(0);
  for (auto& next : adjacent) {
    std::sort(next.begin(), next.end());
    adjacent_.insert(adjacent_.end(), next.begin(), next.end());
    start_.push_back(static_cast<int32_t>(adjacent_.size()));
  }
  // A tree is 12 bytes per hub.
  const size_t per_tree = 12 * std::max<size_t>(1, keys_.size());
  capacity_ = max_trees > 0
                  ? max_trees
                  : std::clamp<size_t>((64u << 20) / per_tree, 16, 4096);
}

int LinkGraph::IndexOf(absl::string_view key) const {
  auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
  return it != keys_.end() && *it == key ? static_cast<int>(it - keys_.begin())
                                         : -1;
}

std::shared_ptr<const LinkGraph::Tree> LinkGraph::Compute(int origin) const {
  const int32_t n = static_cast<int32_t>(keys_.size());
  std::vector<int64_t> dist(n, INT64_MAX);
  auto tree = std::make_shared<Tree>();
  tree->parent.assign(n, -1);
  using Item = std::pair<int64_t, int32_t>;  // Ties: the lower index first.
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue;
  dist[origin] = 0;
  queue.emplace(0, origin);
  while (!queue.empty()) {
    auto [d, at] = queue.top();
    queue.pop();
    if (d > dist[at]) continue;
    for (int32_t i = start_[at]; i < start_[at + 1]; ++i) {
      const auto [next, w] = adjacent_[i];
      // Of equally short paths, the one through the lowest parent index:
      // every such parent is settled before `next` (weights are positive),
      // so the choice does not depend on the order they are met in.
      if (d + w < dist[next] ||
          (d + w == dist[next] && at < tree->parent[next])) {
        if (d + w < dist[next]) queue.emplace(d + w, next);
        dist[next] = d + w;
        tree->parent[next] = at;
      }
    }
  }
  // Children by parent, each list in index order (counting sort).
  tree->child_start.assign(n + 1, 0);
  for (int32_t i = 0; i < n; ++i) {
    if (tree->parent[i] >= 0) ++tree->child_start[tree->parent[i] + 1];
  }
  for (int32_t i = 0; i < n; ++i)
    tree->child_start[i + 1] += tree->child_start[i];
  tree->children.resize(tree->child_start[n]);
  std::vector<int32_t> fill(tree->child_start.begin(),
                            tree->child_start.end() - 1);
  for (int32_t i = 0; i < n; ++i) {
    if (tree->parent[i] >= 0) tree->children[fill[tree->parent[i]]++] = i;
  }
  return tree;
}

std::shared_ptr<const LinkGraph::Tree> LinkGraph::TreeOf(int origin) const {
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(origin);
    if (it != cache_.end()) {
      recent_.splice(recent_.begin(), recent_, it->second.at);
      return it->second.tree;
    }
  }
  // Computed outside the lock (milliseconds at 10,000 hubs); two threads
  // may both compute one, to the same tree.
  std::shared_ptr<const Tree> tree = Compute(origin);
  absl::MutexLock lock(&mu_);
  if (cache_.count(origin)) return cache_[origin].tree;
  recent_.push_front(origin);
  cache_[origin] = {tree, recent_.begin()};
  if (cache_.size() > capacity_) {
    cache_.erase(recent_.back());
    recent_.pop_back();
  }
  return tree;
}

std::optional<LinkGraph::Place> LinkGraph::PlaceOf(
    absl::string_view origin, absl::string_view hub) const {
  const int o = IndexOf(origin), h = IndexOf(hub);
  if (o < 0 || h < 0) return std::nullopt;
  std::shared_ptr<const Tree> tree = TreeOf(o);
  if (h != o && tree->parent[h] < 0) return std::nullopt;  // Not joined.
  Place place;
  if (h != o) place.parent = keys_[tree->parent[h]];
  for (int32_t i = tree->child_start[h]; i < tree->child_start[h + 1]; ++i) {
    place.children.push_back(keys_[tree->children[i]]);
  }
  return place;
}

}  // namespace civhub::federation
