#include "server/listen_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testutil.h"

namespace civhub::server {
namespace {

TEST(ParseHostPortTest, AcceptsHostsAndBracketedIpv6) {
  absl::StatusOr<HostPort> v4 = ParseHostPort("127.0.0.1:7340");
  ASSERT_OK(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 7340);
  absl::StatusOr<HostPort> v6 = ParseHostPort("[::1]:0");
  ASSERT_OK(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  absl::StatusOr<HostPort> name = ParseHostPort("hub.example.org:65535");
  ASSERT_OK(name);
  EXPECT_EQ(name->host, "hub.example.org");
  EXPECT_EQ(name->port, 65535);
}

// `--listen 127.0.0.1:99999` used to serve on whatever port gRPC made of it.
TEST(ParseHostPortTest, PortOutOfRangeIsRefused) {
  EXPECT_STATUS(ParseHostPort("127.0.0.1:99999"),
                absl::StatusCode::kInvalidArgument,
                "port \"99999\" of \"127.0.0.1:99999\" is not a number in "
                "0–65535");
  EXPECT_STATUS(ParseHostPort("127.0.0.1:65536"),
                absl::StatusCode::kInvalidArgument, "0–65535");
  EXPECT_STATUS(ParseHostPort("127.0.0.1:-1"),
                absl::StatusCode::kInvalidArgument, "0–65535");
  EXPECT_STATUS(ParseHostPort("127.0.0.1:http"),
                absl::StatusCode::kInvalidArgument, "0–65535");
  EXPECT_STATUS(ParseHostPort("127.0.0.1:0", /*allow_port_zero=*/false),
                absl::StatusCode::kInvalidArgument, "1–65535");
}

TEST(ParseHostPortTest, MissingHostOrPortIsRefusedWithAnExample) {
  EXPECT_STATUS(ParseHostPort("7390"), absl::StatusCode::kInvalidArgument,
                "\"7390\" has no host; expected HOST:PORT, such as "
                "127.0.0.1:7340");
  // A host alone used to be "has no host", with --listen's port whatever
  // the flag.
  EXPECT_STATUS(ParseHostPort("127.0.0.1", /*allow_port_zero=*/true,
                              kDefaultHttpListenPort),
                absl::StatusCode::kInvalidArgument,
                "\"127.0.0.1\" has no port; expected HOST:PORT, such as "
                "127.0.0.1:7342 (0.0.0.0:7342 for every interface)");
  EXPECT_STATUS(ParseHostPort("localhost", /*allow_port_zero=*/true,
                              kDefaultPeerListenPort),
                absl::StatusCode::kInvalidArgument,
                "\"localhost\" has no port; expected HOST:PORT, such as "
                "localhost:7341");
  EXPECT_STATUS(ParseHostPort("[::1]"), absl::StatusCode::kInvalidArgument,
                "\"[::1]\" has no port; expected HOST:PORT, such as "
                "[::1]:7340");
  EXPECT_STATUS(ParseHostPort(":7390"), absl::StatusCode::kInvalidArgument,
                "has no host");
  EXPECT_STATUS(ParseHostPort("127.0.0.1:"), absl::StatusCode::kInvalidArgument,
                "has no port");
  EXPECT_STATUS(ParseHostPort("::1:7340"), absl::StatusCode::kInvalidArgument,
                "in brackets");
  EXPECT_STATUS(ParseHostPort("[::1:7340"), absl::StatusCode::kInvalidArgument,
                "no ']'");
}

TEST(CheckCanListenTest, FreePortPasses) {
  EXPECT_OK(CheckCanListen("127.0.0.1:0", "--listen"));
}

TEST(CheckCanListenTest, PortInUseSaysSo) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string address = absl::StrCat("127.0.0.1:", ntohs(addr.sin_port));
  EXPECT_STATUS(CheckCanListen(address, "--listen"),
                absl::StatusCode::kUnavailable,
                absl::StrCat("cannot listen on ", address,
                             ": address already in use (is another civhubd "
                             "running?)"));
  ::close(fd);
}

TEST(CheckCanListenTest, AddressOfAnotherMachineIsNamed) {
  // 192.0.2.0/24 is TEST-NET-1: never an address of this machine.
  EXPECT_STATUS(CheckCanListen("192.0.2.1:7390", "--listen"),
                absl::StatusCode::kInvalidArgument,
                "cannot listen on 192.0.2.1:7390: 192.0.2.1 is not an address "
                "of this machine");
}

TEST(CheckCanListenTest, MalformedAddressNamesTheFlag) {
  EXPECT_STATUS(CheckCanListen("7390", "--peer-listen"),
                absl::StatusCode::kInvalidArgument,
                "--peer-listen: \"7390\" has no host");
}

// --http-listen on --listen's port used to fail as "address already in
// use (is another civhubd running?)".
TEST(CheckDistinctListenersTest, NamesBothFlagsOfOnePort) {
  const std::vector<Listener> clash = {
      {"--listen", "127.0.0.1:7340", kDefaultListenPort},
      {"--peer-listen", "127.0.0.1:7341", kDefaultPeerListenPort},
      {"--http-listen", "127.0.0.1:7340", kDefaultHttpListenPort},
  };
  EXPECT_STATUS(CheckDistinctListeners(clash),
                absl::StatusCode::kInvalidArgument,
                "--listen 127.0.0.1:7340 and --http-listen 127.0.0.1:7340 are "
                "the same port: civhubd needs a port of its own for each "
                "listener; give --http-listen another port, such as "
                "127.0.0.1:7342");
  // A wildcard takes the port on every address; localhost is 127.0.0.1.
  EXPECT_STATUS(
      CheckDistinctListeners(
          {{"--listen", "0.0.0.0:9000", kDefaultListenPort},
           {"--metrics-listen", "10.0.0.5:9000", kDefaultMetricsListenPort}}),
      absl::StatusCode::kInvalidArgument,
      "give --metrics-listen another port, such as 10.0.0.5:9342");
  EXPECT_STATUS(
      CheckDistinctListeners(
          {{"--peer-listen", "localhost:9000", kDefaultPeerListenPort},
           {"--http-listen", "[::1]:9000", kDefaultHttpListenPort}}),
      absl::StatusCode::kInvalidArgument, "such as [::1]:7342");
}

TEST(CheckDistinctListenersTest, AcceptsDistinctPortsHostsAndPortZero) {
  EXPECT_OK(CheckDistinctListeners({
      {"--listen", "127.0.0.1:0", kDefaultListenPort},
      {"--peer-listen", "127.0.0.1:0", kDefaultPeerListenPort},
      {"--http-listen", "127.0.0.1:7342", kDefaultHttpListenPort},
      {"--metrics-listen", "", kDefaultMetricsListenPort},
  }));
  EXPECT_OK(CheckDistinctListeners({
      {"--listen", "127.0.0.1:9000", kDefaultListenPort},
      {"--http-listen", "127.0.0.2:9000", kDefaultHttpListenPort},
  }));
}

TEST(OpenableAddressTest, WildcardBecomesLoopback) {
  bool all = false;
  EXPECT_EQ(OpenableAddress("0.0.0.0:7342", &all), "127.0.0.1:7342");
  EXPECT_TRUE(all);
  EXPECT_EQ(OpenableAddress("[::]:7342", &all), "[::1]:7342");
  EXPECT_TRUE(all);
  EXPECT_EQ(OpenableAddress("10.0.0.5:7342", &all), "10.0.0.5:7342");
  EXPECT_FALSE(all);
}

}  // namespace
}  // namespace civhub::server
