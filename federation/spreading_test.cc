// Spreading on the simulated network: push of new records, announce then
// fetch of relayed ones, each body received about once, fetch falling back
// to the next announcer; the largest push fits the inbound limit
// (replication.cc, serving.cc).
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/record_signing.h"
#include "federation/federation.h"
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
