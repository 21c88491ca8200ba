// PeerTable alone, on a store in memory: rows saved and loaded again,
// expired requests dropped, invites issued, redeemed once, expired and
// revoked (peer_table.cc, invites.cc). The link protocol that decides the
// rows is tested in links_test.cc.
#include "federation/peer_table.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/keys.h"
#include "node/base/clock.h"
#include "node/storage/store.h"
#include "node/storage/store_env.h"

namespace civhub::federation {
namespace {

// PeerTable on its own, on a store in memory.
class PeerTableAlone : public ::testing::Test {
 protected:
  PeerTableAlone() {
    node::StoreOptions options;
    options.path = "/mem/peer_table";
    options.env = env_.get();
    options.clock = &clock_;
    absl::StatusOr<std::unique_ptr<node::Store>> store =
        node::Store::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    if (store.ok()) store_ = *std::move(store);
  }

  static storage::PeerRecord Row(const std::string& key, v1::PeerState state,
                                 absl::Time requested_at) {
    storage::PeerRecord record;
    record.set_key(key);
    record.set_state(state);
    record.set_address("hub.example:7341");
    record.set_requested_at_micros(absl::ToUnixMicros(requested_at));
    return record;
  }

  std::unique_ptr<node::StoreEnv> env_ = node::StoreEnv::InMemory();
  node::ManualClock clock_{absl::FromUnixSeconds(1700000000)};
  std::unique_ptr<node::Store> store_;
  absl::Mutex mu_;
  const std::string self_ = std::string(crypto::kPublicKeySize, 'a');
  const std::string other_ = std::string(crypto::kPublicKeySize, 'b');
  const std::string third_ = std::string(crypto::kPublicKeySize, 'c');
};

TEST_F(PeerTableAlone, SavedRowsLoadAgainAndExpiredRequestsAreDropped) {
  ASSERT_NE(store_, nullptr);
  {
    PeerTable table(store_.get(), &clock_, self_, &mu_);
    absl::MutexLock lock(&mu_);
    ASSERT_TRUE(
        table.Save(Row(other_, v1::PEER_STATE_PENDING, clock_.Now())).ok());
    ASSERT_TRUE(
        table.Save(Row(third_, v1::PEER_STATE_ACTIVE, clock_.Now())).ok());
    EXPECT_EQ(table.rows().size(), 2u);
    clock_.Advance(absl::Hours(24 * 8));
    table.ExpirePending(absl::Hours(24 * 7));
    ASSERT_EQ(table.rows().size(), 1u);
    EXPECT_EQ(table.rows().begin()->first, third_);
  }
  // The expired request is gone from the store too.
  PeerTable again(store_.get(), &clock_, self_, &mu_);
  absl::StatusOr<std::vector<storage::PeerRecord>> loaded = again.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].key(), third_);
  EXPECT_EQ((*loaded)[0].state(), v1::PEER_STATE_ACTIVE);
  EXPECT_EQ((*loaded)[0].address(), "hub.example:7341");
  absl::MutexLock lock(&mu_);
  EXPECT_EQ(again.rows().count(third_), 1u);
}

TEST_F(PeerTableAlone, AnInviteIsRedeemedOnceUntilItExpires) {
  ASSERT_NE(store_, nullptr);
  PeerTable table(store_.get(), &clock_, self_, &mu_);
  EXPECT_EQ(table.CreateInvite("0.0.0.0:7341", absl::ZeroDuration(), "")
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(table.CreateInvite("hub.example:7341", absl::Hours(24 * 31), "")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);

  absl::StatusOr<v1::Invite> invite =
      table.CreateInvite("hub.example:7341", absl::ZeroDuration(), "for B");
  ASSERT_TRUE(invite.ok()) << invite.status();
  absl::StatusOr<v1::InviteToken> token = ParseInviteToken(invite->token());
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->federation_address(), "hub.example:7341");
  EXPECT_EQ(token->hub_key(), self_);
  {
    absl::MutexLock lock(&mu_);
    EXPECT_TRUE(table.RedeemInvite(token->secret(), other_).ok());
    absl::Status again = table.RedeemInvite(token->secret(), third_);
    EXPECT_EQ(again.code(), absl::StatusCode::kPermissionDenied);
    EXPECT_TRUE(absl::StrContains(again.message(), "already used")) << again;
  }
  absl::StatusOr<std::vector<v1::Invite>> listed = table.ListInvites();
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].used_by(), crypto::HubIdOf(other_));
  EXPECT_EQ((*listed)[0].note(), "for B");

  absl::StatusOr<v1::Invite> brief =
      table.CreateInvite("hub.example:7341", absl::Hours(1), "");
  ASSERT_TRUE(brief.ok()) << brief.status();
  absl::StatusOr<v1::InviteToken> brief_token =
      ParseInviteToken(brief->token());
  ASSERT_TRUE(brief_token.ok());
  clock_.Advance(absl::Hours(2));
  {
    absl::MutexLock lock(&mu_);
    absl::Status late = table.RedeemInvite(brief_token->secret(), other_);
    EXPECT_EQ(late.code(), absl::StatusCode::kPermissionDenied);
    EXPECT_TRUE(absl::StrContains(late.message(), "expired")) << late;
  }

  ASSERT_TRUE(table.RevokeInvite(invite->id()).ok());
  EXPECT_EQ(table.RevokeInvite(invite->id()).status().code(),
            absl::StatusCode::kNotFound);
  absl::MutexLock lock(&mu_);
  EXPECT_EQ(table.RedeemInvite(token->secret(), other_).code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace civhub::federation
