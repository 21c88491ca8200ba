#include "federation/grpc/log_limiter.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"

namespace civhub::federation {
namespace {

// 3220 -> "3,220".
std::string WithCommas(uint64_t n) {
  std::string digits = absl::StrCat(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

LogLimiter::LogLimiter(Options options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : node::SystemClock()) {
  if (options_.clock == nullptr) {
    flusher_ = std::thread([this] {
      absl::MutexLock lock(&mu_);
      while (!stopping_) {
        // Quiet keys are summarized within a second of their interval.
        mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Seconds(1));
        if (stopping_) break;
        Lines lines;
        ExpireLocked(clock_->Now(), &lines);
        if (lines.empty()) continue;
        mu_.Unlock();
        Emit(lines);
        mu_.Lock();
      }
    });
  }
}

LogLimiter::~LogLimiter() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (flusher_.joinable()) flusher_.join();
}

void LogLimiter::Note(spdlog::level::level_enum level, const std::string& key,
                      const std::string& subject, const std::string& what,
                      const std::string& reason) {
  Lines lines;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    ExpireLocked(now, &lines);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      it->second.more++;
      it->second.last_reason = reason;
      it->second.level = std::max(it->second.level, level);
    } else {
      if (entries_.size() >= options_.max_keys && !order_.empty()) {
        ForgetLocked(entries_.find(order_.front()), now, &lines);
      }
      order_.push_back(key);
      Entry& e = entries_[key];
      e.started = now;
      e.level = level;
      e.subject = subject;
      e.what = what;
      e.order = std::prev(order_.end());
      lines.emplace_back(level, absl::StrCat(subject, " ", what, ": ", reason));
    }
  }
  Emit(lines);
}

void LogLimiter::Flush() {
  Lines lines;
  {
    absl::MutexLock lock(&mu_);
    ExpireLocked(clock_->Now(), &lines);
  }
  Emit(lines);
}

size_t LogLimiter::KeysForTesting() {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

void LogLimiter::ForgetLocked(std::map<std::string, Entry>::iterator it,
                              absl::Time now, Lines* lines) {
  const Entry& e = it->second;
  if (e.more > 0) {
    // The interval a summary covers: whole, or cut short by eviction.
    const absl::Duration covered = std::min(
        options_.interval, absl::Ceil(now - e.started, absl::Seconds(1)));
    lines->emplace_back(
        e.level,
        absl::StrCat(e.subject, " ", e.what, " ", WithCommas(e.more), " more ",
                     e.more == 1 ? "time" : "times", " in the last ",
                     absl::ToInt64Seconds(covered), " s: ", e.last_reason));
  }
  order_.erase(e.order);
  entries_.erase(it);
}

void LogLimiter::ExpireLocked(absl::Time now, Lines* lines) {
  while (!order_.empty()) {
    auto it = entries_.find(order_.front());
    if (it->second.started + options_.interval > now) break;
    ForgetLocked(it, now, lines);
  }
}

void LogLimiter::Emit(const Lines& lines) const {
  for (const auto& [level, line] : lines) {
    if (options_.sink) {
      options_.sink(level, line);
    } else {
      spdlog::log(level, "{}", line);
    }
  }
}

}  // namespace civhub::federation
