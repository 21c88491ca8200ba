// What an attack does to others: a normal partner client searching
// alongside it, and the attacked process's resources from /proc.
#ifndef CIVHUB_HARNESS_PARTNER_H_
#define CIVHUB_HARNESS_PARTNER_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "civhub/v1/directory.grpc.pb.h"

namespace civhub::attack {

// A process's resident memory, threads and open file descriptors.
struct ProcStats {
  double rss_mb = 0;  // VmRSS
  int threads = 0;
  int fds = 0;
};

// Reads /proc/`pid`; all zero if the process is gone.
ProcStats ReadProcStats(pid_t pid);

// Samples /proc/`pid` every 20 ms on its own thread and keeps the peaks.
// A watchdog too: once the process holds more than `max_threads` threads or
// `max_rss_mb` MB, `on_excess` runs (once), so that an attack on an
// unprotected hub stops before it takes the machine's pid space or memory.
// Thread-safe.
class ProcSampler {
 public:
  ProcSampler(pid_t pid, int max_threads, double max_rss_mb,
              std::function<void()> on_excess);
  ~ProcSampler();
  // The highest of each figure since the last TakePeak() (or the start).
  ProcStats TakePeak();
  bool exceeded() const { return exceeded_; }

 private:
  const pid_t pid_;
  const int max_threads_;
  const double max_rss_mb_;
  const std::function<void()> on_excess_;
  std::atomic<bool> stop_{false}, exceeded_{false};
  std::mutex mu_;
  ProcStats peak_;  // Guarded by mu_.
  std::thread thread_;
};

// The normal client's Searches over a window of time.
struct Latency {
  int64_t calls = 0;
  int64_t errors = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::string first_error;  // "DEADLINE_EXCEEDED: ..." of the first error.
};

// A normal partner on 127.0.0.1: one Search ("water") every `interval`
// with a deadline of `deadline`, on one connection kept open, or with
// `reconnect` on a new connection each time (what a new partner sees).
// Starts searching at construction; thread-safe.
class PartnerClient {
 public:
  PartnerClient(std::string directory, bool reconnect,
                absl::Duration interval = absl::Milliseconds(100),
                absl::Duration deadline = absl::Seconds(5));
  ~PartnerClient();
  // The Searches that finished since the last Take() (or the start).
  Latency Take();

 private:
  void Run();

  const std::string directory_;
  const bool reconnect_;
  const absl::Duration interval_, deadline_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<double> latencies_ms_;  // Guarded by mu_.
  int64_t errors_ = 0;                // Guarded by mu_.
  std::string first_error_;           // Guarded by mu_.
  std::thread thread_;
};

class Attack;

// What one attack did to the partner and the hub (issue 14's figures).
struct AbuseReport {
  Latency idle, during, after;                   // The partner's Searches.
  ProcStats idle_peak, during_peak, after_peak;  // The hub's.
  double idle_rss_mb = 0;
  double settled_rss_mb = 0;      // Lowest RSS within a minute after.
  bool search_recovered = false;  // A new connection's Search, within 5 s.
  double recovery_s = -1;
  int status_exit = -1;   // `civhubctl status` after the attack.
  bool watchdog = false;  // The attack was halted at the watchdog's limits.
  std::string summary;    // The attack's.
  // The figures as lines of a table, for a test's log or the bench.
  std::string ToString() const;
};

struct AbuseRun {
  pid_t pid = -1;         // The hub's.
  std::string directory;  // Its Directory, host:port.
  // `civhubctl status`'s exit code.
  std::function<int()> status;
  absl::Duration idle = absl::Seconds(1);
  absl::Duration duration = absl::Seconds(3);
  // The partner Searches on a new connection each time (for connection
  // attacks: what a new partner sees).
  bool reconnecting_partner = false;
  // Run once the attack is under way (e.g. a partner's Watch).
  std::function<void()> during_attack;
  int watchdog_threads = 1500;
  double watchdog_rss_mb = 2048;
};

// Measures the partner idle, runs `attack` for the duration, stops it, and
// measures the recovery and a moment after.
AbuseReport RunAttack(Attack* attack, const AbuseRun& run);

// A Directory stub on a new connection of its own to `directory`.
std::unique_ptr<v1::Directory::Stub> NewDirectoryStub(
    const std::string& directory);

// The partner's Search, once, with `deadline`.
grpc::Status SearchOnce(v1::Directory::Stub* stub, absl::Duration deadline);

// p-th percentile (0..100) of `values` (sorted in place); 0 if empty.
double Percentile(std::vector<double>* values, double p);

}  // namespace civhub::attack

#endif  // CIVHUB_HARNESS_PARTNER_H_
