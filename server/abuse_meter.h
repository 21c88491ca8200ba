// Spots a client whose calls look like an attack on the public Directory
// (HTTP/2 "rapid reset": calls cancelled as soon as they are made; calls far
// beyond its limit) and reports it to an federation::AbuseSink.
#ifndef CIVHUB_SERVER_ABUSE_METER_H_
#define CIVHUB_SERVER_ABUSE_METER_H_

#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "federation/grpc/client_address.h"

namespace civhub::server {

// Counts, per client, calls refused for a limit and calls the client
// cancelled before their answer, over one-second windows. A client with
// more than `threshold` of them in one window is reported to the sink, at
// most once a second. An honest client stays far below: a search-as-you-type
// page cancels a few calls a second, and one that hits its limit waits.
// Thread-safe.
class AbuseMeter {
 public:
  static constexpr int kDefaultThreshold = 200;

  // `sink` may be null (nothing is reported) and must outlive the meter.
  // `now` is for tests.
  explicit AbuseMeter(federation::AbuseSink* sink,
                      int threshold = kDefaultThreshold,
                      std::function<absl::Time()> now = absl::Now);

  enum class Kind { kRefused, kCancelled };
  // Notes one such call from `grpc_peer` (its federation::ClientKey `client`;
  // "" is never counted). Reports, if it is the one beyond the threshold, from
  // this thread.
  void Note(absl::string_view grpc_peer, const std::string& client, Kind kind);

 private:
  struct Window {
    absl::Time start;
    int refused = 0;
    int cancelled = 0;
    absl::Time reported = absl::InfinitePast();
  };

  federation::AbuseSink* const sink_;
  const int threshold_;
  const std::function<absl::Time()> now_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Window> windows_ ABSL_GUARDED_BY(mu_);
};

}  // namespace civhub::server

#endif  // CIVHUB_SERVER_ABUSE_METER_H_
