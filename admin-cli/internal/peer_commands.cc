// civhubctl's peer, invite, block and network commands: the federation's
// admin side (docs/operations.md, "Linking hubs"). The record commands are in
// commands.cc.
#include <grpcpp/client_context.h>

#include <chrono>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "admin-cli/format.h"
#include "admin-cli/internal/commands.h"

namespace civhub::ctl::internal {

int AddPeer(Session& s, const std::string& address, const std::string& hub_id,
            bool offline, const std::string& invite) {
  v1::AddPeerRequest req;
  req.set_address(address);
  req.set_hub_id(hub_id);
  req.set_offline(offline);
  req.set_invite(std::string(absl::StripAsciiWhitespace(invite)));
  v1::Peer peer;
  auto ctx = s.Context();
  grpc::Status st = s.Node().admin()->AddPeer(ctx.get(), req, &peer);
  if (!st.ok() || s.json) return s.Respond(st, peer, PrintPeerState);
  // The other admin needs this hub's id to approve.
  v1::HubStatus self;
  auto status_ctx = s.Context();
  st = s.Node().admin()->GetStatus(status_ctx.get(), {}, &self);
  if (!st.ok()) return s.NodeError(st);
  PrintPeerAdded(peer, self, s.out());
  return kExitOk;
}

int CreateInvite(Session& s, const std::string& valid_for,
                 const std::string& note) {
  absl::Duration d = absl::ZeroDuration();
  int64_t days = 0;
  if (valid_for.empty()) {
  } else if (absl::EndsWith(valid_for, "d") &&
             absl::SimpleAtoi(
                 absl::string_view(valid_for).substr(0, valid_for.size() - 1),
                 &days) &&
             days > 0) {
    d = absl::Hours(24 * days);
  } else if (!absl::ParseDuration(valid_for, &d) || d <= absl::ZeroDuration()) {
    return s.UsageError(
        absl::StrCat("--valid-for: \"", valid_for,
                     "\" is not a duration (e.g. 30m, 24h, 7d; at most 30d)"));
  }
  v1::CreateInviteRequest req;
  req.set_valid_for_seconds(absl::ToInt64Seconds(d));
  req.set_note(note);
  v1::Invite invite;
  auto ctx = s.Context();
  grpc::Status st = s.Node().admin()->CreateInvite(ctx.get(), req, &invite);
  return s.Respond(st, invite, PrintInviteCreated);
}

int ListInvites(Session& s) {
  v1::ListInvitesResponse response;
  auto ctx = s.Context();
  grpc::Status st = s.Node().admin()->ListInvites(ctx.get(), {}, &response);
  return s.Respond(st, response, PrintInvites);
}

int RevokeInvite(Session& s, const std::string& id) {
  v1::RevokeInviteRequest req;
  req.set_id(id);
  v1::Invite invite;
  auto ctx = s.Context();
  grpc::Status st = s.Node().admin()->RevokeInvite(ctx.get(), req, &invite);
  return s.Respond(st, invite, PrintInviteRevoked);
}

int ListPendingPeers(Session& s) {
  v1::ListPendingPeersResponse response;
  auto ctx = s.Context();
  grpc::Status st =
      s.Node().admin()->ListPendingPeers(ctx.get(), {}, &response);
  return s.Respond(st, response, PrintPending);
}

namespace {

// approve, reject and remove: one peer, one Admin call, the peer's new state.
int PeerAction(Session& s, const std::string& hub_id,
               grpc::Status (v1::Admin::StubInterface::*call)(
                   grpc::ClientContext*, const v1::PeerRequest&, v1::Peer*)) {
  v1::PeerRequest req;
  req.set_hub_id(hub_id);
  v1::Peer peer;
  auto ctx = s.Context();
  grpc::Status st = (s.Node().admin()->*call)(ctx.get(), req, &peer);
  return s.Respond(st, peer, PrintPeerState);
}

}  // namespace

int ApprovePeer(Session& s, const std::string& hub_id) {
  return PeerAction(s, hub_id, &v1::Admin::StubInterface::ApprovePeer);
}

int RejectPeer(Session& s, const std::string& hub_id) {
  return PeerAction(s, hub_id, &v1::Admin::StubInterface::RejectPeer);
}

int RemovePeer(Session& s, const std::string& hub_id) {
  return PeerAction(s, hub_id, &v1::Admin::StubInterface::RemovePeer);
}

int ListPeers(Session& s) {
  v1::ListPeersResponse response;
  auto ctx = s.Context();
  grpc::Status st = s.Node().admin()->ListPeers(ctx.get(), {}, &response);
  return s.Respond(st, response, PrintPeers);
}

int BlockOrigin(Session& s, const std::string& hub_id) {
  v1::BlockRequest req;
  req.set_hub_id(hub_id);
  v1::BlockResponse response;
  auto ctx = s.Context(std::chrono::seconds(600));
  grpc::Status st = s.Node().admin()->BlockOrigin(ctx.get(), req, &response);
  if (!st.ok()) return s.NodeError(st);
  if (s.json) {
    s.out() << ToJson(response);
  } else {
    s.out() << "blocked " << hub_id << ": " << response.purged()
            << " records purged; its records are refused and not forwarded\n";
  }
  return kExitOk;
}

int UnblockOrigin(Session& s, const std::string& hub_id) {
  v1::BlockRequest req;
  req.set_hub_id(hub_id);
  v1::BlockResponse response;
  auto ctx = s.Context();
  grpc::Status st = s.Node().admin()->UnblockOrigin(ctx.get(), req, &response);
  if (!st.ok()) return s.NodeError(st);
  if (!s.json) {
    s.out() << "unblocked " << hub_id
            << ": its records will be fetched again\n";
  }
  return kExitOk;
}

int ShowNetwork(Session& s, bool dot) {
  v1::Network network;
  auto ctx = s.Context();
  grpc::Status st = s.Node().admin()->GetNetwork(ctx.get(), {}, &network);
  return s.Respond(st, network, dot ? PrintNetworkDot : PrintNetwork);
}

}  // namespace civhub::ctl::internal
