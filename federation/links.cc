// Links: the link protocol: requests, approval, confirmation and removal.
#include "federation/links.h"

#include <spdlog/spdlog.h>

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "federation/peer_table.h"
#include "federation/trust.h"
#include "node/records/validate.h"

namespace civhub::federation {
namespace {

// How far a link request's timestamp may be from this hub's clock: older
// requests are replays.
constexpr absl::Duration kLinkRequestSkew = absl::Minutes(10);

absl::Status CheckAddress(absl::string_view address) {
  size_t colon = address.rfind(':');
  bool printable = address.size() <= 255;
  for (char c : address) printable &= c > ' ' && c < 0x7f;
  if (!printable || colon == absl::string_view::npos || colon == 0 ||
      colon + 1 == address.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("address: \"", address,
                     "\" is not HOST:PORT (e.g. hub.example.org:7341)"));
  }
  return absl::OkStatus();
}

}  // namespace

Links::Links(Host* host, SharedState* shared, node::Hub* hub,
             Scheduler* scheduler, Transport* transport,
             const FederationOptions* options, std::string self)
    : host_(host),
      shared_(shared),
      hub_(hub),
      store_(hub->store()),
      scheduler_(scheduler),
      transport_(transport),
      options_(options),
      self_(std::move(self)) {}

std::string Links::SignLink(const std::string& peer,
                            const std::string& link_id) const {
  absl::StatusOr<std::string> sig = hub_->key().Sign(
      crypto::SigningDomain::kLink, LinkStatement(link_id, self_, peer));
  return sig.ok() ? *sig : std::string();
}

void Links::AddPeer(const std::string& address, const std::string& hub_id,
                    bool offline, Reply<v1::Peer> done) {
  absl::StatusOr<crypto::PublicKey> key = crypto::PublicKey::FromHubId(hub_id);
  if (!key.ok()) return done(key.status());
  AddPeerKey(address, *key, /*invite_secret=*/"", offline, std::move(done));
}

void Links::AddPeerWithInvite(const std::string& text,
                              const std::string& address, bool offline,
                              Reply<v1::Peer> done) {
  absl::StatusOr<v1::InviteToken> token = ParseInviteToken(text);
  if (!token.ok()) return done(token.status());
  absl::StatusOr<crypto::PublicKey> key =
      crypto::PublicKey::FromBytes(token->hub_key());
  if (!key.ok()) {
    return done(absl::InvalidArgumentError(
        absl::StrCat("invite: ", key.status().message())));
  }
  AddPeerKey(address.empty() ? token->federation_address() : address, *key,
             token->secret(), offline, std::move(done));
}

void Links::AddPeerKey(const std::string& address,
                       const crypto::PublicKey& key_given,
                       const std::string& invite_secret, bool offline,
                       Reply<v1::Peer> done) {
  const crypto::PublicKey* key = &key_given;
  const std::string hub_id = key->HubId();
  if (key->bytes() == self_) {
    return done(
        absl::InvalidArgumentError("hub_id: that is this hub's own id"));
  }
  if (absl::Status s = CheckAddress(address); !s.ok()) return done(s);
  if (absl::Status s = store_->Writable(); !s.ok()) return done(s);
  const std::string peer = key->bytes();
  std::optional<v1::Peer> active;
  {
    absl::MutexLock lock(&shared_->mu);
    auto it = shared_->table.rows().find(peer);
    if (it != shared_->table.rows().end() &&
        it->second.state() == v1::PEER_STATE_ACTIVE) {
      active = shared_->PeerViewLocked(it->second);
    }
  }
  if (active.has_value()) return done(*std::move(active));
  if (offline) {
    return RecordLinkRequest(address, peer, invite_secret, std::move(done));
  }
  // A mistyped address must fail now, not be dialed for ever.
  transport_->Probe(
      PeerAddress{*key, address}, options_->deadlines.probe,
      [this, address, peer, invite_secret,
       done = std::move(done)](absl::Status s) {
        if (s.ok()) {
          return RecordLinkRequest(address, peer, invite_secret,
                                   std::move(done));
        }
        // UNAVAILABLE would read as "civhubd is down" to civhubctl: the
        // address given is what is wrong here.
        if (s.code() == absl::StatusCode::kUnauthenticated) {
          s = absl::UnauthenticatedError(
              absl::StrCat(s.message(),
                           "; nothing was recorded: check the address and "
                           "the id with the other hub's admin"));
        } else if (s.code() == absl::StatusCode::kFailedPrecondition) {
          s = absl::FailedPreconditionError(
              absl::StrCat(s.message(), "; nothing was recorded"));
        } else {
          s = absl::FailedPreconditionError(absl::StrCat(
              s.message(),
              "; nothing was recorded (if that hub is offline now, add it "
              "anyway with `civhubctl peer add --offline ",
              address, " ", crypto::HubIdOf(peer), "`)"));
        }
        done(s);
      });
}

void Links::RecordLinkRequest(const std::string& address,
                              const std::string& peer,
                              const std::string& invite_secret,
                              Reply<v1::Peer> done) {
  bool approve = false;
  std::optional<PeerAddress> replaced;  // Closed once the record is saved.
  std::optional<absl::StatusOr<v1::Peer>>
      answer;  // Told after mu_ is released.
  {
    absl::MutexLock lock(&shared_->mu);
    auto it = shared_->table.rows().find(peer);
    if (it != shared_->table.rows().end() && it->second.address() != address &&
        !it->second.address().empty()) {
      replaced = AddressOf(it->second);
    }
    if (shared_->stopped) {
      answer = absl::CancelledError("civhubd is shutting down");
    } else if (it != shared_->table.rows().end() &&
               it->second.state() == v1::PEER_STATE_ACTIVE) {
      replaced.reset();
      answer = shared_->PeerViewLocked(it->second);
    } else if (it != shared_->table.rows().end() &&
               it->second.state() == v1::PEER_STATE_PENDING) {
      // The other hub asked first: adding it is approving it.
      it->second.set_address(address);
      approve = true;
    } else {
      storage::PeerRecord record;
      record.set_key(peer);
      record.set_state(v1::PEER_STATE_REQUESTED);
      record.set_address(address);
      std::string link_id(node::kLinkIdBytes, '\0');
      for (char& c : link_id) c = static_cast<char>(shared_->RandomLocked());
      record.set_link_id(link_id);
      record.set_own_link_signature(SignLink(peer, link_id));
      record.set_requested_at_micros(absl::ToUnixMicros(hub_->clock()->Now()));
      record.set_invite_secret(invite_secret);
      PeerRuntime& rt = shared_->runtime[peer];
      rt.generation++;
      rt.link_pending_seen = false;
      if (absl::Status s = shared_->table.Save(record); !s.ok()) answer = s;
    }
  }
  // The address given before (mistyped, or the hub moved) is not dialed
  // again.
  if (replaced.has_value()) transport_->Close(*replaced);
  if (answer.has_value()) return done(*std::move(answer));
  if (approve) return done(ApprovePeer(crypto::HubIdOf(peer)));
  SendLinkRequest(peer, std::move(done));
}

void Links::SendLinkRequest(const std::string& peer, Reply<v1::Peer> done) {
  v1::LinkRequest request;
  PeerAddress to{hub_->id(), ""};
  uint64_t generation = 0;
  // Set when no request is sent: told to `done` after mu_ is released.
  std::optional<absl::StatusOr<v1::Peer>> skipped;
  {
    absl::MutexLock lock(&shared_->mu);
    auto it = shared_->table.rows().find(peer);
    if (it == shared_->table.rows().end()) {
      skipped = absl::NotFoundError("the peer is gone");
    } else if (shared_->stopped ||
               it->second.state() != v1::PEER_STATE_REQUESTED ||
               shared_->runtime[peer].link_request_running) {
      skipped = shared_->PeerViewLocked(it->second);
    } else {
      shared_->runtime[peer].link_request_running = true;
      generation = shared_->runtime[peer].generation;
      v1::LinkRequestBody body;
      body.set_from(self_);
      body.set_to(peer);
      body.set_link_id(it->second.link_id());
      const int64_t micros = absl::ToUnixMicros(hub_->clock()->Now());
      body.mutable_requested_at()->set_seconds(micros / 1000000);
      *body.mutable_profile() = options_->profile;
      body.set_link_signature(it->second.own_link_signature());
      request.set_body(body.SerializeAsString());
      request.set_invite_secret(it->second.invite_secret());
      absl::StatusOr<std::string> sig =
          hub_->key().Sign(crypto::SigningDomain::kLinkRequest, request.body());
      if (sig.ok()) request.set_signature(*sig);
      to = AddressOf(it->second);
    }
  }
  if (skipped.has_value()) {
    if (done) done(*std::move(skipped));
    return;
  }
  transport_->RequestLink(to, options_->deadlines.link, std::move(request),
                          [this, peer, generation,
                           done](absl::StatusOr<v1::LinkResponse> response) {
                            OnLinkResponse(peer, generation,
                                           std::move(response), done);
                          });
}

void Links::OnLinkResponse(const std::string& peer, uint64_t generation,
                           absl::StatusOr<v1::LinkResponse> response,
                           Reply<v1::Peer> done) {
  const std::string hub_id = crypto::HubIdOf(peer);
  // What to tell `done`, if this response settles the attempt; told after
  // mu_ is released, so `done` may call back into Federation.
  std::optional<absl::StatusOr<v1::Peer>> answer;
  // A connection no peer uses any more: closed after mu_ is released.
  std::optional<PeerAddress> unused;
  auto answer_done = [&] {
    if (unused.has_value()) transport_->Close(*unused);
    if (done && answer.has_value()) done(*std::move(answer));
  };
  {
    absl::MutexLock lock(&shared_->mu);
    shared_->runtime[peer].link_request_running = false;
    auto it = shared_->table.rows().find(peer);
    if (shared_->stopped || it == shared_->table.rows().end() ||
        shared_->runtime[peer].generation != generation ||
        it->second.state() != v1::PEER_STATE_REQUESTED) {
      answer = absl::AbortedError("the link changed while the request ran");
    } else if (!response.ok() ||
               response->state() != v1::LinkResponse::ACCEPTED) {
      storage::PeerRecord& record = it->second;
      bool retry = false;
      if (!response.ok() &&
          response.status().code() == absl::StatusCode::kUnauthenticated &&
          done) {
        // First attempt from `peer add`: a wrong id is the admin's to fix.
        answer = absl::UnauthenticatedError(absl::StrCat(
            "the hub at ", record.address(), " did not prove it holds ", hub_id,
            ": ", response.status().message(),
            " (check the address and the id with its admin)"));
        unused = AddressOf(record);
        shared_->table.Forget(peer);
        shared_->table.rows().erase(it);
      } else if (!response.ok() &&
                 response.status().code() ==
                     absl::StatusCode::kPermissionDenied &&
                 !record.invite_secret().empty() && done) {
        // The invite was refused (used, expired, revoked): the admin needs
        // a new one, and retrying this one cannot succeed.
        answer = absl::PermissionDeniedError(absl::StrCat(
            "the hub at ", record.address(), " refused the invite: ",
            response.status().message(), "; nothing was recorded"));
        unused = AddressOf(record);
        shared_->table.Forget(peer);
        shared_->table.rows().erase(it);
      } else {
        if (!response.ok()) {
          shared_->SetErrorLocked(record,
                                  std::string(response.status().message()));
          retry = true;
        } else if (response->state() == v1::LinkResponse::REJECTED) {
          record.set_state(v1::PEER_STATE_REJECTED);
          shared_->SetErrorLocked(
              record, "the other hub's admin rejected the link request");
          unused = AddressOf(record);
        } else {  // PENDING
          shared_->ClearErrorLocked(record);
          shared_->runtime[peer].link_pending_seen = true;
          retry = true;
        }
        if (absl::Status s = shared_->table.Save(record); !s.ok()) {
          // The table in memory is current; the next answer saves it again.
          spdlog::warn("federation: cannot save the link request to {}: {}",
                       hub_id, s.ToString());
        }
        if (retry) {
          scheduler_->RunAfter(
              shared_->JitterLocked(options_->link_retry_interval),
              [this, peer] { SendLinkRequest(peer, nullptr); });
        }
        answer = shared_->PeerViewLocked(record);
      }
    }
  }
  if (answer.has_value()) return answer_done();
  // Accepted: the peer tells which link id is active and signed it.
  if (response->link_id().size() != node::kLinkIdBytes ||
      !VerifyLinkSignature(peer, self_, response->link_id(),
                           response->link_signature())) {
    shared_->NoteError(peer,
                       "the peer accepted with an invalid link signature");
    if (done)
      done(absl::UnauthenticatedError("invalid link signature from the peer"));
    return;
  }
  absl::Status s = Activate(peer, response->link_id(),
                            response->link_signature(), response->profile());
  if (!done) return;
  if (!s.ok()) return done(s);
  v1::Peer view;
  {
    absl::MutexLock lock(&shared_->mu);
    view = shared_->PeerViewLocked(shared_->table.rows()[peer]);
  }
  done(view);
}

absl::Status Links::Activate(const std::string& peer,
                             const std::string& link_id,
                             const std::string& peer_signature,
                             const v1::HubProfile& profile) {
  {
    absl::MutexLock lock(&shared_->mu);
    // A copy: the table changes only once the store has it.
    auto found = shared_->table.rows().find(peer);
    storage::PeerRecord record = found == shared_->table.rows().end()
                                     ? storage::PeerRecord()
                                     : found->second;
    if (record.state() == v1::PEER_STATE_ACTIVE &&
        record.link_id() == link_id) {
      // Two ways of learning of the approval (the peer's confirmation and
      // its answer to a repeated request) raced each other here. Starting
      // again would bump the generation under a round already running.
      return absl::OkStatus();
    }
    record.set_key(peer);
    record.set_state(v1::PEER_STATE_ACTIVE);
    record.set_link_id(link_id);
    record.set_own_link_signature(SignLink(peer, link_id));
    record.set_peer_link_signature(peer_signature);
    if (node::ValidateHubProfile(profile).ok())
      *record.mutable_profile() = profile;
    if (record.address().empty())
      record.set_address(profile.federation_address());
    record.set_since_micros(absl::ToUnixMicros(hub_->clock()->Now()));
    record.set_last_error("");
    record.clear_invite_secret();  // Spent.
    PeerRuntime& rt = shared_->runtime[peer];
    rt.generation++;
    rt.told_known = rt.view_known = false;
    rt.backoff = absl::ZeroDuration();
    if (absl::Status s = shared_->table.Save(record); !s.ok()) return s;
  }
  host_->PublishSystemRecords();
  host_->RebuildTrust();
  host_->StartRounds(peer);
  return absl::OkStatus();
}

absl::StatusOr<v1::Peer> Links::ApprovePeer(const std::string& hub_id) {
  absl::StatusOr<crypto::PublicKey> key = crypto::PublicKey::FromHubId(hub_id);
  if (!key.ok()) return key.status();
  const std::string peer = key->bytes();
  if (absl::Status s = store_->Writable(); !s.ok()) return s;
  std::string link_id, peer_signature;
  v1::HubProfile profile;
  {
    absl::MutexLock lock(&shared_->mu);
    shared_->table.ExpirePending(options_->pending_expiry);
    auto it = shared_->table.rows().find(peer);
    if (it == shared_->table.rows().end() ||
        it->second.state() != v1::PEER_STATE_PENDING) {
      return absl::NotFoundError(
          absl::StrCat("no pending link request from ", hub_id,
                       " (see `civhubctl peer pending`; to link to it yourself "
                       "use `civhubctl "
                       "peer add ADDRESS ",
                       hub_id, "`)"));
    }
    link_id = it->second.link_id();
    peer_signature = it->second.peer_link_signature();
    profile = it->second.profile();
  }
  if (absl::Status s = Activate(peer, link_id, peer_signature, profile);
      !s.ok()) {
    return s;
  }
  v1::LinkConfirmation confirmation;
  PeerAddress to{hub_->id(), ""};
  v1::Peer view;
  {
    absl::MutexLock lock(&shared_->mu);
    confirmation.set_link_id(link_id);
    confirmation.set_link_signature(
        shared_->table.rows()[peer].own_link_signature());
    *confirmation.mutable_profile() = options_->profile;
    to = AddressOf(shared_->table.rows()[peer]);
    view = shared_->PeerViewLocked(shared_->table.rows()[peer]);
  }
  // Best effort: the requester also learns it on its next retry.
  transport_->ConfirmLink(to, options_->deadlines.link, std::move(confirmation),
                          [](absl::StatusOr<v1::LinkAck>) {});
  return view;
}

absl::StatusOr<v1::Peer> Links::RejectPeer(const std::string& hub_id) {
  absl::StatusOr<crypto::PublicKey> key = crypto::PublicKey::FromHubId(hub_id);
  if (!key.ok()) return key.status();
  absl::MutexLock lock(&shared_->mu);
  auto it = shared_->table.rows().find(key->bytes());
  if (it == shared_->table.rows().end() ||
      it->second.state() != v1::PEER_STATE_PENDING) {
    return absl::NotFoundError(
        absl::StrCat("no pending link request from ", hub_id));
  }
  storage::PeerRecord record = it->second;
  record.set_state(v1::PEER_STATE_REJECTED);
  if (absl::Status s = shared_->table.Save(record); !s.ok()) return s;
  return shared_->PeerViewLocked(record);
}

absl::StatusOr<v1::Peer> Links::RemovePeer(const std::string& hub_id) {
  absl::StatusOr<crypto::PublicKey> key = crypto::PublicKey::FromHubId(hub_id);
  if (!key.ok()) return key.status();
  const std::string peer = key->bytes();
  // Removed only in memory, the link would come back at the next start.
  if (absl::Status s = store_->Writable(); !s.ok()) return s;
  {
    absl::MutexLock lock(&shared_->mu);
    auto it = shared_->table.rows().find(peer);
    if (it == shared_->table.rows().end() ||
        it->second.state() == v1::PEER_STATE_REMOVED) {
      return absl::NotFoundError(absl::StrCat("no link with ", hub_id));
    }
  }
  if (absl::Status s =
          EndLink(peer, "removed by this hub's admin", /*tell_peer=*/true);
      !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&shared_->mu);
  return shared_->PeerViewLocked(shared_->table.rows()[peer]);
}

void Links::CloseUnused(const std::string& peer, const PeerAddress& to) {
  {
    absl::MutexLock lock(&shared_->mu);
    auto it = shared_->table.rows().find(peer);
    if (it != shared_->table.rows().end() &&
        it->second.address() == to.address &&
        (it->second.state() == v1::PEER_STATE_ACTIVE ||
         it->second.state() == v1::PEER_STATE_REQUESTED)) {
      return;
    }
  }
  transport_->Close(to);
}

absl::Status Links::EndLink(const std::string& peer, const std::string& reason,
                            bool tell_peer) {
  absl::Status saved;
  bool was_active;
  v1::LinkRemoval removal;
  PeerAddress to{hub_->id(), ""};
  {
    absl::MutexLock lock(&shared_->mu);
    storage::PeerRecord& record = shared_->table.rows()[peer];
    was_active = record.state() == v1::PEER_STATE_ACTIVE;
    record.set_state(v1::PEER_STATE_REMOVED);
    record.set_last_error(reason);
    record.set_last_error_micros(absl::ToUnixMicros(hub_->clock()->Now()));
    if (absl::Status s = shared_->table.Save(record); !s.ok()) {
      // Ended here until a restart, which would bring the link back.
      spdlog::error(
          "federation: cannot save the end of the link with {} ({}): {}; "
          "the link resumes if civhubd restarts",
          crypto::HubIdOf(peer), reason, s.ToString());
      saved = s;
    }
    PeerRuntime& rt = shared_->runtime[peer];
    rt.generation++;
    rt.push_queue.clear();
    removal.set_link_id(record.link_id());
    to = AddressOf(record);
  }
  bool telling = false;
  if (was_active) {
    // NOT_FOUND: no link record was published (or it is deleted already).
    if (absl::Status s = hub_->DeleteSystem(LinkRecordId(peer)).status();
        !s.ok() && s.code() != absl::StatusCode::kNotFound) {
      // Other hubs keep counting the link: not retried.
      spdlog::error("federation: cannot delete the link record of {}: {}",
                    crypto::HubIdOf(peer), s.ToString());
      if (saved.ok()) saved = s;
    }
    if (tell_peer) {
      telling = true;
      transport_->RemoveLink(
          to, options_->deadlines.link, std::move(removal),
          [this, peer, to](absl::StatusOr<v1::LinkAck> r) {
            if (!r.ok()) {
              shared_->NoteError(
                  peer, absl::StrCat("removed here; could not tell the peer (",
                                     r.status().message(), ")"));
            }
            CloseUnused(peer, to);
          });
    }
  }
  if (!telling) CloseUnused(peer, to);
  host_->RebuildTrust();
  return saved;
}

absl::Status Links::RequireActiveLocked(const crypto::PublicKey& caller) {
  auto it = shared_->table.rows().find(caller.bytes());
  if (it != shared_->table.rows().end() &&
      it->second.state() == v1::PEER_STATE_REQUESTED) {
    // The peer approved this hub's request before its confirmation got
    // here: ask again now (the answer will be ACCEPTED) and let the caller
    // retry, without it mistaking this for a removed link.
    const std::string peer = caller.bytes();
    scheduler_->Run([this, peer] { SendLinkRequest(peer, nullptr); });
    return absl::FailedPreconditionError(
        "this hub has not seen the link confirmed yet; retry shortly");
  }
  if (it == shared_->table.rows().end() ||
      it->second.state() != v1::PEER_STATE_ACTIVE) {
    return absl::PermissionDeniedError(absl::StrCat(
        "hub ", caller.HubId(), " has no active link with this hub"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::LinkResponse> Links::HandleRequestLink(
    const crypto::PublicKey& caller, const v1::LinkRequest& request,
    absl::string_view source) {
  v1::LinkRequestBody body;
  if (!body.ParseFromString(request.body())) {
    return absl::InvalidArgumentError("body: not a LinkRequestBody");
  }
  if (body.from() != caller.bytes()) {
    return absl::UnauthenticatedError(
        "from: the request names another hub than the certificate presented");
  }
  if (!caller.Verify(crypto::SigningDomain::kLinkRequest, request.body(),
                     request.signature())) {
    return absl::InvalidArgumentError(
        "signature: does not verify against the caller");
  }
  if (body.to() != self_) {
    return absl::InvalidArgumentError(
        "to: the request is addressed to another hub");
  }
  const absl::Time now = hub_->clock()->Now();
  const absl::Time sent = absl::FromUnixSeconds(body.requested_at().seconds());
  if (sent < now - kLinkRequestSkew || sent > now + kLinkRequestSkew) {
    return absl::InvalidArgumentError(
        "requested_at: more than 10 minutes from this hub's clock (a replayed "
        "request, or a clock to fix)");
  }
  if (body.link_id().size() != node::kLinkIdBytes ||
      !VerifyLinkSignature(caller.bytes(), self_, body.link_id(),
                           body.link_signature())) {
    return absl::InvalidArgumentError("link_signature: invalid");
  }
  if (absl::Status s = node::ValidateHubProfile(body.profile()); !s.ok())
    return s;
  absl::StatusOr<storage::OriginState> origin =
      store_->GetOriginState(caller.bytes());
  if (origin.ok() && origin->blocked()) {
    return absl::PermissionDeniedError("this hub has blocked the caller");
  }

  const std::string peer = caller.bytes();
  v1::LinkResponse response;
  bool activate = false;
  {
    absl::MutexLock lock(&shared_->mu);
    shared_->table.ExpirePending(options_->pending_expiry);
    auto it = shared_->table.rows().find(peer);
    const v1::PeerState state = it == shared_->table.rows().end()
                                    ? v1::PEER_STATE_UNSPECIFIED
                                    : it->second.state();
    if (state == v1::PEER_STATE_ACTIVE) {
      // Already linked: tell the requester which link is active.
      response.set_state(v1::LinkResponse::ACCEPTED);
      response.set_link_id(it->second.link_id());
      response.set_link_signature(it->second.own_link_signature());
      *response.mutable_profile() = options_->profile;
      return response;
    }
    if (state == v1::PEER_STATE_REQUESTED) {
      activate = true;  // Both admins approved: take the caller's link id.
    } else if (!request.invite_secret().empty()) {
      // This hub's admin invited the caller: approved now, whatever waits
      // in the pending list (a flood of strangers cannot keep it out).
      if (absl::Status s =
              shared_->table.RedeemInvite(request.invite_secret(), peer);
          !s.ok()) {
        return s;
      }
      activate = true;
    } else if (state == v1::PEER_STATE_REJECTED) {
      response.set_state(v1::LinkResponse::REJECTED);
      return response;
    } else if (state != v1::PEER_STATE_PENDING) {
      size_t pending = 0, from_source = 0;
      for (const auto& [k, r] : shared_->table.rows()) {
        if (r.state() != v1::PEER_STATE_PENDING) continue;
        ++pending;
        from_source += !source.empty() && r.requested_from() == source;
      }
      if (from_source >= options_->max_pending_per_source) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "too many link requests from ", source,
            " are waiting for this hub's admin; retry later, or "
            "ask its admin for an invite (civhubctl peer invite)"));
      }
      if (pending >= options_->max_pending) {
        return absl::ResourceExhaustedError(
            "too many link requests are waiting for this hub's admin; retry "
            "later, or ask its admin for an invite (civhubctl peer invite)");
      }
      auto last = last_request_.find(peer);
      if (last != last_request_.end() &&
          now - last->second < options_->request_interval) {
        return absl::ResourceExhaustedError(
            "link requests from this hub come too fast");
      }
    }
    last_request_[peer] = now;
    if (!activate) {
      storage::PeerRecord record = it == shared_->table.rows().end()
                                       ? storage::PeerRecord()
                                       : it->second;
      record.set_key(peer);
      record.set_state(v1::PEER_STATE_PENDING);
      record.set_address(body.profile().federation_address());
      *record.mutable_profile() = body.profile();
      record.set_link_id(body.link_id());
      record.set_peer_link_signature(body.link_signature());
      if (state != v1::PEER_STATE_PENDING) {
        record.set_requested_at_micros(absl::ToUnixMicros(now));
      }
      record.set_requested_from(std::string(source));
      if (absl::Status s = shared_->table.Save(record); !s.ok()) return s;
      response.set_state(v1::LinkResponse::PENDING);
      return response;
    }
  }
  if (absl::Status s =
          Activate(peer, body.link_id(), body.link_signature(), body.profile());
      !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&shared_->mu);
  response.set_state(v1::LinkResponse::ACCEPTED);
  response.set_link_id(body.link_id());
  response.set_link_signature(shared_->table.rows()[peer].own_link_signature());
  *response.mutable_profile() = options_->profile;
  return response;
}

absl::StatusOr<v1::LinkAck> Links::HandleConfirmLink(
    const crypto::PublicKey& caller, const v1::LinkConfirmation& request) {
  const std::string peer = caller.bytes();
  {
    absl::MutexLock lock(&shared_->mu);
    auto it = shared_->table.rows().find(peer);
    if (it != shared_->table.rows().end() &&
        it->second.state() == v1::PEER_STATE_ACTIVE) {
      return v1::LinkAck();
    }
    if (it == shared_->table.rows().end() ||
        it->second.state() != v1::PEER_STATE_REQUESTED) {
      return absl::PermissionDeniedError(
          "this hub has not requested a link with the caller");
    }
  }
  if (request.link_id().size() != node::kLinkIdBytes ||
      !VerifyLinkSignature(peer, self_, request.link_id(),
                           request.link_signature())) {
    return absl::InvalidArgumentError("link_signature: invalid");
  }
  if (absl::Status s = Activate(peer, request.link_id(),
                                request.link_signature(), request.profile());
      !s.ok()) {
    return s;
  }
  return v1::LinkAck();
}

absl::StatusOr<v1::LinkAck> Links::HandleRemoveLink(
    const crypto::PublicKey& caller, const v1::LinkRemoval&) {
  {
    absl::MutexLock lock(&shared_->mu);
    if (absl::Status s = RequireActiveLocked(caller); !s.ok()) return s;
  }
  // A failure to save is the peer's to see (it logs it); the link has ended
  // here all the same.
  if (absl::Status s = EndLink(caller.bytes(), "removed by the peer",
                               /*tell_peer=*/false);
      !s.ok()) {
    return s;
  }
  return v1::LinkAck();
}

}  // namespace civhub::federation
