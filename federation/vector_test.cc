// The anti-entropy vector (vector.h): its digest, the changes a hub sends
// and how the peer applies them to its mirror.
#include "federation/vector.h"

#include <gtest/gtest.h>

#include <string>

namespace civhub::federation {
namespace {

std::string Key(char c) { return std::string(32, c); }

TEST(VectorTest, DigestIsSixteenBytesAndEqualForEqualVectors) {
  const Vector a = {{Key('a'), 3}, {Key('b'), 7}};
  const Vector b = {{Key('b'), 7}, {Key('a'), 3}};
  EXPECT_EQ(Digest(a).size(), 16u);
  EXPECT_EQ(Digest(a), Digest(b));
  EXPECT_EQ(Digest(Vector()).size(), 16u);
}

TEST(VectorTest, DigestChangesWithAnySequenceOrOrigin) {
  const Vector base = {{Key('a'), 3}, {Key('b'), 7}};
  Vector higher = base;
  higher[Key('b')] = 8;
  Vector other_origin = {{Key('a'), 3}, {Key('c'), 7}};
  Vector more = base;
  more[Key('c')] = 1;
  EXPECT_NE(Digest(base), Digest(higher));
  EXPECT_NE(Digest(base), Digest(other_origin));
  EXPECT_NE(Digest(base), Digest(more));
  // A blocked origin counts like any sequence.
  Vector blocked = base;
  blocked[Key('b')] = kBlocked;
  EXPECT_NE(Digest(base), Digest(blocked));
}

TEST(VectorTest, ZeroEntriesDoNotChangeTheDigest) {
  const Vector a = {{Key('a'), 3}};
  const Vector with_zero = {{Key('a'), 3}, {Key('b'), 0}};
  EXPECT_EQ(Digest(a), Digest(with_zero));
}

TEST(VectorTest, ChangesListWhatDiffersAndZeroForWhatWentAway) {
  const Vector told = {{Key('a'), 3}, {Key('b'), 7}, {Key('c'), 1}};
  const Vector now = {{Key('a'), 3}, {Key('b'), 9}, {Key('d'), 2}};
  google::protobuf::RepeatedPtrField<v1::OriginWatermark> changes =
      Changes(told, now);
  Vector got;
  for (const v1::OriginWatermark& w : changes) got[w.origin()] = w.sequence();
  EXPECT_EQ(got, (Vector{{Key('b'), 9}, {Key('c'), 0}, {Key('d'), 2}}));
  EXPECT_EQ(changes.size(), 3);
}

TEST(VectorTest, NoChangesBetweenEqualVectors) {
  const Vector v = {{Key('a'), 3}, {Key('b'), kBlocked}};
  EXPECT_EQ(Changes(v, v).size(), 0);
  // Against nothing told, every entry is a change (a full vector).
  EXPECT_EQ(Changes(Vector(), v).size(), 2);
}

TEST(VectorTest, ApplyingChangesRebuildsTheVector) {
  const Vector told = {{Key('a'), 3}, {Key('b'), 7}, {Key('c'), 1}};
  const Vector now = {{Key('a'), 3}, {Key('b'), 9}, {Key('d'), kBlocked}};
  const Vector rebuilt = Apply(told, Changes(told, now));
  EXPECT_EQ(rebuilt, now);
  EXPECT_EQ(Digest(rebuilt), Digest(now));
  // A zero change removes the entry rather than storing a zero.
  EXPECT_EQ(rebuilt.count(Key('c')), 0u);
}

}  // namespace
}  // namespace civhub::federation
