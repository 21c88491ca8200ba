// SharedState: jitter and the bookkeeping of each peer's errors, shared by
// Federation's parts.
#include "federation/peer_state.h"

#include <spdlog/spdlog.h>

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "crypto/keys.h"
#include "node/records/validate.h"

namespace civhub::federation {

google::protobuf::Timestamp ToTimestamp(int64_t micros) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(micros / 1000000);
  ts.set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
  return ts;
}

std::string LinkRecordId(const std::string& peer) {
  return absl::StrCat(node::kLinkRecordPrefix, crypto::HubIdOf(peer));
}

bool LinkLatencyDue(const PeerRuntime& rt, absl::Time now) {
  if (rt.rtt == absl::ZeroDuration()) return false;
  const absl::Duration measured = rt.rtt / 2;
  if (rt.published_latency == absl::ZeroDuration()) return true;
  return absl::AbsDuration(measured - rt.published_latency) >
             rt.published_latency / 4 &&
         now - rt.latency_published_at >= absl::Hours(1);
}

RecordKey ReadKey(const v1::SignedRecord& record) {
  v1::RecordBody body;
  if (!body.ParseFromString(record.body())) return {"", 0};
  return {body.origin(), body.sequence()};
}

absl::Duration SharedState::JitterLocked(absl::Duration d) {
  std::uniform_real_distribution<double> factor(0.8, 1.2);
  return d * factor(rng_);
}

void SharedState::NoteError(const std::string& peer, const std::string& error) {
  absl::MutexLock lock(&mu);
  auto it = table.rows().find(peer);
  if (it == table.rows().end()) return;
  SetErrorLocked(it->second, error);
}

void SharedState::NoteCallError(const std::string& peer, absl::string_view what,
                                const absl::Status& status) {
  if (status.code() == absl::StatusCode::kFailedPrecondition) {
    absl::MutexLock lock(&mu);
    runtime[peer].confirming = true;
    return;
  }
  NoteError(peer, absl::StrCat(what, ": ", status.message()));
}

void SharedState::SetErrorLocked(storage::PeerRecord& record,
                                 const std::string& error) {
  const std::string name = record.profile().name().empty()
                               ? crypto::HubIdOf(record.key())
                               : record.profile().name();
  if (error == record.last_error() && record.last_error_count() > 0) {
    const uint64_t n = record.last_error_count() + 1;
    record.set_last_error_count(n);
    // 10, 100, 1000...: a reminder that it still fails, not a flood.
    uint64_t power = 10;
    while (power < n && power <= UINT64_MAX / 10) power *= 10;
    if (n == power) {
      spdlog::warn(
          "federation: {} at {}: still failing: {} (repeated {} times)", name,
          record.address(), error, n);
    }
  } else {
    if (record.last_error_count() > 1) {
      spdlog::warn(
          "federation: {} at {}: {} (the previous error, {}, repeated {} "
          "times)",
          name, record.address(), error, record.last_error(),
          record.last_error_count());
    } else {
      spdlog::warn("federation: {} at {}: {}", name, record.address(), error);
    }
    record.set_last_error(error);
    record.set_last_error_count(1);
  }
  record.set_last_error_micros(absl::ToUnixMicros(clock_->Now()));
}

void SharedState::ClearErrorLocked(storage::PeerRecord& record) {
  if (record.last_error_count() > 0) {
    spdlog::info("federation: {} at {} answers again (after {} failure(s): {})",
                 record.profile().name().empty() ? crypto::HubIdOf(record.key())
                                                 : record.profile().name(),
                 record.address(), record.last_error_count(),
                 record.last_error());
  }
  record.set_last_error("");
  record.set_last_error_count(0);
}

v1::Peer SharedState::PeerViewLocked(const storage::PeerRecord& record) {
  v1::Peer peer;
  peer.set_hub_id(crypto::HubIdOf(record.key()));
  if (absl::StatusOr<crypto::PublicKey> key =
          crypto::PublicKey::FromBytesCached(record.key());
      key.ok()) {
    peer.set_fingerprint(key->Fingerprint());
  }
  peer.set_state(record.state());
  peer.set_address(record.address());
  *peer.mutable_profile() = record.profile();
  if (record.since_micros() != 0)
    *peer.mutable_since() = ToTimestamp(record.since_micros());
  if (record.last_sync_micros() != 0) {
    *peer.mutable_last_sync() = ToTimestamp(record.last_sync_micros());
  }
  peer.set_last_error(record.last_error());
  peer.set_last_error_count(record.last_error_count());
  if (record.last_error_micros() != 0) {
    *peer.mutable_last_error_at() = ToTimestamp(record.last_error_micros());
  }
  auto rt = runtime.find(record.key());
  if (rt != runtime.end()) {
    for (const std::string& origin : rt->second.forked_origins) {
      peer.add_forked_origins(crypto::HubIdOf(origin));
    }
  }
  // Steps of linking, shown as such rather than as faults.
  const bool linking_error = !record.last_error().empty();
  if (record.state() == v1::PEER_STATE_REQUESTED && !linking_error) {
    peer.set_progress(rt != runtime.end() && rt->second.link_pending_seen
                          ? "waiting for approval"
                          : "connecting");
  } else if (record.state() == v1::PEER_STATE_ACTIVE && !linking_error &&
             rt != runtime.end() && rt->second.confirming) {
    peer.set_progress("confirming");
  } else if (record.state() == v1::PEER_STATE_ACTIVE && !linking_error &&
             record.last_sync_micros() == 0) {
    peer.set_progress("first sync pending");
  }
  return peer;
}

}  // namespace civhub::federation
