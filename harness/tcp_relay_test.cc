#include "harness/tcp_relay.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace civhub::testing {
namespace {

// A loopback listener on a free port; returns its fd and sets `port`.
int Listen(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd, 4) != 0) {
    close(fd);
    return -1;
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

int Dial(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Cutting a relay while bytes flow through it used to kill the whole test
// process with SIGPIPE now and then (the pump wrote to a socket the cut had
// shut down): FederationE2eTest.PartitionMidSyncHealsAndConverges died so
// under ASan. Each round cuts mid-stream; the process must live through all.
TEST(TcpRelayTest, CuttingWhileBytesFlowDoesNotKillTheProcess) {
  for (int round = 0; round < 50; ++round) {
    int server_port = 0;
    const int listener = Listen(&server_port);
    ASSERT_GE(listener, 0);
    std::atomic<bool> stop{false};
    std::thread server([listener, &stop] {
      const int conn = accept(listener, nullptr, nullptr);
      if (conn < 0) return;
      // Sends time out, so that the loop sees `stop` once the cut relay
      // no longer reads.
      timeval timeout{0, 50 * 1000};
      setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
      char buf[16 << 10] = {};
      while (!stop) {
        if (send(conn, buf, sizeof(buf), MSG_NOSIGNAL) < 0 && errno != EAGAIN &&
            errno != EWOULDBLOCK) {
          break;
        }
      }
      close(conn);
    });
    TcpRelay relay(0, server_port);
    ASSERT_TRUE(relay.ok());
    const int client = Dial(relay.port());
    ASSERT_GE(client, 0);
    std::atomic<uint64_t> received{0};
    std::thread reader([client, &received] {
      char buf[16 << 10];
      for (ssize_t n; (n = read(client, buf, sizeof(buf))) > 0;) {
        received += static_cast<uint64_t>(n);
      }
    });
    // Bytes are flowing: cut in the middle of the stream.
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (received < (1 << 20) && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(1));  // Between checks, not instead.
    }
    ASSERT_GE(received.load(), 1u << 20) << "round " << round;
    relay.Cut();
    reader.join();  // The cut ends the client's stream.
    stop = true;
    close(client);
    shutdown(listener, SHUT_RDWR);
    close(listener);
    server.join();
    EXPECT_GE(relay.down(), received.load());
  }
}

}  // namespace
}  // namespace civhub::testing
