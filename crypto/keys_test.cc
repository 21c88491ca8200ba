#include "crypto/keys.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "tests/testutil.h"

namespace civhub::crypto {
namespace {

std::string Hex(absl::string_view hex) { return absl::HexStringToBytes(hex); }

// RFC 8032 §7.1, TEST 2.
constexpr char kRfcSeed[] =
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
constexpr char kRfcPublic[] =
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
constexpr char kRfcSignature[] =
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e"
    "15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

TEST(Keys, MatchesRfc8032TestVector) {
  absl::StatusOr<PrivateKey> key = PrivateKey::FromSeed(Hex(kRfcSeed));
  ASSERT_OK(key);
  EXPECT_EQ(key->public_key().bytes(), Hex(kRfcPublic));
  EXPECT_TRUE(
      key->public_key().VerifyUnprefixed(Hex("72"), Hex(kRfcSignature)));
  EXPECT_FALSE(
      key->public_key().VerifyUnprefixed(Hex("73"), Hex(kRfcSignature)));
}

TEST(Keys, SignatureCoversDomainPrefix) {
  absl::StatusOr<PrivateKey> key = PrivateKey::Generate();
  ASSERT_OK(key);
  absl::StatusOr<std::string> sig = key->Sign(SigningDomain::kRecord, "hello");
  ASSERT_OK(sig);
  EXPECT_TRUE(key->public_key().Verify(SigningDomain::kRecord, "hello", *sig));
  EXPECT_FALSE(key->public_key().Verify(SigningDomain::kRecord, "hellp", *sig));
  // The signature is over prefix || message, not over the message alone.
  EXPECT_FALSE(key->public_key().VerifyUnprefixed("hello", *sig));
  std::string prefixed(DomainPrefix(SigningDomain::kRecord));
  prefixed += "hello";
  EXPECT_TRUE(key->public_key().VerifyUnprefixed(prefixed, *sig));
  EXPECT_EQ(DomainPrefix(SigningDomain::kRecord),
            absl::string_view("civhub.record.v1\0", 17));
}

TEST(Keys, OtherKeysSignatureFails) {
  absl::StatusOr<PrivateKey> a = PrivateKey::Generate();
  absl::StatusOr<PrivateKey> b = PrivateKey::Generate();
  ASSERT_OK(a);
  ASSERT_OK(b);
  absl::StatusOr<std::string> sig = a->Sign(SigningDomain::kRecord, "m");
  ASSERT_OK(sig);
  EXPECT_FALSE(b->public_key().Verify(SigningDomain::kRecord, "m", *sig));
  EXPECT_FALSE(a->public_key().Verify(SigningDomain::kRecord, "m", "short"));
}

// Each thread keeps a context for the key it last used: signing and
// verifying in turn with several keys, with bad signatures between and keys
// destroyed and created again (a new key may take a freed one's address),
// gives every key its own RFC 8032 signature and every verdict right.
TEST(Keys, KeysTakenInTurnOnOneThreadKeepTheirOwnSignatures) {
  absl::StatusOr<PrivateKey> rfc = PrivateKey::FromSeed(Hex(kRfcSeed));
  ASSERT_OK(rfc);
  for (int round = 0; round < 50; ++round) {
    absl::StatusOr<PrivateKey> other = PrivateKey::Generate();
    ASSERT_OK(other);
    for (const PrivateKey* key : {&*rfc, &*other, &*rfc}) {
      absl::StatusOr<std::string> sig = key->Sign(SigningDomain::kRecord, "m");
      ASSERT_OK(sig);
      EXPECT_FALSE(key->public_key().Verify(SigningDomain::kRecord, "n", *sig));
      EXPECT_TRUE(key->public_key().Verify(SigningDomain::kRecord, "m", *sig));
      const PrivateKey* wrong = key == &*rfc ? &*other : &*rfc;
      EXPECT_FALSE(
          wrong->public_key().Verify(SigningDomain::kRecord, "m", *sig));
    }
    // A fresh key object for the same seed (likely at a freed address)
    // still signs as RFC 8032 says.
    absl::StatusOr<PrivateKey> again = PrivateKey::FromSeed(Hex(kRfcSeed));
    ASSERT_OK(again);
    absl::StatusOr<std::string> unprefixed =
        again->Sign(SigningDomain::kRecord, "");
    ASSERT_OK(unprefixed);
    EXPECT_TRUE(
        rfc->public_key().Verify(SigningDomain::kRecord, "", *unprefixed));
    EXPECT_TRUE(
        again->public_key().VerifyUnprefixed(Hex("72"), Hex(kRfcSignature)));
  }
}

TEST(Keys, HubIdRoundTripsAndRejectsTypos) {
  absl::StatusOr<PrivateKey> key = PrivateKey::Generate();
  ASSERT_OK(key);
  std::string id = key->public_key().HubId();
  EXPECT_EQ(id.rfind("civhub1", 0), 0u);
  absl::StatusOr<PublicKey> back = PublicKey::FromHubId(id);
  ASSERT_OK(back);
  EXPECT_EQ(*back, key->public_key());

  std::string typo = id;
  typo[20] = typo[20] == 'q' ? 'p' : 'q';
  EXPECT_STATUS(PublicKey::FromHubId(typo), absl::StatusCode::kInvalidArgument,
                "checksum");
}

TEST(Keys, FingerprintIsShortAndStable) {
  absl::StatusOr<PrivateKey> key = PrivateKey::FromSeed(Hex(kRfcSeed));
  ASSERT_OK(key);
  std::string fp = key->public_key().Fingerprint();
  EXPECT_EQ(fp.size(), 19u);
  EXPECT_EQ(fp[4], '-');
  EXPECT_EQ(fp,
            PrivateKey::FromSeed(Hex(kRfcSeed))->public_key().Fingerprint());
  EXPECT_NE(fp, PrivateKey::Generate()->public_key().Fingerprint());
}

TEST(Keys, PemRoundTrip) {
  absl::StatusOr<PrivateKey> key = PrivateKey::Generate();
  ASSERT_OK(key);
  std::string pem = key->ToPem();
  EXPECT_NE(pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  absl::StatusOr<PrivateKey> back = PrivateKey::FromPem(pem);
  ASSERT_OK(back);
  EXPECT_EQ(back->public_key(), key->public_key());
  EXPECT_FALSE(PrivateKey::FromPem("not a key").ok());
}

// The small-order points of edwards25519 (libsodium's blocklist) and
// non-canonical encodings.
TEST(Keys, RejectsSmallOrderKeys) {
  const char* kSmallOrder[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      // Same points with the x sign bit set.
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
  };
  for (const char* hex : kSmallOrder) {
    SCOPED_TRACE(hex);
    EXPECT_STATUS(PublicKey::FromBytes(Hex(hex)),
                  absl::StatusCode::kInvalidArgument, "small-order");
  }
}

TEST(Keys, RejectsNonCanonicalAndOffCurveKeys) {
  // y = p (non-canonical encoding of 0) and y = p + 1.
  EXPECT_STATUS(
      PublicKey::FromBytes(Hex(
          "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")),
      absl::StatusCode::kInvalidArgument, "canonical");
  EXPECT_STATUS(
      PublicKey::FromBytes(Hex(
          "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")),
      absl::StatusCode::kInvalidArgument, "canonical");
  // y = 2 is not the y-coordinate of any curve point.
  EXPECT_STATUS(
      PublicKey::FromBytes(Hex(
          "0200000000000000000000000000000000000000000000000000000000000000")),
      absl::StatusCode::kInvalidArgument, "not a point on the curve");
  EXPECT_STATUS(PublicKey::FromBytes("short"),
                absl::StatusCode::kInvalidArgument, "32 bytes");
}

TEST(Keys, AcceptsManyGeneratedKeys) {
  for (int i = 0; i < 200; ++i) {
    absl::StatusOr<PrivateKey> key = PrivateKey::Generate();
    ASSERT_OK(key);
    EXPECT_OK(PublicKey::FromBytes(key->public_key().bytes()));
  }
}

}  // namespace
}  // namespace civhub::crypto
