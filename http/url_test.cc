#include "http/url.h"

#include <gtest/gtest.h>

namespace civhub::http {
namespace {

TEST(UrlTest, TargetsSplitIntoDecodedPathAndQuery) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  ASSERT_TRUE(ParseTarget("/v1/search?text=maji+safi&country=KE&x=%C3%A9",
                          &path, &query));
  EXPECT_EQ(path, "/v1/search");
  ASSERT_EQ(query.size(), 3u);
  EXPECT_EQ(query[0],
            std::make_pair(std::string("text"), std::string("maji safi")));
  EXPECT_EQ(query[2].second, "\xC3\xA9");
  EXPECT_FALSE(ParseTarget("v1/search", &path, &query));
  EXPECT_FALSE(ParseTarget("/v1/search?text=%G1", &path, &query));
  EXPECT_FALSE(ParseTarget("/v1/search?text=%4", &path, &query));
}

TEST(UrlTest, HostPortTakesBracketedIpv6) {
  std::string host;
  std::string port;
  ASSERT_TRUE(SplitHostPort("[::1]:7342", &host, &port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, "7342");
  ASSERT_TRUE(SplitHostPort("127.0.0.1:0", &host, &port));
  EXPECT_FALSE(SplitHostPort("127.0.0.1", &host, &port));
  EXPECT_FALSE(SplitHostPort("::1:80", &host, &port));
  EXPECT_FALSE(SplitHostPort("host:http", &host, &port));
}

TEST(UrlTest, PercentEncodeKeepsUnreservedOnly) {
  EXPECT_EQ(PercentEncode("a b/é"), "a%20b%2F%C3%A9");
}

}  // namespace
}  // namespace civhub::http
