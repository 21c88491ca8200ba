#include "server/admin_service.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "federation/grpc/grpc_status.h"
#include "node/storage/check.h"
#include "server/process_memory.h"

#ifndef CIVHUB_VERSION
#define CIVHUB_VERSION "dev"
#endif

namespace civhub::server {
namespace {

// A write refused because the store is read-only: civhubd logged the
// failure once, at error level; each refusal only at debug.
spdlog::level::level_enum RefusalLevel(const absl::Status& s) {
  return node::IsStoreReadOnly(s) ? spdlog::level::debug : spdlog::level::warn;
}

// Logs an admin action on a peer and returns its result.
grpc::Status Logged(const char* what, const std::string& hub_id,
                    absl::StatusOr<v1::Peer> result, v1::Peer* response) {
  if (!result.ok()) {
    spdlog::log(RefusalLevel(result.status()), "{} {} failed: {}", what, hub_id,
                result.status().ToString());
    return federation::ToGrpcStatus(result.status());
  }
  spdlog::info("{} {}: {}", what, hub_id, v1::PeerState_Name(result->state()));
  *response = *std::move(result);
  return grpc::Status::OK;
}

grpc::Status Published(const char* what, absl::StatusOr<node::PublishResult> r,
                       v1::PublishResponse* response) {
  if (!r.ok()) {
    spdlog::log(RefusalLevel(r.status()), "{} rejected: {}", what,
                r.status().ToString());
    return federation::ToGrpcStatus(r.status());
  }
  const v1::RecordBody& body = r->record.body();
  if (r->unchanged) {
    spdlog::info("{} {}: unchanged (version {})", what, body.record_id(),
                 body.version());
  } else {
    spdlog::info("{} {}: version {} sequence {}", what, body.record_id(),
                 body.version(), body.sequence());
  }
  *response->mutable_record() = std::move(r->record);
  response->set_unchanged(r->unchanged);
  return grpc::Status::OK;
}

}  // namespace

uint64_t DirectoryBytes(const std::string& dir) {
  std::error_code ec;
  uint64_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) total += it->file_size(size_ec);
  }
  return total;
}

grpc::Status AdminService::Publish(grpc::ServerContext*,
                                   const v1::PublishRequest* request,
                                   v1::PublishResponse* response) {
  return Published("publish", hub_->Publish(*request), response);
}

grpc::Status AdminService::Delete(grpc::ServerContext*,
                                  const v1::DeleteRequest* request,
                                  v1::PublishResponse* response) {
  return Published("delete",
                   hub_->Delete(request->record_id(), request->reason()),
                   response);
}

grpc::Status AdminService::GetStatus(grpc::ServerContext*,
                                     const v1::GetStatusRequest*,
                                     v1::HubStatus* response) {
  const absl::Time now = hub_->clock()->Now();
  storage::Counters counters = hub_->store()->counters();
  absl::StatusOr<storage::OriginState> own =
      hub_->store()->GetOriginState(hub_->id().bytes());
  if (!own.ok()) return federation::ToGrpcStatus(own.status());
  response->set_hub_id(hub_->id().HubId());
  response->set_fingerprint(hub_->id().Fingerprint());
  response->set_software_version(CIVHUB_VERSION);
  response->mutable_started_at()->set_seconds(
      absl::ToUnixSeconds(info_.started_at));
  response->set_uptime_seconds(
      static_cast<uint64_t>(absl::ToInt64Seconds(now - info_.started_at)));
  response->set_organizations(counters.organizations());
  response->set_communities(counters.communities());
  response->set_services(counters.services());
  response->set_needs(counters.needs());
  response->set_offers(counters.offers());
  response->set_events(counters.events());
  response->set_registrations(counters.registrations());
  response->set_tombstones(counters.tombstones());
  response->set_origins(counters.origins());
  response->set_own_sequence(own->max_sequence());
  response->set_store_bytes(DirectoryBytes(info_.store_dir));
  response->set_data_dir(info_.data_dir);
  response->set_public_address(info_.public_address);
  response->set_http_address(info_.http_address);
  response->set_federation_address(info_.federation_address);
  *response->mutable_profile() = info_.profile;
  response->set_active_peers(federation_->CountPeers(v1::PEER_STATE_ACTIVE));
  response->set_pending_peers(federation_->ListPending().size());
  *response->mutable_memory() = ReadProcessMemory();
  response->mutable_memory()->set_store_cache_bytes(
      hub_->store()->CacheBytes());
  if (std::optional<node::StoreFailure> failure = hub_->store()->failure()) {
    response->set_store_read_only(true);
    response->mutable_store_failed_at()->set_seconds(
        absl::ToUnixSeconds(failure->at));
    response->set_store_failure(failure->reason);
  }
  auto usage = [](const ConnectionGuard* guard, v1::ConnectionUsage* out) {
    if (guard == nullptr) return;
    ConnectionStats s = guard->stats();
    out->set_open(s.open);
    out->set_clients(s.clients);
    out->set_limit_per_client(s.limit_per_client);
    out->set_limit_total(s.limit_total);
    out->set_accepted(s.accepted);
    out->set_refused(s.refused);
    out->set_evicted(s.evicted);
    out->set_fd_exhausted(s.fd_exhausted);
    out->set_abuse_reports(s.abuse_reports);
  };
  usage(info_.directory_guard, response->mutable_directory_connections());
  usage(info_.federation_guard, response->mutable_federation_connections());
  return grpc::Status::OK;
}

grpc::Status AdminService::PublishBatch(grpc::ServerContext*,
                                        const v1::PublishBatchRequest* request,
                                        v1::PublishBatchResponse* response) {
  if (request->records_size() > kMaxImportBatch) {
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("records: ", request->records_size(),
                     " in one call; the limit is ", kMaxImportBatch));
  }
  int published = 0, unchanged = 0, rejected = 0;
  const bool dry_run = request->dry_run();
  // gRPC's synchronous handler made the request and drops it after this
  // call: it is not const, and its payloads become the records rather than
  // copies of them (each request keeps its record_id for the results).
  std::vector<absl::StatusOr<node::PublishResult>> results =
      dry_run ? hub_->CheckMany(request->records())
              : hub_->PublishMany(const_cast<v1::PublishBatchRequest*>(request)
                                      ->mutable_records());
  for (size_t i = 0; i < results.size(); ++i) {
    v1::PublishBatchResult* result = response->add_results();
    const absl::StatusOr<node::PublishResult>& r = results[i];
    if (!r.ok()) {
      ++rejected;
      result->set_outcome("rejected");
      result->set_record_id(request->records(static_cast<int>(i)).record_id());
      result->set_error(
          absl::StrCat(absl::StatusCodeToString(r.status().code()), ": ",
                       r.status().message()));
      if (!dry_run) {
        spdlog::log(RefusalLevel(r.status()),
                    "publish batch: record {} ({}) rejected: {}", i,
                    result->record_id(), r.status().ToString());
      }
      continue;
    }
    ++(r->unchanged ? unchanged : published);
    result->set_outcome(r->unchanged ? "unchanged" : "published");
    result->set_record_id(r->record.body().record_id());
    result->set_version(r->record.body().version());
    result->set_sequence(r->record.body().sequence());
    for (const std::string& field : r->emptied) result->add_emptied(field);
  }
  spdlog::info("publish batch{}: {} records, {} {}, {} unchanged, {} rejected",
               dry_run ? " (dry run, nothing stored)" : "",
               request->records_size(), published,
               dry_run ? "would be published" : "published", unchanged,
               rejected);
  return grpc::Status::OK;
}

grpc::Status AdminService::ImportRecords(
    grpc::ServerContext*, const v1::ImportRecordsRequest* request,
    v1::ImportRecordsResponse* response) {
  if (request->records_size() > kMaxImportBatch) {
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("records: ", request->records_size(),
                     " in one call; the limit is ", kMaxImportBatch));
  }
  int applied = 0, rejected = 0;
  std::vector<node::IngestResult> ingested =
      hub_->IngestMany(request->records(), /*sync=*/false);
  for (int i = 0; i < request->records_size(); ++i) {
    v1::ImportResult* result = response->add_results();
    const absl::StatusOr<node::ApplyOutcome>& outcome = ingested[i].outcome;
    if (outcome.ok()) {
      result->set_outcome(std::string(node::ApplyOutcomeName(*outcome)));
      if (*outcome == node::ApplyOutcome::kApplied) ++applied;
    } else {
      ++rejected;
      result->set_outcome("rejected");
      result->set_error(
          absl::StrCat(absl::StatusCodeToString(outcome.status().code()), ": ",
                       outcome.status().message()));
      spdlog::log(RefusalLevel(outcome.status()),
                  "import: record {} rejected: {}", i,
                  outcome.status().ToString());
    }
  }
  if (absl::Status s = hub_->store()->Sync(); !s.ok())
    return federation::ToGrpcStatus(s);
  spdlog::info("import: {} records, {} applied, {} rejected",
               request->records_size(), applied, rejected);
  return grpc::Status::OK;
}

grpc::Status AdminService::AddPeer(grpc::ServerContext*,
                                   const v1::AddPeerRequest* request,
                                   v1::Peer* response) {
  absl::Notification done;
  absl::StatusOr<v1::Peer> result;
  auto reply = [&](absl::StatusOr<v1::Peer> peer) {
    result = std::move(peer);
    done.Notify();
  };
  if (!request->invite().empty()) {
    if (!request->hub_id().empty()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "hub_id: leave it out with an invite (the token "
                          "names the hub)");
    }
    federation_->AddPeerWithInvite(request->invite(), request->address(),
                                   request->offline(), reply);
  } else {
    federation_->AddPeer(request->address(), request->hub_id(),
                         request->offline(), reply);
  }
  // The address check (5 s) and the first attempt (the call's 10 s
  // deadline) are bounded; the margin
  // covers a hub shutting down meanwhile (its reply is then dropped).
  if (!done.WaitForNotificationWithTimeout(absl::Seconds(30))) {
    return grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        "the link request did not complete; see civhubctl peer list");
  }
  if (!result.ok()) {
    spdlog::log(
        RefusalLevel(result.status()), "peer add {} at {} failed: {}",
        request->invite().empty() ? request->hub_id() : "(invite)",
        request->address().empty() ? "the token's address" : request->address(),
        result.status().ToString());
    return federation::ToGrpcStatus(result.status());
  }
  spdlog::info("peer add {} at {}{}: {}", result->hub_id(), result->address(),
               request->invite().empty() ? "" : " (invited)",
               v1::PeerState_Name(result->state()));
  *response = *std::move(result);
  return grpc::Status::OK;
}

grpc::Status AdminService::ListPendingPeers(
    grpc::ServerContext*, const v1::ListPendingPeersRequest*,
    v1::ListPendingPeersResponse* response) {
  for (v1::PendingPeer& p : federation_->ListPending())
    *response->add_pending() = std::move(p);
  return grpc::Status::OK;
}

grpc::Status AdminService::ApprovePeer(grpc::ServerContext*,
                                       const v1::PeerRequest* request,
                                       v1::Peer* response) {
  return Logged("peer approve", request->hub_id(),
                federation_->ApprovePeer(request->hub_id()), response);
}

grpc::Status AdminService::RejectPeer(grpc::ServerContext*,
                                      const v1::PeerRequest* request,
                                      v1::Peer* response) {
  return Logged("peer reject", request->hub_id(),
                federation_->RejectPeer(request->hub_id()), response);
}

grpc::Status AdminService::RemovePeer(grpc::ServerContext*,
                                      const v1::PeerRequest* request,
                                      v1::Peer* response) {
  return Logged("peer remove", request->hub_id(),
                federation_->RemovePeer(request->hub_id()), response);
}

grpc::Status AdminService::ListPeers(grpc::ServerContext*,
                                     const v1::ListPeersRequest*,
                                     v1::ListPeersResponse* response) {
  absl::StatusOr<std::vector<v1::Peer>> peers = federation_->ListPeers();
  if (!peers.ok()) return federation::ToGrpcStatus(peers.status());
  for (v1::Peer& p : *peers) *response->add_peers() = std::move(p);
  return grpc::Status::OK;
}

grpc::Status AdminService::CreateInvite(grpc::ServerContext*,
                                        const v1::CreateInviteRequest* request,
                                        v1::Invite* response) {
  absl::StatusOr<v1::Invite> invite = federation_->CreateInvite(
      absl::Seconds(request->valid_for_seconds()), request->note());
  if (!invite.ok()) {
    spdlog::log(RefusalLevel(invite.status()), "peer invite failed: {}",
                invite.status().ToString());
    return federation::ToGrpcStatus(invite.status());
  }
  // Never the token itself: the log is not a place for secrets.
  spdlog::info(
      "peer invite {} issued{}{}, valid until {}", invite->id(),
      request->note().empty() ? "" : " for ", request->note(),
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                       absl::FromUnixSeconds(invite->expires_at().seconds()),
                       absl::UTCTimeZone()));
  *response = *std::move(invite);
  return grpc::Status::OK;
}

grpc::Status AdminService::ListInvites(grpc::ServerContext*,
                                       const v1::ListInvitesRequest*,
                                       v1::ListInvitesResponse* response) {
  absl::StatusOr<std::vector<v1::Invite>> invites = federation_->ListInvites();
  if (!invites.ok()) return federation::ToGrpcStatus(invites.status());
  for (v1::Invite& i : *invites) *response->add_invites() = std::move(i);
  return grpc::Status::OK;
}

grpc::Status AdminService::RevokeInvite(grpc::ServerContext*,
                                        const v1::RevokeInviteRequest* request,
                                        v1::Invite* response) {
  absl::StatusOr<v1::Invite> invite = federation_->RevokeInvite(request->id());
  if (!invite.ok()) return federation::ToGrpcStatus(invite.status());
  spdlog::info("peer invite {} revoked", invite->id());
  *response = *std::move(invite);
  return grpc::Status::OK;
}

grpc::Status AdminService::BlockOrigin(grpc::ServerContext*,
                                       const v1::BlockRequest* request,
                                       v1::BlockResponse* response) {
  absl::StatusOr<uint64_t> purged = federation_->Block(request->hub_id());
  if (!purged.ok()) return federation::ToGrpcStatus(purged.status());
  spdlog::info("hub block {}: {} records purged", request->hub_id(), *purged);
  response->set_purged(*purged);
  return grpc::Status::OK;
}

grpc::Status AdminService::UnblockOrigin(grpc::ServerContext*,
                                         const v1::BlockRequest* request,
                                         v1::BlockResponse*) {
  absl::Status s = federation_->Unblock(request->hub_id());
  if (s.ok()) spdlog::info("hub unblock {}", request->hub_id());
  return federation::ToGrpcStatus(s);
}

grpc::Status AdminService::GetNetwork(grpc::ServerContext*,
                                      const v1::GetNetworkRequest*,
                                      v1::Network* response) {
  absl::StatusOr<v1::Network> network = federation_->GetNetwork();
  if (!network.ok()) return federation::ToGrpcStatus(network.status());
  *response = *std::move(network);
  return grpc::Status::OK;
}

grpc::Status AdminService::Check(grpc::ServerContext*, const v1::CheckRequest*,
                                 v1::CheckReport* response) {
  absl::StatusOr<v1::CheckReport> report = node::CheckStore(*hub_->store());
  if (!report.ok()) return federation::ToGrpcStatus(report.status());
  if (report->problem_count() == 0) {
    spdlog::info("check: {} records, no problems", report->records());
  } else {
    spdlog::error("check: {} problem(s) in {} records; first: {}",
                  report->problem_count(), report->records(),
                  report->problems(0));
  }
  *response = *std::move(report);
  return grpc::Status::OK;
}

}  // namespace civhub::server
