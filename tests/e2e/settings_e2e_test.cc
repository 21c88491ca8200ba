// How civhubd takes its settings: listen addresses checked up front and
// never shared with another process, the settings file, and the hub
// profile kept across restarts.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "harness/hub_process.h"
#include "tests/testutil.h"

namespace civhub::testing {
namespace {

// The hub's own "~hub" record as the public Directory serves it.
std::optional<v1::Record> PublishedProfile(const HubProcess& hub) {
  v1::GetRecordRequest req;
  req.set_origin(hub.hub_id());
  req.set_record_id("~hub");
  v1::Record record;
  grpc::ClientContext ctx;
  if (!hub.PublicDirectory()->GetRecord(&ctx, req, &record).ok()) {
    return std::nullopt;
  }
  return record;
}

v1::HubProfile StatusProfile(const HubProcess& hub) {
  grpc::ClientContext ctx;
  v1::HubStatus status;
  EXPECT_TRUE(hub.AdminOverSocket()->GetStatus(&ctx, {}, &status).ok());
  return status.profile();
}

// Runs a civhubd expected to refuse to start. One that starts anyway (the
// defect) would run until killed: `timeout` ends it (exit status 124).
RunResult RunCivhubdExpectingRefusal(std::vector<std::string> args) {
  std::vector<std::string> argv = {"/usr/bin/timeout", "20", CIVHUBD_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv);
}

uint64_t OwnSequence(const HubProcess& hub) {
  grpc::ClientContext ctx;
  v1::HubStatus status;
  EXPECT_TRUE(hub.AdminOverSocket()->GetStatus(&ctx, {}, &status).ok());
  return status.own_sequence();
}

// A civhubd started on ports another one listens on used to start too
// (gRPC's SO_REUSEPORT) and take about half of the new connections.
TEST(ListenE2eTest, SecondCivhubdOnTheSamePortsExitsNamingThePort) {
  TempDir dir;
  HubProcess first(dir.Sub("first"));
  ASSERT_TRUE(first.Start());
  ASSERT_EQ(
      first.Ctl({"org", "put", Example("organizations/maji-safi-kenya.json")})
          .exit_code,
      0);

  RunResult directory = RunCivhubdExpectingRefusal(
      {"--data-dir", dir.Sub("second"), "--listen", first.public_address(),
       "--peer-listen", "127.0.0.1:0"});
  EXPECT_EQ(directory.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(
      directory.err,
      absl::StrCat("cannot listen on ", first.public_address(),
                   ": address already in use (is another civhubd running?)")))
      << directory.err;

  RunResult federation = RunCivhubdExpectingRefusal(
      {"--data-dir", dir.Sub("third"), "--listen", "127.0.0.1:0",
       "--peer-listen", first.federation_address()});
  EXPECT_EQ(federation.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(
      federation.err,
      absl::StrCat("cannot listen on ", first.federation_address(),
                   ": address already in use (is another civhubd running?)")))
      << federation.err;
  EXPECT_TRUE(absl::StrContains(federation.err, "--peer-listen"))
      << federation.err;

  // Both ports taken (a second civhubd on the defaults): both are named,
  // the Directory's first — it used to name only the federation port.
  RunResult both = RunCivhubdExpectingRefusal(
      {"--data-dir", dir.Sub("fourth"), "--listen", first.public_address(),
       "--peer-listen", first.federation_address()});
  EXPECT_EQ(both.exit_code, 1);
  const size_t directory_line = both.err.find(
      absl::StrCat("cannot listen on ", first.public_address(), ": "));
  const size_t federation_line = both.err.find(
      absl::StrCat("cannot listen on ", first.federation_address(), ": "));
  EXPECT_NE(directory_line, std::string::npos) << both.err;
  EXPECT_NE(federation_line, std::string::npos) << both.err;
  EXPECT_LT(directory_line, federation_line) << both.err;

  // Every new connection still reaches the first hub and its records.
  for (int i = 0; i < 10; ++i) {
    v1::SearchRequest req;
    req.set_text("maji");
    v1::SearchResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(first.PublicDirectory()->Search(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.total_count(), 1);
  }
}

// The HTTP port gets the gRPC ports' rules: taken, it is named before
// anything starts; so are unreadable HTTPS files.
TEST(ListenE2eTest, HttpPortInUseAndBadTlsFilesAreRefusedClearly) {
  TempDir dir;
  HubProcess first(dir.Sub("first"));
  ASSERT_TRUE(first.Start());
  RunResult http = RunCivhubdExpectingRefusal(
      {"--data-dir", dir.Sub("second"), "--listen", "127.0.0.1:0",
       "--peer-listen", "127.0.0.1:0", "--http-listen", first.http_address()});
  EXPECT_EQ(http.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(
      http.err,
      absl::StrCat("cannot listen on ", first.http_address(),
                   ": address already in use (is another civhubd running?); "
                   "stop it, or pick another port with --http-listen")))
      << http.err;
  EXPECT_FALSE(absl::StrContains(http.out, "hub is running")) << http.out;

  RunResult tls = RunCivhubdExpectingRefusal(
      {"--data-dir", dir.Sub("third"), "--listen", "127.0.0.1:0",
       "--peer-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0",
       "--http-tls-cert", dir.Sub("none.pem"), "--http-tls-key",
       dir.Sub("none.key")});
  EXPECT_EQ(tls.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(
      tls.err,
      absl::StrCat("--http-tls-cert: cannot read ", dir.Sub("none.pem"))))
      << tls.err;
}

TEST(ListenE2eTest, BadListenValuesGetOneClearLine) {
  TempDir dir;
  // For the clashes, checked before anything binds: whether the port is
  // free does not matter.
  const std::string address = "127.0.0.1:17390";
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--listen", "127.0.0.1:99999"},
       "--listen: port \"99999\" of \"127.0.0.1:99999\" is not a number in "
       "0–65535"},
      {{"--listen", "7390"},
       "--listen: \"7390\" has no host; expected HOST:PORT"},
      {{"--peer-listen", "localhost"},
       "--peer-listen: \"localhost\" has no port; expected HOST:PORT, such as "
       "localhost:7341"},
      // A host without its port used to be "has no host", with --listen's
      // port as the example.
      {{"--http-listen", "127.0.0.1"},
       "--http-listen: \"127.0.0.1\" has no port; expected HOST:PORT, such "
       "as 127.0.0.1:7342 (0.0.0.0:7342 for every interface)"},
      {{"--metrics-listen", "0.0.0.0"},
       "--metrics-listen: \"0.0.0.0\" has no port; expected HOST:PORT, such "
       "as 0.0.0.0:9342"},
      {{"--advertise", "hub.example.org:0"},
       "--advertise: port \"0\" of \"hub.example.org:0\" is not a number in "
       "1–65535"},
      // Two of civhubd's own listeners on one port used to fail as if
      // another civhubd held it ("address already in use (is another
      // civhubd running?)"), naming only one flag.
      {{"--listen", address, "--peer-listen", "127.0.0.1:0", "--http-listen",
        address},
       absl::StrCat("--listen ", address, " and --http-listen ", address,
                    " are the same port: civhubd needs a port of its own for "
                    "each listener; give --http-listen another port, such as "
                    "127.0.0.1:7342")},
      {{"--listen", "127.0.0.1:0", "--peer-listen", address, "--http-listen",
        "127.0.0.1:0", "--metrics-listen", "0.0.0.0:17390"},
       absl::StrCat("--peer-listen ", address,
                    " and --metrics-listen 0.0.0.0:17390 are the same port")},
      // TEST-NET-1: an address of no machine here.
      {{"--listen", "192.0.2.1:7390", "--peer-listen", "127.0.0.1:0"},
       "cannot listen on 192.0.2.1:7390: 192.0.2.1 is not an address of this "
       "machine"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> argv = {"--data-dir", dir.Sub("hub")};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    RunResult r = RunCivhubdExpectingRefusal(argv);
    EXPECT_NE(r.exit_code, 0) << c.says;
    EXPECT_TRUE(absl::StrContains(r.err, c.says)) << r.err;
    // No raw gRPC log line ("E1201 ... chttp2_server.cc ...").
    EXPECT_FALSE(absl::StrContains(r.err, ".cc:")) << r.err;
    EXPECT_FALSE(absl::StrContains(r.err, "another civhubd")) << r.err;
    EXPECT_FALSE(absl::StrContains(r.out, "hub is running")) << r.out;
  }
}

// The banner used to print http://0.0.0.0:P/, which no browser opens.
TEST(ListenE2eTest, BannerGivesAnOpenableUrlForAWildcardAddress) {
  TempDir dir;
  HubProcess hub(dir.Sub("hub"));
  hub.set_http_listen("0.0.0.0:0");
  ASSERT_TRUE(hub.Start({"--metrics-listen", "0.0.0.0:0"}));
  std::ifstream file(hub.data_dir() + ".stdout");
  std::stringstream banner;
  banner << file.rdbuf();
  const std::string port =
      hub.http_address().substr(hub.http_address().rfind(':') + 1);
  EXPECT_TRUE(absl::StrContains(
      banner.str(), absl::StrCat("web:          http://127.0.0.1:", port, "/")))
      << banner.str();
  EXPECT_TRUE(absl::StrContains(banner.str(),
                                "listening on all interfaces: from another "
                                "machine, http://"))
      << banner.str();
  EXPECT_TRUE(
      absl::StrContains(banner.str(), "metrics:      http://127.0.0.1:"))
      << banner.str();
  EXPECT_FALSE(absl::StrContains(banner.str(), "0.0.0.0")) << banner.str();
}

TEST(ConfigFileE2eTest, DataDirFileIsReadAndFlagsOverrideIt) {
  TempDir dir;
  HubProcess hub(dir.Sub("hub"));
  std::filesystem::create_directories(dir.Sub("hub"));
  std::ofstream(dir.Sub("hub") + "/civhubd.conf")
      << "# civhubd settings\nname = \"Hub from the file\"\nregion = "
         "\"KE\"\ncontact = \"admin@example.org\"\n";
  ASSERT_TRUE(hub.Start());
  v1::HubProfile profile = StatusProfile(hub);
  EXPECT_EQ(profile.name(), "Hub from the file");
  EXPECT_EQ(profile.region(), "KE");
  EXPECT_EQ(profile.contact(), "admin@example.org");
  hub.Stop();

  ASSERT_TRUE(hub.Start({"--name", "Hub from the flag"}));
  profile = StatusProfile(hub);
  EXPECT_EQ(profile.name(), "Hub from the flag");
  EXPECT_EQ(profile.region(), "KE");
}

TEST(ConfigFileE2eTest, BadKeyOrValueNamesFileAndKey) {
  TempDir dir;
  const std::string conf = dir.Sub("civhubd.conf");
  std::ofstream(conf) << "listen = \"127.0.0.1:0\"\nlisn = \"x\"\n";
  RunResult key = RunProgram(
      {CIVHUBD_PATH, "--config", conf, "--data-dir", dir.Sub("hub")});
  EXPECT_EQ(key.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(
      key.err, absl::StrCat(conf, ": \"lisn\" is not a civhubd setting")))
      << key.err;

  std::ofstream(conf) << "listen = \"127.0.0.1:99999\"\n";
  RunResult value = RunProgram(
      {CIVHUBD_PATH, "--config", conf, "--data-dir", dir.Sub("hub")});
  EXPECT_EQ(value.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(value.err,
                                absl::StrCat(conf, ": listen: port \"99999\"")))
      << value.err;

  // DATA_DIR/civhubd.conf cannot move the data dir: said, not ignored
  // (it used to be ignored without a word when --data-dir was given).
  std::filesystem::create_directories(dir.Sub("hub"));
  const std::string in_data_dir = dir.Sub("hub") + "/civhubd.conf";
  std::ofstream(in_data_dir)
      << "data-dir = \"" << dir.Sub("elsewhere") << "\"\n";
  RunResult moved = RunCivhubdExpectingRefusal({"--data-dir", dir.Sub("hub")});
  EXPECT_EQ(moved.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(
      moved.err, absl::StrCat(in_data_dir,
                              ": data-dir: the settings file inside a data "
                              "dir cannot name another")))
      << moved.err;
  std::remove(in_data_dir.c_str());

  RunResult missing =
      RunProgram({CIVHUBD_PATH, "--config", dir.Sub("nope.conf"), "--data-dir",
                  dir.Sub("hub")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(missing.err, dir.Sub("nope.conf")))
      << missing.err;
}

// examples/civhubd.conf, installed as the sample config, is a valid file.
TEST(ConfigFileE2eTest, ExampleConfigIsAccepted) {
  TempDir dir;
  HubProcess hub(dir.Sub("hub"));
  ASSERT_TRUE(hub.Start({"--config", Example("civhubd.conf")}));
  EXPECT_EQ(hub.Ctl({"status"}).exit_code, 0);
}

// A restart without --name/--region/--contact used to republish the
// profile as "civhub on <hostname>" with no region.
TEST(ProfileE2eTest, RestartWithoutFlagsKeepsTheProfile) {
  TempDir dir;
  HubProcess hub(dir.Sub("hub"));
  ASSERT_TRUE(hub.Start(
      {"--name", "Hub X", "--region", "KE", "--contact", "admin@example.org"}));
  ASSERT_EQ(
      hub.Ctl({"org", "put", Example("organizations/maji-safi-kenya.json")})
          .exit_code,
      0);
  std::optional<v1::Record> before = PublishedProfile(hub);
  ASSERT_TRUE(before.has_value());
  ASSERT_EQ(before->body().hub_profile().name(), "Hub X");
  const uint64_t sequence = OwnSequence(hub);
  hub.Stop();

  ASSERT_TRUE(hub.Start());
  EXPECT_EQ(StatusProfile(hub).name(), "Hub X");
  EXPECT_EQ(StatusProfile(hub).region(), "KE");
  std::optional<v1::Record> after = PublishedProfile(hub);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->body().hub_profile().name(), "Hub X");
  EXPECT_EQ(after->body().hub_profile().region(), "KE");
  EXPECT_EQ(after->body().hub_profile().contact(), "admin@example.org");
  EXPECT_EQ(after->body().version(), before->body().version());
  EXPECT_EQ(OwnSequence(hub), sequence);
  hub.Stop();

  // A flag that differs changes it, once; clearing the region takes "".
  ASSERT_TRUE(hub.Start({"--region", ""}));
  after = PublishedProfile(hub);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->body().hub_profile().name(), "Hub X");
  EXPECT_EQ(after->body().hub_profile().region(), "");
  EXPECT_EQ(after->body().version(), before->body().version() + 1);
}

// A hub with no records yet publishes no profile; its flags are kept all
// the same.
TEST(ProfileE2eTest, EmptyHubKeepsItsProfileAcrossRestarts) {
  TempDir dir;
  HubProcess hub(dir.Sub("hub"));
  ASSERT_TRUE(hub.Start({"--name", "Hub Y", "--region", "TZ"}));
  hub.Stop();
  ASSERT_TRUE(hub.Start());
  EXPECT_EQ(StatusProfile(hub).name(), "Hub Y");
  EXPECT_EQ(StatusProfile(hub).region(), "TZ");
}

}  // namespace
}  // namespace civhub::testing
