// A hub whose disk fills up (issue 13, item 2): civhubd on a 1 MiB tmpfs,
// organizations published with civhubctl until the disk is full. From then
// on the hub refuses every write with a message saying so, even after the
// disk has grown; kill -9 and a restart lose nothing it acknowledged.
//
// Mounting a tmpfs needs root (or CAP_SYS_ADMIN); elsewhere the test is
// skipped. node/store_failure_test.cc covers the same with a fault-injecting
// leveldb::Env, everywhere.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "harness/hub_process.h"
#include "tests/testutil.h"

namespace civhub::testing {
namespace {

constexpr char kReadOnly[] =
    "store is read-only after a write failed: No space left on device; free "
    "space and restart civhubd";

// An organization of about 4 KB, mostly a description that does not
// compress (LevelDB compresses its tables, not its log).
std::string OrganizationJson(int i) {
  std::mt19937 rng(static_cast<unsigned>(i));
  static const char* const kWords[] = {"water", "school", "health", "river",
                                       "women", "youth",  "forest", "clinic",
                                       "radio", "rights", "garden", "market"};
  std::string description;
  while (description.size() < 3900) {
    absl::StrAppend(&description, description.empty() ? "" : " ",
                    kWords[rng() % 12], rng() % 100000);
  }
  return absl::StrCat(R"({"recordId": "org-)", i,
                      R"(", "organization": {"names": [{"lang": "en", "text": )"
                      R"("Full Disk Test Organization )",
                      i, R"("}], "descriptions": [{"lang": "en", "text": ")",
                      description,
                      R"("}], "types": ["ngo"], "locations": [{"country": )"
                      R"("KE"}], "topics": ["water-sanitation"]}})");
}

// "published <hub>/org-7 version 1 (sequence 8)" -> 8; 0 if not there.
uint64_t SequenceIn(const std::string& out) {
  const size_t at = out.find("(sequence ");
  uint64_t sequence = 0;
  if (at == std::string::npos) return 0;
  const std::string rest = out.substr(at + 10);
  (void)absl::SimpleAtoi(rest.substr(0, rest.find(')')), &sequence);
  return sequence;
}

// Unmounts `dir` when the test ends (after the hub declared later stops).
struct Unmount {
  std::string dir;
  ~Unmount() { ::umount2(dir.c_str(), MNT_DETACH); }
};

TEST(FullDiskE2eTest, AFullDiskMakesTheHubReadOnlyAndLosesNothingAcknowledged) {
  TempDir dir;
  const std::string data_dir = dir.Sub("hub");
  ASSERT_EQ(::mkdir(data_dir.c_str(), 0700), 0) << std::strerror(errno);
  if (::mount("tmpfs", data_dir.c_str(), "tmpfs", 0, "size=1m,mode=0700") !=
      0) {
    GTEST_SKIP() << "cannot mount a 1 MiB tmpfs at " << data_dir << " ("
                 << std::strerror(errno)
                 << "): this test needs root or CAP_SYS_ADMIN";
  }
  Unmount unmount{data_dir};
  // Its log goes beside the data dir (data_dir + ".log"), off the tmpfs.
  HubProcess hub(data_dir);
  ASSERT_TRUE(hub.Start());

  // Publish until the disk is full.
  const std::string file = dir.Sub("org.json");
  auto publish = [&](int i) {
    std::ofstream(file) << OrganizationJson(i);
    return hub.Ctl({"org", "put", file});
  };
  std::vector<std::string> acknowledged;
  uint64_t last_sequence = 0;
  RunResult refused;
  int i = 1;
  for (; i <= 1000; ++i) {
    RunResult r = publish(i);
    if (r.exit_code != 0) {
      refused = r;
      break;
    }
    acknowledged.push_back(absl::StrCat("org-", i));
    last_sequence = SequenceIn(r.out);
  }
  ASSERT_NE(refused.exit_code, 0) << "1000 organizations fitted in 1 MiB";
  ASSERT_GT(acknowledged.size(), 10u);
  EXPECT_TRUE(absl::StrContains(refused.err, kReadOnly)) << refused.err;
  EXPECT_FALSE(absl::StrContains(refused.err, "cannot reach")) << refused.err;

  // The disk grows; the hub still refuses, until it is restarted.
  ASSERT_EQ(::mount("tmpfs", data_dir.c_str(), "tmpfs", MS_REMOUNT,
                    "size=4m,mode=0700"),
            0)
      << std::strerror(errno);
  for (int j = 1; j <= 3; ++j) {
    RunResult r = publish(i + j);
    EXPECT_NE(r.exit_code, 0) << "org-" << i + j << " acknowledged: " << r.out;
    EXPECT_TRUE(absl::StrContains(r.err, kReadOnly)) << r.err;
    if (r.exit_code == 0) {
      acknowledged.push_back(absl::StrCat("org-", i + j));
      last_sequence = SequenceIn(r.out);
    }
  }
  RunResult status = hub.Ctl({"status"});
  EXPECT_TRUE(
      absl::StrContains(status.out, "READ-ONLY after a write failed at "))
      << status.out;
  EXPECT_TRUE(absl::StrContains(
      status.out, "No space left on device — free space and restart civhubd"))
      << status.out;
  RunResult json = hub.Ctl({"--json", "status"});
  EXPECT_TRUE(absl::StrContains(json.out, R"("storeReadOnly": true)"))
      << json.out;
  EXPECT_TRUE(absl::StrContains(json.out,
                                R"("storeFailure": "No space left on device")"))
      << json.out;
  // Reads keep serving.
  RunResult get = hub.Ctl({"record", "get", acknowledged.front()});
  EXPECT_EQ(get.exit_code, 0) << get.err;
  // Logged once at error level, not once per refused write.
  int error_lines = 0;
  for (absl::string_view line : absl::StrSplit(hub.log(), '\n')) {
    error_lines += absl::StrContains(line, " error ") &&
                   absl::StrContains(line, kReadOnly);
  }
  EXPECT_EQ(error_lines, 1) << hub.log();

  hub.Kill();
  ASSERT_TRUE(hub.Start());
  auto directory = hub.PublicDirectory();
  for (const std::string& id : acknowledged) {
    grpc::ClientContext ctx;
    v1::GetRecordRequest req;
    req.set_origin(hub.hub_id());
    req.set_record_id(id);
    v1::Record record;
    EXPECT_TRUE(directory->GetRecord(&ctx, req, &record).ok())
        << id << " was acknowledged, then lost";
  }
  // The hub's sequence continues after what it acknowledged.
  RunResult next = publish(i + 10);
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(SequenceIn(next.out), last_sequence + 1) << next.out;
  status = hub.Ctl({"status"});
  EXPECT_TRUE(absl::StrContains(status.out, "store          ok")) << status.out;
  RunResult check = hub.Ctl({"check"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_TRUE(absl::StrContains(check.out, "no problems")) << check.out;
  hub.Stop();
}

}  // namespace
}  // namespace civhub::testing
