// Matching across the network between real civhubd processes: three hubs
// linked A-B-C (no A-C link), a need of a Nairobi organization published on
// A, offers from Lima and Kyiv on C and from Nairobi on B. Once the records
// have replicated, A and B rank the same offers in the same order, with
// their reasons, over gRPC and with `civhubctl match`; C ranks A's need for
// its own offer.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "harness/hub_process.h"
#include "tests/testutil.h"

namespace civhub::testing {
namespace {

v1::MatchRequest ForNeed(const HubProcess& origin, const std::string& id) {
  v1::MatchRequest req;
  req.mutable_need()->set_origin(origin.hub_id());
  req.mutable_need()->set_record_id(id);
  return req;
}

// `hub`'s answer to `req` over its public gRPC port (hits empty on error).
v1::MatchResponse MatchAt(const HubProcess& hub, const v1::MatchRequest& req) {
  auto stub = hub.PublicDirectory();
  grpc::ClientContext ctx;
  v1::MatchResponse response;
  grpc::Status st = stub->Match(&ctx, req, &response);
  if (!st.ok()) response.Clear();
  return response;
}

// "origin/record_id" of each hit, in order.
std::vector<std::string> Refs(const v1::MatchResponse& response) {
  std::vector<std::string> refs;
  for (const v1::MatchHit& hit : response.hits()) {
    refs.push_back(
        absl::StrCat(hit.record().origin(), "/", hit.record().record_id()));
  }
  return refs;
}

void Put(const HubProcess& hub, const std::string& command,
         const std::string& example) {
  RunResult put = hub.Ctl({command, "put", Example(example)});
  ASSERT_EQ(put.exit_code, 0) << example << ": " << put.err;
}

TEST(MatchE2eTest, ANeedOnAIsMatchedByOffersOnCThroughB) {
  TempDir dir;
  HubProcess a(dir.Sub("a")), b(dir.Sub("b")), c(dir.Sub("c"));
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());
  ASSERT_TRUE(c.Start());
  ASSERT_TRUE(LinkHubs(a, b));
  ASSERT_TRUE(LinkHubs(b, c));

  Put(a, "org", "organizations/maji-safi-kenya.json");
  Put(a, "need", "needs/maji-safi-kiosk-website.json");
  Put(c, "org", "organizations/kyiv-tech-volunteers.json");
  Put(c, "offer", "offers/ana-web-developer-lima.json");
  Put(c, "offer", "offers/kyiv-tech-hosting.json");
  Put(b, "offer", "offers/wanjiru-translation-nairobi.json");

  // Best first: Ana (Lima) offers the website and its content management
  // exactly and web design within the group; Kyiv's hosting volunteers
  // offer web development (each web capability partly); Wanjiru
  // translation, one of the four.
  const std::vector<std::string> expected = {
      c.hub_id() + "/ana-web-developer-lima", c.hub_id() + "/kyiv-tech-hosting",
      b.hub_id() + "/wanjiru-translation-nairobi"};
  const v1::MatchRequest req = ForNeed(a, "maji-safi-kiosk-website");
  v1::MatchResponse at_a;
  ASSERT_TRUE(WaitFor([&] {
    at_a = MatchAt(a, req);
    return at_a.hits_size() == 3;
  })) << a.Ctl({"match", "maji-safi-kiosk-website"}).out
      << a.Ctl({"peer", "list"}).out;
  EXPECT_EQ(Refs(at_a), expected);
  EXPECT_EQ(at_a.total_count(), 3);
  EXPECT_EQ(at_a.subject().record_id(), "maji-safi-kiosk-website");
  const v1::MatchFeatures& ana = at_a.hits(0).features();
  EXPECT_EQ(ana.capability(), 0.625);
  EXPECT_EQ(ana.partial_capabilities_size(), 1);
  EXPECT_EQ(ana.partial_capabilities(0), "web-development~web-design");
  EXPECT_EQ(ana.distance(), 1);  // Remote work.
  EXPECT_GT(at_a.hits(0).score(), at_a.hits(1).score());
  EXPECT_GT(at_a.hits(1).score(), at_a.hits(2).score());

  // B, in the middle, ranks them the same.
  v1::MatchResponse at_b;
  ASSERT_TRUE(WaitFor([&] {
    at_b = MatchAt(b, req);
    return at_b.hits_size() == 3;
  }));
  EXPECT_EQ(Refs(at_b), expected);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(at_b.hits(i).score(), at_a.hits(i).score()) << i;
  }

  // civhubctl's tables show a hub id's first 14 characters and "…".
  auto Short = [](const std::string& id) { return id.substr(0, 14) + "…"; };
  // As a coordinator on A sees it: ranked, each feature, and why. Kyiv's
  // organization may reach A after its offer (pushes relayed through B are
  // not ordered with anti-entropy's pulls): named once A holds it.
  ASSERT_TRUE(WaitFor([&] {
    return a.Ctl({"record", "get", c.hub_id() + "/kyiv-tech-volunteers"})
               .exit_code == 0;
  }));
  RunResult table = a.Ctl({"match", "maji-safi-kiosk-website"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  const size_t ana_at = table.out.find("ana-web-developer-lima");
  const size_t kyiv_at = table.out.find("kyiv-tech-hosting");
  const size_t wanjiru_at = table.out.find("wanjiru-translation-nairobi");
  ASSERT_NE(ana_at, std::string::npos) << table.out;
  EXPECT_LT(ana_at, kyiv_at) << table.out;
  EXPECT_LT(kyiv_at, wanjiru_at) << table.out;
  for (const char* want :
       {"matches for need", "SCORE", "CAPABILITY", "WINDOW", "CAPACITY",
        "OFFERED BY", "NOT COVERED",
        "skills: A website, Content management systems; partly: Web "
        "development for Web design",
        "3 of 3 matching records"}) {
    EXPECT_TRUE(absl::StrContains(table.out, want)) << want << "\n"
                                                    << table.out;
  }
  // Who offers: Kyiv's organization by its name, from its record on A.
  EXPECT_TRUE(absl::StrContains(table.out, "Київська мережа техволонтерів") ||
              absl::StrContains(table.out, "Kyiv Tech Volunteers Network"))
      << table.out;
  // Wanjiru translates: the need's web work is not covered.
  const size_t wanjiru_line = table.out.rfind('\n', wanjiru_at);
  EXPECT_TRUE(absl::StrContains(
      table.out.substr(wanjiru_line,
                       table.out.find('\n', wanjiru_at) - wanjiru_line),
      "A website, Web design, Content management systems"))
      << table.out;
  // Hub ids are shortened in the table, and the short form is a reference
  // civhubctl takes.
  EXPECT_FALSE(absl::StrContains(table.out, c.hub_id())) << table.out;
  RunResult by_prefix =
      a.Ctl({"record", "get", Short(c.hub_id()) + "/ana-web-developer-lima"});
  EXPECT_EQ(by_prefix.exit_code, 0) << by_prefix.err;
  EXPECT_TRUE(absl::StrContains(by_prefix.out, c.hub_id())) << by_prefix.out;
  // The other way round on C, once A's need arrived: needs for Ana's offer.
  RunResult needs;
  EXPECT_TRUE(WaitFor([&] {
    needs = c.Ctl({"match", "ana-web-developer-lima", "--limit", "5"});
    return needs.exit_code == 0 &&
           absl::StrContains(needs.out,
                             Short(a.hub_id()) + "/maji-safi-kiosk-website");
  })) << needs.out
      << needs.err;
  // An organization is neither side.
  RunResult org = a.Ctl({"match", "maji-safi-kenya"});
  EXPECT_EQ(org.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(org.err, "match takes a need")) << org.err;

  // A registration for another hub's event this hub does not hold is
  // published (it may be on its way) but said: a mistyped id went unnoticed.
  const std::string reg = dir.Sub("reg.json");
  std::ofstream(reg) << R"({"recordId": "msk-at-camp", "registration": {
      "event": {"origin": ")"
                     << b.hub_id() << R"(", "recordId": "techcamp-nope"},
      "organization": {"recordId": "maji-safi-kenya"},
      "attendees": 2, "status": "going"}})";
  RunResult put = a.Ctl({"registration", "put", reg});
  EXPECT_EQ(put.exit_code, 0) << put.err;
  EXPECT_TRUE(absl::StrContains(
      put.err, absl::StrCat("warning: this hub holds no record ", b.hub_id(),
                            "/techcamp-nope")))
      << put.err;
}

}  // namespace
}  // namespace civhub::testing
