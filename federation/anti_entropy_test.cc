// AntiEntropy alone (AntiEntropyAlone: this test plays the peer and the
// Host): a Sync answered within its limits and the caller's vector
// mirrored, a round's whole vector first and then only what changed,
// backoff, a peer without the link, a reply's records stored and the
// watermark stopped before a refused one. Then on the simulated network,
// composed by Federation: catching up after a restart or a loss, watermarks,
// the cost of an idle round, rounds across a link made again.
#include "federation/anti_entropy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/record_signing.h"
#include "federation/federation.h"
#include "federation/federation_test_fixture.h"
#include "federation/part_test_fixture.h"
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

// What AntiEntropy asked of its Host.
class KeepingHost : public AntiEntropy::Host {
 public:
  absl::Status RequireActiveLocked(const crypto::PublicKey&) override {
    return active;
  }
  void EndLinkByPeer(const std::string& peer,
                     const std::string& reason) override {
    ended.emplace_back(peer, reason);
  }
  void RebuildTrust() override { ++rebuilds; }
  void PublishSystemRecords() override { ++publishes; }
  void Relay(const std::vector<v1::SignedRecord>&,
             const std::vector<RecordKey>& keys, const std::string&) override {
    relayed.insert(relayed.end(), keys.begin(), keys.end());
  }

  absl::Status active = absl::OkStatus();
  std::vector<std::pair<std::string, std::string>> ended;
  int rebuilds = 0;
  int publishes = 0;
  std::vector<RecordKey> relayed;
};

class AntiEntropyAlone : public PartTest {
 protected:
  KeepingHost host_;
  AntiEntropy part_{&host_,      shared_.get(), hub_.get(), &trust_,
                    &scheduler_, &transport_,   &options_,  self()};
};

TEST_F(AntiEntropyAlone, SyncSendsWhatTheCallerLacksWithinItsLimits) {
  for (int i = 0; i < 3; ++i) Publish(absl::StrCat("org", i));
  absl::StatusOr<Vector> ours = part_.CurrentVector();
  ASSERT_OK(ours);
  ASSERT_EQ(ours->at(self()), 3u);

  // A caller holding nothing, taking two records per reply.
  v1::SyncRequest first;
  first.set_full(true);
  first.set_vector_digest(Digest(Vector()));
  first.set_max_records(2);
  absl::StatusOr<v1::SyncResponse> reply = part_.HandleSync(peer(), first);
  ASSERT_OK(reply);
  ASSERT_EQ(reply->records_size(), 2);
  EXPECT_TRUE(reply->more());
  // What the reply covers is implied by the records it carries.
  EXPECT_EQ(reply->covered_size(), 0);

  // Its next round tells nothing new (it holds what it was sent): the
  // mirror of its vector rebuilds the digest, and the rest follows.
  v1::SyncRequest second;
  second.set_vector_digest(Digest(Vector{{self(), 2}}));
  reply = part_.HandleSync(peer(), second);
  ASSERT_OK(reply);
  EXPECT_FALSE(reply->need_full_vector());
  ASSERT_EQ(reply->records_size(), 1);
  EXPECT_FALSE(reply->more());

  // A digest the mirror does not give: the whole vector is asked for.
  v1::SyncRequest stale;
  stale.set_vector_digest(Digest(Vector{{self(), 1}}));
  reply = part_.HandleSync(peer(), stale);
  ASSERT_OK(reply);
  EXPECT_TRUE(reply->need_full_vector());
  EXPECT_EQ(reply->records_size(), 0);

  // No link: the Host's error, nothing served.
  host_.active = absl::PermissionDeniedError("no active link");
  EXPECT_EQ(part_.HandleSync(peer(), first).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(AntiEntropyAlone, RoundsSendTheWholeVectorFirstThenOnlyWhatChanged) {
  Publish("org0");
  AddActive(peer());
  part_.ScheduleRound(peer().bytes(), absl::ZeroDuration());
  RunFor(absl::ZeroDuration());
  ASSERT_EQ(transport_.syncs.size(), 1u);
  EXPECT_EQ(transport_.syncs[0].to.address, "peer:7341");
  EXPECT_TRUE(transport_.syncs[0].request.full());
  EXPECT_EQ(transport_.syncs[0].request.changes_size(), 1);

  // A failure is shown and retried after the interval (jittered ±20%),
  // with the whole vector again (the peer may have restarted).
  transport_.syncs[0].reply(absl::UnavailableError("down"));
  EXPECT_EQ(Row(peer()).last_error(), "sync: down");
  const absl::Time failed = clock_.Now();
  scheduler_.RunUntil(failed + options_.sync_interval * 0.79);
  EXPECT_EQ(transport_.syncs.size(), 1u);
  scheduler_.RunUntil(failed + options_.sync_interval * 1.21);
  ASSERT_EQ(transport_.syncs.size(), 2u);
  EXPECT_TRUE(transport_.syncs[1].request.full());

  // Answered: the error clears, and the next round, one interval later,
  // is idle: no change to tell, only the digest.
  transport_.syncs[1].reply(v1::SyncResponse());
  EXPECT_EQ(Row(peer()).last_error(), "");
  EXPECT_NE(Row(peer()).last_sync_micros(), 0);
  const absl::Time answered = clock_.Now();
  scheduler_.RunUntil(answered + options_.sync_interval * 0.79);
  EXPECT_EQ(transport_.syncs.size(), 2u);
  scheduler_.RunUntil(answered + options_.sync_interval * 1.21);
  ASSERT_EQ(transport_.syncs.size(), 3u);
  const v1::SyncRequest& idle = transport_.syncs[2].request;
  EXPECT_FALSE(idle.full());
  EXPECT_EQ(idle.changes_size(), 0);
  absl::StatusOr<Vector> ours = part_.CurrentVector();
  ASSERT_OK(ours);
  EXPECT_EQ(idle.vector_digest(), Digest(*ours));
  EXPECT_LT(idle.ByteSizeLong(), 40u);
}

TEST_F(AntiEntropyAlone, APeerWithoutTheLinkEndsItAndItsRoundsStop) {
  AddActive(peer());
  part_.ScheduleRound(peer().bytes(), absl::ZeroDuration());
  RunFor(absl::ZeroDuration());
  ASSERT_EQ(transport_.syncs.size(), 1u);
  transport_.syncs[0].reply(absl::PermissionDeniedError("no active link"));
  ASSERT_EQ(host_.ended.size(), 1u);
  EXPECT_EQ(host_.ended[0].first, peer().bytes());
  EXPECT_EQ(host_.ended[0].second, "removed by the peer (no active link)");
  RunFor(absl::Minutes(5));
  EXPECT_EQ(transport_.syncs.size(), 1u);
}

TEST_F(AntiEntropyAlone, ReplyIsStoredAndRelayedUpToItsFirstRefusedRecord) {
  crypto::PrivateKey other = testing::NewKey();
  const std::string origin = other.public_key().bytes();
  trust_.AssumeTrusted(
      std::make_shared<const std::set<std::string>>(std::set{origin}));
  AddActive(peer());
  part_.ScheduleRound(peer().bytes(), absl::ZeroDuration());
  RunFor(absl::ZeroDuration());
  ASSERT_EQ(transport_.syncs.size(), 1u);

  v1::SyncResponse reply;
  *reply.add_records() = testing::SignedOrg(other, "org1", 1, 1);
  *reply.add_records() = testing::SignedOrg(other, "org2", 1, 2);
  v1::SignedRecord forged = testing::SignedOrg(other, "org3", 1, 3);
  forged.set_signature(std::string(64, 'x'));
  *reply.add_records() = forged;
  *reply.add_records() = testing::SignedOrg(other, "org4", 1, 4);
  transport_.syncs[0].reply(reply);

  // Stored and offered to others: all but the forged one.
  ASSERT_EQ(host_.relayed.size(), 3u);
  EXPECT_EQ(host_.relayed[2], RecordKey(origin, 4));
  // The watermark stops before the refused record: fetched again later.
  absl::StatusOr<storage::OriginState> state = store_->GetOriginState(origin);
  ASSERT_OK(state);
  EXPECT_EQ(state->complete_through(), 2u);
  EXPECT_TRUE(
      absl::StrContains(Row(peer()).last_error(), "sync: refused 1 records"))
      << Row(peer()).last_error();

  // The next round corrects what the peer took this hub to hold (all it
  // sent): this hub holds origin's records through 2 only.
  RunFor(options_.sync_interval * 1.21);
  ASSERT_EQ(transport_.syncs.size(), 2u);
  const v1::SyncRequest& next = transport_.syncs[1].request;
  EXPECT_FALSE(next.full());
  ASSERT_EQ(next.changes_size(), 1);
  EXPECT_EQ(next.changes(0).origin(), origin);
  EXPECT_EQ(next.changes(0).sequence(), 2u);
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

// A and B hold `records` of A's; N, new, is linked to both and pulls them
// in ranges of 50 (sync_max_records). Returns N.
class PullTest : public FederationTest {
 protected:
  SimHub* NewHubBehindTwoPeers(int records) {
    FederationOptions options;
    options.sync_max_records = 50;
    for (const char* name : {"a", "b", "n"}) {
      EXPECT_NE(net_.AddHub(name, options), nullptr);
    }
    a_ = net_.hub("a");
    b_ = net_.hub("b");
    EXPECT_TRUE(net_.Link("a", "b"));
    for (int i = 0; i < records; ++i) {
      Publish(a_, absl::StrCat("org", i), absl::StrCat("Org ", i));
    }
    EXPECT_TRUE(RunUntil([&] {
      return b_->store->counters().organizations() ==
             static_cast<uint64_t>(records);
    }));
    auto own = a_->store->GetOriginState(origin());
    EXPECT_TRUE(own.ok());
    last_ = own->max_sequence();
    // Pushes still queued at A when B has them all (B's rounds were
    // faster) go first.
    net_.scheduler().RunUntil(net_.clock().Now() + absl::Seconds(30));
    before_ = net_.traffic();
    EXPECT_TRUE(net_.Link("n", "a"));
    EXPECT_TRUE(net_.Link("n", "b"));
    return net_.hub("n");
  }

  std::string origin() const { return a_->key.public_key().bytes(); }

  // N holds A's whole prefix (A publishes link records after it).
  bool CaughtUp(SimHub* n) {
    auto state = n->store->GetOriginState(origin());
    return state.ok() && state->complete_through() >= last_;
  }

  SimHub* a_ = nullptr;
  SimHub* b_ = nullptr;
  uint64_t last_ = 0;
  sim::TrafficCounters before_;
};

TEST_F(PullTest, NewHubPullsABacklogFromEveryPeerPipelinedOnce) {
  constexpr int kRecords = 600;
  SimHub* n = NewHubBehindTwoPeers(kRecords);
  ASSERT_TRUE(RunUntil([&] { return CaughtUp(n); }));
  EXPECT_EQ(n->store->counters().organizations(), uint64_t{kRecords});
  Pull::Counters c = n->federation->GetPullCounters();
  // Several ranges out at once, from both peers.
  EXPECT_GT(c.most_outstanding, 2u);
  EXPECT_GT(c.asked_of[origin()], 0u);
  EXPECT_GT(c.asked_of[b_->key.public_key().bytes()], 0u);
  EXPECT_EQ(c.ranges_failed, 0u);
  // Each record about once: at most the first round's 50 from each peer
  // (sent before the pull started) twice, plus the hubs' link records.
  net_.scheduler().RunUntil(net_.clock().Now() + absl::Seconds(30));
  EXPECT_LE(net_.traffic().records_sent - before_.records_sent,
            uint64_t{kRecords + 2 * 50 + 20});
}

TEST_F(PullTest, RangesOfAPeerThatGoesDownAreAskedOfAnother) {
  constexpr int kRecords = 600;
  SimHub* n = NewHubBehindTwoPeers(kRecords);
  ASSERT_TRUE(RunUntil([&] {
    return n->federation->GetPullCounters().ranges_asked > 0 &&
           n->store->counters().organizations() >= 100;
  }));
  ASSERT_LT(n->store->counters().organizations(), uint64_t{kRecords});
  net_.SetDown("a", true);
  ASSERT_TRUE(RunUntil([&] { return CaughtUp(n); }));
  EXPECT_EQ(n->store->counters().organizations(), uint64_t{kRecords});
  EXPECT_GT(n->federation->GetPullCounters().ranges_failed, 0u);
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
  // At least: A republishes its link record once it has measured the
  // link's latency.
  ASSERT_TRUE(RunUntil([&] {
    auto at_b = b->store->GetOriginState(origin);
    return at_b.ok() && at_b->complete_through() >= a_state->max_sequence();
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
    return at_c.ok() && at_c->complete_through() >= a_state->max_sequence();
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

}  // namespace
}  // namespace civhub::federation
