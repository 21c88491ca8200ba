// The list helpers under the intersection: merging a text term's per-word
// runs, and a list clause's galloping seek.
#include "node/search/internal/intersection.h"

#include <gtest/gtest.h>

#include <random>

namespace civhub::node::internal {
namespace {

using Docs = std::vector<std::pair<uint64_t, double>>;

// What the runs merge to, by sorting: the reference.
Docs Sorted(Docs docs) {
  return Normalize(std::move(docs), [](double a, double b) { return a > b; });
}

TEST(MergeRunsKeepingMax, OneRunComesBackAsItIs) {
  const Docs one = {{1, 3}, {4, 1}, {9, 2}};
  EXPECT_EQ(MergeRunsKeepingMax(one), one);
  EXPECT_EQ(MergeRunsKeepingMax({}), Docs());
}

TEST(MergeRunsKeepingMax, ADocumentInSeveralWordsKeepsItsBestValue) {
  // "water" (exact, value 3) and "waters" (value 2) both in document 4.
  const Docs runs = {{2, 3}, {4, 3}, {7, 3}, {1, 2}, {4, 2}, {8, 2}, {4, 7}};
  EXPECT_EQ(MergeRunsKeepingMax(runs),
            (Docs{{1, 2}, {2, 3}, {4, 7}, {7, 3}, {8, 2}}));
}

TEST(MergeRunsKeepingMax, AgreesWithSortingManyRunsOfManySizes) {
  std::mt19937_64 rng(19);
  for (int trial = 0; trial < 50; ++trial) {
    Docs runs;
    const int words = 1 + static_cast<int>(rng() % 40);
    for (int w = 0; w < words; ++w) {
      // Zipf-like: a few long runs, many short ones.
      const uint64_t n = 1 + rng() % (w == 0 ? 2000 : 2000 / (w + 1));
      uint64_t doc = rng() % 50;
      for (uint64_t i = 0; i < n; ++i) {
        doc += 1 + rng() % 20;
        runs.emplace_back(doc, static_cast<double>(rng() % 8));
      }
    }
    EXPECT_EQ(MergeRunsKeepingMax(runs), Sorted(runs)) << "trial " << trial;
  }
}

TEST(ListClause, SeekFindsTheFirstDocumentAtOrPastTheTarget) {
  Docs docs;
  for (uint64_t d = 10; d < 10000; d += 10) docs.emplace_back(d, 0);
  ListClause c(docs);
  c.Seek(5);
  EXPECT_EQ(c.doc(), 10u);
  c.Seek(10);
  EXPECT_EQ(c.doc(), 10u);
  c.Seek(11);
  EXPECT_EQ(c.doc(), 20u);
  c.Seek(4001);  // Far ahead: the gallop overshoots, the search comes back.
  EXPECT_EQ(c.doc(), 4010u);
  c.Seek(4010);  // Never backwards, and not past a target it is on.
  EXPECT_EQ(c.doc(), 4010u);
  c.Seek(9990);
  EXPECT_EQ(c.doc(), 9990u);
  c.Seek(9991);
  EXPECT_FALSE(c.Valid());
}

}  // namespace
}  // namespace civhub::node::internal
