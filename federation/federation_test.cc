// Federation as a whole on the simulated network: trust decides which
// origins are accepted, blocking, forks, link records from many hubs at once,
// and a restart keeping its links.
#include "federation/federation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/record_signing.h"
#include "federation/federation_test_fixture.h"
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

// A need published on A reaches C through B and is found there by its
// capability's group; a registration published on C for A's event reaches
// A, whose search counts who is coming. A need that expired on the way is
// stored (it replicates like any record) but not found.
TEST_F(FederationTest, NeedsEventsAndRegistrationsCrossTheNetwork) {
  SimHub* a = Add("a");
  SimHub* b = Add("b");
  SimHub* c = Add("c");
  ASSERT_TRUE(net_.Link("a", "b"));
  ASSERT_TRUE(net_.Link("b", "c"));
  const std::string a_id = a->key.public_key().HubId();
  const std::string c_id = c->key.public_key().HubId();
  auto publish = [](SimHub* hub, const std::string& id, auto set) {
    v1::PublishRequest req;
    req.set_record_id(id);
    set(&req);
    ASSERT_OK(hub->hub->Publish(req));
  };
  ASSERT_OK(a->hub->Publish(testing::OrgPublish("org-1", {})));
  ASSERT_OK(c->hub->Publish(testing::OrgPublish("org-c", {})));
  testing::NeedSpec need;
  need.org_origin = a_id;
  publish(a, "site", [&](v1::PublishRequest* r) {
    *r->mutable_need() = testing::MakeNeed(need);
  });
  testing::EventSpec camp;
  camp.organizer_origin = a_id;
  publish(a, "camp", [&](v1::PublishRequest* r) {
    *r->mutable_event() = testing::MakeEvent(camp);
  });
  auto search = [](SimHub* hub, v1::SearchRequest req) {
    std::vector<std::string> ids;
    absl::StatusOr<v1::SearchResponse> res = hub->hub->directory().Search(req);
    EXPECT_TRUE(res.ok()) << res.status();
    if (res.ok()) {
      for (const auto& hit : res->hits()) {
        ids.push_back(hit.record().record_id());
      }
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  v1::SearchRequest web;
  web.set_capability("web");
  ASSERT_TRUE(RunUntil([&] { return search(c, web).size() == 1; }));

  publish(c, "coming", [&](v1::PublishRequest* r) {
    v1::Registration* reg = r->mutable_registration();
    reg->mutable_event()->set_origin(a_id);
    reg->mutable_event()->set_record_id("camp");
    reg->mutable_organization()->set_origin(c_id);
    reg->mutable_organization()->set_record_id("org-c");
    reg->set_attendees(4);
    reg->set_status("going");
  });
  v1::SearchRequest who;
  who.mutable_event()->set_origin(a_id);
  who.mutable_event()->set_record_id("camp");
  ASSERT_TRUE(RunUntil([&] { return !search(a, who).empty(); }));
  EXPECT_EQ(search(a, who), std::vector<std::string>{"coming"});

  // Expires while C is cut off; C stores it when the network heals.
  net_.Partition({{"a", "b"}, {"c"}});
  need.expires_at = net_.clock().Now() + absl::Minutes(1);
  publish(a, "soon", [&](v1::PublishRequest* r) {
    *r->mutable_need() = testing::MakeNeed(need);
  });
  net_.scheduler().RunUntil(net_.clock().Now() + absl::Minutes(2));
  net_.Heal();
  ASSERT_TRUE(RunUntil([&] {
    auto held = c->store->Get(a->key.public_key().bytes(), "soon");
    return held.ok() && held->has_value();
  }));
  EXPECT_EQ(search(c, web), std::vector<std::string>{"site"});
  EXPECT_EQ(search(b, web), std::vector<std::string>{"site"});
}

TEST(LinkLatencyDueTest, ClaimsTheFirstMeasurementThenOnlyLargeHourlyMoves) {
  PeerRuntime rt;
  const absl::Time t0 = testing::TestNow();
  EXPECT_FALSE(LinkLatencyDue(rt, t0));  // Not measured.
  rt.rtt = absl::Milliseconds(40);
  EXPECT_TRUE(LinkLatencyDue(rt, t0));  // First claim: at once.
  rt.published_latency = absl::Milliseconds(20);
  rt.latency_published_at = t0;
  rt.rtt = absl::Milliseconds(48);  // 24 ms: within a quarter (jitter).
  EXPECT_FALSE(LinkLatencyDue(rt, t0 + absl::Hours(2)));
  rt.rtt = absl::Milliseconds(60);  // 30 ms: half again.
  EXPECT_FALSE(LinkLatencyDue(rt, t0 + absl::Minutes(59)));
  EXPECT_TRUE(LinkLatencyDue(rt, t0 + absl::Hours(1)));
  rt.rtt = absl::Milliseconds(20);  // 10 ms: down by half.
  EXPECT_TRUE(LinkLatencyDue(rt, t0 + absl::Hours(1)));
}

// Each end's link record claims the latency it measured (rtt / 2: the
// simulator's latency of the link exactly), and every hub weighs the link
// by it: the trees follow latency, not hops.
TEST(LinkLatencyTest, LinkRecordsClaimTheMeasuredLatencyAndTreesFollowIt) {
  testing::TempDir dir;
  sim::SimOptions options;
  options.dir = dir.path();
  options.start = testing::TestNow();
  options.seed = 5;
  options.min_latency = absl::Milliseconds(10);
  options.max_latency = absl::Milliseconds(50);
  SimNetwork net(options);
  const std::vector<std::string> names = {"a", "b", "c", "d"};
  for (const std::string& name : names) ASSERT_NE(net.AddHub(name), nullptr);
  const std::vector<std::pair<std::string, std::string>> links = {
      {"a", "b"}, {"b", "c"}, {"c", "d"}, {"d", "a"}, {"a", "c"}};
  for (const auto& [x, y] : links) ASSERT_TRUE(net.Link(x, y));
  // A few rounds measure every link; the claims spread.
  net.scheduler().RunUntil(net.clock().Now() + absl::Minutes(1));
  std::vector<LinkGraph::Link> expected;
  for (const auto& [x, y] : links) {
    SimHub* hx = net.hub(x);
    SimHub* hy = net.hub(y);
    for (auto [from, to] : {std::pair(hx, hy), std::pair(hy, hx)}) {
      auto view = from->store->Get(
          from->key.public_key().bytes(),
          absl::StrCat(node::kLinkRecordPrefix, to->key.public_key().HubId()));
      ASSERT_OK(view);
      ASSERT_TRUE(view->has_value()) << from->name << " " << to->name;
      EXPECT_EQ((*view)->body.peer_link().latency_micros(),
                absl::ToInt64Microseconds(net.LatencyBetween(x, y)))
          << from->name << " about " << to->name;
    }
    expected.push_back({hx->key.public_key().bytes(),
                        hy->key.public_key().bytes(),
                        net.LatencyBetween(x, y)});
  }
  // Every hub's trees are those of the links at their latencies.
  LinkGraph reference(expected);
  for (const std::string& origin : names) {
    const std::string o = net.hub(origin)->key.public_key().bytes();
    for (const std::string& name : names) {
      const std::string h = net.hub(name)->key.public_key().bytes();
      auto graph = net.hub(name)->trust->Graph();
      ASSERT_NE(graph, nullptr);
      auto got = graph->PlaceOf(o, h);
      auto want = reference.PlaceOf(o, h);
      ASSERT_TRUE(got.has_value() && want.has_value());
      EXPECT_EQ(got->parent, want->parent) << origin << " at " << name;
      EXPECT_EQ(got->children, want->children) << origin << " at " << name;
    }
  }
}

}  // namespace
}  // namespace civhub::federation
