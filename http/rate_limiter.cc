#include "http/rate_limiter.h"

#include <algorithm>

namespace civhub::http {

RateLimiter::RateLimiter(double rate, double burst, size_t max_clients)
    : rate_(rate),
      burst_(std::max(1.0, burst)),
      max_clients_(std::max<size_t>(1, max_clients)) {}

double RateLimiter::Refilled(const Bucket& bucket, absl::Time now) const {
  const double elapsed =
      std::max(0.0, absl::ToDoubleSeconds(now - bucket.updated));
  return std::min(burst_, bucket.tokens + elapsed * rate_);
}

void RateLimiter::Evict(absl::Time now) {
  // A full bucket is the same as none: forget every one.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (Refilled(it->second, now) >= burst_) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  if (buckets_.size() < max_clients_) return;
  // Still full of busy clients (a flood from many addresses): the fullest
  // bucket goes; that client starts again with a full burst, as a new one.
  auto fullest = std::max_element(
      buckets_.begin(), buckets_.end(), [&](const auto& a, const auto& b) {
        return Refilled(a.second, now) < Refilled(b.second, now);
      });
  buckets_.erase(fullest);
}

absl::Duration RateLimiter::Take(const std::string& client, absl::Time now) {
  if (rate_ <= 0) return absl::ZeroDuration();
  absl::MutexLock lock(&mu_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_clients_) Evict(now);
    it = buckets_.emplace(client, Bucket{burst_, now}).first;
  }
  Bucket& bucket = it->second;
  bucket.tokens = Refilled(bucket, now);
  bucket.updated = std::max(bucket.updated, now);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return absl::ZeroDuration();
  }
  return absl::Seconds((1 - bucket.tokens) / rate_);
}

size_t RateLimiter::clients() const {
  absl::MutexLock lock(&mu_);
  return buckets_.size();
}

}  // namespace civhub::http
