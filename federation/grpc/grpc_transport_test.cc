#include "federation/grpc/grpc_transport.h"

#include <gtest/gtest.h>

#include "federation/grpc/client_address.h"

namespace civhub::federation {
namespace {

TEST(SourceNetworkTest, AddressesAndIpv6Prefixes) {
  EXPECT_EQ(SourceNetwork("ipv4:203.0.113.7:40112"), "203.0.113.7");
  EXPECT_EQ(SourceNetwork("ipv6:[2001:db8:1:2:a:b:c:d]:40112"),
            "2001:db8:1::/48");
  // Two hosts of one /64 are one network.
  EXPECT_EQ(SourceNetwork("ipv6:[2001:db8:1:2::99]:1"),
            SourceNetwork("ipv6:[2001:db8:1:2:ffff::1]:2"));
  // So are two /64s of one /48: one site's allocation, one attacker.
  EXPECT_EQ(SourceNetwork("ipv6:[2001:db8:1:2::99]:1"),
            SourceNetwork("ipv6:[2001:db8:1:ffff::99]:1"));
  EXPECT_NE(SourceNetwork("ipv6:[2001:db8:1:2::99]:1"),
            SourceNetwork("ipv6:[2001:db8:2:2::99]:1"));
  EXPECT_EQ(SourceNetwork("ipv6:[::ffff:203.0.113.7]:443"), "203.0.113.7");
  EXPECT_EQ(SourceNetwork("ipv6:[fe80::1%eth0]:443"), "fe80::/48");
  EXPECT_EQ(SourceNetwork("unix:/run/civhub.sock"), "unix:/run/civhub.sock");
  EXPECT_EQ(SourceNetwork("ipv4:not-an-address:1"), "ipv4:not-an-address:1");
}

}  // namespace
}  // namespace civhub::federation
