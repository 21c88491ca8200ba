// Keeps a client calling in a loop from flooding the log: the first event
// per key is logged at once, later ones within the interval are counted and
// summarized once ("federation Sync from 203.0.113.7 refused 3,220 more
// times in the last 60 s: <last reason>"), never a line per call.
#ifndef CIVHUB_FEDERATION_GRPC_LOG_LIMITER_H_
#define CIVHUB_FEDERATION_GRPC_LOG_LIMITER_H_

#include <spdlog/common.h>

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/base/clock.h"

namespace civhub::federation {

class LogLimiter {
 public:
  // Where lines go; spdlog's default logger unless a test catches them.
  using Sink =
      std::function<void(spdlog::level::level_enum, const std::string&)>;

  struct Options {
    absl::Duration interval = absl::Seconds(60);
    // Keys remembered at once; beyond it the oldest is summarized and
    // forgotten, so memory stays bounded however many clients call.
    size_t max_keys = 1024;
    // The clock; SystemClock() if null. With the system clock a thread
    // prints the summaries of keys that went quiet; with another (tests)
    // Flush() does.
    node::Clock* clock = nullptr;
    Sink sink;
  };

  LogLimiter() : LogLimiter(Options()) {}
  explicit LogLimiter(Options options);
  ~LogLimiter();
  LogLimiter(const LogLimiter&) = delete;
  LogLimiter& operator=(const LogLimiter&) = delete;

  // An event for `key` (e.g. "Sync|203.0.113.7"). The first in an interval
  // is logged at `level` as "<subject> refused: <reason>"; later ones are
  // counted, and the last reason kept for the summary. Thread-safe.
  void Refused(spdlog::level::level_enum level, const std::string& key,
               const std::string& subject, const std::string& reason) {
    Note(level, key, subject, "refused", reason);
  }
  // The same with another verb: "<subject> <what>: <detail>", summarized as
  // "<subject> <what> N more times in the last 60 s: <last detail>".
  void Note(spdlog::level::level_enum level, const std::string& key,
            const std::string& subject, const std::string& what,
            const std::string& detail);

  // Logs the summaries of keys whose interval has ended and forgets them.
  // Thread-safe.
  void Flush();

  // Keys remembered now (for tests).
  size_t KeysForTesting();

 private:
  struct Entry {
    absl::Time started;
    spdlog::level::level_enum level;
    std::string subject;
    std::string what;
    std::string last_reason;
    uint64_t more = 0;  // Events after the first, not logged yet.
    std::list<std::string>::iterator order;
  };
  using Lines = std::vector<std::pair<spdlog::level::level_enum, std::string>>;

  // Moves the entry `it` out, adding its summary (if any) to `lines`.
  void ForgetLocked(std::map<std::string, Entry>::iterator it, absl::Time now,
                    Lines* lines) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ExpireLocked(absl::Time now, Lines* lines)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Emit(const Lines& lines) const;

  const Options options_;
  node::Clock* const clock_;
  absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Keys, oldest interval first (intervals start when a key is added).
  std::list<std::string> order_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread flusher_;
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_GRPC_LOG_LIMITER_H_
