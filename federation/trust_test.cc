// Trust (trust.h): which origins a hub accepts, from its active peers and
// the signed link records it holds, minus what it blocked.
#include "federation/trust.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "crypto/record_signing.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::federation {
namespace {

using testing::NewKey;

const std::string kLinkId(16, 'L');

std::string Raw(const crypto::PrivateKey& key) {
  return key.public_key().bytes();
}

// `origin`'s link record for a link `link_id` with `peer`, carrying `peer`'s
// signature.
LinkClaim Claim(const crypto::PrivateKey& origin,
                const crypto::PrivateKey& peer,
                const std::string& link_id = kLinkId) {
  absl::StatusOr<std::string> sig =
      peer.Sign(crypto::SigningDomain::kLink,
                LinkStatement(link_id, Raw(origin), Raw(peer)));
  EXPECT_TRUE(sig.ok());
  return {Raw(origin), Raw(peer), link_id, sig.ok() ? *sig : ""};
}

// Both ends' records of a link between `a` and `b`.
void AddLink(std::vector<LinkClaim>& claims, const crypto::PrivateKey& a,
             const crypto::PrivateKey& b) {
  claims.push_back(Claim(a, b));
  claims.push_back(Claim(b, a));
}

// A verified record of `origin` (an organization, or `body` as given).
crypto::VerifiedRecord Record(const crypto::PrivateKey& origin) {
  absl::StatusOr<crypto::VerifiedRecord> v =
      crypto::VerifyRecord(testing::SignedOrg(origin, "org", 1, 1));
  EXPECT_TRUE(v.ok()) << v.status();
  return *std::move(v);
}

class TrustTest : public ::testing::Test {
 protected:
  crypto::PrivateKey self_ = NewKey();
  crypto::PrivateKey a_ = NewKey();
  crypto::PrivateKey b_ = NewKey();
  crypto::PrivateKey c_ = NewKey();
  TrustGraph trust_{self_.public_key()};
};

TEST(LinkStatementTest, SameForBothEndsAndSignatureBindsIt) {
  const crypto::PrivateKey x = NewKey(), y = NewKey();
  EXPECT_EQ(LinkStatement(kLinkId, Raw(x), Raw(y)),
            LinkStatement(kLinkId, Raw(y), Raw(x)));
  const LinkClaim claim = Claim(x, y);
  EXPECT_TRUE(
      VerifyLinkSignature(Raw(y), Raw(x), kLinkId, claim.peer_signature));
  // Another link id, another signer, or a key that is not one: refused.
  EXPECT_FALSE(VerifyLinkSignature(Raw(y), Raw(x), std::string(16, 'M'),
                                   claim.peer_signature));
  EXPECT_FALSE(
      VerifyLinkSignature(Raw(x), Raw(y), kLinkId, claim.peer_signature));
  EXPECT_FALSE(
      VerifyLinkSignature("short", Raw(x), kLinkId, claim.peer_signature));
}

TEST_F(TrustTest, OwnRecordsAreAlwaysAdmittedOthersOnlyWhenLinked) {
  trust_.Rebuild({}, {}, {});
  EXPECT_OK(trust_.Admit(Record(self_)));
  absl::Status s = trust_.Admit(Record(a_));
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("not connected to this hub"),
            absl::string_view::npos)
      << s;
  EXPECT_FALSE(trust_.Trusted(Raw(a_)));
}

TEST_F(TrustTest, DirectPeersAndHubsLinkedThroughThemAreTrusted) {
  std::vector<LinkClaim> claims;
  AddLink(claims, a_, b_);
  AddLink(claims, b_, c_);
  trust_.Rebuild({Raw(a_)}, claims, {});
  EXPECT_TRUE(trust_.Trusted(Raw(a_)));
  EXPECT_TRUE(trust_.Trusted(Raw(b_)));
  EXPECT_TRUE(trust_.Trusted(Raw(c_)));
  EXPECT_OK(trust_.Admit(Record(c_)));
  // Links lists each active link once, this hub's own included.
  std::vector<std::pair<std::string, std::string>> links = trust_.Links();
  EXPECT_EQ(links.size(), 3u);
}

TEST_F(TrustTest, ALinkNeedsBothEndsWithTheSameIdAndValidSignatures) {
  // Only one end published.
  trust_.Rebuild({Raw(a_)}, {Claim(a_, b_)}, {});
  EXPECT_FALSE(trust_.Trusted(Raw(b_)));
  // Both ends, different link ids.
  trust_.Rebuild({Raw(a_)},
                 {Claim(a_, b_), Claim(b_, a_, std::string(16, 'M'))}, {});
  EXPECT_FALSE(trust_.Trusted(Raw(b_)));
  // Both ends, one signature forged (signed by the wrong key).
  LinkClaim forged = Claim(b_, a_);
  forged.peer_signature = Claim(b_, c_).peer_signature;
  trust_.Rebuild({Raw(a_)}, {Claim(a_, b_), forged}, {});
  EXPECT_FALSE(trust_.Trusted(Raw(b_)));
  // Both ends, valid.
  trust_.Rebuild({Raw(a_)}, {Claim(a_, b_), Claim(b_, a_)}, {});
  EXPECT_TRUE(trust_.Trusted(Raw(b_)));
}

TEST_F(TrustTest, BlockedOriginsAreRefusedAndCutTheChainThroughThem) {
  std::vector<LinkClaim> claims;
  AddLink(claims, a_, b_);
  trust_.Rebuild({Raw(a_)}, claims, {Raw(a_)});
  EXPECT_FALSE(trust_.Trusted(Raw(a_)));
  EXPECT_FALSE(trust_.Trusted(Raw(b_)));
  absl::Status s = trust_.Admit(Record(a_));
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("is blocked on this hub"), absl::string_view::npos)
      << s;
}

TEST_F(TrustTest, RebuildReplacesTheGraph) {
  trust_.Rebuild({Raw(a_)}, {}, {});
  ASSERT_TRUE(trust_.Trusted(Raw(a_)));
  trust_.Rebuild({}, {}, {});
  EXPECT_FALSE(trust_.Trusted(Raw(a_)));
  EXPECT_TRUE(trust_.Links().empty());
}

TEST_F(TrustTest, ANewNeighboursLinkRecordIsAdmittedBeforeItIsTrusted) {
  trust_.Rebuild({Raw(a_)}, {}, {});
  // b's link record with a, signed by a (trusted): admitted, so the link
  // can reach this hub before b is trusted.
  const LinkClaim claim = Claim(b_, a_);
  v1::RecordBody body;
  body.set_origin(Raw(b_));
  body.set_sequence(1);
  body.set_version(1);
  body.set_record_id("~link.a");
  body.mutable_peer_link()->set_peer(a_.public_key().HubId());
  body.mutable_peer_link()->set_link_id(kLinkId);
  body.mutable_peer_link()->set_peer_signature(claim.peer_signature);
  absl::StatusOr<crypto::VerifiedRecord> link =
      crypto::VerifyRecord(testing::SignBody(b_, body));
  ASSERT_OK(link);
  EXPECT_OK(trust_.Admit(*link));
  EXPECT_FALSE(trust_.Trusted(Raw(b_)));
  // The same record naming a hub this hub does not trust: refused.
  body.mutable_peer_link()->set_peer(c_.public_key().HubId());
  link = crypto::VerifyRecord(testing::SignBody(b_, body));
  ASSERT_OK(link);
  EXPECT_EQ(trust_.Admit(*link).code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(TrustTest, AssumedOriginsAreTrustedWithoutLinks) {
  trust_.Rebuild({}, {}, {});
  trust_.AssumeTrusted(std::make_shared<const std::set<std::string>>(
      std::set<std::string>{Raw(c_)}));
  EXPECT_TRUE(trust_.Trusted(Raw(c_)));
  EXPECT_OK(trust_.Admit(Record(c_)));
  EXPECT_FALSE(trust_.Trusted(Raw(a_)));
}

}  // namespace
}  // namespace civhub::federation
