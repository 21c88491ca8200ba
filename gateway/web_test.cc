#include "gateway/web.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/match.h"

namespace civhub::gateway {
namespace {

std::string HeaderOf(const http::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class WebRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override { AddWebRoutes(WebOptions(), &router_); }

  http::Response Get(const std::string& path,
                     const std::string& accept_language = "",
                     const std::string& hl = "", const std::string& v = "") {
    auto request = std::make_shared<http::Request>();
    request->method = "GET";
    request->path = path;
    request->target = path;
    if (!accept_language.empty()) {
      request->headers.emplace_back("accept-language", accept_language);
    }
    if (!hl.empty()) request->query.emplace_back("hl", hl);
    if (!v.empty()) request->query.emplace_back("v", v);
    http::Response out;
    bool replied = false;
    router_.Dispatch(request, [&](http::Response r) {
      out = std::move(r);
      replied = true;
    });
    EXPECT_TRUE(replied);
    return out;
  }

  http::Router router_;
};

TEST_F(WebRoutesTest, ThePageCarriesItsSecurityHeaders) {
  http::Response page = Get("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  std::string csp = HeaderOf(page, "content-security-policy");
  EXPECT_TRUE(absl::StrContains(csp, "default-src 'self'")) << csp;
  EXPECT_TRUE(absl::StrContains(csp, "script-src 'self';")) << csp;
  EXPECT_FALSE(absl::StrContains(csp, "unsafe")) << csp;
  EXPECT_EQ(HeaderOf(page, "x-content-type-options"), "nosniff");
  EXPECT_EQ(HeaderOf(page, "referrer-policy"), "no-referrer");
  EXPECT_TRUE(absl::StrContains(page.body, "<html lang=\"en\" dir=\"ltr\">"));
  EXPECT_FALSE(absl::StrContains(page.body, "{{")) << "a placeholder is left";
}

TEST_F(WebRoutesTest, RecordPagesAreThePage) {
  http::Response page = Get("/record/civhub1abc/maji-safi-kenya");
  EXPECT_EQ(page.status, 200);
  EXPECT_TRUE(absl::StrContains(page.body, "/static/app.js?v="));
}

TEST_F(WebRoutesTest, TheLanguageFollowsAcceptLanguageAndHl) {
  EXPECT_TRUE(absl::StrContains(Get("/", "ar-EG,en;q=0.5").body,
                                "<html lang=\"ar\" dir=\"rtl\">"));
  EXPECT_TRUE(absl::StrContains(Get("/", "de-DE,fr;q=0.8,es;q=0.9").body,
                                "<html lang=\"es\" dir=\"ltr\">"));
  EXPECT_TRUE(absl::StrContains(Get("/", "ar", "sw").body,
                                "<html lang=\"sw\" dir=\"ltr\">"));
  EXPECT_TRUE(absl::StrContains(Get("/", "de, ja;q=0.3").body,
                                "<html lang=\"en\" dir=\"ltr\">"));
}

TEST_F(WebRoutesTest, AssetsAreCachedWithAnETag) {
  http::Response js = Get("/static/app.js", "", "", "1234");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_FALSE(js.etag.empty());
  EXPECT_TRUE(absl::StrContains(HeaderOf(js, "cache-control"), "immutable"));
  // Without the page's ?v= a file may change with the next version (the
  // options a browser kept a year after an upgrade were stale).
  for (const char* unversioned : {"/static/app.js", "/static/options.json"}) {
    http::Response r = Get(unversioned);
    EXPECT_EQ(HeaderOf(r, "cache-control"), "no-cache") << unversioned;
    EXPECT_FALSE(r.etag.empty()) << unversioned;
  }
  EXPECT_EQ(HeaderOf(js, "x-content-type-options"), "nosniff");
  EXPECT_EQ(Get("/static/style.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Get("/static/no-such.js").status, 404);
  EXPECT_EQ(Get("/static/../CMakeLists.txt").status, 404);
}

TEST_F(WebRoutesTest, OptionsComeFromTheHubsTables) {
  http::Response options = Get("/static/options.json");
  EXPECT_EQ(options.status, 200);
  for (const char* s :
       {"{\"code\":\"KE\",\"name\":\"Kenya\"}", "\"KE-30\"", "{\"code\":\"sw\"",
        "\"water-sanitation\"", "\"ngo\""}) {
    EXPECT_TRUE(absl::StrContains(options.body, s)) << s;
  }
}

TEST(WebLeafletTest, MissingLeafletIsNotAnError) {
  http::Router router;
  WebOptions options;
  options.leaflet_dir = "/nonexistent";
  AddWebRoutes(options, &router);
  auto request = std::make_shared<http::Request>();
  request->method = "GET";
  request->path = "/static/leaflet/leaflet.js";
  int status = 0;
  router.Dispatch(request, [&](http::Response r) { status = r.status; });
  EXPECT_EQ(status, 404);
}

}  // namespace
}  // namespace civhub::gateway
