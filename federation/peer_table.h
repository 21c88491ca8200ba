// PeerTable: the part of Federation that owns what this hub saved about
// other hubs, in the store's aux space:
//
//   - its peers (one storage::PeerRecord per peer key, under
//     kPeerTablePrefix): every link in any state, the link requests waiting
//     for this hub's approval (PENDING) among them;
//   - the invites this hub issued (one storage::InviteRecord per token,
//     under kInvitePrefix).
//
// It decides nothing about links (Federation's links.cc does: requests,
// approval, confirmation, removal); it keeps the rows in memory and in the
// store in step: the table in memory never gets ahead of the store.
//
// Thread-safety: the table shares Federation's one mutex (given to the
// constructor), so that a link's row and the link's runtime state change
// together. Methods marked ABSL_EXCLUSIVE_LOCKS_REQUIRED(*mu_) need it held;
// the others take it themselves and need it not held.
#ifndef CIVHUB_FEDERATION_PEER_TABLE_H_
#define CIVHUB_FEDERATION_PEER_TABLE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "civhub/storage/storage.pb.h"
#include "civhub/v1/admin.pb.h"
#include "civhub/v1/federation.pb.h"
#include "federation/transport.h"
#include "node/base/clock.h"
#include "node/storage/store.h"

namespace civhub::federation {

// The peer table lives in the store's aux space under this prefix, one
// storage::PeerRecord per peer key.
inline constexpr char kPeerTablePrefix[] = "peer/";
// Invites this hub issued, one storage::InviteRecord per token, keyed by
// the hex SHA-256 of its secret.
inline constexpr char kInvitePrefix[] = "invite/";
// What an invite token's text starts with.
inline constexpr char kInviteTokenPrefix[] = "civhub-invite:";
// How long an invite is valid unless told otherwise, and at most.
inline constexpr absl::Duration kDefaultInviteValidity = absl::Hours(24);
inline constexpr absl::Duration kMaxInviteValidity = absl::Hours(24 * 30);

// Reads the text of an invite token (what `civhubctl peer invite` prints).
// INVALID_ARGUMENT saying what is wrong if it is not one.
absl::StatusOr<v1::InviteToken> ParseInviteToken(absl::string_view text);

// Where to reach the peer of `record` (its key and address). Peer keys are
// validated when they enter the table.
PeerAddress AddressOf(const storage::PeerRecord& record);

class PeerTable {
 public:
  // `store`, `clock` and `mu` must outlive the table; `self` is this hub's
  // raw key (it goes into the invites it issues).
  PeerTable(node::Store* store, const node::Clock* clock, std::string self,
            absl::Mutex* mu)
      : store_(store), clock_(clock), self_(std::move(self)), mu_(mu) {}

  PeerTable(const PeerTable&) = delete;
  PeerTable& operator=(const PeerTable&) = delete;

  // --- Peers ---

  // Reads the saved table into memory and returns its rows in key order.
  // The store's read error; DATA_LOSS naming the row if one is corrupt
  // (rows read before it stay loaded).
  absl::StatusOr<std::vector<storage::PeerRecord>> Load()
      ABSL_LOCKS_EXCLUDED(*mu_);
  // The rows in memory by peer key, to read and to change fields that are
  // not saved (a change to save goes through Save).
  std::map<std::string, storage::PeerRecord>& rows()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(*mu_) {
    return rows_;
  }
  // Saves `record` (synced), then puts it in memory. The write's error if it
  // fails (the row in memory is then unchanged).
  absl::Status Save(const storage::PeerRecord& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(*mu_);
  // Deletes `peer`'s row from the store (the caller erases it from rows());
  // a failure is logged: the row stays saved, loaded again at a start, until
  // the admin removes it.
  void Forget(const std::string& peer) ABSL_EXCLUSIVE_LOCKS_REQUIRED(*mu_);
  // Drops the pending link requests older than `expiry`, from memory and
  // the store (a failed delete is logged; the row expires again after the
  // next start).
  void ExpirePending(absl::Duration expiry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(*mu_);

  // --- Invites ---

  // Issues an invite token valid for `valid_for` (0: kDefaultInviteValidity;
  // at most kMaxInviteValidity) carrying `address`, this hub's key and a
  // fresh secret; only the secret's SHA-256 is saved. INVALID_ARGUMENT for a
  // validity or a note (over 200 characters) out of bounds;
  // FAILED_PRECONDITION if `address` is not one other hubs can dial
  // (0.0.0.0); the store's read-only error or the write's error.
  absl::StatusOr<v1::Invite> CreateInvite(const std::string& address,
                                          absl::Duration valid_for,
                                          const std::string& note)
      ABSL_LOCKS_EXCLUDED(*mu_);
  // Unexpired invites and those used in the last 30 days, oldest first
  // (others are deleted; a failed delete is logged). The store's read error.
  absl::StatusOr<std::vector<v1::Invite>> ListInvites()
      ABSL_LOCKS_EXCLUDED(*mu_);
  // Deletes the invite `id` (Invite.id, 12 hex digits). INVALID_ARGUMENT if
  // `id` is not one; NOT_FOUND if there is none; the store's errors.
  absl::StatusOr<v1::Invite> RevokeInvite(const std::string& id)
      ABSL_LOCKS_EXCLUDED(*mu_);
  // Spends the invite whose secret is `secret` for `caller` (saved, synced):
  // OK if it was valid; else PERMISSION_DENIED naming why (unknown or
  // revoked, expired, used); the store's errors.
  absl::Status RedeemInvite(const std::string& secret,
                            const std::string& caller)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(*mu_);

 private:
  node::Store* const store_;
  const node::Clock* const clock_;
  const std::string self_;  // Raw key.
  absl::Mutex* const mu_;
  std::map<std::string, storage::PeerRecord> rows_ ABSL_GUARDED_BY(*mu_);
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_PEER_TABLE_H_
