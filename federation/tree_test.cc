// LinkGraph: each origin's shortest-path tree is a tree (every hub but the
// origin has one parent, which lists it as a child), follows shortest paths
// by weight, breaks ties by key, and is the same whatever order the links
// were given in (so on every hub that holds the same link records).
#include "federation/tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"

namespace civhub::federation {
namespace {

using Links = std::vector<LinkGraph::Link>;

// 32-byte stand-ins for keys, sorting as their numbers do.
std::string Key(int i) {
  std::string k(32, '\0');
  k[30] = static_cast<char>(i / 256);
  k[31] = static_cast<char>(i % 256);
  return k;
}

absl::Duration Ms(int ms) { return absl::Milliseconds(ms); }

// A connected random graph of `n` hubs, degree about 3-5, weights 10-50 ms.
Links RandomGraph(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::set<std::pair<int, int>> pairs;
  for (int i = 1; i < n; ++i) pairs.insert({static_cast<int>(rng() % i), i});
  while (static_cast<int>(pairs.size()) < 2 * n) {
    int a = static_cast<int>(rng() % n), b = static_cast<int>(rng() % n);
    if (a != b) pairs.insert({std::min(a, b), std::max(a, b)});
  }
  Links links;
  for (auto [a, b] : pairs) {
    // Few distinct weights: many equally short paths, to exercise ties.
    links.push_back(
        {Key(a), Key(b), Ms(10 + 10 * static_cast<int>(rng() % 5))});
  }
  return links;
}

// Shortest distances by Bellman-Ford, independently of LinkGraph.
std::map<std::string, absl::Duration> Distances(const Links& links,
                                                const std::string& origin) {
  std::map<std::string, absl::Duration> dist;
  dist[origin] = absl::ZeroDuration();
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& l : links) {
      for (auto [x, y] : {std::pair(l.a, l.b), std::pair(l.b, l.a)}) {
        if (!dist.count(x)) continue;
        if (!dist.count(y) || dist[x] + l.weight < dist[y]) {
          dist[y] = dist[x] + l.weight;
          changed = true;
        }
      }
    }
  }
  return dist;
}

TEST(LinkWeightTest, TheLargerClaimOrTheDefault) {
  EXPECT_EQ(LinkWeight(Ms(10), Ms(40)), Ms(40));
  EXPECT_EQ(LinkWeight(Ms(40), absl::ZeroDuration()), Ms(40));
  EXPECT_EQ(LinkWeight(absl::ZeroDuration(), absl::ZeroDuration()),
            kDefaultLinkWeight);
}

TEST(LinkGraphTest, TreeFollowsShortestPathsAndIsATree) {
  const Links links = RandomGraph(200, 7);
  LinkGraph graph(links);
  ASSERT_EQ(graph.hubs(), 200u);
  for (int origin : {0, 57, 199}) {
    const auto dist = Distances(links, Key(origin));
    std::map<std::pair<std::string, std::string>, absl::Duration> weight;
    for (const auto& l : links) {
      weight[{l.a, l.b}] = weight[{l.b, l.a}] = l.weight;
    }
    int edges = 0;
    for (int h = 0; h < 200; ++h) {
      auto place = graph.PlaceOf(Key(origin), Key(h));
      ASSERT_TRUE(place.has_value());
      if (h == origin) {
        EXPECT_EQ(place->parent, "");
        continue;
      }
      ++edges;
      // The parent is one step back on a shortest path...
      EXPECT_EQ(dist.at(place->parent) + weight.at({place->parent, Key(h)}),
                dist.at(Key(h)))
          << origin << " -> " << h;
      // ... and lists this hub among its children.
      auto up = graph.PlaceOf(Key(origin), place->parent);
      EXPECT_TRUE(
          std::binary_search(up->children.begin(), up->children.end(), Key(h)));
      // Of all shortest-path parents, the one whose key sorts first.
      for (const auto& [ends, w] : weight) {
        if (ends.second == Key(h) &&
            dist.at(ends.first) + w == dist.at(Key(h))) {
          EXPECT_LE(place->parent, ends.first);
        }
      }
    }
    EXPECT_EQ(edges, 199);
  }
}

TEST(LinkGraphTest, SameTreeWhateverTheOrderOfTheLinks) {
  Links links = RandomGraph(150, 11);
  LinkGraph first(links);
  std::mt19937_64 rng(3);
  std::shuffle(links.begin(), links.end(), rng);
  for (auto& l : links) {
    if (rng() % 2) std::swap(l.a, l.b);
  }
  LinkGraph second(links);
  for (int origin = 0; origin < 150; origin += 7) {
    for (int h = 0; h < 150; ++h) {
      auto a = first.PlaceOf(Key(origin), Key(h));
      auto b = second.PlaceOf(Key(origin), Key(h));
      ASSERT_TRUE(a.has_value() && b.has_value());
      EXPECT_EQ(a->parent, b->parent);
      EXPECT_EQ(a->children, b->children);
    }
  }
}

TEST(LinkGraphTest, LowLatencyDetourBeatsASlowDirectLink) {
  // 0-1 is slow; 0-2-1 is quicker: 1 hangs under 2, not under 0.
  LinkGraph graph({{Key(0), Key(1), Ms(50)},
                   {Key(0), Key(2), Ms(10)},
                   {Key(2), Key(1), Ms(10)}});
  EXPECT_EQ(graph.PlaceOf(Key(0), Key(1))->parent, Key(2));
  EXPECT_EQ(graph.PlaceOf(Key(0), Key(0))->children,
            std::vector<std::string>{Key(2)});
  // With hop counts (default weights) the direct link wins.
  LinkGraph hops({{Key(0), Key(1)}, {Key(0), Key(2)}, {Key(2), Key(1)}});
  EXPECT_EQ(hops.PlaceOf(Key(0), Key(1))->parent, Key(0));
}

TEST(LinkGraphTest, TiesGoToTheLowerKey) {
  // A square: 3 is two hops from 0 through 1 or 2.
  LinkGraph graph(
      {{Key(0), Key(2)}, {Key(0), Key(1)}, {Key(2), Key(3)}, {Key(1), Key(3)}});
  EXPECT_EQ(graph.PlaceOf(Key(0), Key(3))->parent, Key(1));
  EXPECT_TRUE(graph.PlaceOf(Key(0), Key(2))->children.empty());
}

TEST(LinkGraphTest, UnknownOrUnjoinedHubsHaveNoPlace) {
  LinkGraph graph({{Key(0), Key(1)}, {Key(2), Key(3)}});
  EXPECT_FALSE(graph.PlaceOf(Key(9), Key(0)).has_value());
  EXPECT_FALSE(graph.PlaceOf(Key(0), Key(9)).has_value());
  EXPECT_FALSE(graph.PlaceOf(Key(0), Key(2)).has_value());
  EXPECT_TRUE(graph.PlaceOf(Key(0), Key(1)).has_value());
}

TEST(LinkGraphTest, TreesEvictedFromTheCacheComeBackTheSame) {
  const Links links = RandomGraph(60, 5);
  LinkGraph small(links, /*max_trees=*/4);
  LinkGraph large(links);
  for (int round = 0; round < 2; ++round) {
    for (int origin = 0; origin < 60; ++origin) {
      for (int h : {0, 30, 59}) {
        auto a = small.PlaceOf(Key(origin), Key(h));
        auto b = large.PlaceOf(Key(origin), Key(h));
        ASSERT_TRUE(a.has_value() && b.has_value());
        EXPECT_EQ(a->parent, b->parent);
        EXPECT_EQ(a->children, b->children);
      }
    }
  }
}

}  // namespace
}  // namespace civhub::federation
