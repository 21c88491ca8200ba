#include "bench/abuse.h"

#include <stdlib.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/results.h"
#include "bench/search.h"
#include "crypto/keys.h"
#include "harness/attack.h"
#include "harness/hub_process.h"
#include "harness/partner.h"

namespace civhub::bench {
namespace {

struct Row {
  std::string name;  // For --abuse-attacks.
  std::string what;  // The row of issue 14's table.
  bool reconnecting_partner = false;
  std::function<std::unique_ptr<attack::Attack>(const attack::Target&)> make;
};

std::vector<Row> Rows() {
  using attack::PortOf;
  return {
      {"connections", "1,100 idle TCP connections to the Directory port", true,
       [](const attack::Target& t) {
         return attack::IdleConnections(PortOf(t.directory), 1100);
       }},
      {"federation-connections",
       "1,100 idle TCP connections to the federation port", true,
       [](const attack::Target& t) {
         return attack::IdleConnections(PortOf(t.federation), 1100);
       }},
      // Bounded: unbounded, a hub with a thread per call takes the
      // machine's whole pid space (issue 14: 32,000 threads).
      {"rapid-reset", "HTTP/2 rapid reset, one connection, 20,000 streams",
       false,
       [](const attack::Target& t) {
         return attack::RapidReset(PortOf(t.directory), 1, 0, 20000);
       }},
      {"in-flight-300", "300 Searches in flight on one connection", false,
       [](const attack::Target& t) {
         return attack::SearchesInFlight(t, 300);
       }},
      {"in-flight-1000", "1,000 Searches in flight on one connection", false,
       [](const attack::Target& t) {
         return attack::SearchesInFlight(t, 1000);
       }},
      {"reflection", "2,000 reflection streams left idle", false,
       [](const attack::Target& t) {
         return attack::IdleReflectionStreams(t, 2000);
       }},
      {"watch", "64 Watch streams never read", false,
       [](const attack::Target& t) {
         return attack::StalledWatches(t, 64, false);
       }},
      {"watch-idle", "64 Watch streams read to caught_up, then idle", false,
       [](const attack::Target& t) {
         return attack::StalledWatches(t, 64, true);
       }},
      {"link-flood", "link requests from 400 fresh keys across 10 addresses",
       false,
       [](const attack::Target& t) { return attack::LinkFlood(t, 400, 10); }},
      {"sync", "one unlinked TLS client calling Sync in a loop", false,
       [](const attack::Target& t) { return attack::SyncLoop(t); }},
      {"big-bodies", "16 x 15 MiB unauthenticated RequestLink bodies", false,
       [](const attack::Target& t) {
         return attack::BigLinkBodies(t, 16, 15 << 20);
       }},
      {"costly", "32 clients sending the costliest queries", false,
       [](const attack::Target& t) { return attack::CostlyQueries(t, 32); }},
  };
}

// Issue 14's bounds (the same as tests/hostile/abuse_e2e_test.cc's).
bool Held(const attack::AbuseReport& r) {
  return r.during.errors == 0 &&
         r.during.p99_ms <= 10 * std::max(r.idle.p99_ms, 50.0) &&
         r.search_recovered && r.status_exit == 0 &&
         r.during_peak.rss_mb <= 256 &&
         r.settled_rss_mb <= r.idle_rss_mb + 64 &&
         r.during_peak.threads <= 200 && !r.watchdog;
}

}  // namespace

int RunAbuse(const std::string& dataset, const AbuseOptions& options) {
  int not_held = 0;
  int n = 0;
  for (const Row& row : Rows()) {
    if (!options.only.empty() && !options.only.count(row.name)) continue;
    // A fresh copy each time: an attack may leave pending peers behind.
    const std::string dir =
        absl::StrCat(dataset, "-abuse-", getpid(), "-", n++);
    if (std::system(absl::StrCat("rm -rf '", dir, "' && cp -a '", dataset,
                                 "' '", dir, "'")
                        .c_str()) != 0) {
      std::cerr << "abuse: cannot copy " << dataset << "\n";
      return -1;
    }
    std::cerr << "abuse: " << row.what << "...\n";
    int status_exit = -1;
    int warnings = 0;  // Log lines at warning level or above meanwhile.
    attack::AbuseReport r;
    {
      testing::HubProcess hub(dir);
      hub.set_open_file_limit(options.open_files);
      hub.set_log_level("warn");
      if (!hub.Start()) {
        std::cerr << "abuse: civhubd did not start on " << dir << "\n";
        return -1;
      }
      attack::Target target{
          hub.public_address(), hub.federation_address(),
          crypto::PublicKey::FromHubId(hub.hub_id())->bytes()};
      std::unique_ptr<attack::Attack> a = row.make(target);
      attack::AbuseRun run;
      run.pid = hub.pid();
      run.directory = hub.public_address();
      run.status = [&hub] { return hub.Ctl({"status"}).exit_code; };
      run.duration = absl::Seconds(options.seconds);
      run.idle = absl::Seconds(2);
      run.reconnecting_partner = row.reconnecting_partner;
      const size_t log_before = hub.log().size();
      r = attack::RunAttack(a.get(), run);
      a.reset();
      status_exit = r.status_exit;
      // civhubd's lines: "<time> <level> <message>".
      const std::string log = hub.log();
      for (absl::string_view line : absl::StrSplit(
               absl::string_view(log).substr(std::min(log_before, log.size())),
               '\n')) {
        std::vector<absl::string_view> fields =
            absl::StrSplit(line, absl::MaxSplits(' ', 2));
        warnings += fields.size() > 1 &&
                    (fields[1] == "warning" || fields[1] == "error");
      }
    }
    (void)status_exit;
    // Refusals logged once per client per interval, not a line per call.
    const bool held = Held(r) && warnings <= 10;
    not_held += !held;
    std::cout << "== " << row.name << ": " << row.what << " ("
              << (held ? "held" : "NOT HELD") << ")\n"
              << r.ToString() << "  log: " << warnings
              << " warning/error lines during and after\n"
              << std::flush;
    (void)std::system(
        absl::StrCat("rm -rf '", dir, "' '", dir, ".log' '", dir, ".stdout'")
            .c_str());
  }
  return not_held;
}

void AbuseWorkload(const std::string& data, uint64_t records,
                   const AbuseOptions& options, std::vector<Result>* results) {
  absl::StatusOr<std::string> dataset = EnsureDataset(data, records);
  if (!dataset.ok()) {
    ReportFailure("abuse", dataset.status());
    return;
  }
  const int not_held = RunAbuse(*dataset, options);
  results->push_back({"abuse", "attacks the hub did not hold",
                      static_cast<double>(not_held), "target", 0, "records",
                      static_cast<double>(records)});
}

}  // namespace civhub::bench
