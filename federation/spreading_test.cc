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

// A hub receiving far more records than an announce queue holds (16 here)
// drops the announces past the bound, and counts them; its peers still get
// every record, from their rounds.
TEST_F(FederationTest, AnnounceQueueStaysWithinItsBoundAndPeersConverge) {
  FederationOptions options;
  options.max_announce_queue = 16;
  for (const char* name : {"a", "b", "c", "d"}) {
    ASSERT_NE(net_.AddHub(name, options), nullptr);
  }
  ASSERT_TRUE(net_.Link("a", "b"));
  ASSERT_TRUE(net_.Link("b", "c"));
  ASSERT_TRUE(net_.Link("b", "d"));
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
  // B pushes nothing of A's and announces everything it received: C and D
  // hold all of A's records once their watermark reaches A's last.
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
  const auto counters = net_.hub("b")->federation->GetAnnounceCounters();
  for (const char* name : {"c", "d"}) {
    auto it = counters.find(net_.hub(name)->key.public_key().HubId());
    ASSERT_NE(it, counters.end()) << name;
    EXPECT_EQ(it->second.queue_high_water, 16u) << name;
    EXPECT_GT(it->second.dropped, 0u) << name;
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
