// Links: the part of Federation that makes and ends links between hubs, the
// Syncthing "pending device" model. AddPeer approves this side and sends a
// signed link request (retried every link_retry_interval, jittered, while
// unanswered or pending); the other hub keeps it pending (bounded: at most
// max_pending, max_pending_per_source from one network, one new request per
// request_interval per hub, for pending_expiry) until its admin approves —
// or at once for a hub holding one of its invites; both ends then publish a
// "~link.<peer>" record carrying the other's signature (through the Host),
// so every hub can tell which links exist. Removal ends the link on both
// sides: saved as REMOVED, the link record deleted, the peer told.
//
// It decides every change of a PeerTable row's state and owns, in each
// peer's PeerRuntime, the link fields (the request running, the pending
// answer seen, confirming, the generation that stops stale timers); it
// starts and stops nothing else itself: the Host publishes system records,
// recomputes trust and starts anti-entropy rounds.
//
// Errors common to the admin methods: INVALID_ARGUMENT if `hub_id` is not
// a hub id (a typo fails its checksum); where they write, the store's
// read-only error (FAILED_PRECONDITION, node::IsStoreReadOnly) once a write
// failed, or the error of the write that fails.
//
// Thread-safety: the state is SharedState's, under its mutex `mu`. Methods
// ending in Locked need it held; the others take it and need it not held.
// No lock is held across a Transport call, a Host call or a `done`.
#ifndef CIVHUB_FEDERATION_LINKS_H_
#define CIVHUB_FEDERATION_LINKS_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "civhub/v1/admin.pb.h"
#include "civhub/v1/federation.pb.h"
#include "crypto/keys.h"
#include "federation/options.h"
#include "federation/peer_state.h"
#include "federation/transport.h"
#include "node/hub.h"

namespace civhub::federation {

class Links {
 public:
  // What Links asks of the rest of Federation. Each is called without the
  // mutex held.
  class Host {
   public:
    virtual ~Host() = default;
    // Publishes the hub's profile and the link records of active peers.
    virtual void PublishSystemRecords() = 0;
    // Recomputes trust from the peer table and the link records stored.
    virtual void RebuildTrust() = 0;
    // `peer`'s link became active: start anti-entropy rounds with it now.
    virtual void StartRounds(const std::string& peer) = 0;
  };

  // Every pointer must outlive the Links. `self` is this hub's raw key.
  Links(Host* host, SharedState* shared, node::Hub* hub, Scheduler* scheduler,
        Transport* transport, const FederationOptions* options,
        std::string self);

  Links(const Links&) = delete;
  Links& operator=(const Links&) = delete;

  // --- Admin (Federation's methods of the same names say more) ---

  // Approves this side of a link to `hub_id` at `address` and sends the
  // link request; unless `offline`, first probes the address (a failure
  // records nothing and `done` gets it: UNAUTHENTICATED, or
  // FAILED_PRECONDITION naming what answers there). `done` gets the peer as
  // it stands after the first attempt; UNAUTHENTICATED if the hub there is
  // not `hub_id`; INVALID_ARGUMENT for this hub's own id or an address that
  // is not HOST:PORT; CANCELLED once stopped.
  void AddPeer(const std::string& address, const std::string& hub_id,
               bool offline, Reply<v1::Peer> done)
      ABSL_LOCKS_EXCLUDED(shared_->mu);
  // AddPeer with an invite token of the other hub (`address`, if not empty,
  // overrides the token's). INVALID_ARGUMENT for a damaged token;
  // PERMISSION_DENIED naming why if the other hub refuses it (nothing is
  // recorded).
  void AddPeerWithInvite(const std::string& token, const std::string& address,
                         bool offline, Reply<v1::Peer> done)
      ABSL_LOCKS_EXCLUDED(shared_->mu);
  // Approves `hub_id`'s pending request (ACTIVE, saved, link record
  // published, trust recomputed, rounds started; the requester told, best
  // effort). NOT_FOUND if none is pending.
  absl::StatusOr<v1::Peer> ApprovePeer(const std::string& hub_id)
      ABSL_LOCKS_EXCLUDED(shared_->mu);
  // Refuses `hub_id`'s pending request (saved as REJECTED). NOT_FOUND if
  // none is pending.
  absl::StatusOr<v1::Peer> RejectPeer(const std::string& hub_id)
      ABSL_LOCKS_EXCLUDED(shared_->mu);
  // Ends the link with `hub_id` (see EndLink; the peer is told). NOT_FOUND
  // if there is no link or it is removed already; the error of saving the
  // end (it has ended in memory all the same).
  absl::StatusOr<v1::Peer> RemovePeer(const std::string& hub_id)
      ABSL_LOCKS_EXCLUDED(shared_->mu);

  // --- Calls from other hubs; `caller` is the key the transport
  // authenticated ---

  // A link request: PENDING (saved, bounded), ACCEPTED (this hub asked
  // too, or the caller holds a valid invite; the link is activated), or
  // REJECTED (saved earlier). INVALID_ARGUMENT naming the field of a
  // malformed, misaddressed, stale (over 10 minutes) or badly signed
  // request; UNAUTHENTICATED if it names another hub than `caller`;
  // PERMISSION_DENIED if this hub blocked the caller or refuses its invite;
  // RESOURCE_EXHAUSTED over the bounds on pending requests; the store's
  // write errors. `source`: the network the call came from, "" if unknown.
  absl::StatusOr<v1::LinkResponse> HandleRequestLink(
      const crypto::PublicKey& caller, const v1::LinkRequest& request,
      absl::string_view source) ABSL_LOCKS_EXCLUDED(shared_->mu);
  // The caller approved this hub's request: the link is activated.
  // PERMISSION_DENIED if this hub did not ask; INVALID_ARGUMENT for a bad
  // link signature; the store's write errors.
  absl::StatusOr<v1::LinkAck> HandleConfirmLink(
      const crypto::PublicKey& caller, const v1::LinkConfirmation& request)
      ABSL_LOCKS_EXCLUDED(shared_->mu);
  // The caller ended the link: ended here too. RequireActiveLocked's
  // errors; the error of saving the end (ended in memory all the same).
  absl::StatusOr<v1::LinkAck> HandleRemoveLink(const crypto::PublicKey& caller,
                                               const v1::LinkRemoval& request)
      ABSL_LOCKS_EXCLUDED(shared_->mu);

  // --- For Federation and its other parts ---

  // Sends the link request to `peer` if it is REQUESTED and none is out;
  // `done` (may be empty) gets the peer as it stands after the answer, or
  // NOT_FOUND if the peer is gone.
  void SendLinkRequest(const std::string& peer, Reply<v1::Peer> done)
      ABSL_LOCKS_EXCLUDED(shared_->mu);
  // Ends the link with `peer` (REMOVED, `reason` as its last error),
  // deletes its link record and, if `tell_peer`, tells the peer; trust is
  // recomputed. The link ends in memory whatever happens; the error of
  // saving the end or of deleting the link record (both logged) is
  // returned.
  absl::Status EndLink(const std::string& peer, const std::string& reason,
                       bool tell_peer) ABSL_LOCKS_EXCLUDED(shared_->mu);
  // OK for an active peer; FAILED_PRECONDITION for a hub this hub asked to
  // link with (it approved, the confirmation is on its way: asked again at
  // once); else PERMISSION_DENIED, which the caller takes as the link's
  // end.
  absl::Status RequireActiveLocked(const crypto::PublicKey& caller)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu);

 private:
  // AddPeer's work once the key, address and invite (if any) are known.
  void AddPeerKey(const std::string& address, const crypto::PublicKey& key,
                  const std::string& invite_secret, bool offline,
                  Reply<v1::Peer> done);
  // AddPeer once the address is checked (or not, when offline).
  void RecordLinkRequest(const std::string& address, const std::string& peer,
                         const std::string& invite_secret,
                         Reply<v1::Peer> done);
  void OnLinkResponse(const std::string& peer, uint64_t generation,
                      absl::StatusOr<v1::LinkResponse> response,
                      Reply<v1::Peer> done);
  // Makes the link with `peer` ACTIVE under `link_id` (saved, then system
  // records published, trust recomputed, rounds started). Nothing if it is
  // active under that id already. The write's error.
  absl::Status Activate(const std::string& peer, const std::string& link_id,
                        const std::string& peer_signature,
                        const v1::HubProfile& profile);
  // Closes the transport's connection to `to` unless `peer` is (again)
  // linked or requested at that address.
  void CloseUnused(const std::string& peer, const PeerAddress& to)
      ABSL_LOCKS_EXCLUDED(shared_->mu);
  std::string SignLink(const std::string& peer,
                       const std::string& link_id) const;

  Host* const host_;
  SharedState* const shared_;
  node::Hub* const hub_;
  node::Store* const store_;
  Scheduler* const scheduler_;
  Transport* const transport_;
  const FederationOptions* const options_;
  const std::string self_;  // Raw key.
  // When each hub last made a new pending request.
  std::map<std::string, absl::Time> last_request_ ABSL_GUARDED_BY(shared_->mu);
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_LINKS_H_
