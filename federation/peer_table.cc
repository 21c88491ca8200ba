// PeerTable's peers: the rows under kPeerTablePrefix (invites.cc holds its
// invites).
#include "federation/peer_table.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "crypto/keys.h"

namespace civhub::federation {

PeerAddress AddressOf(const storage::PeerRecord& record) {
  absl::StatusOr<crypto::PublicKey> key =
      crypto::PublicKey::FromBytesCached(record.key());
  // Peer keys were validated when they entered the table.
  return PeerAddress{*std::move(key), record.address()};
}

absl::StatusOr<std::vector<storage::PeerRecord>> PeerTable::Load() {
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> saved =
      store_->ScanAux(kPeerTablePrefix);
  if (!saved.ok()) return saved.status();
  std::vector<storage::PeerRecord> loaded;
  absl::MutexLock lock(mu_);
  for (const auto& [key, value] : *saved) {
    storage::PeerRecord record;
    if (!record.ParseFromString(value)) {
      return absl::DataLossError(
          absl::StrCat("peer table entry ", key, " is corrupt"));
    }
    loaded.push_back(record);
    rows_[record.key()] = std::move(record);
  }
  return loaded;
}

absl::Status PeerTable::Save(const storage::PeerRecord& record) {
  // The table in memory never gets ahead of the store (a full disk).
  if (absl::Status s =
          store_->PutAux(absl::StrCat(kPeerTablePrefix, record.key()),
                         record.SerializeAsString(), /*sync=*/true);
      !s.ok()) {
    return s;
  }
  rows_[record.key()] = record;
  return absl::OkStatus();
}

void PeerTable::Forget(const std::string& peer) {
  if (absl::Status s = store_->DeleteAux(absl::StrCat(kPeerTablePrefix, peer),
                                         /*sync=*/true);
      !s.ok()) {
    // The request stays saved: sent again after a restart, until removed.
    spdlog::error(
        "federation: cannot delete the refused link request to {}: {}; "
        "`civhubctl peer remove` it once the store is writable",
        crypto::HubIdOf(peer), s.ToString());
  }
}

void PeerTable::ExpirePending(absl::Duration expiry) {
  const absl::Time now = clock_->Now();
  for (auto it = rows_.begin(); it != rows_.end();) {
    const storage::PeerRecord& r = it->second;
    if (r.state() == v1::PEER_STATE_PENDING &&
        absl::FromUnixMicros(r.requested_at_micros()) + expiry < now) {
      if (absl::Status s =
              store_->DeleteAux(absl::StrCat(kPeerTablePrefix, it->first),
                                /*sync=*/false);
          !s.ok()) {
        // Loaded again at the next start, it expires again then.
        spdlog::warn(
            "federation: cannot delete the expired link request of {}: {}",
            crypto::HubIdOf(it->first), s.ToString());
      }
      it = rows_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace civhub::federation
