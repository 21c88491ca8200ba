#include "admin-cli/ctl.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "admin-cli/format.h"
#include "admin-cli/json_input.h"
#include "tests/testutil.h"

namespace civhub::ctl {
namespace {

// Fails any call: these tests must not reach a node.
std::unique_ptr<NodeConnection> NoNode(const std::string&) {
  ADD_FAILURE() << "tried to connect";
  return ConnectUnixSocket("/nonexistent/admin.sock");
}

int Ctl(std::vector<const char*> argv, std::string* out, std::string* err) {
  argv.insert(argv.begin(), "civhubctl");
  std::ostringstream o, e;
  int code = RunCtl(static_cast<int>(argv.size()), argv.data(), o, e, NoNode);
  *out = o.str();
  *err = e.str();
  return code;
}

TEST(Ctl, UsageErrorsExitOneWithoutConnecting) {
  std::string out, err;
  EXPECT_EQ(Ctl({"search", "--near", "north"}, &out, &err), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "expected LAT,LON")) << err;
  EXPECT_EQ(Ctl({"search", "--km", "5"}, &out, &err), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "--km needs --near")) << err;
  EXPECT_EQ(Ctl({"search", "--kind", "people"}, &out, &err), kExitUsage);
  EXPECT_EQ(Ctl({"search", "--identifier", "GB-CHC"}, &out, &err), kExitUsage);
  EXPECT_EQ(Ctl({}, &out, &err), kExitUsage);
  EXPECT_EQ(Ctl({"org", "put", "/nonexistent.json"}, &out, &err), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "/nonexistent.json: cannot open file"))
      << err;
}

TEST(Ctl, HelpExitsZero) {
  std::string out, err;
  EXPECT_EQ(Ctl({"--help"}, &out, &err), kExitOk);
  EXPECT_TRUE(absl::StrContains(out, "search")) << out;
}

TEST(Ctl, PutChecksTheFileBeforeCallingTheNode) {
  testing::TempDir dir;
  std::string path = dir.Sub("c.json");
  std::ofstream(path)
      << R"({"community": {"names": [{"lang": "en", "text": "C"}]}})";
  std::string out, err;
  EXPECT_EQ(Ctl({"community", "put", path.c_str()}, &out, &err), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "no record id")) << err;
  EXPECT_EQ(Ctl({"org", "put", path.c_str(), "--id", "c"}, &out, &err),
            kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "use `civhubctl community put`")) << err;
}

TEST(Format, NetworkDotIsValidGraphviz) {
  v1::Network network;
  v1::NetworkHub* hub = network.add_hubs();
  hub->set_hub_id("civhub1a");
  hub->set_fingerprint("AAAA-BBBB-CCCC-DDDD");
  hub->mutable_profile()->set_name("Hub \"Quoted\" \\ Slash");
  hub->set_records(7);
  v1::NetworkLink* link = network.add_links();
  link->set_a("civhub1a");
  link->set_b("civhub1b");
  std::ostringstream out;
  PrintNetworkDot(network, out);
  EXPECT_EQ(out.str(),
            "graph civhub {\n"
            "  node [shape=box, style=rounded];\n"
            "  \"civhub1a\" [label=\"Hub \\\"Quoted\\\" \\\\ "
            "Slash\\nAAAA-BBBB-CCCC-DDDD\\n7 "
            "records\"];\n"
            "  \"civhub1a\" -- \"civhub1b\";\n"
            "}\n");
}

TEST(JsonInput, NamesTheFieldPath) {
  v1::PublishRequest req;
  EXPECT_STATUS(ParseJson(R"({"organization": {"nmes": []}})", &req),
                absl::StatusCode::kInvalidArgument,
                "organization.nmes: unknown field");
  EXPECT_STATUS(
      ParseJson(R"({"organization": {"locations": [{}, {"latitude": "x"}]}})",
                &req),
      absl::StatusCode::kInvalidArgument,
      "organization.locations[1].latitude: invalid value \"x\" for type "
      "DOUBLE");
  EXPECT_STATUS(ParseJson(R"({"organization": )", &req),
                absl::StatusCode::kInvalidArgument, "not valid JSON");
  EXPECT_OK(ParseJson(
      R"({"recordId": "a", "organization": {"areas_served": ["KE"]}})", &req));
  EXPECT_EQ(req.organization().areas_served(0), "KE");
}

}  // namespace
}  // namespace civhub::ctl
