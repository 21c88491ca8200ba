// The catalogue of known attacks on systems like civhub, one test each
// (docs/reliability.md lists them with the tests elsewhere that cover the
// rest: certificates, sockets, real processes). Each expects a precise
// error naming what is wrong, nothing stored or changed, and the hub still
// serving: `ExpectUnharmed` compares the hub with what it was before.
//
// The hub under attack ("home") holds one organization and has one active
// peer ("peer"); "outsider" runs a hub with no link to either.
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/record_signing.h"
#include "federation/grpc/grpc_status.h"
#include "node/search/internal/page_token.h"
#include "node/storage/check.h"
#include "sim/records.h"
#include "sim/sim_network.h"
#include "tests/testutil.h"

namespace civhub::testing {
namespace {

using ::absl::StatusCode;
using sim::SimHub;

class HostileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = net_.AddHub("home");
    peer_ = net_.AddHub("peer");
    outsider_ = net_.AddHub("outsider");
    ASSERT_TRUE(net_.Link("home", "peer"));
    OrgSpec spec;
    spec.name = "Maji Safi Kenya";
    ASSERT_OK(home_->hub->Publish(OrgPublish("maji", spec)));
    Settle();
    before_ = Look();
  }

  // Runs the network until nothing is left to do (a simulated minute).
  void Settle() {
    net_.scheduler().RunUntil(net_.clock().Now() + absl::Minutes(1));
  }

  struct Look_ {
    uint64_t last_change = 0;
    storage::Counters counters;
    int64_t found = 0;  // Search "maji".
    bool operator==(const Look_& o) const {
      return last_change == o.last_change &&
             counters.SerializeAsString() == o.counters.SerializeAsString() &&
             found == o.found;
    }
  };
  Look_ Look() {
    Look_ look;
    look.last_change = home_->store->last_change();
    look.counters = home_->store->counters();
    v1::SearchRequest search;
    search.set_text("maji");
    absl::StatusOr<v1::SearchResponse> found =
        home_->hub->directory().Search(search);
    EXPECT_OK(found);
    look.found = found.ok() ? found->total_count() : -1;
    return look;
  }
  // Nothing stored or changed, the store sound, still serving.
  void ExpectUnharmed() {
    Settle();
    EXPECT_TRUE(Look() == before_) << "the attack changed the hub";
    absl::StatusOr<v1::CheckReport> check = node::CheckStore(*home_->store);
    ASSERT_OK(check);
    EXPECT_EQ(check->problem_count(), 0u);
    EXPECT_EQ(before_.found, 1);
  }

  // A body of `key`'s origin, ready to sign.
  v1::RecordBody Body(const crypto::PrivateKey& key, const std::string& id,
                      uint64_t version, uint64_t sequence) {
    v1::RecordBody body;
    body.set_origin(key.public_key().bytes());
    body.set_record_id(id);
    body.set_version(version);
    body.set_sequence(sequence);
    body.mutable_issued_at()->set_seconds(
        absl::ToUnixSeconds(net_.clock().Now()));
    *body.mutable_organization() = MakeOrganization({});
    return body;
  }
  // Sequences the peer has not used yet.
  uint64_t NextSequence(SimHub* hub) {
    auto state = hub->store->GetOriginState(hub->key.public_key().bytes());
    return (state.ok() ? state->max_sequence() : 0) + 1000;
  }
  absl::Status Push(const v1::SignedRecord& record,
                    const crypto::PublicKey& caller) {
    v1::PushRequest push;
    *push.add_records() = record;
    return home_->federation->HandlePush(caller, push).status();
  }

  TempDir dir_;
  sim::SimNetwork net_{[this] {
    sim::SimOptions o;
    o.dir = dir_.Sub("net");
    o.seed = 7;
    o.in_memory = true;
    return o;
  }()};
  SimHub* home_ = nullptr;
  SimHub* peer_ = nullptr;
  SimHub* outsider_ = nullptr;
  Look_ before_;
};

// --- Signatures and keys ---

TEST_F(HostileTest, TamperedSignature) {
  v1::SignedRecord r =
      SignBody(peer_->key, Body(peer_->key, "x", 1, NextSequence(peer_)));
  (*r.mutable_signature())[10] ^= 0x20;
  EXPECT_STATUS(home_->hub->Ingest(r, true), StatusCode::kInvalidArgument,
                "signature");
  ExpectUnharmed();
}

TEST_F(HostileTest, BodySignedByAnotherKeyThanItsOrigin) {
  // The peer signs a body that names home as its origin.
  v1::SignedRecord r =
      SignBody(peer_->key, Body(home_->key, "x", 1, NextSequence(home_)));
  EXPECT_STATUS(home_->hub->Ingest(r, true), StatusCode::kInvalidArgument,
                "does not verify against origin");
  // Over federation: the call succeeds, the record is refused by itself.
  EXPECT_OK(Push(r, peer_->key.public_key()));
  ExpectUnharmed();
}

// The Ed25519 weak-key forgery (Scuttlebutt, 2020): with a small-order
// public key, the signature (R = identity, S = 0) verifies for every
// message under lenient verification.
TEST_F(HostileTest, SmallOrderOriginKey) {
  const std::string identity = std::string(1, '\x01') + std::string(31, '\0');
  for (const std::string& weak : {identity, std::string(32, '\0')}) {
    v1::RecordBody body = Body(peer_->key, "weak", 1, 1);
    body.set_origin(weak);
    v1::SignedRecord r;
    r.set_body(body.SerializeAsString());
    r.set_signature(identity + std::string(32, '\0'));
    EXPECT_STATUS(home_->hub->Ingest(r, true), StatusCode::kInvalidArgument,
                  "origin");
  }
  ExpectUnharmed();
}

// --- Versions and forks ---

TEST_F(HostileTest, RollbackToAnOlderVersion) {
  // The peer's record at version 2 is held; version 1 is replayed.
  const uint64_t seq = NextSequence(peer_);
  OrgSpec newer;
  newer.name = "Newer Name";
  v1::RecordBody v2 = Body(peer_->key, "r", 2, seq + 1);
  *v2.mutable_organization() = MakeOrganization(newer);
  ASSERT_OK(Push(SignBody(peer_->key, v2), peer_->key.public_key()));
  Settle();
  before_ = Look();
  absl::StatusOr<node::ApplyOutcome> outcome = home_->hub->Ingest(
      SignBody(peer_->key, Body(peer_->key, "r", 1, seq)), true);
  ASSERT_OK(outcome);
  EXPECT_EQ(*outcome, node::ApplyOutcome::kStale);
  auto held = home_->store->Get(peer_->key.public_key().bytes(), "r");
  ASSERT_OK(held);
  ASSERT_TRUE(held->has_value());
  EXPECT_EQ((*held)->body.version(), 2u);
  ExpectUnharmed();
}

TEST_F(HostileTest, ForkTwoBodiesForOneSequence) {
  const uint64_t seq = NextSequence(peer_);
  v1::RecordBody first = Body(peer_->key, "f", 1, seq);
  v1::RecordBody second = first;
  OrgSpec other;
  other.name = "Another Body";
  *second.mutable_organization() = MakeOrganization(other);
  ASSERT_OK(Push(SignBody(peer_->key, first), peer_->key.public_key()));
  Settle();
  before_ = Look();
  absl::StatusOr<node::ApplyOutcome> outcome =
      home_->hub->Ingest(SignBody(peer_->key, second), true);
  ASSERT_OK(outcome);
  EXPECT_EQ(*outcome, node::ApplyOutcome::kFork);
  // First kept, evidence kept, origin flagged.
  auto held = home_->store->Get(peer_->key.public_key().bytes(), "f");
  ASSERT_OK(held);
  ASSERT_TRUE(held->has_value());
  EXPECT_EQ((*held)->body.organization().names(0).text(), "Maji Safi Kenya");
  auto state = home_->store->GetOriginState(peer_->key.public_key().bytes());
  ASSERT_OK(state);
  EXPECT_EQ(state->forks(), 1u);
  EXPECT_EQ(state->first_fork_sequence(), seq);
  // The directory is unchanged apart from the evidence.
  Settle();
  EXPECT_TRUE(Look() == before_);
}

// --- Time ---

TEST_F(HostileTest, TimestampsBeyondTheSkewBound) {
  v1::RecordBody future = Body(peer_->key, "t", 1, NextSequence(peer_));
  future.mutable_issued_at()->set_seconds(
      absl::ToUnixSeconds(net_.clock().Now() + absl::Minutes(11)));
  EXPECT_STATUS(home_->hub->Ingest(SignBody(peer_->key, future), true),
                StatusCode::kInvalidArgument, "issued_at");
  v1::RecordBody past = future;
  past.mutable_issued_at()->set_seconds(1000);  // 1970.
  EXPECT_STATUS(home_->hub->Ingest(SignBody(peer_->key, past), true),
                StatusCode::kInvalidArgument, "issued_at");
  ExpectUnharmed();
}

// --- Malformed and oversized bodies ---

TEST_F(HostileTest, OversizedRecord) {
  v1::RecordBody body = Body(peer_->key, "big", 1, NextSequence(peer_));
  body.mutable_organization()->mutable_descriptions()->Add()->set_text(
      std::string(80 << 10, 'a'));
  v1::SignedRecord r;
  r.set_body(body.SerializeAsString());
  r.set_signature(std::string(64, '\0'));
  EXPECT_STATUS(home_->hub->Ingest(r, true), StatusCode::kInvalidArgument,
                "body");
  ExpectUnharmed();
}

TEST_F(HostileTest, HugeRepeatedField) {
  v1::RecordBody body = Body(peer_->key, "many", 1, NextSequence(peer_));
  for (int i = 0; i < 1000; ++i) {
    body.mutable_organization()->add_topics("water-sanitation");
  }
  EXPECT_STATUS(home_->hub->Ingest(SignBody(peer_->key, body), true),
                StatusCode::kInvalidArgument, "organization.topics");
  ExpectUnharmed();
}

TEST_F(HostileTest, DeeplyNestedUnknownGroups) {
  // 10,000 nested groups of an unknown field inside a signed body: the
  // parse stops at protobuf's recursion limit; nothing recurses unbounded.
  std::string nested;
  for (int i = 0; i < 10000; ++i) nested += "\xa3\x06";  // Field 100, group.
  v1::RecordBody body = Body(peer_->key, "deep", 1, NextSequence(peer_));
  std::string bytes = body.SerializeAsString() + nested;
  absl::StatusOr<v1::SignedRecord> r =
      crypto::SignRecord(peer_->key, std::move(bytes));
  ASSERT_OK(r);
  EXPECT_STATUS(home_->hub->Ingest(*r, true), StatusCode::kInvalidArgument,
                "body");
  ExpectUnharmed();
}

TEST_F(HostileTest, InvalidUtf8InAString) {
  v1::RecordBody body = Body(peer_->key, "utf", 1, NextSequence(peer_));
  body.clear_organization();
  // organization (10) { names (2) { lang (1) "en", text (2) "\xff\xfe" } },
  // written by hand: a protobuf library refuses to write it.
  const std::string name = std::string(
      "\x0a\x02"
      "en"
      "\x12\x02\xff\xfe");
  const std::string org = "\x12" + std::string(1, char(name.size())) + name;
  std::string bytes = body.SerializeAsString() + "\x52" +
                      std::string(1, char(org.size())) + org;
  absl::StatusOr<v1::SignedRecord> r =
      crypto::SignRecord(peer_->key, std::move(bytes));
  ASSERT_OK(r);
  EXPECT_STATUS(home_->hub->Ingest(*r, true), StatusCode::kInvalidArgument,
                "body.organization.names[0].text: not valid UTF-8");
  ExpectUnharmed();
}

TEST_F(HostileTest, UnknownFieldInsideASignedBody) {
  v1::RecordBody body = Body(peer_->key, "unk", 1, NextSequence(peer_));
  std::string bytes = body.SerializeAsString() + "\xa0\x06\x01";  // f100=1
  absl::StatusOr<v1::SignedRecord> r =
      crypto::SignRecord(peer_->key, std::move(bytes));
  ASSERT_OK(r);
  EXPECT_STATUS(home_->hub->Ingest(*r, true), StatusCode::kInvalidArgument,
                "unknown field");
  ExpectUnharmed();
}

TEST_F(HostileTest, DuplicateIdentifiers) {
  v1::RecordBody body = Body(peer_->key, "dup", 1, NextSequence(peer_));
  for (int i = 0; i < 2; ++i) {
    v1::Identifier* id = body.mutable_organization()->add_identifiers();
    id->set_scheme("KE-NGO");
    id->set_identifier("OP.218/051/2003/0143/2468");
  }
  EXPECT_STATUS(home_->hub->Ingest(SignBody(peer_->key, body), true),
                StatusCode::kInvalidArgument, "organization.identifiers");
  ExpectUnharmed();
}

// Matrix's canonical-JSON bugs: a signature must cover the bytes as
// received, not a re-encoding. A body whose fields are out of the usual
// order is accepted, stored and served byte for byte, and still verifies.
TEST_F(HostileTest, NonCanonicalEncodingIsKeptByteForByte) {
  v1::RecordBody body = Body(peer_->key, "odd", 1, NextSequence(peer_));
  v1::RecordBody head = body, tail;
  head.clear_organization();
  *tail.mutable_organization() = body.organization();
  const std::string bytes = tail.SerializeAsString() + head.SerializeAsString();
  ASSERT_NE(bytes, body.SerializeAsString());
  absl::StatusOr<v1::SignedRecord> r = crypto::SignRecord(peer_->key, bytes);
  ASSERT_OK(r);
  ASSERT_OK(Push(*r, peer_->key.public_key()));
  auto held = home_->store->Get(peer_->key.public_key().bytes(), "odd");
  ASSERT_OK(held);
  ASSERT_TRUE(held->has_value());
  EXPECT_EQ((*held)->stored.signed_().body(), bytes);
  EXPECT_OK(crypto::VerifyRecord((*held)->stored.signed_()));
}

// --- Federation ---

TEST_F(HostileTest, FederationCallsWithoutAnActiveLink) {
  const crypto::PublicKey stranger = outsider_->key.public_key();
  v1::SyncRequest sync;
  EXPECT_STATUS(home_->federation->HandleSync(stranger, sync),
                StatusCode::kPermissionDenied, "");
  EXPECT_STATUS(
      Push(SignBody(outsider_->key, Body(outsider_->key, "o", 1, 1)), stranger),
      StatusCode::kPermissionDenied, "");
  v1::FetchRequest fetch;
  v1::SequenceRef* ref = fetch.add_records();
  ref->set_origin(home_->key.public_key().bytes());
  ref->set_sequence(1);
  EXPECT_STATUS(home_->federation->HandleFetch(stranger, fetch),
                StatusCode::kPermissionDenied, "");
  ExpectUnharmed();
}

TEST_F(HostileTest, LinkRequestReplayedByAnotherHub) {
  // A link request the outsider captured from the peer's traffic: it names
  // the peer, not the certificate the outsider presents.
  v1::LinkRequestBody body;
  body.set_from(peer_->key.public_key().bytes());
  body.set_to(home_->key.public_key().bytes());
  body.mutable_requested_at()->set_seconds(
      absl::ToUnixSeconds(net_.clock().Now()));
  v1::LinkRequest request;
  request.set_body(body.SerializeAsString());
  EXPECT_STATUS(home_->federation->HandleRequestLink(
                    outsider_->key.public_key(), request),
                StatusCode::kUnauthenticated, "from");
  EXPECT_TRUE(home_->federation->ListPending().empty());
  ExpectUnharmed();
}

TEST_F(HostileTest, StaleLinkRequestReplayed) {
  v1::LinkRequestBody body;
  body.set_from(outsider_->key.public_key().bytes());
  body.set_to(home_->key.public_key().bytes());
  body.mutable_requested_at()->set_seconds(
      absl::ToUnixSeconds(net_.clock().Now() - absl::Hours(1)));
  v1::LinkRequest request;
  request.set_body(body.SerializeAsString());
  request.set_signature(*outsider_->key.Sign(
      crypto::SigningDomain::kLinkRequest, request.body()));
  EXPECT_STATUS(home_->federation->HandleRequestLink(
                    outsider_->key.public_key(), request),
                StatusCode::kInvalidArgument, "requested_at");
  EXPECT_TRUE(home_->federation->ListPending().empty());
  ExpectUnharmed();
}

TEST_F(HostileTest, PeerRelaysAnOriginOutsideTheNetwork) {
  v1::SignedRecord foreign =
      SignBody(outsider_->key, Body(outsider_->key, "foreign", 1, 1));
  v1::PushRequest push;
  *push.add_records() = foreign;
  // Accepted as a call (the peer is linked), refused record by record.
  (void)home_->federation->HandlePush(peer_->key.public_key(), push);
  auto held = home_->store->Get(outsider_->key.public_key().bytes(), "foreign");
  ASSERT_OK(held);
  EXPECT_FALSE(held->has_value());
  EXPECT_STATUS(home_->hub->Ingest(foreign, true),
                StatusCode::kPermissionDenied, "not connected");
  ExpectUnharmed();
}

TEST_F(HostileTest, PeerRelaysABlockedOrigin) {
  // The outsider links to the peer; home blocks the outsider.
  ASSERT_TRUE(net_.Link("outsider", "peer"));
  Settle();
  ASSERT_OK(home_->federation->Block(outsider_->key.public_key().HubId()));
  Settle();
  before_ = Look();
  v1::SignedRecord spam =
      SignBody(outsider_->key, Body(outsider_->key, "spam", 1, 5000));
  v1::PushRequest push;
  *push.add_records() = spam;
  (void)home_->federation->HandlePush(peer_->key.public_key(), push);
  EXPECT_STATUS(home_->hub->Ingest(spam, true), StatusCode::kPermissionDenied,
                "blocked");
  auto held = home_->store->Get(outsider_->key.public_key().bytes(), "spam");
  ASSERT_OK(held);
  EXPECT_FALSE(held->has_value());
  ExpectUnharmed();
}

// A peer that withholds updates cannot stop them: another path delivers.
TEST_F(HostileTest, FreezeByAWithholdingPeer) {
  // origin - peer - home and origin - relay - home; the peer goes silent.
  sim::SimHub* origin = net_.AddHub("origin");
  net_.AddHub("relay");
  ASSERT_TRUE(net_.Link("origin", "peer"));
  ASSERT_TRUE(net_.Link("origin", "relay"));
  ASSERT_TRUE(net_.Link("relay", "home"));
  Settle();
  net_.SetDown("peer", true);
  OrgSpec spec;
  spec.name = "Update Through Another Path";
  ASSERT_OK(origin->hub->Publish(OrgPublish("news", spec)));
  ASSERT_TRUE(net_.scheduler().RunUntil(
      [&] {
        auto held = home_->store->Get(origin->key.public_key().bytes(), "news");
        return held.ok() && held->has_value();
      },
      net_.clock().Now() + absl::Minutes(2)));
}

// --- Queries ---

// A Search as the Directory service answers it (node/server/
// directory_service_test.cc runs it through gRPC).
grpc::Status Search(const node::Hub& hub, const v1::SearchRequest& request,
                    v1::SearchResponse* response) {
  absl::StatusOr<v1::SearchResponse> found = hub.directory().Search(request);
  if (found.ok()) *response = *std::move(found);
  return federation::ToGrpcStatus(found.status());
}

TEST_F(HostileTest, HugePageSizeIsCapped) {
  v1::SearchRequest request;
  request.set_page_size(1 << 30);
  v1::SearchResponse response;
  ASSERT_TRUE(Search(*home_->hub, request, &response).ok());
  EXPECT_LE(response.hits_size(), node::internal::kMaxPageSize);
  EXPECT_GE(response.hits_size(), 1);
  request.set_page_size(-1);
  grpc::Status negative = Search(*home_->hub, request, &response);
  EXPECT_EQ(negative.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(negative.error_message(), "page_size"));
  ExpectUnharmed();
}

TEST_F(HostileTest, MalformedPageTokens) {
  for (const std::string& token :
       {std::string("not a token"), std::string(10000, 'A'),
        std::string("\0\xff\x01", 3), std::string("Zm9v")}) {
    v1::SearchRequest request;
    request.set_text("maji");
    request.set_page_token(token);
    v1::SearchResponse response;
    grpc::Status s = Search(*home_->hub, request, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << token;
    EXPECT_TRUE(absl::StrContains(s.error_message(), "page_token"))
        << s.error_message();
  }
  ExpectUnharmed();
}

TEST_F(HostileTest, PathologicalSearchStrings) {
  std::string many_words;
  for (int i = 0; i < 5000; ++i) absl::StrAppend(&many_words, "w", i, " ");
  for (const std::string& text :
       {std::string(100000, 'a'), many_words, std::string(5000, '*'),
        std::string(3000, '\x01'), std::string("\xf0\x9f\x92\xa7", 4) + "%_"}) {
    v1::SearchRequest request;
    request.set_text(text);
    v1::SearchResponse response;
    grpc::Status s = Search(*home_->hub, request, &response);
    // Either a precise refusal or an answer; never a crash or a hang.
    if (!s.ok()) {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
      EXPECT_TRUE(absl::StrContains(s.error_message(), "text"))
          << s.error_message();
    }
  }
  ExpectUnharmed();
}

}  // namespace
}  // namespace civhub::testing
