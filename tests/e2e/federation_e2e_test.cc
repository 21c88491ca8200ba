// Federation between real civhubd processes on loopback, linked with the
// real civhubctl. A "rogue" hub played by the test itself (its own key,
// the real GrpcTransport) checks what hubs refuse.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <type_traits>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "crypto/record_signing.h"
#include "federation/federation.h"
#include "federation/grpc/grpc_transport.h"
#include "federation/thread_scheduler.h"
#include "federation/trust.h"
#include "harness/hub_process.h"
#include "harness/tcp_relay.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::testing {
namespace {

// A hub of the test's own making: a key and a federation client.
class RogueHub {
 public:
  RogueHub() {
    transport_ = std::make_unique<federation::GrpcTransport>(
        *federation::MakeTlsIdentity(key_, absl::Now()), &scheduler_);
  }
  ~RogueHub() {
    transport_->Shutdown();
    scheduler_.Shutdown();
  }
  const crypto::PrivateKey& key() const { return key_; }

  // Calls `method` of the transport, with the deadline a hub gives such a
  // call (FederationOptions::deadlines), and waits for the reply.
  template <typename Response, typename Request, typename Method>
  absl::StatusOr<Response> Call(const federation::PeerAddress& to,
                                Request request, Method method) {
    const federation::FederationOptions::Deadlines deadlines;
    absl::Duration deadline = deadlines.link;
    if constexpr (std::is_same_v<Request, v1::SyncRequest>) {
      deadline = deadlines.sync;
    } else if constexpr (std::is_same_v<Request, v1::PushRequest>) {
      deadline = deadlines.push;
    } else if constexpr (std::is_same_v<Request, v1::AnnounceRequest>) {
      deadline = deadlines.announce;
    } else if constexpr (std::is_same_v<Request, v1::FetchRequest>) {
      deadline = deadlines.fetch;
    }
    absl::Notification done;
    absl::StatusOr<Response> out;
    ((*transport_).*method)(to, deadline, std::move(request),
                            [&](absl::StatusOr<Response> r) {
                              out = std::move(r);
                              done.Notify();
                            });
    done.WaitForNotification();
    return out;
  }

  // A valid, signed link request to `to` (a hub's raw key).
  v1::LinkRequest LinkRequestTo(const std::string& to) {
    v1::LinkRequestBody body;
    body.set_from(key_.public_key().bytes());
    body.set_to(to);
    body.set_link_id(std::string(16, '\x42'));
    body.mutable_requested_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    body.mutable_profile()->set_name("Rogue Relay");
    body.mutable_profile()->set_federation_address("127.0.0.1:9");
    body.set_link_signature(
        *key_.Sign(crypto::SigningDomain::kLink,
                   federation::LinkStatement(body.link_id(),
                                             key_.public_key().bytes(), to)));
    v1::LinkRequest request;
    request.set_body(body.SerializeAsString());
    request.set_signature(
        *key_.Sign(crypto::SigningDomain::kLinkRequest, request.body()));
    return request;
  }

 private:
  crypto::PrivateKey key_ = NewKey();
  federation::ThreadScheduler scheduler_{2};
  std::unique_ptr<federation::GrpcTransport> transport_;
};

federation::PeerAddress AddressOf(const HubProcess& hub) {
  return {*crypto::PublicKey::FromHubId(hub.hub_id()),
          hub.federation_address()};
}

// The name of organization `id` of `origin` as `hub` serves it, or "".
std::string NameAt(const HubProcess& hub, const HubProcess& origin,
                   const std::string& id) {
  auto stub = hub.PublicDirectory();
  grpc::ClientContext ctx;
  v1::GetRecordRequest req;
  req.set_origin(origin.hub_id());
  req.set_record_id(id);
  v1::Record record;
  if (!stub->GetRecord(&ctx, req, &record).ok()) return "";
  return record.body().organization().names(0).text();
}

int64_t Organizations(const HubProcess& hub) {
  auto admin = hub.AdminOverSocket();
  grpc::ClientContext ctx;
  v1::HubStatus status;
  if (!admin->GetStatus(&ctx, {}, &status).ok()) return -1;
  return static_cast<int64_t>(status.organizations());
}

// When `hub` last completed a sync round with `peer` (InfinitePast if never).
absl::Time LastSync(const HubProcess& hub, const HubProcess& peer) {
  auto admin = hub.AdminOverSocket();
  grpc::ClientContext ctx;
  v1::ListPeersResponse peers;
  if (!admin->ListPeers(&ctx, {}, &peers).ok()) return absl::InfinitePast();
  for (const v1::Peer& p : peers.peers()) {
    if (p.hub_id() == peer.hub_id() && p.last_sync().seconds() != 0) {
      return absl::FromUnixSeconds(p.last_sync().seconds()) +
             absl::Nanoseconds(p.last_sync().nanos());
    }
  }
  return absl::InfinitePast();
}

void Publish(const HubProcess& hub, const std::string& id,
             const std::string& name) {
  auto admin = hub.AdminOverSocket();
  grpc::ClientContext ctx;
  OrgSpec spec;
  spec.name = name;
  v1::PublishResponse response;
  grpc::Status st = admin->Publish(&ctx, OrgPublish(id, spec), &response);
  ASSERT_TRUE(st.ok()) << st.error_message();
}

// Whether `hub` saw a sync with any peer fail at or after `since`.
bool SyncFailedSince(const HubProcess& hub, absl::Time since) {
  auto admin = hub.AdminOverSocket();
  grpc::ClientContext ctx;
  v1::ListPeersResponse peers;
  if (!admin->ListPeers(&ctx, {}, &peers).ok()) return false;
  for (const v1::Peer& p : peers.peers()) {
    if (absl::FromUnixSeconds(p.last_error_at().seconds()) + absl::Seconds(1) >=
        since) {
      return true;
    }
  }
  return false;
}

class FederationE2eTest : public ::testing::Test {
 protected:
  HubProcess& Start(const std::string& name) {
    hubs_.push_back(std::make_unique<HubProcess>(dir_.Sub(name)));
    EXPECT_TRUE(hubs_.back()->Start());
    return *hubs_.back();
  }

  // A hub that other hubs reach only through a relay the test can cut:
  // started once to get its federation port, then restarted advertising
  // the relay's.
  HubProcess& StartRelayed(const std::string& name) {
    HubProcess& hub = Start(name);
    hub.Stop();
    int port = 0;
    const std::string& address = hub.federation_address();
    EXPECT_TRUE(
        absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &port));
    relays_.push_back(std::make_unique<TcpRelay>(0, port));
    EXPECT_TRUE(relays_.back()->ok());
    EXPECT_TRUE(hub.Start(
        {"--advertise", absl::StrCat("127.0.0.1:", relays_.back()->port())}));
    return hub;
  }

  // `a` asks, `b`'s admin sees the request and approves: with civhubctl.
  void Link(HubProcess& a, HubProcess& b) { ASSERT_TRUE(LinkHubs(a, b)); }

  // After a failure: what each hub's admin would look at first.
  void TearDown() override {
    if (!HasFailure()) return;
    for (const auto& hub : hubs_) {
      std::string notable;
      for (absl::string_view line : absl::StrSplit(hub->log(), '\n')) {
        if (absl::StrContains(line, " warning ") ||
            absl::StrContains(line, " error ")) {
          absl::StrAppend(&notable, line.substr(0, 300), "\n");
        }
      }
      if (notable.size() > 4000)
        notable = notable.substr(notable.size() - 4000);
      std::cout << "--- hub " << hub->data_dir() << " " << hub->hub_id() << "\n"
                << hub->Ctl({"peer", "list"}).out << hub->Ctl({"network"}).out
                << "warnings and errors (last 4000 bytes):\n"
                << notable;
    }
  }
  // `rogue` asks `hub` for a link; `hub`'s admin sees it and approves.
  void LinkRogue(RogueHub& rogue, HubProcess& hub) {
    absl::StatusOr<v1::LinkResponse> link = rogue.Call<v1::LinkResponse>(
        AddressOf(hub),
        rogue.LinkRequestTo(
            crypto::PublicKey::FromHubId(hub.hub_id())->bytes()),
        &federation::Transport::RequestLink);
    ASSERT_TRUE(link.ok()) << link.status();
    EXPECT_EQ(link->state(), v1::LinkResponse::PENDING);
    RunResult pending = hub.Ctl({"peer", "pending"});
    EXPECT_TRUE(absl::StrContains(pending.out, "Rogue Relay")) << pending.out;
    RunResult approve =
        hub.Ctl({"peer", "approve", rogue.key().public_key().HubId()});
    ASSERT_EQ(approve.exit_code, 0) << approve.err;
  }

  TempDir dir_;
  std::vector<std::unique_ptr<HubProcess>> hubs_;
  std::vector<std::unique_ptr<TcpRelay>> relays_;
};

// Links cut while records are on their way, both sides publishing during
// the partition, then healed: all hubs converge on the same records.
TEST_F(FederationE2eTest, PartitionMidSyncHealsAndConverges) {
  HubProcess& a = StartRelayed("a");
  HubProcess& b = StartRelayed("b");
  HubProcess& c = StartRelayed("c");
  Link(a, b);
  Link(b, c);
  for (int i = 0; i < 300; ++i) {
    if (i == 100) {
      for (auto& relay : relays_) relay->Cut();  // Mid-sync.
    }
    Publish(a, absl::StrCat("a-", i), absl::StrCat("From A ", i));
  }
  const absl::Time cut = absl::Now();
  for (int i = 0; i < 50; ++i) {
    Publish(c, absl::StrCat("c-", i), absl::StrCat("From C ", i));
  }
  // The partition holds until the hubs have seen their syncs fail.
  ASSERT_TRUE(WaitFor([&] {
    return SyncFailedSince(a, cut) && SyncFailedSince(c, cut);
  })) << a.Ctl({"peer", "list"}).out;
  EXPECT_LT(Organizations(c), 350);
  for (auto& relay : relays_) relay->Heal();
  for (HubProcess* hub : {&a, &b, &c}) {
    ASSERT_TRUE(
        WaitFor([&] { return Organizations(*hub) == 350; }, absl::Seconds(90)))
        << hub->data_dir() << ": " << Organizations(*hub) << " organizations\n"
        << hub->Ctl({"peer", "list"}).out;
  }
  EXPECT_EQ(NameAt(c, a, "a-299"), "From A 299");
  EXPECT_EQ(NameAt(a, c, "c-49"), "From C 49");
  // Every federation connection went through the relays.
  for (auto& relay : relays_) EXPECT_GT(relay->down(), 0u);
}

TEST_F(FederationE2eTest, LineOfThreeHubsCarriesPublishesUpdatesAndDeletes) {
  HubProcess& a = Start("a");
  HubProcess& b = Start("b");
  HubProcess& c = Start("c");
  Link(a, b);
  Link(b, c);

  RunResult put =
      a.Ctl({"org", "put", Example("organizations/maji-safi-kenya.json")});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  ASSERT_TRUE(WaitFor([&] {
    return absl::StrContains(c.Ctl({"search", "water"}).out, "Maji Safi Kenya");
  })) << c.log();

  std::string original =
      ReadFileOrDie(Example("organizations/maji-safi-kenya.json"));
  std::string renamed = dir_.Sub("renamed.json");
  std::ofstream(renamed) << absl::StrReplaceAll(
      original, {{"\"Maji Safi Kenya\"", "\"Maji Bora Kenya\""}});
  ASSERT_EQ(a.Ctl({"org", "put", renamed}).exit_code, 0);
  ASSERT_TRUE(WaitFor(
      [&] { return NameAt(c, a, "maji-safi-kenya") == "Maji Bora Kenya"; }));
  RunResult search = c.Ctl({"search", "water"});
  EXPECT_TRUE(absl::StrContains(search.out, "Maji Bora Kenya")) << search.out;
  EXPECT_FALSE(absl::StrContains(search.out, "Maji Safi Kenya")) << search.out;

  ASSERT_EQ(a.Ctl({"record", "rm", "maji-safi-kenya"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] {
    RunResult get = c.Ctl({"record", "get", a.hub_id() + "/maji-safi-kenya"});
    return get.exit_code == 2 && absl::StrContains(get.err, "was deleted");
  }));

  RunResult network = c.Ctl({"network"});
  EXPECT_TRUE(absl::StrContains(network.out, "3 hubs, 2 links")) << network.out;
  RunResult dot = c.Ctl({"network", "--dot"});
  EXPECT_TRUE(absl::StartsWith(dot.out, "graph civhub {")) << dot.out;
  EXPECT_TRUE(absl::StrContains(dot.out, " -- ")) << dot.out;
  // Federation TLS between hubs logs no errors (gRPC's server used to log
  // one per connection: the server name matched none of its certificate).
  for (HubProcess* hub : {&a, &b, &c}) {
    EXPECT_FALSE(absl::StrContains(hub->log(), "ssl_transport_security"))
        << hub->log();
  }
}

TEST_F(FederationE2eTest, StoppedHubCatchesUpOnAThousandRecords) {
  HubProcess& a = Start("a");
  HubProcess& b = Start("b");
  HubProcess& c = Start("c");
  Link(a, b);
  Link(b, c);
  ASSERT_EQ(c.Stop(), 0);
  for (int i = 0; i < 1000; ++i)
    Publish(a, absl::StrCat("org-", i), absl::StrCat("Org ", i));
  ASSERT_TRUE(WaitFor([&] { return Organizations(b) == 1000; })) << b.log();
  ASSERT_TRUE(c.Start());
  ASSERT_TRUE(
      WaitFor([&] { return Organizations(c) == 1000; }, absl::Seconds(60)))
      << Organizations(c) << " organizations at C\n"
      << c.Ctl({"network"}).out << c.Ctl({"peer", "list"}).out;
  EXPECT_EQ(NameAt(c, a, "org-999"), "Org 999");
  RunResult peers = b.Ctl({"peer", "list"});
  EXPECT_FALSE(absl::StrContains(peers.out, "removed")) << peers.out;
}

// docs/operations.md has admins exchange `civhubctl hub id`; it printed the
// fingerprint on stdout too, so `peer add ADDRESS $(civhubctl hub id)` was
// refused ("arguments were not expected").
TEST_F(FederationE2eTest, HubIdPrintsTheIdAloneForPeerAdd) {
  HubProcess& a = Start("a");
  HubProcess& b = Start("b");
  RunResult id = b.Ctl({"hub", "id"});
  ASSERT_EQ(id.exit_code, 0) << id.err;
  EXPECT_EQ(id.out, b.hub_id() + "\n");
  EXPECT_TRUE(absl::StartsWith(id.err, "fingerprint ")) << id.err;
  RunResult add =
      a.Ctl({"peer", "add", b.federation_address(),
             std::string(absl::StripTrailingAsciiWhitespace(id.out))});
  EXPECT_EQ(add.exit_code, 0) << add.err;
}

TEST_F(FederationE2eTest, UnlinkedHubsAndImpostorsAreRefused) {
  HubProcess& a = Start("a");
  HubProcess& b = Start("b");
  RogueHub rogue;
  // No link: every federation call but RequestLink is refused.
  absl::StatusOr<v1::SyncResponse> sync = rogue.Call<v1::SyncResponse>(
      AddressOf(b), v1::SyncRequest(), &federation::Transport::Sync);
  EXPECT_EQ(sync.status().code(), absl::StatusCode::kPermissionDenied)
      << sync.status();
  absl::StatusOr<v1::PushResponse> push = rogue.Call<v1::PushResponse>(
      AddressOf(b), v1::PushRequest(), &federation::Transport::Push);
  EXPECT_EQ(push.status().code(), absl::StatusCode::kPermissionDenied)
      << push.status();

  // B's address pinned to A's id: B cannot prove it holds A's key.
  federation::PeerAddress impostor = AddressOf(a);
  impostor.address = b.federation_address();
  sync = rogue.Call<v1::SyncResponse>(impostor, v1::SyncRequest(),
                                      &federation::Transport::Sync);
  EXPECT_EQ(sync.status().code(), absl::StatusCode::kUnauthenticated)
      << sync.status();
  EXPECT_TRUE(
      absl::StrContains(sync.status().message(), "instead of " + a.hub_id()))
      << sync.status();
  // The same through civhubctl: the link is not created.
  RunResult add = a.Ctl({"peer", "add", b.federation_address(), a.hub_id()});
  EXPECT_EQ(add.exit_code, 2);
  add = hubs_[0]->Ctl({"peer", "add", b.federation_address(),
                       (*crypto::PrivateKey::Generate()).public_key().HubId()});
  EXPECT_EQ(add.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(
      add.err, absl::StrCat(b.federation_address(),
                            " is a civhub hub but its "
                            "key is ",
                            b.hub_id(), ", not the one given")))
      << add.err;
  EXPECT_TRUE(absl::StrContains(a.Ctl({"peer", "list"}).out, "no peers"));

  // A link request naming another hub as sender than the certificate.
  v1::LinkRequest forged =
      rogue.LinkRequestTo(crypto::PublicKey::FromHubId(b.hub_id())->bytes());
  v1::LinkRequestBody body;
  ASSERT_TRUE(body.ParseFromString(forged.body()));
  body.set_from(crypto::PublicKey::FromHubId(a.hub_id())->bytes());
  forged.set_body(body.SerializeAsString());
  absl::StatusOr<v1::LinkResponse> link = rogue.Call<v1::LinkResponse>(
      AddressOf(b), forged, &federation::Transport::RequestLink);
  EXPECT_EQ(link.status().code(), absl::StatusCode::kUnauthenticated)
      << link.status();
}

// A loopback port nothing listens on (bound, then closed).
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// `peer add` checks the address before recording anything, and says what
// it found there: B's Directory port (gRPC without TLS), a closed port, B
// under another id. Then the right one: the output tells the other admin
// what to run, and `peer list` shows the wait for approval, not a fault.
TEST_F(FederationE2eTest, PeerAddChecksTheAddressAndSaysWhatAnswersThere) {
  HubProcess& a = Start("a");
  HubProcess& b = Start("b");
  RunResult add = a.Ctl({"peer", "add", b.public_address(), b.hub_id()});
  EXPECT_EQ(add.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(
      add.err, absl::StrCat(b.public_address(),
                            " is not a civhub federation port (it does not "
                            "speak TLS)")))
      << add.err;
  EXPECT_TRUE(absl::StrContains(add.err, "Directory port + 1")) << add.err;

  const std::string closed = absl::StrCat("127.0.0.1:", ClosedPort());
  add = a.Ctl({"peer", "add", closed, b.hub_id()});
  EXPECT_EQ(add.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(
      add.err,
      absl::StrCat("nothing listens on ", closed, " (connection refused)")))
      << add.err;
  EXPECT_TRUE(absl::StrContains(add.err, "--offline")) << add.err;

  const std::string other =
      (*crypto::PrivateKey::Generate()).public_key().HubId();
  add = a.Ctl({"peer", "add", b.federation_address(), other});
  EXPECT_EQ(add.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(
      add.err, absl::StrCat("its key is ", b.hub_id(), ", not the one given")))
      << add.err;
  EXPECT_TRUE(absl::StrContains(a.Ctl({"peer", "list"}).out, "no peers"));
  EXPECT_FALSE(absl::StrContains(b.Ctl({"peer", "pending"}).out, a.hub_id()));

  add = a.Ctl({"peer", "add", b.federation_address(), b.hub_id()});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_TRUE(absl::StrContains(
      add.out, absl::StrCat("civhubctl peer approve ", a.hub_id())))
      << add.out;
  const std::string fingerprint =
      crypto::PublicKey::FromHubId(a.hub_id())->Fingerprint();
  EXPECT_TRUE(absl::StrContains(add.out, fingerprint)) << add.out;
  ASSERT_TRUE(WaitFor([&] {
    return absl::StrContains(b.Ctl({"peer", "pending"}).out, a.hub_id());
  }));
  ASSERT_TRUE(WaitFor([&] {
    return absl::StrContains(a.Ctl({"peer", "list"}).out,
                             "requested (waiting for approval)");
  })) << a.Ctl({"peer", "list"}).out;
  std::unique_ptr<v1::Admin::Stub> admin = a.AdminOverSocket();
  grpc::ClientContext ctx;
  v1::ListPeersResponse peers;
  ASSERT_TRUE(admin->ListPeers(&ctx, {}, &peers).ok());
  ASSERT_EQ(peers.peers_size(), 1);
  EXPECT_EQ(peers.peers(0).last_error(), "");
}

// The mistake: a peer added (offline) at B's Directory port, then
// at the right one. The wrong address is dialed no more once corrected,
// and its error is logged once, then counted in `peer list`.
TEST_F(FederationE2eTest, CorrectedPeerAddressIsNotDialedAgain) {
  HubProcess& a = Start("a");
  HubProcess& b = Start("b");
  int directory_port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      b.public_address().substr(b.public_address().rfind(':') + 1),
      &directory_port));
  TcpRelay wrong(0, directory_port);  // Counts the dials of the wrong port.
  ASSERT_TRUE(wrong.ok());
  const std::string wrong_address = absl::StrCat("127.0.0.1:", wrong.port());
  RunResult add =
      a.Ctl({"peer", "add", "--offline", wrong_address, b.hub_id()});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_TRUE(absl::StrContains(add.out, "civhubd keeps trying")) << add.out;
  // The link request is retried; the repeats are counted, not logged.
  ASSERT_TRUE(WaitFor([&] {
    return absl::StrContains(a.Ctl({"peer", "list"}).out, "2 times");
  })) << a.Ctl({"peer", "list"}).out;
  EXPECT_GE(wrong.accepted(), 2u);

  add = a.Ctl({"peer", "add", b.federation_address(), b.hub_id()});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  ASSERT_TRUE(WaitFor([&] {
    return absl::StrContains(b.Ctl({"peer", "pending"}).out, a.hub_id());
  }));
  ASSERT_EQ(b.Ctl({"peer", "approve", a.hub_id()}).exit_code, 0);
  const uint64_t dials = wrong.accepted();
  // gRPC redials a failed address at most 5 s apart: a round completed 6 s
  // later shows that nothing dials it any more.
  const absl::Time since = absl::Now() + absl::Seconds(6);
  std::unique_ptr<v1::Admin::Stub> admin = a.AdminOverSocket();
  ASSERT_TRUE(WaitFor([&] {
    grpc::ClientContext ctx;
    v1::ListPeersResponse peers;
    return admin->ListPeers(&ctx, {}, &peers).ok() && peers.peers_size() == 1 &&
           peers.peers(0).state() == v1::PEER_STATE_ACTIVE &&
           absl::FromUnixSeconds(peers.peers(0).last_sync().seconds()) >= since;
  })) << a.Ctl({"peer", "list"}).out;
  EXPECT_EQ(wrong.accepted(), dials);

  // What an admin at the default log level sees: the error once, not
  // gRPC's line per handshake.
  int lines = 0, raw = 0;
  for (absl::string_view line : absl::StrSplit(a.log(), '\n')) {
    if (absl::StrContains(line, " debug ")) continue;
    lines += absl::StrContains(line, "is not a civhub federation port");
    raw += absl::StrContains(line, "andshake failed");
  }
  EXPECT_EQ(lines, 1) << a.log();
  EXPECT_EQ(raw, 0) << a.log();
}

// One host minting keys: 8 of its link requests wait for the admin, the
// 9th is refused naming its network; the admin sees where they came from.
TEST_F(FederationE2eTest, LinkRequestsFromOneHostAreBounded) {
  HubProcess& b = Start("b");
  const std::string b_key = crypto::PublicKey::FromHubId(b.hub_id())->bytes();
  for (int i = 0; i < 8; ++i) {
    RogueHub rogue;
    absl::StatusOr<v1::LinkResponse> link =
        rogue.Call<v1::LinkResponse>(AddressOf(b), rogue.LinkRequestTo(b_key),
                                     &federation::Transport::RequestLink);
    ASSERT_TRUE(link.ok()) << i << ": " << link.status();
    EXPECT_EQ(link->state(), v1::LinkResponse::PENDING);
  }
  RogueHub ninth;
  absl::StatusOr<v1::LinkResponse> refused =
      ninth.Call<v1::LinkResponse>(AddressOf(b), ninth.LinkRequestTo(b_key),
                                   &federation::Transport::RequestLink);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted)
      << refused.status();
  EXPECT_TRUE(absl::StrContains(refused.status().message(),
                                "too many link requests from 127.0.0.1"))
      << refused.status();
  RunResult pending = b.Ctl({"peer", "pending"});
  EXPECT_EQ(pending.exit_code, 0) << pending.err;
  EXPECT_TRUE(absl::StrContains(pending.out, "SENT FROM")) << pending.out;
  int from_loopback = 0;  // Rows whose SENT FROM is the loopback address.
  for (absl::string_view row : absl::StrSplit(pending.out, '\n')) {
    from_loopback += absl::StrContains(row, " 127.0.0.1 ");
  }
  EXPECT_EQ(from_loopback, 8) << pending.out;
  EXPECT_FALSE(absl::StrContains(pending.out, ninth.key().public_key().HubId()))
      << pending.out;
  // The hub goes on serving its own admin and the directory.
  EXPECT_EQ(b.Ctl({"status"}).exit_code, 0);
}

TEST_F(FederationE2eTest, RecordsOfOriginsOutsideTheNetworkAreRefused) {
  HubProcess& b = Start("b");
  RogueHub rogue;
  LinkRogue(rogue, b);
  if (HasFatalFailure()) return;

  // Linked now, the rogue relays a record of a hub no one linked to.
  crypto::PrivateKey stranger = NewKey();
  v1::PushRequest push;
  *push.add_records() = SignedOrg(stranger, "smuggled", 1, 1);
  absl::StatusOr<v1::PushResponse> pushed = rogue.Call<v1::PushResponse>(
      AddressOf(b), push, &federation::Transport::Push);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ(pushed->applied(), 0u);
  auto stub = b.PublicDirectory();
  grpc::ClientContext ctx;
  v1::GetRecordRequest get;
  get.set_origin(stranger.public_key().HubId());
  get.set_record_id("smuggled");
  v1::Record record;
  EXPECT_EQ(stub->GetRecord(&ctx, get, &record).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // The admin sees it in the log. (The peer's last error may already be
  // B's failure to reach the rogue's made-up address.)
  EXPECT_TRUE(absl::StrContains(b.log(), "not connected to this hub"))
      << b.log();
}

// A linked hub sends its own record whose signed body holds invalid UTF-8:
// refused, and the hub's log names the field. (`peer list` shows it as the
// peer's last error until B's syncs with the rogue's made-up address fail.)
TEST_F(FederationE2eTest, SignedBodyWithInvalidUtf8IsRefusedNamingTheField) {
  HubProcess& b = Start("b");
  RogueHub rogue;
  LinkRogue(rogue, b);
  if (HasFatalFailure()) return;
  // organization (10) { names (2) { lang "en", text "\xff\xfe" } }, by
  // hand: protobuf refuses to write it.
  v1::SignedRecord good = SignedOrg(rogue.key(), "bad-name", 1, 1);
  v1::RecordBody body;
  ASSERT_TRUE(body.ParseFromString(good.body()));
  body.clear_organization();
  const std::string name = std::string("\x0a\x02") + "en" + "\x12\x02\xff\xfe";
  const std::string org = "\x12" + std::string(1, char(name.size())) + name;
  absl::StatusOr<v1::SignedRecord> bad = crypto::SignRecord(
      rogue.key(), body.SerializeAsString() + "\x52" +
                       std::string(1, char(org.size())) + org);
  ASSERT_TRUE(bad.ok()) << bad.status();
  v1::PushRequest push;
  *push.add_records() = *bad;
  absl::StatusOr<v1::PushResponse> pushed = rogue.Call<v1::PushResponse>(
      AddressOf(b), push, &federation::Transport::Push);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ(pushed->applied(), 0u);
  EXPECT_TRUE(absl::StrContains(
      b.log(), "body.organization.names[0].text: not valid UTF-8"))
      << b.log();
  EXPECT_EQ(Organizations(b), 0);
  EXPECT_EQ(b.Ctl({"status"}).exit_code, 0);
}

TEST_F(FederationE2eTest, BlockedOriginIsPurgedAndNotForwarded) {
  HubProcess& a = Start("a");
  HubProcess& b = Start("b");
  HubProcess& c = Start("c");
  Link(a, b);
  Link(b, c);
  Publish(a, "first", "First Record");
  ASSERT_TRUE(WaitFor([&] { return NameAt(c, a, "first") == "First Record"; }));

  RunResult block = b.Ctl({"hub", "block", a.hub_id()});
  ASSERT_EQ(block.exit_code, 0) << block.err;
  EXPECT_TRUE(absl::StrContains(block.out, "records purged")) << block.out;
  EXPECT_EQ(NameAt(b, a, "first"), "");

  const absl::Time published = absl::Now();
  Publish(a, "second", "Second Record");
  // Rounds that would have carried it: B pulled from A after the publish,
  // then C pulled from B after that.
  ASSERT_TRUE(WaitFor([&] { return LastSync(b, a) > published; }));
  const absl::Time b_pulled = LastSync(b, a);
  ASSERT_TRUE(WaitFor([&] { return LastSync(c, b) > b_pulled; }));
  EXPECT_EQ(NameAt(b, a, "second"), "");
  EXPECT_EQ(NameAt(c, a, "second"), "");
  RunResult network = b.Ctl({"network"});
  EXPECT_TRUE(absl::StrContains(network.out, "BLOCKED")) << network.out;

  ASSERT_EQ(b.Ctl({"hub", "unblock", a.hub_id()}).exit_code, 0);
  ASSERT_TRUE(
      WaitFor([&] { return NameAt(c, a, "second") == "Second Record"; }));
}

TEST_F(FederationE2eTest, LinkRemovedOnOneSideEndsOnTheOther) {
  HubProcess& a = Start("a");
  HubProcess& b = Start("b");
  // C is linked to B only: B's rounds with C show that B kept syncing after
  // the removal, and C cannot carry A's records to B.
  HubProcess& c = Start("c");
  Link(a, b);
  Link(b, c);
  RunResult rm = a.Ctl({"peer", "remove", b.hub_id()});
  ASSERT_EQ(rm.exit_code, 0) << rm.err;
  ASSERT_TRUE(WaitFor([&] {
    return absl::StrContains(b.Ctl({"peer", "list"}).out, "removed");
  })) << b.log();
  // Neither side syncs with the other any more: A's publish is not pushed
  // to B, and B's rounds after it (two, with C) do not pull it from A.
  const absl::Time removed = absl::Now();
  Publish(a, "after", "After Removal");
  const absl::Time published = absl::Now();
  ASSERT_TRUE(WaitFor([&] { return LastSync(b, c) > published; }));
  const absl::Time first_round = LastSync(b, c);
  ASSERT_TRUE(WaitFor([&] { return LastSync(b, c) > first_round; }));
  EXPECT_EQ(NameAt(b, a, "after"), "");
  EXPECT_LT(LastSync(b, a), removed);
  EXPECT_TRUE(absl::StrContains(a.Ctl({"peer", "list"}).out, "removed"));
}

// Issue 14: a partner's admin was invited; strangers' requests fill the
// queue from its network. With the token from `peer invite` the partner's
// `peer add --invite` is active at once, with no `peer approve`; the token
// works once, and a restart of the inviting hub keeps an unused one.
TEST_F(FederationE2eTest, InvitedHubLinksThroughAFloodWithoutApproval) {
  HubProcess& a = Start("a");
  HubProcess& b = Start("b");
  HubProcess& c = Start("c");
  const std::string b_key = crypto::PublicKey::FromHubId(b.hub_id())->bytes();
  for (int i = 0; i < 8; ++i) {  // Loopback's share of the pending list.
    RogueHub rogue;
    ASSERT_TRUE(rogue
                    .Call<v1::LinkResponse>(AddressOf(b),
                                            rogue.LinkRequestTo(b_key),
                                            &federation::Transport::RequestLink)
                    .ok());
  }
  RunResult invite = b.Ctl({"peer", "invite", "--note", "hub a"});
  ASSERT_EQ(invite.exit_code, 0) << invite.err;
  const std::string token(
      absl::StripAsciiWhitespace(invite.out.substr(0, invite.out.find('\n'))));
  ASSERT_TRUE(absl::StartsWith(token, "civhub-invite:")) << invite.out;
  EXPECT_FALSE(absl::StrContains(b.log(), token.substr(14)));  // Not logged.

  RunResult add = a.Ctl({"peer", "add", "--invite", token});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_TRUE(absl::StrContains(add.out, "active")) << add.out;
  RunResult listed = b.Ctl({"peer", "list"});
  EXPECT_TRUE(absl::StrContains(listed.out, a.hub_id())) << listed.out;
  EXPECT_TRUE(absl::StrContains(listed.out, "active")) << listed.out;
  EXPECT_FALSE(absl::StrContains(b.Ctl({"peer", "pending"}).out, a.hub_id()));
  Publish(b, "invited", "Invited And Linked");
  EXPECT_TRUE(WaitFor([&] {
    return NameAt(a, b, "invited") == "Invited And Linked";
  })) << a.log();

  // The token is spent: C cannot use it, and nothing is recorded at C.
  RunResult reuse = c.Ctl({"peer", "add", "--invite", token});
  EXPECT_EQ(reuse.exit_code, 2) << reuse.out;
  EXPECT_TRUE(absl::StrContains(reuse.err,
                                "invite token already used (by " + a.hub_id()))
      << reuse.err;
  EXPECT_TRUE(absl::StrContains(c.Ctl({"peer", "list"}).out, "no peers"));
  RunResult invites = b.Ctl({"peer", "invites"});
  EXPECT_TRUE(absl::StrContains(invites.out, "used")) << invites.out;
  EXPECT_TRUE(absl::StrContains(invites.out, "hub a")) << invites.out;

  // A new invite outlives a restart of B.
  invite = b.Ctl({"peer", "invite", "--valid-for", "1h"});
  ASSERT_EQ(invite.exit_code, 0) << invite.err;
  const std::string second(
      absl::StripAsciiWhitespace(invite.out.substr(0, invite.out.find('\n'))));
  ASSERT_EQ(b.Stop(), 0);
  ASSERT_TRUE(b.Start());
  add = c.Ctl({"peer", "add", "--invite", second});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_TRUE(absl::StrContains(add.out, "active")) << add.out;
}

// Issue 14: a client calling Sync in a loop without a link made a warning
// line per call (525 KB/s). Now the first refusal is logged and the rest
// counted.
TEST_F(FederationE2eTest, RefusedCallsInALoopLeaveTheLogSmall) {
  HubProcess& b = Start("b");
  RogueHub rogue;
  const size_t before = b.log().size();
  for (int i = 0; i < 2000; ++i) {
    absl::StatusOr<v1::SyncResponse> r = rogue.Call<v1::SyncResponse>(
        AddressOf(b), v1::SyncRequest(), &federation::Transport::Sync);
    ASSERT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied)
        << r.status();
  }
  const std::string log = b.log();
  EXPECT_LT(log.size() - before, 4096u) << log.substr(before, 4096);
  EXPECT_TRUE(
      absl::StrContains(log, "federation Sync from 127.0.0.1 refused: "))
      << log.substr(before, 4096);
  // The hub still answers its admin.
  EXPECT_EQ(b.Ctl({"status"}).exit_code, 0);
}

// Issue 14: 16 RequestLink bodies of 15 MiB from strangers were buffered
// before any check (+174 MB). The federation port now takes in 5 MiB at
// most (a full Push is 4.0 MiB): larger calls are refused unread.
TEST_F(FederationE2eTest, OversizedRequestsAreRefusedBeforeAnyCheck) {
  HubProcess& b = Start("b");
  RogueHub rogue;
  v1::LinkRequest big;
  big.set_body(std::string(6 << 20, 'x'));
  absl::StatusOr<v1::LinkResponse> refused = rogue.Call<v1::LinkResponse>(
      AddressOf(b), big, &federation::Transport::RequestLink);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted)
      << refused.status();
  // A request under the limit is read and checked as before (its body
  // names no hub as the sender).
  v1::LinkRequest small;
  small.set_body(std::string(4 << 20, 'x'));
  absl::StatusOr<v1::LinkResponse> checked = rogue.Call<v1::LinkResponse>(
      AddressOf(b), small, &federation::Transport::RequestLink);
  EXPECT_EQ(checked.status().code(), absl::StatusCode::kUnauthenticated)
      << checked.status();
  EXPECT_EQ(b.Ctl({"status"}).exit_code, 0);
}

}  // namespace
}  // namespace civhub::testing
