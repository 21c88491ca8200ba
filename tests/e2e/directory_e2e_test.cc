// End to end: a real civhubd, driven by the real civhubctl and gRPC clients.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "crypto/keys.h"
#include "harness/hub_process.h"
#include "tests/testutil.h"

namespace civhub::testing {
namespace {

const char* kOrgs[] = {"maji-safi-kenya",           "fundacion-aguas-claras",
                       "red-mujeres-emprendedoras", "kalayaan-digital",
                       "sahel-education",           "green-delta-bangladesh",
                       "amman-youth-civic-forum",   "kyiv-tech-volunteers"};
const char* kCommunities[] = {"disaster-response-network",
                              "digital-freedom-circle", "east-africa-wash"};

class DirectoryE2eTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(hub_.Start()); }

  void PublishExamples() {
    for (const char* org : kOrgs) {
      RunResult r =
          hub_.Ctl({"org", "put",
                    Example(std::string("organizations/") + org + ".json")});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_TRUE(absl::StrContains(r.out, "published")) << r.out;
    }
    for (const char* c : kCommunities) {
      RunResult r =
          hub_.Ctl({"community", "put",
                    Example(std::string("communities/") + c + ".json")});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }

  // Record ids found by a search on the public port, all pages.
  std::vector<std::string> Find(v1::SearchRequest req,
                                int64_t* total = nullptr) {
    auto stub = hub_.PublicDirectory();
    std::vector<std::string> ids;
    for (int page = 0; page < 50; ++page) {
      grpc::ClientContext ctx;
      v1::SearchResponse resp;
      grpc::Status st = stub->Search(&ctx, req, &resp);
      EXPECT_TRUE(st.ok()) << st.error_message();
      if (!st.ok()) break;
      if (total) *total = resp.total_count();
      for (const auto& hit : resp.hits())
        ids.push_back(hit.record().record_id());
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    return ids;
  }

  TempDir dir_;
  HubProcess hub_{dir_.Sub("hub")};
};

using Ids = std::vector<std::string>;

TEST_F(DirectoryE2eTest, PublishedRecordsAreFoundByEverySearch) {
  PublishExamples();

  RunResult text = hub_.Ctl({"search", "water"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(absl::StrContains(text.out, "Maji Safi Kenya (MSK)")) << text.out;
  EXPECT_TRUE(absl::StrContains(text.out, "3 of 3 matching records"))
      << text.out;

  v1::SearchRequest req;
  req.set_text("FUNDACION");  // Case and diacritics ignored.
  EXPECT_EQ(Find(req), Ids{"fundacion-aguas-claras"});
  req.set_text("emprend");  // Prefix.
  EXPECT_EQ(Find(req), Ids{"red-mujeres-emprendedoras"});
  req.set_text("REMEP");  // Acronym.
  EXPECT_EQ(Find(req), Ids{"red-mujeres-emprendedoras"});
  req.set_text("техволонтерів");  // Ukrainian name.
  EXPECT_EQ(Find(req), Ids{"kyiv-tech-volunteers"});

  req = {};
  req.set_country("CL");
  EXPECT_EQ(Find(req), Ids{"fundacion-aguas-claras"});
  req = {};
  req.set_region("KE-30");
  EXPECT_EQ(Find(req), Ids{"maji-safi-kenya"});
  req = {};
  req.set_topic("digital-freedom");
  req.set_kind(v1::RECORD_KIND_ORGANIZATION);
  EXPECT_EQ(Find(req), (Ids{"kalayaan-digital", "kyiv-tech-volunteers"}));
  req = {};
  req.set_organization_type("cooperative");
  EXPECT_EQ(Find(req), Ids{"red-mujeres-emprendedoras"});
  req = {};
  req.set_language("bn");
  EXPECT_EQ(Find(req), Ids{"green-delta-bangladesh"});
  req = {};
  req.mutable_identifier()->set_scheme("CL-RUT");
  req.mutable_identifier()->set_identifier("65.123.456-7");
  EXPECT_EQ(Find(req), Ids{"fundacion-aguas-claras"});
  req = {};
  req.mutable_member_of()->set_origin(hub_.hub_id());
  req.mutable_member_of()->set_record_id("disaster-response-network");
  EXPECT_EQ(Find(req),
            (Ids{"fundacion-aguas-claras", "green-delta-bangladesh"}));

  // Radius: from Valparaíso, Valparaíso's location is nearer than Santiago's.
  req = {};
  req.mutable_near()->set_latitude(-33.05);
  req.mutable_near()->set_longitude(-71.61);
  req.mutable_near()->set_radius_km(20000);
  std::vector<std::string> by_distance = Find(req);
  ASSERT_EQ(by_distance.size(), 8u);  // Every organization has coordinates.
  EXPECT_EQ(by_distance.front(), "fundacion-aguas-claras");
  EXPECT_EQ(by_distance[1], "red-mujeres-emprendedoras");  // Lima.

  // Paging: three pages of 3 give every record exactly once.
  req = {};
  req.set_page_size(3);
  int64_t total = 0;
  std::vector<std::string> all = Find(req, &total);
  EXPECT_EQ(total, 11);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 11u);

  RunResult near = hub_.Ctl({"search", "--near", "-1.29,36.82", "--km", "100"});
  ASSERT_EQ(near.exit_code, 0) << near.err;
  EXPECT_TRUE(absl::StrContains(near.out, "Maji Safi")) << near.out;
  EXPECT_TRUE(absl::StrContains(near.out, "KM")) << near.out;
}

TEST_F(DirectoryE2eTest, UpdateReplacesAndDeleteRemoves) {
  PublishExamples();
  std::string original =
      ReadFileOrDie(Example("organizations/sahel-education.json"));
  std::string renamed_path = dir_.Sub("renamed.json");
  std::ofstream(renamed_path) << absl::StrReplaceAll(
      original, {{"Association Sahel Éducation", "Association Sahel Savoir"}});
  RunResult put = hub_.Ctl({"org", "put", renamed_path});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  EXPECT_TRUE(absl::StrContains(put.out, "version 2")) << put.out;

  v1::SearchRequest req;
  req.set_text("savoir");
  EXPECT_EQ(Find(req), Ids{"sahel-education"});
  req.set_text("education sahel");
  EXPECT_EQ(Find(req), Ids{}) << "old name must be gone from the index";

  RunResult rm =
      hub_.Ctl({"record", "rm", "sahel-education", "--reason", "closed"});
  ASSERT_EQ(rm.exit_code, 0) << rm.err;
  req.set_text("savoir");
  EXPECT_EQ(Find(req), Ids{});
  RunResult get = hub_.Ctl({"record", "get", "sahel-education"});
  EXPECT_EQ(get.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(get.err, "was deleted")) << get.err;

  RunResult status = hub_.Ctl({"status", "--json"});
  ASSERT_EQ(status.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(status.out, "\"organizations\": \"7\""))
      << status.out;
  EXPECT_TRUE(absl::StrContains(status.out, "\"tombstones\": \"1\""))
      << status.out;
}

TEST_F(DirectoryE2eTest, StatusReportsTheHubsMemory) {
  auto memory = [&] {
    grpc::ClientContext ctx;
    v1::HubStatus status;
    EXPECT_TRUE(hub_.AdminOverSocket()->GetStatus(&ctx, {}, &status).ok());
    return status.memory();
  };
  const v1::MemoryUsage before = memory();
  PublishExamples();
  const v1::MemoryUsage after = memory();
  // Its own resident size, as the kernel reports it to others.
  const double reported_mb =
      static_cast<double>(after.resident_bytes()) / 1048576;
  EXPECT_NEAR(reported_mb, hub_.RssMb(), hub_.RssMb() / 4);
  EXPECT_LE(after.heap_in_use_bytes(), after.heap_held_bytes());
  // The records just published sit in LevelDB's memtable.
  EXPECT_GT(after.store_cache_bytes(), before.store_cache_bytes());

  RunResult text = hub_.Ctl({"status"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(absl::StrContains(text.out, "MiB resident")) << text.out;
}

TEST_F(DirectoryE2eTest, CommunitiesAndMembersFromTheCli) {
  PublishExamples();
  RunResult members = hub_.Ctl({"members", "disaster-response-network"});
  ASSERT_EQ(members.exit_code, 0) << members.err;
  EXPECT_TRUE(absl::StrContains(members.out, "Fundación Aguas Claras"))
      << members.out;
  EXPECT_TRUE(absl::StrContains(members.out, "coordinator")) << members.out;
  RunResult comms = hub_.Ctl({"communities", "maji-safi-kenya"});
  ASSERT_EQ(comms.exit_code, 0) << comms.err;
  EXPECT_TRUE(absl::StrContains(comms.out, "East Africa WASH Practitioners"))
      << comms.out;
}

TEST_F(DirectoryE2eTest, WatchStreamsBacklogThenNewChanges) {
  PublishExamples();
  auto stub = hub_.PublicDirectory();
  grpc::ClientContext ctx;
  auto reader = stub->Watch(&ctx, v1::WatchRequest());
  v1::WatchResponse resp;
  std::set<std::string> seen;
  while (reader->Read(&resp)) {
    for (const auto& c : resp.changes()) seen.insert(c.record().record_id());
    if (resp.caught_up()) break;
  }
  // The 11 examples and the hub's own profile record ("~hub").
  EXPECT_EQ(seen.size(), 12u);
  EXPECT_TRUE(seen.count("~hub"));

  RunResult rm = hub_.Ctl({"record", "rm", "kalayaan-digital"});
  ASSERT_EQ(rm.exit_code, 0) << rm.err;
  ASSERT_TRUE(reader->Read(&resp));
  ASSERT_EQ(resp.changes_size(), 1);
  EXPECT_EQ(resp.changes(0).record().record_id(), "kalayaan-digital");
  EXPECT_EQ(resp.changes(0).record().kind(), v1::RECORD_KIND_TOMBSTONE);
  ctx.TryCancel();
}

TEST_F(DirectoryE2eTest, ACancelledWatchFreesItsSlotForTheNextStream) {
  // The server admits 8 Watch streams per client address
  // (node/server/watch_streams.h).
  constexpr int kMaxWatchStreams = 8;
  auto stub = hub_.PublicDirectory();
  struct Stream {
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReader<v1::WatchResponse>> reader;
  };
  // Opens a stream; true once it is admitted (its caught-up marker came).
  auto open = [&](Stream* s) {
    s->reader = stub->Watch(&s->ctx, v1::WatchRequest());
    v1::WatchResponse resp;
    while (s->reader->Read(&resp)) {
      if (resp.caught_up()) return true;
    }
    return false;
  };
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < kMaxWatchStreams; ++i) {
    streams.push_back(std::make_unique<Stream>());
    ASSERT_TRUE(open(streams.back().get())) << "stream " << i;
  }
  {
    Stream extra;
    EXPECT_FALSE(open(&extra));
    EXPECT_EQ(extra.reader->Finish().error_code(),
              grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  // A client reconnects: it cancels its stream and opens a new one at once.
  streams.front()->ctx.TryCancel();
  EXPECT_EQ(streams.front()->reader->Finish().error_code(),
            grpc::StatusCode::CANCELLED);
  Stream again;
  EXPECT_TRUE(open(&again)) << again.reader->Finish().error_message();
  again.ctx.TryCancel();
  for (auto& s : streams) s->ctx.TryCancel();
}

TEST_F(DirectoryE2eTest, CliSearchSuggestsCodesAndTheNextPage) {
  PublishExamples();
  // Well-formed but off the list, and on no record: the hub refuses it.
  RunResult water = hub_.Ctl({"search", "--topic", "water"});
  EXPECT_EQ(water.exit_code, 2) << water.err;
  EXPECT_TRUE(absl::StrContains(water.err, "did you mean water-sanitation?"))
      << water.err;
  EXPECT_EQ(hub_.Ctl({"search", "--topic", "x-anything"}).exit_code, 0);
  RunResult ngo = hub_.Ctl({"search", "--type", "NGO"});
  EXPECT_EQ(ngo.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(ngo.err, "did you mean ngo?")) << ngo.err;

  // --limit 5 of 11: the next page's token is printed, and gives the rest.
  RunResult first = hub_.Ctl({"search", "--limit", "5"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(absl::StrContains(first.out, "5 of 11 matching records"))
      << first.out;
  size_t at = first.out.find("--page-token ");
  ASSERT_NE(at, std::string::npos) << first.out;
  std::string token = first.out.substr(at + 13);
  token = token.substr(0, token.find('\n'));
  RunResult next = hub_.Ctl({"search", "--limit", "5", "--page-token", token});
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_TRUE(absl::StrContains(next.out, "5 of 11 matching records"))
      << next.out;
  RunResult last = hub_.Ctl({"search", "--limit", "100"});
  EXPECT_FALSE(absl::StrContains(last.out, "--page-token")) << last.out;

  RunResult none = hub_.Ctl({"--json", "search", "no-such-word-anywhere"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_TRUE(absl::StrContains(none.out, "\"hits\": []")) << none.out;
  EXPECT_TRUE(absl::StrContains(none.out, "\"totalCount\": \"0\"")) << none.out;
}

TEST_F(DirectoryE2eTest, CliTablesNameTheHubAndShowItsProfile) {
  PublishExamples();
  RunResult status = hub_.Ctl({"status"});
  std::string name;
  for (absl::string_view line : absl::StrSplit(status.out, '\n')) {
    if (absl::ConsumePrefix(&line, "name")) {
      name = std::string(absl::StripAsciiWhitespace(line));
    }
  }
  ASSERT_FALSE(name.empty()) << status.out;
  RunResult found = hub_.Ctl({"search", "maji"});
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_TRUE(absl::StrContains(found.out, "HUB")) << found.out;
  // The hub's name, then the record with its hub id shortened.
  EXPECT_TRUE(absl::StrContains(
      found.out, name + "  " + hub_.hub_id().substr(0, 14) + "…/"))
      << found.out;
  RunResult profile = hub_.Ctl({"record", "get", "~hub"});
  ASSERT_EQ(profile.exit_code, 0) << profile.err;
  EXPECT_TRUE(absl::StartsWith(profile.out, name + "  [hub profile]"))
      << profile.out;
  EXPECT_TRUE(absl::StrContains(profile.out,
                                "federation:  " + hub_.federation_address()))
      << profile.out;
}

TEST_F(DirectoryE2eTest, ExportThenImportIntoAFreshHubWithTheSameKey) {
  PublishExamples();
  std::string backup = dir_.Sub("backup.ndjson");
  RunResult exp = hub_.Ctl({"export", backup});
  ASSERT_EQ(exp.exit_code, 0) << exp.err;
  // The 11 examples and the hub profile.
  EXPECT_TRUE(absl::StrContains(exp.err, "exported 12 records")) << exp.err;

  // Lose the store, keep the key: the backup restores every record, and
  // the next publish continues the sequence instead of forking it.
  hub_.Stop();
  std::filesystem::remove_all(hub_.data_dir() + "/store");
  ASSERT_TRUE(hub_.Start());
  RunResult imp = hub_.Ctl({"import", backup});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  // The examples and the hub profile: a hub without its own records
  // publishes nothing of its own until it has them back.
  EXPECT_TRUE(absl::StrContains(imp.out, "12 applied")) << imp.out;
  v1::SearchRequest req;
  req.set_text("water");
  EXPECT_EQ(Find(req).size(), 3u);
  std::string path = dir_.Sub("new.json");
  std::ofstream(path)
      << R"({"recordId": "new-org", "organization": {"names": [{"lang": "en", "text": "New Org"}]}})";
  RunResult put = hub_.Ctl({"org", "put", path});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  EXPECT_TRUE(absl::StrContains(put.out, "(sequence 13)")) << put.out;
}

}  // namespace
}  // namespace civhub::testing
