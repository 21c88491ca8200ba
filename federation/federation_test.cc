// Federation logic on the deterministic simulated network (tests/sim):
// links, multi-hop replication, trust, blocking, forks and sync cost.
#include "federation/federation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/record_signing.h"
#include "federation/trust.h"
#include "node/records/validate.h"
#include "sim/records.h"
#include "sim/sim_network.h"
#include "tests/testutil.h"

namespace civhub::federation {
namespace {

using sim::SimHub;
using sim::SimNetwork;
using testing::OrgPublish;
using testing::OrgSpec;

class FederationTest : public ::testing::Test {
 protected:
  FederationTest()
      : net_(dir_.path(), testing::TestNow(), absl::Milliseconds(20)) {}

  SimHub* Add(const std::string& name,
              absl::Duration sync_interval = absl::Seconds(5)) {
    FederationOptions options;
    options.sync_interval = sync_interval;
    SimHub* h = net_.AddHub(name, options);
    EXPECT_NE(h, nullptr);
    return h;
  }

  // Publishes an organization named `name` at `hub`.
  void Publish(SimHub* hub, const std::string& id, const std::string& name) {
    OrgSpec spec;
    spec.name = name;
    ASSERT_OK(hub->hub->Publish(OrgPublish(id, spec)));
  }

  // The organization `id` of `origin` as `at` holds it, or "" if absent.
  std::string NameAt(SimHub* at, SimHub* origin, const std::string& id) {
    auto view = at->store->Get(origin->key.public_key().bytes(), id);
    if (!view.ok() || !view->has_value() || !(*view)->body.has_organization())
      return "";
    return (*view)->body.organization().names(0).text();
  }

  bool RunUntil(const std::function<bool()>& done,
                absl::Duration limit = absl::Minutes(2)) {
    return net_.scheduler().RunUntil(done, net_.clock().Now() + limit);
  }

  testing::TempDir dir_;
  SimNetwork net_;
};

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

TEST_F(FederationTest, RecordsCrossTwoHopsAndUpdatesAndDeletesFollow) {
  SimHub* a = Add("a");
  Add("b");
  SimHub* c = Add("c");
  ASSERT_TRUE(net_.Link("a", "b"));
  ASSERT_TRUE(net_.Link("b", "c"));

  Publish(a, "org", "First Name");
  ASSERT_TRUE(RunUntil([&] { return NameAt(c, a, "org") == "First Name"; }));
  Publish(a, "org", "Second Name");
  ASSERT_TRUE(RunUntil([&] { return NameAt(c, a, "org") == "Second Name"; }));
  ASSERT_OK(a->hub->Delete("org", "closed"));
  ASSERT_TRUE(RunUntil([&] {
    auto view = c->store->Get(a->key.public_key().bytes(), "org");
    return view.ok() && view->has_value() && (*view)->body.has_tombstone();
  }));
  // C trusts A through B, and knows the whole network.
  EXPECT_TRUE(c->trust->Trusted(a->key.public_key().bytes()));
  ASSERT_TRUE(RunUntil([&] {
    auto n = c->federation->GetNetwork();
    return n.ok() && n->links_size() == 2 && n->hubs_size() == 3;
  }));
}

TEST_F(FederationTest, StoppedHubCatchesUpAfterRestart) {
  SimHub* a = Add("a");
  Add("b");
  SimHub* c = Add("c");
  ASSERT_TRUE(net_.Link("a", "b"));
  ASSERT_TRUE(net_.Link("b", "c"));
  net_.SetDown("c", true);
  for (int i = 0; i < 300; ++i)
    Publish(a, absl::StrCat("org", i), absl::StrCat("Org ", i));
  net_.scheduler().RunUntil(net_.clock().Now() + absl::Seconds(30));
  EXPECT_EQ(c->store->counters().organizations(), 0u);
  net_.SetDown("c", false);
  ASSERT_TRUE(
      RunUntil([&] { return c->store->counters().organizations() == 300; }));
  // C holds A's whole prefix.
  auto state = c->store->GetOriginState(a->key.public_key().bytes());
  ASSERT_OK(state);
  auto own = a->store->GetOriginState(a->key.public_key().bytes());
  ASSERT_OK(own);
  EXPECT_EQ(state->complete_through(), own->max_sequence());
}

TEST_F(FederationTest, RestartedHubCatchesUpTwoHopsAway) {
  SimHub* a = Add("a");
  Add("b");
  SimHub* c = Add("c");
  ASSERT_TRUE(net_.Link("a", "b"));
  ASSERT_TRUE(net_.Link("b", "c"));
  net_.SetDown("c", true);
  for (int i = 0; i < 50; ++i)
    Publish(a, absl::StrCat("org", i), absl::StrCat("Org ", i));
  net_.scheduler().RunUntil(net_.clock().Now() + absl::Seconds(30));
  c = net_.Restart("c", /*wipe_store=*/false);
  net_.SetDown("c", false);
  ASSERT_TRUE(RunUntil([&] {
    return c->store->counters().organizations() == 50;
  })) << c->store->counters().organizations();
}

// Regression: a reply full of an origin the caller cannot trust yet must
// still carry the link records that would make it trusted.
TEST_F(FederationTest, BacklogOfAnUntrustedOriginDoesNotStarveItsLinkRecords) {
  FederationOptions small;
  small.sync_max_records = 10;
  SimHub* x = net_.AddHub("x", small);
  SimHub* y = net_.AddHub("y", small);
  // The publisher's key must sort before the middle hub's: that order put
  // its backlog first in every reply.
  const bool x_first =
      x->key.public_key().bytes() < y->key.public_key().bytes();
  SimHub* origin = x_first ? x : y;
  SimHub* middle = x_first ? y : x;
  SimHub* far = net_.AddHub("far", small);
  ASSERT_TRUE(net_.Link(origin->name, middle->name));
  ASSERT_TRUE(net_.Link(middle->name, far->name));
  // Far goes down at once, before it holds the middle hub's link records.
  net_.SetDown("far", true);
  for (int i = 0; i < 60; ++i)
    Publish(origin, absl::StrCat("org", i), absl::StrCat("Org ", i));
  ASSERT_TRUE(RunUntil(
      [&] { return middle->store->counters().organizations() == 60; }));
  far = net_.Restart("far", /*wipe_store=*/false);
  net_.SetDown("far", false);
  ASSERT_TRUE(RunUntil([&] {
    return far->store->counters().organizations() == 60;
  })) << far->store->counters().organizations();
}

// Regression: a hub that stopped before storing a reply resends its whole
// vector; the peer, which assumed the reply was applied, must start over
// from that vector instead of asking for it again forever.
TEST_F(FederationTest, FullVectorReplacesWhatThePeerAssumed) {
  SimHub* a = Add("a");
  SimHub* b = Add("b");
  SimHub* c = Add("c");
  ASSERT_TRUE(net_.Link("a", "b"));
  Publish(a, "org", "Some Org");
  ASSERT_TRUE(RunUntil([&] { return !NameAt(b, a, "org").empty(); }));
  ASSERT_TRUE(net_.Link("b", "c"));
  // C's vector as if it held nothing and asks B directly.
  v1::SyncRequest empty;
  empty.set_vector_digest(Digest(Vector()));
  empty.set_full(true);
  absl::StatusOr<v1::SyncResponse> first =
      b->federation->HandleSync(c->key.public_key(), empty);
  ASSERT_OK(first);
  ASSERT_GT(first->records_size(), 0);
  // The reply was lost: C asks again with the same full vector.
  absl::StatusOr<v1::SyncResponse> again =
      b->federation->HandleSync(c->key.public_key(), empty);
  ASSERT_OK(again);
  EXPECT_FALSE(again->need_full_vector());
  EXPECT_EQ(again->records_size(), first->records_size());
}

// Regression (found by tests/e2e/crash_e2e_test.cc): a hub restarted part
// way through restoring its backup published its profile at the next free
// sequence, which the rest of the backup held: those records became forks
// of its own origin and were lost. It now waits, as a hub with no records
// does, until the admin publishes or a peer answers.
TEST_F(FederationTest, PartlyRestoredHubLeavesTheRestOfItsSequencesFree) {
  SimHub* a = Add("a");
  std::vector<v1::SignedRecord> backup;
  for (uint64_t seq = 1; seq <= 4; ++seq) {
    backup.push_back(
        testing::SignedOrg(a->key, absl::StrCat("o", seq), 1, seq));
  }
  for (int i = 0; i < 2; ++i) ASSERT_OK(a->hub->Ingest(backup[i], true));
  a = net_.Restart("a", /*wipe_store=*/false);
  for (int i = 2; i < 4; ++i) {
    absl::StatusOr<node::ApplyOutcome> outcome =
        a->hub->Ingest(backup[i], true);
    ASSERT_OK(outcome);
    EXPECT_EQ(*outcome, node::ApplyOutcome::kApplied) << "record " << i;
  }
  EXPECT_EQ(a->store->counters().organizations(), 4u);
  // The admin's first publish then takes the next sequence, and the
  // profile the one after.
  Publish(a, "new", "New Org");
  auto state = a->store->GetOriginState(a->key.public_key().bytes());
  ASSERT_OK(state);
  EXPECT_EQ(state->max_sequence(), 6u);
  EXPECT_EQ(state->forks(), 0u);
}

// A reply leaves out `covered` where the records imply it; the caller's
// watermark still moves to the last record, so the next round is idle.
TEST_F(FederationTest, ImpliedCoverageAdvancesTheWatermark) {
  SimHub* a = Add("a");
  SimHub* b = Add("b");
  SimHub* c = Add("c");
  ASSERT_TRUE(net_.Link("a", "b"));
  for (int i = 0; i < 3; ++i) Publish(a, absl::StrCat("o", i), "Some Org");
  Publish(a, "o1", "Renamed Org");  // Supersedes sequence 2.
  const std::string origin = a->key.public_key().bytes();
  auto a_state = a->store->GetOriginState(origin);
  ASSERT_OK(a_state);
  ASSERT_TRUE(RunUntil([&] {
    auto at_b = b->store->GetOriginState(origin);
    return at_b.ok() && at_b->complete_through() == a_state->max_sequence();
  }));
  v1::SyncRequest empty;
  empty.set_vector_digest(Digest(Vector()));
  empty.set_full(true);
  ASSERT_TRUE(net_.Link("b", "c"));
  absl::StatusOr<v1::SyncResponse> reply =
      b->federation->HandleSync(c->key.public_key(), empty);
  ASSERT_OK(reply);
  EXPECT_GT(reply->records_size(), 0);
  EXPECT_EQ(reply->covered_size(), 0);
  // C, syncing for itself, ends with a's whole prefix and then idles.
  ASSERT_TRUE(RunUntil([&] {
    auto at_c = c->store->GetOriginState(origin);
    return at_c.ok() && at_c->complete_through() == a_state->max_sequence();
  }));
  // Once the link records of b-c have settled too, rounds carry nothing.
  net_.scheduler().RunUntil(net_.clock().Now() + absl::Seconds(30));
  const uint64_t sent = net_.traffic().records_sent;
  net_.scheduler().RunUntil(net_.clock().Now() + absl::Seconds(60));
  EXPECT_EQ(net_.traffic().records_sent, sent);
}

// Virtual time for hub b to hold 200 records published at a, over a link
// of `bandwidth` bytes/s (0: unlimited).
absl::Duration CatchUpTime(const std::string& dir, double bandwidth) {
  sim::SimOptions options;
  options.dir = dir;
  options.seed = 3;
  options.bandwidth = bandwidth;
  options.in_memory = true;
  SimNetwork net(options);
  SimHub* a = net.AddHub("a");
  SimHub* b = net.AddHub("b");
  EXPECT_TRUE(net.Link("a", "b"));
  net.SetDown("b", true);
  for (int i = 0; i < 200; ++i) {
    OrgSpec spec;
    spec.name = absl::StrCat("Org ", i);
    EXPECT_OK(a->hub->Publish(OrgPublish(absl::StrCat("o", i), spec)));
  }
  net.SetDown("b", false);
  const absl::Time start = net.clock().Now();
  EXPECT_TRUE(net.scheduler().RunUntil(
      [&] { return b->store->counters().organizations() == 200; },
      start + absl::Hours(1)));
  return net.clock().Now() - start;
}

// Rounds an hour apart: only push, announce and fetch move records here.
constexpr absl::Duration kNoRounds = absl::Hours(1);

TEST_F(FederationTest, EachHubReceivesARelayedBodyOnce) {
  for (const char* name : {"a", "b", "c", "d", "e"}) Add(name, kNoRounds);
  for (auto [x, y] :
       std::vector<std::pair<std::string, std::string>>{{"a", "b"},
                                                        {"a", "c"},
                                                        {"b", "c"},
                                                        {"b", "d"},
                                                        {"c", "d"},
                                                        {"c", "e"},
                                                        {"d", "e"}}) {
    ASSERT_TRUE(net_.Link(x, y)) << x << "-" << y;
  }
  net_.scheduler().RunUntil(net_.clock().Now() + absl::Minutes(1));
  SimHub* a = net_.hub("a");
  const sim::TrafficCounters before = net_.traffic();
  Publish(a, "org", "Water Point");
  ASSERT_TRUE(RunUntil(
      [&] {
        for (const auto& [name, h] : net_.hubs()) {
          if (NameAt(h.get(), a, "org") != "Water Point") return false;
        }
        return true;
      },
      absl::Seconds(10)));
  net_.scheduler().RunUntil(net_.clock().Now() + absl::Minutes(1));
  // Every hub but the origin needed the body once: 4 sends, although D and
  // E each heard of it from two or three peers (eager relay sends 7).
  EXPECT_EQ(net_.traffic().records_sent - before.records_sent, 4u);
  EXPECT_GE(net_.traffic().announced_records - before.announced_records, 4u);
}

TEST_F(FederationTest, FetchFallsBackToTheNextAnnouncer) {
  for (const char* name : {"a", "b", "c", "d"}) Add(name, kNoRounds);
  ASSERT_TRUE(net_.Link("a", "b"));
  ASSERT_TRUE(net_.Link("a", "c"));
  ASSERT_TRUE(net_.Link("b", "d"));
  ASSERT_TRUE(net_.Link("c", "d"));
  net_.scheduler().RunUntil(net_.clock().Now() + absl::Minutes(1));
  SimHub* a = net_.hub("a");
  SimHub* b = net_.hub("b");
  SimHub* c = net_.hub("c");
  SimHub* d = net_.hub("d");
  // D misses the announces of B and C.
  net_.SetDown("d", true);
  Publish(a, "org", "Water Point");
  net_.scheduler().RunUntil(net_.clock().Now() + absl::Seconds(10));
  ASSERT_EQ(NameAt(c, a, "org"), "Water Point");
  ASSERT_EQ(NameAt(d, a, "org"), "");
  net_.SetDown("d", false);
  // B announces first, then goes down before D's fetch reaches it.
  net_.SetDown("b", true);
  auto held = a->store->Get(a->key.public_key().bytes(), "org");
  ASSERT_OK(held);
  v1::AnnounceRequest announce;
  v1::SequenceRef* ref = announce.add_records();
  ref->set_origin(a->key.public_key().bytes());
  ref->set_sequence((*held)->body.sequence());
  ASSERT_OK(d->federation->HandleAnnounce(b->key.public_key(), announce));
  ASSERT_OK(d->federation->HandleAnnounce(c->key.public_key(), announce));
  EXPECT_TRUE(RunUntil([&] { return NameAt(d, a, "org") == "Water Point"; },
                       absl::Seconds(30)));

  // A malformed reference is refused, naming it.
  ref->set_origin("short");
  absl::StatusOr<v1::AnnounceResponse> bad =
      d->federation->HandleAnnounce(c->key.public_key(), announce);
  EXPECT_STATUS(bad.status(), absl::StatusCode::kInvalidArgument,
                "records[0].origin");
}

TEST(SimNetworkTest, NarrowLinksTakeLongerToCatchUp) {
  testing::TempDir dir;
  const absl::Duration wide = CatchUpTime(dir.Sub("wide"), 0);
  const absl::Duration narrow =
      CatchUpTime(dir.Sub("narrow"), 20000);  // 20 kB/s
  // About 40 kB of records cross the link: about 2 s at 20 kB/s.
  EXPECT_GT(narrow, wide + absl::Seconds(1)) << wide << " vs " << narrow;
}

TEST_F(FederationTest, IdleRoundCostsFewDozenBytes) {
  Add("a");
  Add("b");
  ASSERT_TRUE(net_.Link("a", "b"));
  Publish(net_.hub("a"), "x", "X");
  net_.scheduler().RunUntil(net_.clock().Now() + absl::Seconds(30));
  sim::TrafficCounters before = net_.traffic();
  net_.scheduler().RunUntil(net_.clock().Now() + absl::Seconds(60));
  sim::TrafficCounters after = net_.traffic();
  const uint64_t calls = after.calls - before.calls;
  ASSERT_GT(calls, 10u);  // About 12 rounds each way per minute.
  EXPECT_LE((after.request_bytes - before.request_bytes) / calls, 64u);
  EXPECT_LE((after.response_bytes - before.response_bytes) / calls, 64u);
}

TEST_F(FederationTest, RecordsOfOriginsOutsideTheNetworkAreRefused) {
  SimHub* a = Add("a");
  SimHub* b = Add("b");
  ASSERT_TRUE(net_.Link("a", "b"));
  // A record signed by a hub no one linked to, relayed by B.
  crypto::PrivateKey stranger = testing::NewKey();
  v1::PushRequest push;
  *push.add_records() = testing::SignedOrg(stranger, "intruder", 1, 1);
  absl::StatusOr<v1::PushResponse> r =
      a->federation->HandlePush(b->key.public_key(), push);
  ASSERT_OK(r);
  EXPECT_EQ(r->applied(), 0u);
  auto held = a->store->Get(stranger.public_key().bytes(), "intruder");
  ASSERT_OK(held);
  EXPECT_FALSE(held->has_value());
  // Pushes from a hub without a link are refused outright.
  EXPECT_EQ(
      a->federation->HandlePush(stranger.public_key(), push).status().code(),
      absl::StatusCode::kPermissionDenied);
}

TEST_F(FederationTest, BlockedOriginIsPurgedAndNotForwarded) {
  SimHub* a = Add("a");
  SimHub* b = Add("b");
  SimHub* c = Add("c");
  ASSERT_TRUE(net_.Link("a", "b"));
  ASSERT_TRUE(net_.Link("b", "c"));
  Publish(a, "spam", "Spam Org");
  ASSERT_TRUE(RunUntil([&] { return !NameAt(b, a, "spam").empty(); }));
  absl::StatusOr<uint64_t> purged =
      b->federation->Block(a->key.public_key().HubId());
  ASSERT_OK(purged);
  EXPECT_GE(*purged, 1u);
  EXPECT_EQ(NameAt(b, a, "spam"), "");
  Publish(a, "spam2", "More Spam");
  net_.scheduler().RunUntil(net_.clock().Now() + absl::Seconds(60));
  EXPECT_EQ(NameAt(b, a, "spam2"), "");
  // C's only path to A runs through B, which no longer forwards A.
  EXPECT_EQ(NameAt(c, a, "spam2"), "");
  ASSERT_OK(b->federation->Unblock(a->key.public_key().HubId()));
  ASSERT_TRUE(RunUntil([&] { return NameAt(b, a, "spam2") == "More Spam"; }));
}

TEST_F(FederationTest, ForkIsFlaggedAndFirstBodyKept) {
  SimHub* a = Add("a");
  SimHub* b = Add("b");
  ASSERT_TRUE(net_.Link("a", "b"));
  Publish(a, "org", "Honest");
  ASSERT_TRUE(RunUntil([&] { return NameAt(b, a, "org") == "Honest"; }));
  auto held = a->store->Get(a->key.public_key().bytes(), "org");
  ASSERT_OK(held);
  // A second body for the same (origin, sequence), signed by A's key.
  v1::RecordBody forged = (*held)->body;
  forged.mutable_organization()->mutable_names(0)->set_text("Equivocated");
  v1::PushRequest push;
  *push.add_records() = testing::SignBody(a->key, forged);
  ASSERT_OK(b->federation->HandlePush(a->key.public_key(), push));
  EXPECT_EQ(NameAt(b, a, "org"), "Honest");
  absl::StatusOr<v1::Network> network = b->federation->GetNetwork();
  ASSERT_OK(network);
  bool flagged = false;
  for (const auto& h : network->hubs()) {
    if (h.hub_id() == a->key.public_key().HubId()) flagged = h.forked();
  }
  EXPECT_TRUE(flagged);
  absl::StatusOr<std::vector<v1::Peer>> peers = b->federation->ListPeers();
  ASSERT_OK(peers);
  ASSERT_EQ(peers->size(), 1u);
  ASSERT_EQ((*peers)[0].forked_origins_size(), 1);
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

// When `hub` last completed a round with `peer` (InfinitePast if never).
absl::Time LastSync(SimHub* hub, SimHub* peer) {
  absl::StatusOr<std::vector<v1::Peer>> peers = hub->federation->ListPeers();
  if (peers.ok()) {
    for (const v1::Peer& p : *peers) {
      if (p.hub_id() == peer->key.public_key().HubId() &&
          p.last_sync().seconds() != 0) {
        return absl::FromUnixSeconds(p.last_sync().seconds());
      }
    }
  }
  return absl::InfinitePast();
}

// A link removed and made again while a round of the old link is still
// out: the new link's rounds start when that round's reply comes back (the
// new link's first round cannot overtake it).
TEST(FederationRelinkTest, RoundsResumeWhenALinkIsMadeAgainMidRound) {
  testing::TempDir dir;
  sim::SimOptions options;
  options.dir = dir.path();
  options.seed = 5;
  options.timeout = absl::Seconds(10);  // A lost round stays out this long.
  SimNetwork net(options);
  SimHub* a = net.AddHub("a");
  SimHub* b = net.AddHub("b");
  ASSERT_TRUE(net.Link("a", "b"));
  auto run_until = [&](const std::function<bool()>& done) {
    return net.scheduler().RunUntil(done, net.clock().Now() + absl::Minutes(2));
  };
  // B's next round is lost on its way: it stays out for 10 s.
  net.Partition({{"a"}, {"b"}});
  net.scheduler().RunUntil(net.clock().Now() + absl::Seconds(7));
  net.Heal();
  const std::string a_id = a->key.public_key().HubId();
  const std::string b_id = b->key.public_key().HubId();
  ASSERT_OK(b->federation->RemovePeer(a_id));
  ASSERT_TRUE(run_until(
      [&] { return a->federation->CountPeers(v1::PEER_STATE_REMOVED) == 1; }));
  b->federation->AddPeer(a->address, a_id, [](absl::StatusOr<v1::Peer>) {});
  ASSERT_TRUE(run_until([&] { return !a->federation->ListPending().empty(); }));
  ASSERT_OK(a->federation->ApprovePeer(b_id));
  ASSERT_TRUE(run_until(
      [&] { return b->federation->CountPeers(v1::PEER_STATE_ACTIVE) == 1; }));
  const absl::Time relinked = net.clock().Now();
  EXPECT_TRUE(run_until([&] { return LastSync(b, a) > relinked; }))
      << "B's rounds with A did not resume after the link was made again";
}

// `origin`'s link record about its link `link_id` with `peer`, at
// `sequence`, carrying `peer`'s signature of the link.
v1::SignedRecord LinkRecord(const crypto::PrivateKey& origin,
                            const crypto::PrivateKey& peer,
                            const std::string& link_id, uint64_t sequence) {
  v1::RecordBody body;
  body.set_origin(origin.public_key().bytes());
  body.set_record_id(
      absl::StrCat(node::kLinkRecordPrefix, peer.public_key().HubId()));
  body.set_version(1);
  body.set_sequence(sequence);
  body.mutable_issued_at()->set_seconds(
      absl::ToUnixSeconds(testing::TestNow()));
  v1::PeerLink* link = body.mutable_peer_link();
  link->set_peer(peer.public_key().HubId());
  link->set_link_id(link_id);
  link->set_peer_signature(
      *peer.Sign(crypto::SigningDomain::kLink,
                 LinkStatement(link_id, peer.public_key().bytes(),
                               origin.public_key().bytes())));
  return testing::SignBody(origin, body);
}

// Link records arriving on several connections at once (as gRPC delivers
// them) each rebuild trust; whatever the interleaving, the trust that stays
// is computed from every record stored. (A rebuild that read the store
// before another's records and finished after it used to win, leaving
// their origins refused until the next link change.)
TEST_F(FederationTest, ConcurrentLinkRecordsAllCountInTrust) {
  SimHub* b = Add("b");
  SimHub* c = Add("c");
  ASSERT_TRUE(net_.Link("b", "c"));
  constexpr int kThreads = 8;
  constexpr int kLinksPerThread = 2;
  uint64_t b_sequence = 1000;  // Far above B's own.
  for (int round = 0; round < 10; ++round) {
    std::vector<crypto::PrivateKey> hubs;
    std::vector<std::vector<v1::PushRequest>> pushes(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      for (int i = 0; i < kLinksPerThread; ++i) {
        // A new hub X linked to B: X's link record and B's, in one push.
        hubs.push_back(testing::NewKey());
        const std::string link_id(node::kLinkIdBytes,
                                  static_cast<char>('a' + t + i));
        v1::PushRequest push;
        *push.add_records() = LinkRecord(hubs.back(), b->key, link_id, 1);
        *push.add_records() =
            LinkRecord(b->key, hubs.back(), link_id, ++b_sequence);
        pushes[t].push_back(std::move(push));
      }
    }
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (const v1::PushRequest& push : pushes[t]) {
          absl::StatusOr<v1::PushResponse> r =
              c->federation->HandlePush(b->key.public_key(), push);
          EXPECT_TRUE(r.ok()) << r.status();
        }
      });
    }
    for (std::thread& t : threads) t.join();
    for (const crypto::PrivateKey& x : hubs) {
      ASSERT_TRUE(c->trust->Trusted(x.public_key().bytes()))
          << "round " << round << ": " << x.public_key().HubId()
          << " is linked to B by records C holds, but C does not trust it";
    }
  }
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

// The federation port's receive limit takes the largest legitimate
// messages: a full Push, and a Sync stating 100,000 origins.
TEST(InboundLimitTest, FitsAFullPushAndALargeVector) {
  v1::PushRequest push;
  for (size_t i = 0; i < FederationOptions().push_batch; ++i) {
    v1::SignedRecord* r = push.add_records();
    r->set_body(std::string(crypto::kMaxBodyBytes, 'x'));
    r->set_signature(std::string(64, 's'));
  }
  EXPECT_EQ(push.ByteSizeLong(), 4199040u);
  EXPECT_LE(push.ByteSizeLong(), size_t{kMaxInboundMessageBytes});
  v1::SyncRequest sync;
  sync.set_vector_digest(std::string(16, 'd'));
  sync.set_full(true);
  for (int i = 0; i < 100000; ++i) {
    v1::OriginWatermark* w = sync.add_changes();
    w->set_origin(std::string(32, static_cast<char>(i)));
    w->set_sequence(UINT64_MAX);
  }
  EXPECT_LE(sync.ByteSizeLong(), size_t{kMaxInboundMessageBytes});
}

// ssb-db#134: a node that lost its state forked itself. Here the hub gets
// its own records back from its peer before it publishes anything.
TEST_F(FederationTest, HubThatLostItsStoreRecoversItsSequenceWithoutForking) {
  SimHub* a = Add("a");
  SimHub* b = Add("b");
  ASSERT_TRUE(net_.Link("a", "b"));
  for (int i = 0; i < 5; ++i)
    Publish(a, absl::StrCat("org", i), absl::StrCat("Org ", i));
  ASSERT_TRUE(
      RunUntil([&] { return b->store->counters().organizations() == 5; }));
  auto before = a->store->GetOriginState(a->key.public_key().bytes());
  ASSERT_OK(before);

  a = net_.Restart("a", /*wipe_store=*/true);
  ASSERT_NE(a, nullptr);
  bool added = false;
  a->federation->AddPeer(b->address, b->key.public_key().HubId(),
                         [&](absl::StatusOr<v1::Peer> p) {
                           added = true;
                           ASSERT_TRUE(p.ok()) << p.status();
                           // B still has the link: re-adding is accepted at
                           // once.
                           EXPECT_EQ(p->state(), v1::PEER_STATE_ACTIVE);
                         });
  ASSERT_TRUE(RunUntil(
      [&] { return added && a->store->counters().organizations() == 5; }));
  ASSERT_TRUE(RunUntil([&] {
    auto own = a->store->GetOriginState(a->key.public_key().bytes());
    return own.ok() && own->max_sequence() >= before->max_sequence();
  }));
  Publish(a, "after", "After The Loss");
  ASSERT_TRUE(
      RunUntil([&] { return NameAt(b, a, "after") == "After The Loss"; }));
  auto at_b = b->store->GetOriginState(a->key.public_key().bytes());
  ASSERT_OK(at_b);
  EXPECT_EQ(at_b->forks(), 0u) << "the hub forked itself";
}

TEST_F(FederationTest, RestartKeepsLinksAndCatchesUp) {
  SimHub* a = Add("a");
  SimHub* b = Add("b");
  ASSERT_TRUE(net_.Link("a", "b"));
  b = net_.Restart("b", /*wipe_store=*/false);
  EXPECT_EQ(b->federation->CountPeers(v1::PEER_STATE_ACTIVE), 1u);
  Publish(a, "later", "Published While B Restarted");
  ASSERT_TRUE(RunUntil(
      [&] { return NameAt(b, a, "later") == "Published While B Restarted"; }));
}

}  // namespace
}  // namespace civhub::federation
