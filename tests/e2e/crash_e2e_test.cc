// civhubd killed with SIGKILL at random moments — while it ingests 100k
// records and while it publishes — loses no acknowledged write, and after
// every kill `civhubd --check` (every signature verified again, every index
// cross-checked against the records) finds nothing wrong.
//
// The kill moments come from a seed printed with any failure; set
// CIVHUB_CRASH_SEED to replay one. The timing of the processes varies
// from run to run, so every run explores other moments too.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crypto/key_file.h"
#include "harness/hub_process.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::testing {
namespace {

uint64_t Seed() {
  uint64_t seed = 0;
  const char* env = std::getenv("CIVHUB_CRASH_SEED");
  if (env != nullptr && absl::SimpleAtoi(env, &seed)) return seed;
  return static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));
}

// The hub's own key, made by starting it once.
crypto::PrivateKey HubKey(HubProcess& hub) {
  EXPECT_TRUE(hub.Start());
  hub.Stop();
  absl::StatusOr<crypto::LoadedKey> key =
      crypto::LoadOrCreateKeyFile(hub.data_dir() + "/hub.key");
  EXPECT_TRUE(key.ok()) << key.status();
  return key->key;
}

// `civhubd --check` on the stopped hub: its report, after expecting a
// clean bill.
void ExpectSound(const HubProcess& hub) {
  RunResult check =
      RunProgram({CIVHUBD_PATH, "--check", "--data-dir", hub.data_dir()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_TRUE(absl::StrContains(check.out, "no problems")) << check.out;
}

int64_t Organizations(const HubProcess& hub) {
  auto admin = hub.AdminOverSocket();
  grpc::ClientContext ctx;
  v1::HubStatus status;
  grpc::Status st = admin->GetStatus(&ctx, {}, &status);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return static_cast<int64_t>(status.organizations());
}

bool Holds(v1::Directory::Stub& directory, const HubProcess& hub,
           const std::string& record_id) {
  grpc::ClientContext ctx;
  v1::GetRecordRequest req;
  req.set_origin(hub.hub_id());
  req.set_record_id(record_id);
  v1::Record record;
  return directory.GetRecord(&ctx, req, &record).ok();
}

TEST(CrashE2eTest, SigkillDuringA100kIngestLosesNothing) {
  const uint64_t seed = Seed();
  SCOPED_TRACE(absl::StrCat("CIVHUB_CRASH_SEED=", seed));
  std::mt19937_64 rng(seed);
  TempDir dir;
  HubProcess hub(dir.Sub("hub"));
  const crypto::PrivateKey key = HubKey(hub);

  // 100k records of the hub itself (a restore from backup is an ingest
  // like any other: verify, validate, store), signed on every core.
  constexpr int kRecords = 100000;
  constexpr int kBatch = 500;  // ImportRecords' limit per call.
  std::vector<v1::SignedRecord> records(kRecords);
  {
    std::atomic<int> next{0};
    std::vector<std::thread> signers;
    for (unsigned t = 0; t < std::max(1u, std::thread::hardware_concurrency());
         ++t) {
      signers.emplace_back([&] {
        for (int i = next++; i < kRecords; i = next++) {
          OrgSpec spec;
          spec.name = absl::StrCat("Crash Test Organization ", i);
          records[i] = SignedOrg(key, absl::StrCat("org-", i), 1,
                                 static_cast<uint64_t>(i) + 1, spec);
        }
      });
    }
    for (std::thread& s : signers) s.join();
  }

  // Rounds: import from the last acknowledged batch on; kill at a random
  // moment; check the stopped store; restart and look for every
  // acknowledged record.
  constexpr int kKills = 4;
  std::vector<int> kill_points;
  for (int k = 0; k < kKills; ++k) {
    kill_points.push_back(
        std::uniform_int_distribution<int>(kBatch, kRecords - kBatch)(rng));
  }
  std::sort(kill_points.begin(), kill_points.end());
  std::atomic<int> acked{0};
  int kills = 0;
  ASSERT_TRUE(hub.Start());
  while (acked < kRecords) {
    std::atomic<bool> stop{false};
    std::thread importer([&] {
      auto admin = hub.AdminOverSocket();
      while (!stop && acked < kRecords) {
        v1::ImportRecordsRequest req;
        const int from = acked;
        for (int i = from; i < std::min(kRecords, from + kBatch); ++i) {
          *req.add_records() = records[i];
        }
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
        v1::ImportRecordsResponse resp;
        if (!admin->ImportRecords(&ctx, req, &resp).ok()) return;  // Killed.
        for (const v1::ImportResult& r : resp.results()) {
          ASSERT_NE(r.outcome(), "rejected") << r.error();
        }
        acked = from + req.records_size();  // Durable: the call returned.
      }
    });
    // The random moment, chosen by progress rather than by time, so that a
    // faster hub is killed as often as a slower one (with 0.5-4 s a round,
    // posting blocks made the import finish after two kills): past the
    // round's kill point (kKills of them, drawn up front), then 0-200 ms
    // into the batches after it. The last round imports to the end.
    const int target = kills < kKills ? kill_points[kills] : kRecords;
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (acked < target && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(2));
    }
    absl::SleepFor(
        absl::Milliseconds(std::uniform_int_distribution<int>(0, 200)(rng)));
    const bool killed = acked < kRecords;
    if (killed) {
      hub.Kill();
      ++kills;
    }
    stop = true;
    importer.join();
    if (!killed) hub.Stop();
    const int held_before = acked;  // The importer has stopped.
    ExpectSound(hub);

    ASSERT_TRUE(hub.Start());
    // Everything acknowledged is there; at most the batch in flight more.
    const int64_t held = Organizations(hub);
    EXPECT_GE(held, held_before);
    EXPECT_LE(held, held_before + kBatch);
    auto directory = hub.PublicDirectory();
    if (held < held_before) {
      for (int i = 0; i < held_before; ++i) {
        EXPECT_TRUE(Holds(*directory, hub, absl::StrCat("org-", i)))
            << "org-" << i << " was acknowledged, then lost";
      }
    }
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GE(kills, 3) << "the import finished before enough kills";
  EXPECT_EQ(Organizations(hub), kRecords);
}

TEST(CrashE2eTest, SigkillDuringPublishesLosesNothing) {
  const uint64_t seed = Seed();
  SCOPED_TRACE(absl::StrCat("CIVHUB_CRASH_SEED=", seed));
  std::mt19937_64 rng(seed);
  TempDir dir;
  HubProcess hub(dir.Sub("hub"));
  std::vector<std::string> acked;  // Ids whose Publish returned OK.
  std::mutex mu;
  ASSERT_TRUE(hub.Start());
  for (int round = 0; round < 10; ++round) {
    std::atomic<bool> stop{false};
    std::thread publisher([&] {
      auto admin = hub.AdminOverSocket();
      for (int i = 0; !stop; ++i) {
        const std::string id = absl::StrCat("r", round, "-", i);
        OrgSpec spec;
        spec.name = absl::StrCat("Published Before A Crash ", round, " ", i);
        v1::PublishRequest req = OrgPublish(id, spec);
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
        v1::PublishResponse resp;
        if (!admin->Publish(&ctx, req, &resp).ok()) return;  // Killed.
        std::lock_guard<std::mutex> lock(mu);
        acked.push_back(id);
      }
    });
    absl::SleepFor(absl::Milliseconds(
        std::uniform_int_distribution<int>(20, 400)(rng)));  // The moment.
    hub.Kill();
    stop = true;
    publisher.join();
    ExpectSound(hub);
    ASSERT_TRUE(hub.Start());
    EXPECT_GE(Organizations(hub), static_cast<int64_t>(acked.size()));
    auto directory = hub.PublicDirectory();
    for (const std::string& id : acked) {
      EXPECT_TRUE(Holds(*directory, hub, id))
          << id << " was acknowledged, then lost";
    }
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(acked.size(), 10u);
}

}  // namespace
}  // namespace civhub::testing
