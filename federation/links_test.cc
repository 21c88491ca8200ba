// Links: the link protocol. Alone (LinksAlone: this test plays the other
// hub and the Host): a request pending until the admin approves, approval
// activating the link, removal telling the peer, the checks of a request.
// Then on the simulated network, composed by Federation: links made,
// refused and ended, pending requests and their bounds, invites, and the
// end of a link on a full disk.
#include "federation/links.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/record_signing.h"
#include "federation/federation.h"
#include "federation/federation_test_fixture.h"
#include "federation/part_test_fixture.h"
#include "federation/trust.h"
#include "node/base/clock.h"
#include "node/records/validate.h"
#include "node/storage/full_disk_env_for_tests.h"
#include "node/storage/store_env.h"
#include "sim/records.h"
#include "sim/sim_network.h"
#include "tests/testutil.h"

namespace civhub::federation {
namespace {

using sim::SimHub;
using sim::SimNetwork;
using testing::OrgPublish;
using testing::OrgSpec;

// What Links asked of its Host.
class KeepingLinksHost : public Links::Host {
 public:
  void PublishSystemRecords() override { ++publishes; }
  void RebuildTrust() override { ++rebuilds; }
  void StartRounds(const std::string& peer) override {
    started.push_back(peer);
  }

  int publishes = 0;
  int rebuilds = 0;
  std::vector<std::string> started;
};

class LinksAlone : public PartTest {
 protected:
  // The peer's signature of the link `link_id` with this hub.
  std::string PeerLinkSignature(const std::string& link_id) {
    absl::StatusOr<std::string> sig =
        peer_key_.Sign(crypto::SigningDomain::kLink,
                       LinkStatement(link_id, peer().bytes(), self()));
    EXPECT_TRUE(sig.ok());
    return sig.ok() ? *sig : "";
  }

  // A link request from the peer, signed as its hub signs it, sent `at`.
  v1::LinkRequest RequestFromPeer(absl::Time at) {
    v1::LinkRequestBody body;
    body.set_from(peer().bytes());
    body.set_to(self());
    body.set_link_id(link_id_);
    body.mutable_requested_at()->set_seconds(absl::ToUnixSeconds(at));
    body.mutable_profile()->set_name("Peer");
    body.mutable_profile()->set_federation_address("peer:7341");
    body.set_link_signature(PeerLinkSignature(link_id_));
    v1::LinkRequest request;
    request.set_body(body.SerializeAsString());
    absl::StatusOr<std::string> sig =
        peer_key_.Sign(crypto::SigningDomain::kLinkRequest, request.body());
    EXPECT_TRUE(sig.ok());
    if (sig.ok()) request.set_signature(*sig);
    return request;
  }

  absl::Status RequireActive(const crypto::PublicKey& caller) {
    absl::MutexLock lock(&shared_->mu);
    return part_.RequireActiveLocked(caller);
  }

  KeepingLinksHost host_;
  Links part_{&host_,      shared_.get(), hub_.get(), &scheduler_,
              &transport_, &options_,     self()};
  const std::string link_id_ = std::string(node::kLinkIdBytes, '\x07');
};

TEST_F(LinksAlone, RequestWaitsForTheAdminAndApprovalActivatesTheLink) {
  absl::StatusOr<v1::LinkResponse> response = part_.HandleRequestLink(
      peer(), RequestFromPeer(clock_.Now()), "10.0.0.9");
  ASSERT_OK(response);
  EXPECT_EQ(response->state(), v1::LinkResponse::PENDING);
  EXPECT_EQ(Row(peer()).state(), v1::PEER_STATE_PENDING);
  EXPECT_EQ(Row(peer()).requested_from(), "10.0.0.9");
  EXPECT_TRUE(host_.started.empty());
  // A pending hub's calls are refused as having no link.
  EXPECT_EQ(RequireActive(peer()).code(), absl::StatusCode::kPermissionDenied);

  absl::StatusOr<v1::Peer> approved = part_.ApprovePeer(peer().HubId());
  ASSERT_OK(approved);
  EXPECT_EQ(approved->state(), v1::PEER_STATE_ACTIVE);
  EXPECT_EQ(Row(peer()).state(), v1::PEER_STATE_ACTIVE);
  EXPECT_EQ(Row(peer()).link_id(), link_id_);
  // The link record published, trust recomputed, rounds started, and the
  // requester told with this hub's signature of the link.
  EXPECT_EQ(host_.publishes, 1);
  EXPECT_EQ(host_.rebuilds, 1);
  EXPECT_EQ(host_.started, std::vector<std::string>{peer().bytes()});
  ASSERT_EQ(transport_.confirms.size(), 1u);
  EXPECT_EQ(transport_.confirms[0].request.link_id(), link_id_);
  EXPECT_TRUE(
      VerifyLinkSignature(self(), peer().bytes(), link_id_,
                          transport_.confirms[0].request.link_signature()));
  EXPECT_OK(RequireActive(peer()));
  EXPECT_EQ(part_.ApprovePeer(peer().HubId()).status().code(),
            absl::StatusCode::kNotFound);

  // The request repeated (the confirmation was lost): the active link.
  response = part_.HandleRequestLink(peer(), RequestFromPeer(clock_.Now()), "");
  ASSERT_OK(response);
  EXPECT_EQ(response->state(), v1::LinkResponse::ACCEPTED);
  EXPECT_EQ(response->link_id(), link_id_);
}

TEST_F(LinksAlone, AddedPeerIsAskedAgainUntilItsAdminApproves) {
  std::optional<absl::StatusOr<v1::Peer>> added;
  part_.AddPeer("peer:7341", peer().HubId(), /*offline=*/false,
                [&](absl::StatusOr<v1::Peer> p) { added = std::move(p); });
  ASSERT_EQ(transport_.link_requests.size(), 1u);
  EXPECT_EQ(Row(peer()).state(), v1::PEER_STATE_REQUESTED);
  v1::LinkResponse pending;
  pending.set_state(v1::LinkResponse::PENDING);
  transport_.link_requests[0].reply(pending);
  ASSERT_TRUE(added.has_value());
  ASSERT_OK(*added);
  EXPECT_EQ((*added)->progress(), "waiting for approval");

  // Asked again after the retry interval (jittered ±20%).
  RunFor(options_.link_retry_interval * 0.79);
  EXPECT_EQ(transport_.link_requests.size(), 1u);
  RunFor(options_.link_retry_interval * 0.42);
  ASSERT_EQ(transport_.link_requests.size(), 2u);

  // Its admin approved: accepted under this hub's link id, signed.
  v1::LinkRequestBody body;
  ASSERT_TRUE(body.ParseFromString(transport_.link_requests[1].request.body()));
  v1::LinkResponse accepted;
  accepted.set_state(v1::LinkResponse::ACCEPTED);
  accepted.set_link_id(body.link_id());
  accepted.set_link_signature(PeerLinkSignature(body.link_id()));
  accepted.mutable_profile()->set_name("Peer");
  transport_.link_requests[1].reply(accepted);
  EXPECT_EQ(Row(peer()).state(), v1::PEER_STATE_ACTIVE);
  EXPECT_EQ(Row(peer()).peer_link_signature(), accepted.link_signature());
  EXPECT_EQ(Row(peer()).profile().name(), "Peer");
  EXPECT_EQ(host_.started, std::vector<std::string>{peer().bytes()});
}

TEST_F(LinksAlone, RemovalEndsTheLinkAndTellsThePeer) {
  AddActive(peer());
  absl::StatusOr<v1::Peer> removed = part_.RemovePeer(peer().HubId());
  ASSERT_OK(removed);
  EXPECT_EQ(removed->state(), v1::PEER_STATE_REMOVED);
  EXPECT_EQ(Row(peer()).last_error(), "removed by this hub's admin");
  EXPECT_EQ(host_.rebuilds, 1);
  EXPECT_EQ(RequireActive(peer()).code(), absl::StatusCode::kPermissionDenied);
  ASSERT_EQ(transport_.removals.size(), 1u);
  EXPECT_EQ(transport_.removals[0].to.address, "peer:7341");
  // Its connection is closed once the peer was told.
  EXPECT_TRUE(transport_.closed.empty());
  transport_.removals[0].reply(v1::LinkAck());
  EXPECT_EQ(transport_.closed, std::vector<std::string>{"peer:7341"});
  EXPECT_EQ(part_.RemovePeer(peer().HubId()).status().code(),
            absl::StatusCode::kNotFound);
  // Saved: the table read again has the link removed.
  PeerTable again(store_.get(), &clock_, self(), &shared_->mu);
  absl::StatusOr<std::vector<storage::PeerRecord>> loaded = again.Load();
  ASSERT_OK(loaded);
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].state(), v1::PEER_STATE_REMOVED);
}

TEST_F(LinksAlone, BadRequestsAreRefusedNamingTheFieldAndNothingIsSaved) {
  const absl::Time now = clock_.Now();
  absl::Status stale =
      part_
          .HandleRequestLink(peer(), RequestFromPeer(now - absl::Minutes(11)),
                             "")
          .status();
  EXPECT_EQ(stale.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(stale.message(), "requested_at")) << stale;

  v1::LinkRequest forged = RequestFromPeer(now);
  forged.set_signature(std::string(64, 'x'));
  absl::Status bad = part_.HandleRequestLink(peer(), forged, "").status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(bad.message(), "signature")) << bad;

  // Sent by another hub than the one it names.
  crypto::PrivateKey third = testing::NewKey();
  EXPECT_EQ(
      part_.HandleRequestLink(third.public_key(), RequestFromPeer(now), "")
          .status()
          .code(),
      absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(part_.ApprovePeer("civhub1nothubid").status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::MutexLock lock(&shared_->mu);
  EXPECT_TRUE(shared_->table.rows().empty());
}

TEST_F(FederationTest, LinkNeedsBothAdmins) {
  SimHub* a = Add("a");
  SimHub* b = Add("b");
  a->federation->AddPeer(b->address, b->key.public_key().HubId(),
                         [](absl::StatusOr<v1::Peer> p) {
                           ASSERT_TRUE(p.ok()) << p.status();
                           EXPECT_EQ(p->state(), v1::PEER_STATE_REQUESTED);
                         });
  ASSERT_TRUE(RunUntil([&] { return !b->federation->ListPending().empty(); }));
  std::vector<v1::PendingPeer> pending = b->federation->ListPending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].hub_id(), a->key.public_key().HubId());
  EXPECT_EQ(pending[0].profile().name(), "a");
  EXPECT_EQ(pending[0].fingerprint(), a->key.public_key().Fingerprint());
  // Not active yet: B refuses A's sync and push.
  EXPECT_EQ(b->federation->HandleSync(a->key.public_key(), {}).status().code(),
            absl::StatusCode::kPermissionDenied);

  ASSERT_OK(b->federation->ApprovePeer(a->key.public_key().HubId()));
  ASSERT_TRUE(RunUntil(
      [&] { return a->federation->CountPeers(v1::PEER_STATE_ACTIVE) == 1; }));
  // Both ends publish a link record, each with the other's signature.
  ASSERT_TRUE(RunUntil([&] {
    auto links = a->store->RecordsOfKind(v1::RecordBody::kPeerLink);
    return links.ok() && links->size() == 2;
  }));
  absl::StatusOr<v1::Network> network = a->federation->GetNetwork();
  ASSERT_OK(network);
  EXPECT_EQ(network->links_size(), 1);
  EXPECT_EQ(network->hubs_size(), 2);
}

TEST_F(FederationTest, RejectedRequestStaysInactive) {
  SimHub* a = Add("a");
  SimHub* b = Add("b");
  a->federation->AddPeer(b->address, b->key.public_key().HubId(),
                         [](absl::StatusOr<v1::Peer>) {});
  ASSERT_TRUE(RunUntil([&] { return !b->federation->ListPending().empty(); }));
  ASSERT_OK(b->federation->RejectPeer(a->key.public_key().HubId()));
  ASSERT_TRUE(RunUntil(
      [&] { return a->federation->CountPeers(v1::PEER_STATE_REJECTED) == 1; }));
  EXPECT_EQ(b->federation->CountPeers(v1::PEER_STATE_ACTIVE), 0u);
}

TEST_F(FederationTest, WrongHubIdIsRefused) {
  SimHub* a = Add("a");
  SimHub* b = Add("b");
  SimHub* c = Add("c");
  absl::Status got;
  bool called = false;
  // B's address, but C's id: B cannot prove it holds C's key.
  a->federation->AddPeer(b->address, c->key.public_key().HubId(),
                         [&](absl::StatusOr<v1::Peer> p) {
                           called = true;
                           got = p.status();
                         });
  ASSERT_TRUE(RunUntil([&] { return called; }));
  EXPECT_EQ(got.code(), absl::StatusCode::kUnauthenticated) << got;
  EXPECT_TRUE(b->federation->ListPending().empty());
}

TEST_F(FederationTest, RemovedLinkEndsOnBothSides) {
  SimHub* a = Add("a");
  SimHub* b = Add("b");
  ASSERT_TRUE(net_.Link("a", "b"));
  ASSERT_OK(a->federation->RemovePeer(b->key.public_key().HubId()));
  ASSERT_TRUE(RunUntil(
      [&] { return b->federation->CountPeers(v1::PEER_STATE_REMOVED) == 1; }));
  Publish(a, "after", "After Removal");
  net_.scheduler().RunUntil(net_.clock().Now() + absl::Seconds(60));
  EXPECT_EQ(NameAt(b, a, "after"), "");
}

TEST_F(FederationTest, RemovalLearnedWhenThePeerWasDown) {
  SimHub* a = Add("a");
  SimHub* b = Add("b");
  ASSERT_TRUE(net_.Link("a", "b"));
  net_.SetDown("b", true);
  ASSERT_OK(a->federation->RemovePeer(b->key.public_key().HubId()));
  net_.SetDown("b", false);
  // B's next sync is refused by A: B ends the link too.
  ASSERT_TRUE(RunUntil(
      [&] { return b->federation->CountPeers(v1::PEER_STATE_REMOVED) == 1; }));
}

// Two simulated hubs, "a" and "b", whose stores are on a disk that can fill.
class FederationFullDiskTest : public ::testing::Test {
 protected:
  static sim::SimOptions Options(const std::string& dir,
                                 testing::FullDiskEnv& env) {
    sim::SimOptions options;
    options.dir = dir;
    options.start = testing::TestNow();
    options.env = env.store_env();
    return options;
  }

  testing::TempDir dir_;
  testing::FullDiskEnv env_;
  SimNetwork net_{Options(dir_.path(), env_)};
  SimHub* a_ = net_.AddHub("a");
  SimHub* b_ = net_.AddHub("b");
};

// A full disk when the admin removes a link: the end cannot be saved (it
// would come back at the next start), so the admin gets the store's error;
// the link ends in memory all the same, on both sides, and the peer's own
// failure to save is reported back.
TEST_F(FederationFullDiskTest, RemovalThatCannotBeSavedIsReported) {
  ASSERT_TRUE(net_.Link("a", "b"));
  env_.SetFull(true);
  absl::StatusOr<v1::Peer> removed =
      a_->federation->RemovePeer(b_->key.public_key().HubId());
  ASSERT_FALSE(removed.ok());
  EXPECT_TRUE(node::IsStoreReadOnly(removed.status())) << removed.status();
  EXPECT_EQ(a_->federation->CountPeers(v1::PEER_STATE_ACTIVE), 0u);
  EXPECT_EQ(a_->federation->CountPeers(v1::PEER_STATE_REMOVED), 1u);
  ASSERT_TRUE(net_.scheduler().RunUntil(
      [&] {
        absl::StatusOr<std::vector<v1::Peer>> peers =
            a_->federation->ListPeers();
        return peers.ok() && peers->size() == 1 &&
               absl::StrContains((*peers)[0].last_error(),
                                 "could not tell the peer");
      },
      net_.clock().Now() + absl::Minutes(1)));
  EXPECT_EQ(b_->federation->CountPeers(v1::PEER_STATE_ACTIVE), 0u);
  absl::StatusOr<std::vector<v1::Peer>> peers = a_->federation->ListPeers();
  ASSERT_OK(peers);
  EXPECT_TRUE(absl::StrContains((*peers)[0].last_error(), "read-only"))
      << (*peers)[0].last_error();
}

// A full disk when an expired link request is dropped: it is dropped all
// the same; its row stays until a start loads it and it expires again.
TEST_F(FederationFullDiskTest,
       ExpiredRequestIsDroppedWhenItsRowCannotBeDeleted) {
  a_->federation->AddPeer(b_->address, b_->key.public_key().HubId(),
                          [](absl::StatusOr<v1::Peer>) {});
  ASSERT_TRUE(net_.scheduler().RunUntil(
      [&] { return !b_->federation->ListPending().empty(); },
      net_.clock().Now() + absl::Minutes(1)));
  net_.clock().Advance(FederationOptions().pending_expiry + absl::Hours(1));
  env_.SetFull(true);
  EXPECT_TRUE(b_->federation->ListPending().empty());
  EXPECT_EQ(b_->federation->CountPeers(v1::PEER_STATE_PENDING), 0u);
  EXPECT_GT(env_.failed_writes(), 0);
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> rows =
      b_->store->ScanAux(kPeerTablePrefix);
  ASSERT_OK(rows);
  EXPECT_EQ(rows->size(), 1u);
}

// A signed link request from `from` to `to`, sent at `now`.
v1::LinkRequest LinkRequest(const crypto::PrivateKey& from,
                            const crypto::PublicKey& to, absl::Time now) {
  v1::LinkRequestBody body;
  body.set_from(from.public_key().bytes());
  body.set_to(to.bytes());
  body.set_link_id(std::string(16, '\x07'));
  body.mutable_requested_at()->set_seconds(absl::ToUnixSeconds(now));
  body.mutable_profile()->set_name("Flooder");
  body.set_link_signature(*from.Sign(
      crypto::SigningDomain::kLink,
      LinkStatement(body.link_id(), from.public_key().bytes(), to.bytes())));
  v1::LinkRequest request;
  request.set_body(body.SerializeAsString());
  request.set_signature(
      *from.Sign(crypto::SigningDomain::kLinkRequest, request.body()));
  return request;
}

TEST_F(FederationTest, PendingRequestsAreBoundedAndExpire) {
  SimHub* b = Add("b");
  const absl::Time now = net_.clock().Now();
  for (int i = 0; i < 64; ++i) {
    crypto::PrivateKey key = testing::NewKey();
    ASSERT_OK(b->federation->HandleRequestLink(
        key.public_key(), LinkRequest(key, b->key.public_key(), now)));
  }
  crypto::PrivateKey late = testing::NewKey();
  EXPECT_STATUS(
      b->federation->HandleRequestLink(
          late.public_key(), LinkRequest(late, b->key.public_key(), now)),
      absl::StatusCode::kResourceExhausted, "too many link requests");
  EXPECT_EQ(b->federation->ListPending().size(), 64u);
  // A replayed (old) request is refused.
  EXPECT_STATUS(b->federation->HandleRequestLink(
                    late.public_key(), LinkRequest(late, b->key.public_key(),
                                                   now - absl::Hours(1))),
                absl::StatusCode::kInvalidArgument, "requested_at");
  // Requests signed for another hub are refused.
  SimHub* c = Add("c");
  EXPECT_STATUS(
      b->federation->HandleRequestLink(
          late.public_key(), LinkRequest(late, c->key.public_key(), now)),
      absl::StatusCode::kInvalidArgument, "to:");
  // Unanswered requests expire after a week.
  net_.clock().Advance(absl::Hours(24 * 7 + 1));
  EXPECT_TRUE(b->federation->ListPending().empty());
}

// One host minting keys cannot fill the pending list: at most 8 requests
// from one network wait; others still get through, and the admin sees
// where each came from.
TEST_F(FederationTest, PendingRequestsFromOneNetworkAreBounded) {
  SimHub* b = Add("b");
  const absl::Time now = net_.clock().Now();
  auto request_from = [&](const std::string& source) {
    crypto::PrivateKey key = testing::NewKey();
    return b->federation->HandleRequestLink(
        key.public_key(), LinkRequest(key, b->key.public_key(), now), source);
  };
  for (int i = 0; i < 8; ++i) ASSERT_OK(request_from("203.0.113.7"));
  EXPECT_STATUS(request_from("203.0.113.7"),
                absl::StatusCode::kResourceExhausted,
                "too many link requests from 203.0.113.7");
  ASSERT_OK(request_from("198.51.100.1"));
  std::vector<v1::PendingPeer> pending = b->federation->ListPending();
  ASSERT_EQ(pending.size(), 9u);
  EXPECT_EQ(std::count_if(pending.begin(), pending.end(),
                          [](const v1::PendingPeer& p) {
                            return p.sent_from() == "203.0.113.7";
                          }),
            8);
  // Rejecting one of them makes room for one more.
  ASSERT_OK(b->federation->RejectPeer(pending[0].sent_from() == "203.0.113.7"
                                          ? pending[0].hub_id()
                                          : pending[1].hub_id()));
  EXPECT_OK(request_from("203.0.113.7"));
}

// Fills `b`'s pending list to its total bound (64), 8 requests from each
// of 8 networks, as a flood of strangers minting keys would.
void FillPendingList(SimHub* b, absl::Time now) {
  for (int net = 0; net < 8; ++net) {
    for (int i = 0; i < 8; ++i) {
      crypto::PrivateKey key = testing::NewKey();
      ASSERT_OK(b->federation->HandleRequestLink(
          key.public_key(), LinkRequest(key, b->key.public_key(), now),
          absl::StrCat("203.0.113.", net)));
    }
  }
  ASSERT_EQ(b->federation->ListPending().size(), 64u);
}

// `hub` joins with `token`; returns what `peer add --invite` would show.
absl::StatusOr<v1::Peer> JoinWithInvite(SimHub* hub, const std::string& token,
                                        sim::SimScheduler& scheduler,
                                        absl::Time deadline) {
  std::optional<absl::StatusOr<v1::Peer>> got;
  hub->federation->AddPeerWithInvite(
      token, /*address=*/"", /*offline=*/false,
      [&](absl::StatusOr<v1::Peer> p) { got = std::move(p); });
  scheduler.RunUntil([&] { return got.has_value(); }, deadline);
  if (!got.has_value()) return absl::DeadlineExceededError("no answer");
  return *std::move(got);
}

// The flood: the pending list full of strangers' requests, an
// invited partner still gets through at once, with no approval.
TEST_F(FederationTest, InvitedHubLinksThroughAFullPendingList) {
  SimHub* a = Add("a");
  SimHub* b = Add("b");
  FillPendingList(b, net_.clock().Now());
  // Without an invite the partner is turned away, as before.
  crypto::PrivateKey stranger = testing::NewKey();
  EXPECT_STATUS(
      b->federation->HandleRequestLink(
          stranger.public_key(),
          LinkRequest(stranger, b->key.public_key(), net_.clock().Now()),
          "198.51.100.1"),
      absl::StatusCode::kResourceExhausted, "ask its admin for an invite");

  absl::StatusOr<v1::Invite> invite =
      b->federation->CreateInvite(absl::ZeroDuration(), "a's admin, by phone");
  ASSERT_OK(invite);
  EXPECT_TRUE(absl::StartsWith(invite->token(), kInviteTokenPrefix));
  absl::StatusOr<v1::Peer> joined =
      JoinWithInvite(a, invite->token(), net_.scheduler(),
                     net_.clock().Now() + absl::Minutes(1));
  ASSERT_OK(joined);
  EXPECT_EQ(joined->state(), v1::PEER_STATE_ACTIVE);
  EXPECT_EQ(joined->hub_id(), b->key.public_key().HubId());
  EXPECT_EQ(b->federation->CountPeers(v1::PEER_STATE_ACTIVE), 1u);
  EXPECT_EQ(b->federation->ListPending().size(), 64u);  // a never waited.
  // Records flow both ways.
  Publish(b, "from-b", "Published At B");
  ASSERT_TRUE(
      RunUntil([&] { return NameAt(a, b, "from-b") == "Published At B"; }));

  absl::StatusOr<std::vector<v1::Invite>> invites =
      b->federation->ListInvites();
  ASSERT_OK(invites);
  ASSERT_EQ(invites->size(), 1u);
  EXPECT_EQ((*invites)[0].used_by(), a->key.public_key().HubId());
  EXPECT_EQ((*invites)[0].note(), "a's admin, by phone");
  EXPECT_TRUE((*invites)[0].token().empty());  // Only its hash is kept.
}

// A token also skips the bound on one network's requests: the partner may
// share its network with the flooder.
TEST_F(FederationTest, InviteSkipsTheBoundOfItsNetwork) {
  SimHub* b = Add("b");
  const absl::Time now = net_.clock().Now();
  for (int i = 0; i < 8; ++i) {
    crypto::PrivateKey key = testing::NewKey();
    ASSERT_OK(b->federation->HandleRequestLink(
        key.public_key(), LinkRequest(key, b->key.public_key(), now),
        "2001:db8:1::/48"));
  }
  absl::StatusOr<v1::Invite> invite =
      b->federation->CreateInvite(absl::Hours(1), "");
  ASSERT_OK(invite);
  crypto::PrivateKey partner = testing::NewKey();
  v1::LinkRequest request = LinkRequest(partner, b->key.public_key(), now);
  request.set_invite_secret(ParseInviteToken(invite->token())->secret());
  absl::StatusOr<v1::LinkResponse> response = b->federation->HandleRequestLink(
      partner.public_key(), request, "2001:db8:1::/48");
  ASSERT_OK(response);
  EXPECT_EQ(response->state(), v1::LinkResponse::ACCEPTED);
}

TEST_F(FederationTest, InviteIsUsedOnce) {
  SimHub* a = Add("a");
  SimHub* b = Add("b");
  SimHub* c = Add("c");
  absl::StatusOr<v1::Invite> invite =
      b->federation->CreateInvite(absl::ZeroDuration(), "");
  ASSERT_OK(invite);
  const absl::Time deadline = net_.clock().Now() + absl::Minutes(1);
  ASSERT_OK(JoinWithInvite(a, invite->token(), net_.scheduler(), deadline));
  // Repeating the request (its answer lost) is answered, not refused.
  ASSERT_OK(JoinWithInvite(a, invite->token(), net_.scheduler(), deadline));
  EXPECT_STATUS(JoinWithInvite(c, invite->token(), net_.scheduler(), deadline),
                absl::StatusCode::kPermissionDenied,
                "invite token already used (by " + a->key.public_key().HubId());
  // Nothing recorded at c; b holds no request from it.
  absl::StatusOr<std::vector<v1::Peer>> peers = c->federation->ListPeers();
  ASSERT_OK(peers);
  EXPECT_TRUE(peers->empty());
  EXPECT_TRUE(b->federation->ListPending().empty());
}

TEST_F(FederationTest, InviteExpiresAndCanBeRevoked) {
  SimHub* a = Add("a");
  SimHub* b = Add("b");
  absl::StatusOr<v1::Invite> invite =
      b->federation->CreateInvite(absl::Hours(1), "");
  ASSERT_OK(invite);
  net_.clock().Advance(absl::Hours(2));
  EXPECT_STATUS(JoinWithInvite(a, invite->token(), net_.scheduler(),
                               net_.clock().Now() + absl::Minutes(1)),
                absl::StatusCode::kPermissionDenied,
                "invite token expired at ");
  invite = b->federation->CreateInvite(absl::Hours(1), "");
  ASSERT_OK(invite);
  ASSERT_OK(b->federation->RevokeInvite(invite->id()));
  EXPECT_STATUS(JoinWithInvite(a, invite->token(), net_.scheduler(),
                               net_.clock().Now() + absl::Minutes(1)),
                absl::StatusCode::kPermissionDenied,
                "invite token unknown to this hub");
  EXPECT_EQ(a->federation->CountPeers(v1::PEER_STATE_ACTIVE), 0u);
  EXPECT_STATUS(b->federation->CreateInvite(absl::Hours(24 * 31), ""),
                absl::StatusCode::kInvalidArgument, "valid_for");
  EXPECT_STATUS(ParseInviteToken("civhub-invite:AAAA"),
                absl::StatusCode::kInvalidArgument, "damaged");
}

TEST_F(FederationTest, InviteSurvivesRestart) {
  SimHub* a = Add("a");
  SimHub* b = Add("b");
  absl::StatusOr<v1::Invite> invite =
      b->federation->CreateInvite(absl::ZeroDuration(), "");
  ASSERT_OK(invite);
  b = net_.Restart("b", /*wipe_store=*/false);
  absl::StatusOr<v1::Peer> joined =
      JoinWithInvite(a, invite->token(), net_.scheduler(),
                     net_.clock().Now() + absl::Minutes(1));
  ASSERT_OK(joined);
  EXPECT_EQ(joined->state(), v1::PEER_STATE_ACTIVE);
  EXPECT_EQ(b->federation->CountPeers(v1::PEER_STATE_ACTIVE), 1u);
}

}  // namespace
}  // namespace civhub::federation
