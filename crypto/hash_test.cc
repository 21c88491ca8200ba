#include "crypto/hash.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"

namespace civhub::crypto {
namespace {

// FIPS 180 examples (the NIST "Example Algorithms" vectors).
TEST(Sha1, MatchesTheFips180Vectors) {
  EXPECT_EQ(absl::BytesToHexString(Sha1("abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(absl::BytesToHexString(Sha1("")),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(absl::BytesToHexString(Sha1(
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

TEST(Sha256, MatchesTheFips180Vector) {
  EXPECT_EQ(absl::BytesToHexString(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(RandomBytes, GivesTheLengthAskedForAndDiffersBetweenCalls) {
  EXPECT_EQ(RandomBytes(0), "");
  std::string a = RandomBytes(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, RandomBytes(32));
}

}  // namespace
}  // namespace civhub::crypto
