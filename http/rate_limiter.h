// A request rate limit per client: a token bucket for each client key
// (Request::client: an IPv4 address, an IPv6 /64). A client may send
// `burst` requests at once, then `rate` a second on average.
#ifndef CIVHUB_HTTP_RATE_LIMITER_H_
#define CIVHUB_HTTP_RATE_LIMITER_H_

#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace civhub::http {

class RateLimiter {
 public:
  // `rate` tokens a second, at most `burst` kept (burst < 1 counts as 1);
  // rate <= 0: no limit. At most `max_clients` buckets are kept: a bucket
  // that has filled up again is forgotten (it is the same as a new one),
  // and past the bound, after dropping those, the fullest bucket is
  // dropped — memory stays bounded whatever the number of addresses.
  RateLimiter(double rate, double burst, size_t max_clients = 100000);

  // Takes a token for `client` at `now`: zero if the request may go on;
  // else how long until a token is there (the request is refused and takes
  // nothing). Thread-safe.
  absl::Duration Take(const std::string& client, absl::Time now);

  // Buckets kept now (for tests).
  size_t clients() const;

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time updated;
  };
  // Tokens `bucket` holds at `now`.
  double Refilled(const Bucket& bucket, absl::Time now) const;
  void Evict(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const double rate_;
  const double burst_;
  const size_t max_clients_;
  mutable absl::Mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace civhub::http

#endif  // CIVHUB_HTTP_RATE_LIMITER_H_
