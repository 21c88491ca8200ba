#include "server/connection_guard.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace civhub::server {
namespace {

// Stands in for gRPC: keeps the connections handed to it, as gRPC would.
class KeepingAcceptor : public grpc::experimental::ExternalConnectionAcceptor {
 public:
  void HandleNewConnection(NewConnectionParameters* p) override {
    absl::MutexLock lock(&mu_);
    fds_.push_back(p->fd);
  }
  std::vector<int> fds() {
    absl::MutexLock lock(&mu_);
    return fds_;
  }
  // Closes the first `n` it holds, as gRPC closes a finished connection.
  void CloseFirst(size_t n) {
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < n && i < fds_.size(); ++i) ::close(fds_[i]);
    fds_.erase(fds_.begin(), fds_.begin() + std::min(n, fds_.size()));
  }
  ~KeepingAcceptor() override {
    for (int fd : fds_) ::close(fd);
  }

 private:
  absl::Mutex mu_;
  std::vector<int> fds_;
};

// A client socket from `source` (127.0.0.x: Linux routes all of 127/8 to
// the loopback, so each is a different client to the guard).
int Connect(const char* source, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source, &from.sin_addr);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)), 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0);
  return fd;
}

// True once the server closed or reset `fd`; false if it is still open
// after `wait`.
bool ClosedByServer(int fd, absl::Duration wait = absl::Seconds(5)) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, absl::ToInt64Milliseconds(wait)) <= 0) return false;
  char c;
  return ::recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

class ConnectionGuardTest : public ::testing::Test {
 protected:
  void Start(ConnectionLimits limits) {
    auto guard =
        ConnectionGuard::Listen("127.0.0.1:0", "--listen", "test", limits);
    ASSERT_TRUE(guard.ok()) << guard.status();
    guard_ = *std::move(guard);
    auto acceptor = std::make_unique<KeepingAcceptor>();
    acceptor_ = acceptor.get();
    guard_->Start(std::move(acceptor));
  }
  void TearDown() override {
    guard_.reset();
    for (int fd : clients_) ::close(fd);
  }
  int Client(const char* source) {
    clients_.push_back(Connect(source, guard_->port()));
    return clients_.back();
  }
  // Waits until the guard has decided on `n` connections in all.
  void AwaitDecided(uint64_t n) {
    absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      ConnectionStats s = guard_->stats();
      if (s.accepted + s.refused >= n) return;
      absl::SleepFor(absl::Milliseconds(2));
    }
    FAIL() << "the guard did not take " << n << " connections";
  }

  std::unique_ptr<ConnectionGuard> guard_;
  KeepingAcceptor* acceptor_ = nullptr;
  std::vector<int> clients_;
};

TEST_F(ConnectionGuardTest, OneClientGetsItsShareAndOthersStillConnect) {
  ConnectionLimits limits;
  limits.per_client = 8;
  limits.evict_idle_after = absl::Hours(1);  // Nothing is idle enough.
  Start(limits);
  std::vector<int> attacker;
  for (int i = 0; i < 20; ++i) attacker.push_back(Client("127.0.0.2"));
  AwaitDecided(20);
  EXPECT_EQ(acceptor_->fds().size(), 8u);
  int refused = 0;
  for (int fd : attacker) refused += ClosedByServer(fd, absl::Milliseconds(50));
  EXPECT_EQ(refused, 12);
  // Another client is not affected.
  int partner = Client("127.0.0.3");
  AwaitDecided(21);
  EXPECT_FALSE(ClosedByServer(partner, absl::Milliseconds(50)));
  EXPECT_EQ(acceptor_->fds().size(), 9u);
  ConnectionStats s = guard_->stats();
  EXPECT_EQ(s.open, 9);
  EXPECT_EQ(s.clients, 2);
  EXPECT_EQ(s.refused, 12u);
}

TEST_F(ConnectionGuardTest, ClosedConnectionsFreeTheirPlaces) {
  ConnectionLimits limits;
  limits.per_client = 4;
  limits.evict_idle_after = absl::Hours(1);
  Start(limits);
  for (int i = 0; i < 4; ++i) Client("127.0.0.2");
  AwaitDecided(4);
  acceptor_->CloseFirst(2);  // The server finished two.
  int a = Client("127.0.0.2");
  int b = Client("127.0.0.2");
  int c = Client("127.0.0.2");
  AwaitDecided(7);
  EXPECT_FALSE(ClosedByServer(a, absl::Milliseconds(20)));
  EXPECT_FALSE(ClosedByServer(b, absl::Milliseconds(20)));
  EXPECT_TRUE(ClosedByServer(c));
  EXPECT_EQ(guard_->stats().open, 4);
}

TEST_F(ConnectionGuardTest, AtTheLimitTheIdlestConnectionMakesRoom) {
  ConnectionLimits limits;
  limits.per_client = 3;
  limits.evict_idle_after = absl::Milliseconds(200);
  Start(limits);
  int oldest = Client("127.0.0.2");
  AwaitDecided(1);
  // Idleness is time: the oldest has now been idle longer than the others.
  absl::SleepFor(absl::Milliseconds(100));
  int second = Client("127.0.0.2");
  int third = Client("127.0.0.2");
  AwaitDecided(3);
  // The one sending keeps its place.
  ASSERT_EQ(::send(second, "x", 1, 0), 1);
  absl::SleepFor(absl::Milliseconds(250));
  ASSERT_EQ(::send(second, "x", 1, 0), 1);
  int fourth = Client("127.0.0.2");
  AwaitDecided(4);
  EXPECT_TRUE(ClosedByServer(oldest));
  EXPECT_FALSE(ClosedByServer(second, absl::Milliseconds(20)));
  EXPECT_FALSE(ClosedByServer(third, absl::Milliseconds(20)));
  EXPECT_FALSE(ClosedByServer(fourth, absl::Milliseconds(20)));
  EXPECT_EQ(guard_->stats().evicted, 1u);
}

TEST_F(ConnectionGuardTest, TheTotalLimitHoldsAcrossClients) {
  ConnectionLimits limits;
  limits.per_client = 100;
  limits.total = 10;
  limits.evict_idle_after = absl::Hours(1);
  Start(limits);
  for (int i = 0; i < 8; ++i) Client("127.0.0.2");
  for (int i = 0; i < 8; ++i) Client("127.0.0.3");
  AwaitDecided(16);
  ConnectionStats s = guard_->stats();
  EXPECT_EQ(s.open, 10);
  // The second client got its share from the first (one each, down to an
  // even split), then was refused.
  EXPECT_EQ(s.evicted, 3u);
  EXPECT_EQ(s.refused, 3u);
}

// Busy clients filling the total (nothing idle to evict) cannot keep a new
// client out: the one holding the most gives up a connection.
TEST_F(ConnectionGuardTest, BusyClientsAtTheTotalStillLetANewClientIn) {
  ConnectionLimits limits;
  limits.per_client = 100;
  limits.total = 10;
  limits.evict_idle_after = absl::Hours(1);
  Start(limits);
  std::vector<int> heavy;
  for (int i = 0; i < 7; ++i) heavy.push_back(Client("127.0.0.2"));
  for (int i = 0; i < 3; ++i) Client("127.0.0.3");
  AwaitDecided(10);
  int partner = Client("127.0.0.4");
  AwaitDecided(11);
  EXPECT_FALSE(ClosedByServer(partner, absl::Milliseconds(20)));
  int closed = 0;
  for (int fd : heavy) closed += ClosedByServer(fd, absl::Milliseconds(20));
  EXPECT_EQ(closed, 1);  // Taken from the heaviest client only.
  EXPECT_EQ(guard_->stats().open, 10);
  // A client already holding as many as the heaviest gets nothing more.
  ConnectionStats before = guard_->stats();
  for (int i = 0; i < 5; ++i) Client("127.0.0.3");
  AwaitDecided(16);
  EXPECT_EQ(guard_->stats().open, 10);
  EXPECT_GT(guard_->stats().refused, before.refused);
}

TEST_F(ConnectionGuardTest, AReportedClientIsCutOffForThePenalty) {
  ConnectionLimits limits;
  limits.penalty = absl::Milliseconds(300);
  Start(limits);
  int a1 = Client("127.0.0.2");
  int a2 = Client("127.0.0.2");
  int partner = Client("127.0.0.3");
  AwaitDecided(3);
  guard_->ReportAbuse("ipv4:127.0.0.2:50000", "sent 1000 calls and reset them");
  EXPECT_TRUE(ClosedByServer(a1));
  EXPECT_TRUE(ClosedByServer(a2));
  EXPECT_FALSE(ClosedByServer(partner, absl::Milliseconds(20)));
  // Refused while the penalty lasts, ...
  int again = Client("127.0.0.2");
  EXPECT_TRUE(ClosedByServer(again));
  // ... served after it.
  absl::SleepFor(absl::Milliseconds(350));
  int later = Client("127.0.0.2");
  AwaitDecided(5);
  EXPECT_FALSE(ClosedByServer(later, absl::Milliseconds(20)));
  // The local admin socket is never cut off.
  guard_->ReportAbuse("unix:/var/lib/civhub/admin.sock", "anything");
  EXPECT_EQ(guard_->stats().abuse_reports, 1u);
}

TEST_F(ConnectionGuardTest, ATakenPortIsNamedWithItsFlag) {
  Start(ConnectionLimits{});
  auto second =
      ConnectionGuard::Listen("127.0.0.1:" + std::to_string(guard_->port()),
                              "--listen", "test", ConnectionLimits{});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("address already in use"),
            std::string::npos)
      << second.status();
  EXPECT_NE(second.status().message().find("--listen"), std::string::npos);
}

TEST(DescriptorBudgetTest, LeavesRoomForTheStoreAndTheRest) {
  DescriptorBudget small = BudgetDescriptors(1024);
  EXPECT_EQ(small.store_files, 256);
  EXPECT_EQ(small.connections, 1024 - 256 - 256);
  DescriptorBudget large = BudgetDescriptors(65536);
  EXPECT_EQ(large.store_files, 1000);
  EXPECT_GT(large.connections, 60000);
  EXPECT_GE(BudgetDescriptors(100).connections, 64);
}

TEST(ShareConnectionsTest, EveryListenerKeepsItsTotalWhenTheyFit) {
  EXPECT_EQ(ShareConnections(30000, {10000, 1000, 10000}),
            (std::vector<int>{10000, 1000, 10000}));
}

TEST(ShareConnectionsTest, WhatASmallListenerLeavesGoesToTheOthers) {
  // A hub under a 20,000-file limit: federation asks 1,000 of an equal
  // third (6,248) and the other two share the rest.
  EXPECT_EQ(ShareConnections(18744, {10000, 1000, 10000}),
            (std::vector<int>{8872, 1000, 8872}));
  // An admin who lowers the Directory's total gives HTTP room for 10,000.
  EXPECT_EQ(ShareConnections(18744, {4000, 1000, 10100}),
            (std::vector<int>{4000, 1000, 10100}));
}

TEST(ShareConnectionsTest, NoListenerIsLeftWithoutAConnection) {
  const std::vector<int> share = ShareConnections(2, {10, 10, 10});
  for (int s : share) EXPECT_GE(s, 1);
  EXPECT_EQ(ShareConnections(0, {5}), std::vector<int>{1});
}

}  // namespace
}  // namespace civhub::server
