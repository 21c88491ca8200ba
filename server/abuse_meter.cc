#include "server/abuse_meter.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace civhub::server {
namespace {

// Windows kept before old ones are swept: a bound on memory however many
// addresses an attacker uses.
constexpr size_t kSweepAt = 4096;

}  // namespace

AbuseMeter::AbuseMeter(federation::AbuseSink* sink, int threshold,
                       std::function<absl::Time()> now)
    : sink_(sink), threshold_(threshold), now_(std::move(now)) {}

void AbuseMeter::Note(absl::string_view grpc_peer, const std::string& client,
                      Kind kind) {
  if (client.empty()) return;
  const absl::Time now = now_();
  std::string why;
  {
    absl::MutexLock lock(&mu_);
    if (windows_.size() >= kSweepAt && !windows_.contains(client)) {
      absl::erase_if(windows_, [now](const auto& entry) {
        return now - entry.second.start >= absl::Seconds(1) &&
               now - entry.second.reported >= absl::Seconds(1);
      });
    }
    Window& w = windows_[client];
    if (now - w.start >= absl::Seconds(1)) {
      w.start = now;
      w.refused = 0;
      w.cancelled = 0;
    }
    (kind == Kind::kRefused ? w.refused : w.cancelled)++;
    if (w.refused + w.cancelled <= threshold_ ||
        now - w.reported < absl::Seconds(1)) {
      return;
    }
    w.reported = now;
    why = absl::StrCat(w.refused, " calls refused for its limit and ",
                       w.cancelled,
                       " cancelled before their answer within a second");
  }
  spdlog::warn("Directory client {}: {}", client, why);
  if (sink_ != nullptr) sink_->ReportAbuse(grpc_peer, why);
}

}  // namespace civhub::server
