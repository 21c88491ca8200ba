#include "server/peer_metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "federation/part_test_fixture.h"
#include "node/base/metrics.h"
#include "tests/testutil.h"

namespace civhub::server {
namespace {

using federation::KeepingTransport;
using federation::PeerAddress;

// "name{label=value,…} value" lines of the families collected, labels in
// name order, the peer's id shortened to "P" or "Q".
std::map<std::string, double> Samples(const CountingTransport& t,
                                      const std::string& p,
                                      const std::string& q) {
  std::map<std::string, double> out;
  for (const prometheus::MetricFamily& f : t.Collect()) {
    for (const prometheus::ClientMetric& m : f.metric) {
      std::string key = f.name + "{";
      for (const prometheus::ClientMetric::Label& l : m.label) {
        std::string v = l.value == p ? "P" : l.value == q ? "Q" : l.value;
        key += l.name + "=" + v + ",";
      }
      if (key.back() == ',') key.pop_back();
      key += "}";
      out[key] = m.counter.value;
    }
  }
  return out;
}

class CountingTransportTest : public ::testing::Test {
 protected:
  KeepingTransport inner_;
  CountingTransport counting_{&inner_};
  PeerAddress p_{testing::NewKey().public_key(), "127.0.0.1:1"};
  PeerAddress q_{testing::NewKey().public_key(), "127.0.0.1:2"};

  std::map<std::string, double> Samples() const {
    return server::Samples(counting_, p_.key.HubId(), q_.key.HubId());
  }
};

TEST_F(CountingTransportTest, CountsRoundsBytesAndCallsPerPeer) {
  v1::SyncRequest request;
  request.set_vector_digest(std::string(32, 'd'));
  const size_t request_bytes = request.ByteSizeLong();
  bool replied = false;
  counting_.Sync(p_, absl::Seconds(1), request,
                 [&](absl::StatusOr<v1::SyncResponse> r) { replied = r.ok(); });
  ASSERT_EQ(inner_.syncs.size(), 1u);
  // The call reaches the inner transport unchanged.
  EXPECT_EQ(inner_.syncs[0].to.address, p_.address);
  EXPECT_EQ(inner_.syncs[0].request.vector_digest(), request.vector_digest());
  auto s = Samples();
  EXPECT_EQ(s["civhub_peer_sync_rounds_started_total{peer=P}"], 1);
  EXPECT_EQ(s["civhub_peer_sync_rounds_completed_total{peer=P}"], 0);
  EXPECT_EQ(s["civhub_peer_sent_bytes_total{peer=P}"], request_bytes);

  v1::SyncResponse response;
  response.add_records()->set_body(std::string(500, 'b'));
  const size_t response_bytes = response.ByteSizeLong();
  inner_.syncs[0].reply(response);
  EXPECT_TRUE(replied);
  s = Samples();
  EXPECT_EQ(s["civhub_peer_sync_rounds_completed_total{peer=P}"], 1);
  EXPECT_EQ(s["civhub_peer_received_bytes_total{peer=P}"], response_bytes);
  EXPECT_EQ(s["civhub_peer_calls_total{call=sync,peer=P}"], 1);

  v1::PushRequest push;
  *push.add_records() = response.records(0);
  counting_.Push(q_, absl::Seconds(1), push,
                 [](absl::StatusOr<v1::PushResponse>) {});
  counting_.Fetch(q_, absl::Seconds(1), v1::FetchRequest(),
                  [](absl::StatusOr<v1::FetchResponse>) {});
  s = Samples();
  EXPECT_EQ(s["civhub_peer_calls_total{call=push,peer=Q}"], 1);
  EXPECT_EQ(s["civhub_peer_calls_total{call=fetch,peer=Q}"], 1);
  EXPECT_EQ(s["civhub_peer_calls_total{call=push,peer=P}"], 0);
  EXPECT_EQ(s["civhub_peer_sent_bytes_total{peer=Q}"], push.ByteSizeLong());
  // Sync rounds are only Sync calls.
  EXPECT_EQ(s["civhub_peer_sync_rounds_started_total{peer=Q}"], 0);
}

TEST_F(CountingTransportTest, CountsErrorsByKind) {
  const absl::Status errors[] = {
      absl::UnavailableError("down"),      absl::UnavailableError("down"),
      absl::DeadlineExceededError("slow"), absl::PermissionDeniedError("no"),
      absl::UnauthenticatedError("key"),   absl::ResourceExhaustedError("busy"),
      absl::InternalError("bug")};
  for (const absl::Status& e : errors) {
    counting_.Sync(p_, absl::Seconds(1), v1::SyncRequest(),
                   [](absl::StatusOr<v1::SyncResponse>) {});
    inner_.syncs.back().reply(e);
  }
  auto s = Samples();
  EXPECT_EQ(s["civhub_peer_errors_total{kind=unavailable,peer=P}"], 2);
  EXPECT_EQ(s["civhub_peer_errors_total{kind=deadline,peer=P}"], 1);
  EXPECT_EQ(s["civhub_peer_errors_total{kind=refused,peer=P}"], 2);
  EXPECT_EQ(s["civhub_peer_errors_total{kind=overloaded,peer=P}"], 1);
  EXPECT_EQ(s["civhub_peer_errors_total{kind=other,peer=P}"], 1);
  EXPECT_EQ(s["civhub_peer_sync_rounds_started_total{peer=P}"], 7);
  EXPECT_EQ(s["civhub_peer_sync_rounds_completed_total{peer=P}"], 0);
}

TEST_F(CountingTransportTest, CloseDropsThePeersSeriesAndProbeMakesNone) {
  counting_.Probe(q_, absl::Seconds(1), [](absl::Status) {});
  counting_.Announce(p_, absl::Seconds(1), v1::AnnounceRequest(),
                     [](absl::StatusOr<v1::AnnounceResponse>) {});
  auto s = Samples();
  EXPECT_EQ(s.count("civhub_peer_calls_total{call=announce,peer=P}"), 1u);
  for (const auto& [key, value] : s) {
    EXPECT_EQ(key.find("peer=Q"), std::string::npos) << key;
  }
  counting_.Close(p_);
  EXPECT_EQ(inner_.closed, std::vector<std::string>{p_.address});
  for (const auto& [key, value] : Samples()) {
    EXPECT_EQ(key.find("peer=P"), std::string::npos) << key;
  }
  // A reply after Close counts nowhere shown, and does not crash.
  inner_.announces[0].reply(absl::UnavailableError("gone"));
  EXPECT_EQ(Samples().count("civhub_peer_errors_total{kind=unavailable,"
                            "peer=P}"),
            0u);
  // The families are there without a peer, for Prometheus' HELP and TYPE.
  EXPECT_EQ(counting_.Collect().size(), 6u);
}

TEST(PeerErrorKindTest, NamesTheKind) {
  EXPECT_EQ(PeerErrorKind(absl::FailedPreconditionError("x")), "refused");
  EXPECT_EQ(PeerErrorKind(absl::CancelledError("x")), "other");
}

}  // namespace
}  // namespace civhub::server
