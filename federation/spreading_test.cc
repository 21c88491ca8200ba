// Spreading alone (SpreadingAlone: this test plays the peers and the
// Host): own records pushed, others announced, not back to where they came
// from; an announced record fetched from one announcer at a time, the next
// one asked when it fails or is slow; fetches served and bad references
// refused. Then on the simulated network, composed by Federation: records
// crossing two hops, each body received about once, fetch falling back to
// the next announcer; the largest push fits the inbound limit.
#include "federation/spreading.h"

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

// What Spreading asked of its Host: fetched records are taken as stored.
class KeepingSpreadingHost : public Spreading::Host {
 public:
  Applied ApplyFetched(
      const std::string&,
      const google::protobuf::RepeatedPtrField<v1::SignedRecord>& records)
      override {
    Applied applied;
    for (const v1::SignedRecord& r : records) {
      applied.keys.push_back(ReadKey(r));
      applied.relay.push_back(r);
      applied.relay_keys.push_back(ReadKey(r));
    }
    fetched += records.size();
    return applied;
  }
  void NoteCallError(const std::string&, absl::string_view what,
                     const absl::Status& status) override {
    errors.push_back(absl::StrCat(what, ": ", status.message()));
  }

  int fetched = 0;
  std::vector<std::string> errors;
};

class SpreadingAlone : public PartTest {
 protected:
  v1::AnnounceRequest Announce(const std::string& origin, uint64_t sequence) {
    v1::AnnounceRequest request;
    v1::SequenceRef* ref = request.add_records();
    ref->set_origin(origin);
    ref->set_sequence(sequence);
    return request;
  }

  KeepingSpreadingHost host_;
  Spreading part_{&host_,      shared_.get(), store_.get(), &clock_,
                  &scheduler_, &transport_,   &options_,    self()};
  crypto::PrivateKey second_key_ = testing::NewKey();
  const crypto::PublicKey& second() const { return second_key_.public_key(); }
  crypto::PrivateKey origin_key_ = testing::NewKey();
  const std::string origin_ = origin_key_.public_key().bytes();
};

TEST_F(SpreadingAlone, OwnRecordsArePushedOthersAnnouncedNotBackToTheSender) {
  AddActive(peer());
  const v1::SignedRecord own = testing::SignedOrg(key_, "org1", 1, 1);
  const v1::SignedRecord relayed =
      testing::SignedOrg(origin_key_, "org1", 1, 1);
  part_.Relay({own, relayed}, {{self(), 1}, {origin_, 1}}, /*except=*/"");
  ASSERT_EQ(transport_.pushes.size(), 1u);
  ASSERT_EQ(transport_.pushes[0].request.records_size(), 1);
  EXPECT_EQ(transport_.pushes[0].request.records(0).body(), own.body());
  ASSERT_EQ(transport_.announces.size(), 1u);
  ASSERT_EQ(transport_.announces[0].request.records_size(), 1);
  EXPECT_EQ(transport_.announces[0].request.records(0).origin(), origin_);
  EXPECT_EQ(transport_.announces[0].request.records(0).sequence(), 1u);
  transport_.announces[0].reply(v1::AnnounceResponse());

  // A record the peer itself sent is not announced back to it.
  const v1::SignedRecord next = testing::SignedOrg(origin_key_, "org2", 1, 2);
  part_.Relay({next}, {{origin_, 2}}, /*except=*/peer().bytes());
  EXPECT_EQ(transport_.announces.size(), 1u);
  part_.Relay({next}, {{origin_, 2}}, /*except=*/"");
  EXPECT_EQ(transport_.announces.size(), 2u);
}

TEST_F(SpreadingAlone, AnnouncedRecordIsFetchedFromOneAnnouncerAtATime) {
  AddActive(peer());
  AddActive(second());
  ASSERT_OK(part_.HandleAnnounce(peer().bytes(), Announce(origin_, 1)));
  ASSERT_OK(part_.HandleAnnounce(second().bytes(), Announce(origin_, 1)));
  ASSERT_EQ(transport_.fetches.size(), 1u);
  EXPECT_EQ(transport_.fetches[0].to.key.bytes(), peer().bytes());

  // The first announcer fails: the next is asked.
  transport_.fetches[0].reply(absl::UnavailableError("gone"));
  EXPECT_EQ(host_.errors, std::vector<std::string>{"fetch: gone"});
  ASSERT_EQ(transport_.fetches.size(), 2u);
  EXPECT_EQ(transport_.fetches[1].to.key.bytes(), second().bytes());
  v1::FetchResponse response;
  *response.add_records() = testing::SignedOrg(origin_key_, "org1", 1, 1);
  transport_.fetches[1].reply(response);
  EXPECT_EQ(host_.fetched, 1);
  // Settled: nobody is asked again.
  RunFor(absl::Seconds(10));
  EXPECT_EQ(transport_.fetches.size(), 2u);
}

TEST_F(SpreadingAlone, SlowAnnouncerIsHedgedWithTheNext) {
  AddActive(peer());
  AddActive(second());
  ASSERT_OK(part_.HandleAnnounce(peer().bytes(), Announce(origin_, 1)));
  ASSERT_OK(part_.HandleAnnounce(second().bytes(), Announce(origin_, 1)));
  ASSERT_EQ(transport_.fetches.size(), 1u);
  // No round trip measured yet: a second's wait, then the next announcer.
  RunFor(absl::Milliseconds(900));
  EXPECT_EQ(transport_.fetches.size(), 1u);
  RunFor(absl::Milliseconds(200));
  ASSERT_EQ(transport_.fetches.size(), 2u);
  EXPECT_EQ(transport_.fetches[1].to.key.bytes(), second().bytes());
}

TEST_F(SpreadingAlone, FetchServesWhatIsHeldAndBadReferencesAreRefused) {
  Publish("org0");
  v1::FetchRequest request;
  for (uint64_t sequence : {1, 2}) {
    v1::SequenceRef* ref = request.add_records();
    ref->set_origin(self());
    ref->set_sequence(sequence);
  }
  absl::StatusOr<v1::FetchResponse> fetched = part_.HandleFetch(request);
  ASSERT_OK(fetched);
  EXPECT_EQ(fetched->records_size(), 1);  // Sequence 2 is not held.

  request.mutable_records(1)->set_origin("short");
  EXPECT_EQ(part_.HandleFetch(request).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::Status announced =
      part_.HandleAnnounce(peer().bytes(), Announce("short", 1)).status();
  EXPECT_EQ(announced.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(announced.message(), "records[0].origin"))
      << announced;
  EXPECT_TRUE(transport_.fetches.empty());
}

// Spreading with the links known (TrustGraph::AssumeGraph). The origin O
// reaches this hub M through P (10 + 10 ms) sooner than through S
// (10 + 25 ms): P is M's parent in O's tree. C hangs under M.
class SpreadingInTree : public SpreadingAlone {
 protected:
  SpreadingInTree() {
    auto ms = [](int n) { return absl::Milliseconds(n); };
    trust_.AssumeGraph(std::make_shared<LinkGraph>(
        std::vector<LinkGraph::Link>{{origin_, peer().bytes(), ms(10)},
                                     {peer().bytes(), self(), ms(10)},
                                     {origin_, second().bytes(), ms(10)},
                                     {second().bytes(), self(), ms(25)},
                                     {self(), third().bytes(), ms(10)}}));
    AddActive(peer());
    AddActive(second());
    AddActive(third());
  }

  // The peers' addresses are all "peer:7341": calls tell them by key.
  template <typename Call>
  static std::set<std::string> To(const std::vector<Call>& calls) {
    std::set<std::string> out;
    for (const Call& c : calls) out.insert(c.to.key.bytes());
    return out;
  }

  crypto::PrivateKey third_key_ = testing::NewKey();
  const crypto::PublicKey& third() const { return third_key_.public_key(); }
  Spreading tree_part_{&host_,    shared_.get(), store_.get(),
                       &clock_,   &scheduler_,   &transport_,
                       &options_, self(),        &trust_};
};

TEST_F(SpreadingInTree, RecordsArePushedToTreeChildrenAndAnnouncedToOthers) {
  const v1::SignedRecord relayed =
      testing::SignedOrg(origin_key_, "org1", 1, 1);
  tree_part_.Relay({relayed}, {{origin_, 1}}, /*except=*/peer().bytes());
  // C, M's only child in O's tree, gets the body; S, a peer off the tree,
  // an announce; P, the parent it came from, nothing.
  EXPECT_EQ(To(transport_.pushes), std::set<std::string>{third().bytes()});
  EXPECT_EQ(To(transport_.announces), std::set<std::string>{second().bytes()});

  // M's own record: M's tree is a star here, every peer a child.
  const v1::SignedRecord own = testing::SignedOrg(key_, "org1", 1, 1);
  transport_.pushes[0].reply(v1::PushResponse());  // One in flight a peer.
  transport_.announces[0].reply(v1::AnnounceResponse());
  transport_.pushes.clear();
  transport_.announces.clear();
  tree_part_.Relay({own}, {{self(), 1}}, /*except=*/"");
  EXPECT_EQ(To(transport_.pushes),
            (std::set<std::string>{peer().bytes(), second().bytes(),
                                   third().bytes()}));
  EXPECT_TRUE(transport_.announces.empty());
}

TEST_F(SpreadingInTree, RepairedRecordsAreAnnouncedToChildrenNotPushed) {
  // Fetched (its push was lost): C may have fetched it elsewhere meanwhile.
  tree_part_.Relay({testing::SignedOrg(origin_key_, "org1", 1, 1)},
                   {{origin_, 1}}, /*except=*/second().bytes(),
                   /*on_tree=*/false);
  EXPECT_TRUE(transport_.pushes.empty());
  EXPECT_EQ(To(transport_.announces),
            (std::set<std::string>{peer().bytes(), third().bytes()}));
}

TEST_F(SpreadingInTree, AnnounceFromOffTheTreeWaitsForTheParentsPush) {
  ASSERT_OK(tree_part_.HandleAnnounce(second().bytes(), Announce(origin_, 1)));
  // P's push should come first: no fetch yet.
  RunFor(absl::Milliseconds(40));
  EXPECT_TRUE(transport_.fetches.empty());
  // It comes: nothing is fetched, ever.
  tree_part_.Relay({testing::SignedOrg(origin_key_, "org1", 1, 1)},
                   {{origin_, 1}}, /*except=*/peer().bytes());
  RunFor(absl::Seconds(10));
  EXPECT_TRUE(transport_.fetches.empty());
}

TEST_F(SpreadingInTree, LostPushIsRepairedFromTheAnnouncerAfterTheGrace) {
  ASSERT_OK(tree_part_.HandleAnnounce(second().bytes(), Announce(origin_, 1)));
  // No round trip to P measured yet: 50 ms of grace, then S is asked.
  RunFor(absl::Milliseconds(45));
  EXPECT_TRUE(transport_.fetches.empty());
  RunFor(absl::Milliseconds(10));
  ASSERT_EQ(transport_.fetches.size(), 1u);
  EXPECT_EQ(transport_.fetches[0].to.key.bytes(), second().bytes());
}

TEST_F(SpreadingInTree, AnnounceFromTheParentIsFetchedAtOnce) {
  ASSERT_OK(tree_part_.HandleAnnounce(peer().bytes(), Announce(origin_, 1)));
  ASSERT_EQ(transport_.fetches.size(), 1u);
  EXPECT_EQ(transport_.fetches[0].to.key.bytes(), peer().bytes());
}

TEST_F(SpreadingInTree, FailedPushIsAnnouncedSoThePeerCanFetch) {
  tree_part_.Relay({testing::SignedOrg(origin_key_, "org1", 1, 1)},
                   {{origin_, 1}}, /*except=*/peer().bytes());
  ASSERT_EQ(transport_.pushes.size(), 1u);
  const size_t announced = transport_.announces.size();
  transport_.pushes[0].reply(absl::UnavailableError("lost"));
  ASSERT_EQ(transport_.announces.size(), announced + 1);
  EXPECT_EQ(transport_.announces.back().to.key.bytes(), third().bytes());
  EXPECT_EQ(transport_.announces.back().request.records(0).origin(), origin_);
}

// A hub that knows no links (no link records yet) spreads as before trees:
// its own records pushed to every peer, others announced, announces
// fetched at once.
TEST_F(SpreadingAlone, WithoutKnownLinksOwnArePushedOthersAnnounced) {
  AddActive(peer());
  AddActive(second());
  ASSERT_EQ(trust_.Graph(), nullptr);
  Spreading with_trust{&host_,    shared_.get(), store_.get(),
                       &clock_,   &scheduler_,   &transport_,
                       &options_, self(),        &trust_};
  with_trust.Relay({testing::SignedOrg(key_, "org1", 1, 1),
                    testing::SignedOrg(origin_key_, "org1", 1, 1)},
                   {{self(), 1}, {origin_, 1}}, /*except=*/"");
  ASSERT_EQ(transport_.pushes.size(), 2u);
  for (const auto& push : transport_.pushes) {
    ASSERT_EQ(push.request.records_size(), 1);
    EXPECT_EQ(ReadKey(push.request.records(0)), RecordKey(self(), 1));
  }
  ASSERT_EQ(transport_.announces.size(), 2u);
  ASSERT_OK(with_trust.HandleAnnounce(peer().bytes(), Announce(origin_, 2)));
  EXPECT_EQ(transport_.fetches.size(), 1u);
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

// Hubs a-b-c-d in a line, and a-e-c beside it. Each hub knows every link
// once the link records have spread.
class TreeTest : public FederationTest {
 protected:
  void SetUp() override {
    for (const char* name : {"a", "b", "c", "d", "e"}) Add(name, kNoRounds);
    for (auto [x, y] : std::vector<std::pair<std::string, std::string>>{
             {"a", "b"}, {"b", "c"}, {"c", "d"}, {"a", "e"}, {"e", "c"}}) {
      ASSERT_TRUE(net_.Link(x, y)) << x << "-" << y;
    }
    ASSERT_TRUE(RunUntil([&] {
      for (const auto& [name, h] : net_.hubs()) {
        auto graph = h->trust->Graph();
        if (graph == nullptr || graph->links() != 5) return false;
      }
      return true;
    }));
    net_.scheduler().RunUntil(net_.clock().Now() + absl::Minutes(1));
    net_.SetCallObserver([this](const sim::SimNetwork::CallInfo& call) {
      if (call.method == "FetchRequest") fetches_.push_back(call.caller);
    });
  }
  std::vector<std::string> fetches_;  // Callers, in order.
};

TEST_F(TreeTest, RecordReachesThreeHopsByPushesOnlyAtOneLatencyAHop) {
  SimHub* a = net_.hub("a");
  SimHub* d = net_.hub("d");
  const sim::TrafficCounters before = net_.traffic();
  Publish(a, "org", "Water Point");
  // 3 hops of 20 ms: pushed, not announced, fetched and replied (180 ms).
  EXPECT_TRUE(RunUntil([&] { return NameAt(d, a, "org") == "Water Point"; },
                       absl::Milliseconds(60)));
  net_.scheduler().RunUntil(net_.clock().Now() + absl::Minutes(1));
  EXPECT_TRUE(fetches_.empty());
  // One body per hub: b, c, d, e.
  EXPECT_EQ(net_.traffic().records_sent - before.records_sent, 4u);
  EXPECT_EQ(net_.traffic().pushed_records - before.pushed_records, 4u);
}

TEST_F(TreeTest, LostPushIsRepairedByAnnounceAndFetch) {
  SimHub* a = net_.hub("a");
  SimHub* c = net_.hub("c");
  SimHub* d = net_.hub("d");
  const std::string origin = a->key.public_key().bytes();
  auto place = c->trust->Graph()->PlaceOf(origin, c->key.public_key().bytes());
  ASSERT_TRUE(place.has_value());
  const std::string parent =
      net_.hub("b")->key.public_key().bytes() == place->parent ? "b" : "e";
  // The push of c's parent to c is lost.
  net_.SetDropFilter([&](const sim::SimNetwork::CallInfo& call) {
    return call.caller == parent && call.callee == "c" &&
           call.method == "PushRequest";
  });
  const sim::TrafficCounters before = net_.traffic();
  Publish(a, "org", "Water Point");
  // c fetches from the other neighbour that announced it, and announces it
  // on to d (which might have fetched it elsewhere meanwhile), which
  // fetches from c: long before the lost push's 2 s timeout, with no
  // rounds.
  EXPECT_TRUE(RunUntil(
      [&] {
        return NameAt(c, a, "org") == "Water Point" &&
               NameAt(d, a, "org") == "Water Point";
      },
      absl::Milliseconds(500)));
  net_.scheduler().RunUntil(net_.clock().Now() + absl::Minutes(1));
  EXPECT_EQ(fetches_, (std::vector<std::string>{"c", "d"}));
  // One body a hub, and the one lost.
  EXPECT_EQ(net_.traffic().records_sent - before.records_sent, 5u);
}

TEST_F(TreeTest, EveryHubComputesTheSameTree) {
  for (const auto& [origin_name, origin] : net_.hubs()) {
    const std::string o = origin->key.public_key().bytes();
    int edges = 0;
    for (const auto& [name, h] : net_.hubs()) {
      const std::string self = h->key.public_key().bytes();
      auto place = h->trust->Graph()->PlaceOf(o, self);
      ASSERT_TRUE(place.has_value());
      if (place->parent.empty()) continue;
      ++edges;
      // The parent, on its own copy of the links, counts this hub a child.
      SimHub* parent = nullptr;
      for (const auto& [n, p] : net_.hubs()) {
        if (p->key.public_key().bytes() == place->parent) parent = p.get();
      }
      ASSERT_NE(parent, nullptr);
      auto up = parent->trust->Graph()->PlaceOf(o, place->parent);
      ASSERT_TRUE(up.has_value());
      EXPECT_NE(std::find(up->children.begin(), up->children.end(), self),
                up->children.end())
          << origin_name << ": " << name;
    }
    EXPECT_EQ(edges, 4) << origin_name;
  }
}

// A hub receiving far more records than an announce queue holds (16 here)
// drops the announces past the bound, and counts them; its peers still get
// every record. Here B pushes A's records to C and D (its children in A's
// tree), and C and D, linked, announce them to each other.
TEST_F(FederationTest, AnnounceQueueStaysWithinItsBoundAndPeersConverge) {
  FederationOptions options;
  options.max_announce_queue = 16;
  for (const char* name : {"a", "b", "c", "d"}) {
    ASSERT_NE(net_.AddHub(name, options), nullptr);
  }
  ASSERT_TRUE(net_.Link("a", "b"));
  ASSERT_TRUE(net_.Link("b", "c"));
  ASSERT_TRUE(net_.Link("b", "d"));
  ASSERT_TRUE(net_.Link("c", "d"));
  net_.scheduler().RunUntil(net_.clock().Now() + absl::Minutes(1));
  SimHub* a = net_.hub("a");
  constexpr int kRecords = 300;
  for (int i = 0; i < kRecords; ++i) {
    Publish(a, absl::StrCat("org-", i), absl::StrCat("Org ", i));
  }
  const std::string origin = a->key.public_key().bytes();
  auto state = a->store->GetOriginState(origin);
  ASSERT_OK(state);
  const uint64_t last = state->max_sequence();
  // C and D hold all of A's records once their watermark reaches A's last.
  ASSERT_TRUE(RunUntil([&] {
    for (const char* name : {"c", "d"}) {
      auto s = net_.hub(name)->store->GetOriginState(origin);
      if (!s.ok() || s->complete_through() < last) return false;
    }
    return true;
  }));
  for (const char* name : {"b", "c", "d"}) {
    for (int i = 0; i < kRecords; ++i) {
      ASSERT_EQ(NameAt(net_.hub(name), a, absl::StrCat("org-", i)),
                absl::StrCat("Org ", i))
          << name;
    }
  }
  for (auto [from, to] : {std::pair("c", "d"), std::pair("d", "c")}) {
    const auto counters = net_.hub(from)->federation->GetAnnounceCounters();
    auto it = counters.find(net_.hub(to)->key.public_key().HubId());
    ASSERT_NE(it, counters.end()) << from << " to " << to;
    EXPECT_EQ(it->second.queue_high_water, 16u) << from << " to " << to;
    EXPECT_GT(it->second.dropped, 0u) << from << " to " << to;
  }
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

}  // namespace
}  // namespace civhub::federation
