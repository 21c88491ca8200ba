// Issue 14's table, one test per attack: a real civhubd (under a host's
// usual open-file limit) is attacked from 127.0.0.2 and up while a normal
// partner on 127.0.0.1 searches every 100 ms. Each test asserts what that
// partner and the host notice (docs/reliability.md, "Abuse"):
//  - during the attack the partner gets every answer (0 errors), its p99
//    within 10 x its idle p99 (at least 50 ms: loopback p99s are tiny);
//  - within 5 s of the attack's end a new connection's Search and
//    `civhubctl status` work;
//  - the hub holds at most 256 MB and 200 threads during, and at most 64 MB
//    above its idle RSS once the attack is over.
// The attacks here are CI-sized; `civhub-bench --workloads abuse` runs the
// issue's full sizes. A watchdog halts an attack that takes the hub past
// 1,500 threads or 2 GB, so an unprotected hub fails the test without taking
// the machine down with it.
#include <gtest/gtest.h>

#include <fstream>

#include "absl/base/config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "crypto/key_file.h"
#include "harness/attack.h"
#include "harness/hub_process.h"
#include "harness/partner.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::testing {
namespace {

using attack::Attack;

constexpr double kIdleP99FloorMs = 50;
constexpr double kMaxRssDuringMb = 256;
constexpr double kMaxRssAboveIdleMb = 64;
constexpr int kMaxThreads = 200;
// Watchdog: beyond these the attack is halted (and the test fails anyway).
constexpr int kWatchdogThreads = 1500;
constexpr double kWatchdogRssMb = 2048;

class AbuseE2eTest : public ::testing::Test {
 protected:
  // Starts the hub under `open_files` and fills it with `records`
  // organizations, one in ten about water (the partner's query).
  void StartHub(int open_files = 1024, int records = 2000) {
    hub_ = std::make_unique<HubProcess>(dir_.Sub("hub"));
    hub_->set_open_file_limit(open_files);
    hub_->set_log_level("info");  // What a host runs.
    ASSERT_TRUE(hub_->Start());
    absl::StatusOr<crypto::LoadedKey> key =
        crypto::LoadOrCreateKeyFile(hub_->data_dir() + "/hub.key");
    ASSERT_OK(key);
    auto admin = hub_->AdminOverSocket();
    for (int from = 0; from < records; from += 500) {
      v1::ImportRecordsRequest req;
      for (int i = from; i < std::min(records, from + 500); ++i) {
        OrgSpec spec;
        spec.name =
            absl::StrCat(i % 10 == 0 ? "Water Trust " : "Association ", i);
        spec.description =
            "A community association working on education, health and "
            "sanitation in East Africa";
        spec.lat_lon =
            std::make_pair(-1.29 + (i % 100) * 0.01, 36.82 + (i % 77) * 0.01);
        *req.add_records() = SignedOrg(key->key, absl::StrCat("org-", i), 1,
                                       static_cast<uint64_t>(i) + 1, spec);
      }
      grpc::ClientContext ctx;
      v1::ImportRecordsResponse resp;
      ASSERT_TRUE(admin->ImportRecords(&ctx, req, &resp).ok());
    }
    target_.directory = hub_->public_address();
    target_.federation = hub_->federation_address();
    target_.hub_key = crypto::PublicKey::FromHubId(hub_->hub_id())->bytes();
  }

  using Report = attack::AbuseReport;

  // Idle for a second, `attack` for `duration` (`during_attack` runs once it
  // is under way), then the recovery checks and a moment after.
  Report Run(Attack* attack, absl::Duration duration = absl::Seconds(3),
             bool reconnecting_partner = false,
             std::function<void()> during_attack = nullptr) {
    attack::AbuseRun run;
    run.pid = hub_->pid();
    run.directory = hub_->public_address();
    run.status = [this] { return hub_->Ctl({"status"}).exit_code; };
    run.duration = duration;
    run.reconnecting_partner = reconnecting_partner;
    run.during_attack = std::move(during_attack);
    run.watchdog_threads = kWatchdogThreads;
    run.watchdog_rss_mb = kWatchdogRssMb;
    Report r = attack::RunAttack(attack, run);
    std::cout << r.ToString();
    return r;
  }

  // The expectations of issue 14, for every attack.
  void ExpectHeld(const Report& r) {
    EXPECT_GT(r.during.calls, 0);
    EXPECT_EQ(r.during.errors, 0) << r.during.first_error;
    EXPECT_LE(r.during.p99_ms, 10 * std::max(r.idle.p99_ms, kIdleP99FloorMs));
    EXPECT_TRUE(r.search_recovered)
        << "no new connection's Search answered within 5 s of the attack";
    EXPECT_EQ(r.status_exit, 0) << "civhubctl status after the attack";
#ifndef ABSL_HAVE_ADDRESS_SANITIZER
    // ASan keeps freed memory in quarantine (256 MB) and doubles what is
    // in use: its figures say nothing about the hub's.
    EXPECT_LE(r.during_peak.rss_mb, kMaxRssDuringMb);
    EXPECT_LE(r.settled_rss_mb, r.idle_rss_mb + kMaxRssAboveIdleMb);
#endif
    EXPECT_LE(r.during_peak.threads, kMaxThreads);
    EXPECT_FALSE(r.watchdog);
  }

  TempDir dir_;
  std::unique_ptr<HubProcess> hub_;
  attack::Target target_;
};

// Row 1: idle connections past the open-file limit stopped gRPC 1.51's
// accept loop for good (EMFILE), even after the attacker left.
TEST_F(AbuseE2eTest, IdleConnectionsPastTheFileLimitDoNotStopTheListener) {
  StartHub(/*open_files=*/256);
  auto flood = attack::IdleConnections(attack::PortOf(target_.directory), 300);
  ExpectHeld(Run(flood.get(), absl::Seconds(3), /*reconnecting_partner=*/true));
  // The host sees what happened: the limits, and the connections refused.
  const RunResult status = hub_->Ctl({"status"});
  EXPECT_TRUE(absl::StrContains(status.out, "limits 32 per client"))
      << status.out;
  EXPECT_TRUE(absl::StrContains(status.out, "refused")) << status.out;
  EXPECT_TRUE(absl::StrContains(hub_->log(), "directory port: refused"))
      << hub_->log();
}

TEST_F(AbuseE2eTest, IdleConnectionsToTheFederationPortDoNotStopTheHub) {
  StartHub(/*open_files=*/256);
  auto flood = attack::IdleConnections(attack::PortOf(target_.federation), 300);
  ExpectHeld(Run(flood.get(), absl::Seconds(3), /*reconnecting_partner=*/true));
}

// Row 2: HEADERS + RST_STREAM for Search cost a thread each.
TEST_F(AbuseE2eTest, RapidResetDoesNotExhaustThreadsOrMemory) {
  StartHub();
  // A burst as fast as one connection sends: 5,000/s for 3 s was held by
  // gRPC 1.51's thread per call (123 threads), 70,000 in 3 s was not
  // (17,000 threads, 1.4 GB).
  auto reset = attack::RapidReset(attack::PortOf(target_.directory),
                                  /*connections=*/1,
                                  /*streams_per_second=*/0,
                                  /*max_streams=*/10000);
  ExpectHeld(Run(reset.get()));
}

// Row 3: a thread per call in flight, calls that never return.
TEST_F(AbuseE2eTest, ManySearchesInFlightOnOneConnectionAreBounded) {
  StartHub();
  auto searches = attack::SearchesInFlight(target_, 300);
  ExpectHeld(Run(searches.get()));
}

// Row 4: a thread parked per idle reflection stream.
TEST_F(AbuseE2eTest, IdleReflectionStreamsAreCappedAndTimedOut) {
  StartHub();
  auto streams = attack::IdleReflectionStreams(target_, 500);
  ExpectHeld(Run(streams.get()));
}

// Row 5: one client's Watch streams took every Watch slot.
void ExpectPartnerWatchWorks(const std::string& directory) {
  auto stub = attack::NewDirectoryStub(directory);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  auto reader = stub->Watch(&ctx, v1::WatchRequest());
  v1::WatchResponse response;
  bool caught_up = false;
  while (!caught_up && reader->Read(&response))
    caught_up = response.caught_up();
  ctx.TryCancel();
  const grpc::Status status = reader->Finish();
  EXPECT_TRUE(caught_up) << "the partner's Watch during the attack: "
                         << status.error_code() << " "
                         << status.error_message();
}

TEST_F(AbuseE2eTest, WatchStreamsThatNeverReadLeaveOthersASlot) {
  StartHub();
  auto watches =
      attack::StalledWatches(target_, 64, /*read_to_caught_up=*/false);
  ExpectHeld(Run(watches.get(), absl::Seconds(3), false,
                 [&] { ExpectPartnerWatchWorks(target_.directory); }));
}

TEST_F(AbuseE2eTest, IdleCaughtUpWatchStreamsLeaveOthersASlot) {
  StartHub();
  auto watches =
      attack::StalledWatches(target_, 64, /*read_to_caught_up=*/true);
  ExpectHeld(Run(watches.get(), absl::Seconds(3), false,
                 [&] { ExpectPartnerWatchWorks(target_.directory); }));
}

// Row 6: a flood of link requests from fresh keys filled the pending list,
// and a real partner asking during it was refused. A partner the admin
// invited (civhubctl peer invite) gets through the flood, linked at once.
TEST_F(AbuseE2eTest, AnInvitedPartnerLinksDuringALinkRequestFlood) {
  StartHub();
  HubProcess partner_hub(dir_.Sub("partner"));
  ASSERT_TRUE(partner_hub.Start());
  const RunResult invite = hub_->Ctl({"peer", "invite", "--note", "partner"});
  ASSERT_EQ(invite.exit_code, 0) << invite.err;
  const std::string token(
      absl::StripAsciiWhitespace(invite.out.substr(0, invite.out.find('\n'))));
  // 10 addresses x 8 pending per network > the 64 the hub keeps.
  auto flood = attack::LinkFlood(target_, 100, 10);
  ExpectHeld(Run(flood.get(), absl::Seconds(3), false, [&] {
    const RunResult add = partner_hub.Ctl({"peer", "add", "--invite", token});
    EXPECT_EQ(add.exit_code, 0) << add.out << add.err;
    EXPECT_TRUE(WaitFor(
        [&] {
          return absl::StrContains(hub_->Ctl({"peer", "list"}).out,
                                   partner_hub.hub_id());
        },
        absl::Seconds(5)))
        << "the invited partner is not among the hub's peers: "
        << hub_->Ctl({"peer", "list"}).out
        << hub_->Ctl({"peer", "pending"}).out;
  }));
  // Linked, not waiting for approval among the flood.
  EXPECT_FALSE(absl::StrContains(hub_->Ctl({"peer", "pending"}).out,
                                 partner_hub.hub_id()));
}

// Row 7: every refused Sync of an unlinked client was a warning line.
TEST_F(AbuseE2eTest, RefusedSyncCallsAreNotLoggedOneLineEach) {
  StartHub();
  auto sync = attack::SyncLoop(target_);
  const size_t log_before = hub_->log().size();
  Report r = Run(sync.get());
  ExpectHeld(r);
  // civhubd's lines: "<time> <level> <message>".
  int warnings = 0;
  const std::string log = hub_->log();
  for (absl::string_view line :
       absl::StrSplit(absl::string_view(log).substr(log_before), '\n')) {
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::MaxSplits(' ', 2));
    warnings +=
        fields.size() > 1 && (fields[1] == "warning" || fields[1] == "error" ||
                              fields[1] == "critical");
  }
  std::cout << "  " << warnings << " warning lines while Sync was refused\n";
  EXPECT_LE(warnings, 10);
}

// Row 8: unauthenticated RequestLink bodies were buffered whole.
TEST_F(AbuseE2eTest, BigUnauthenticatedLinkRequestsAreNotBuffered) {
  StartHub();
  auto bodies = attack::BigLinkBodies(target_, 16, 15 << 20);
  ExpectHeld(Run(bodies.get()));
}

// Row 9: the costliest queries from 32 clients degrade others, within bounds.
TEST_F(AbuseE2eTest, CostlyQueriesFromManyClientsLeaveOthersServed) {
  StartHub();
  auto queries = attack::CostlyQueries(target_, 32);
  ExpectHeld(Run(queries.get()));
}

}  // namespace
}  // namespace civhub::testing
