#include "server/server_metrics.h"

#include <algorithm>
#include <map>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"
#include "node/records/record_kinds.h"
#include "server/admin_service.h"
#include "server/process_memory.h"

#ifndef CIVHUB_VERSION
#define CIVHUB_VERSION "dev"
#endif

namespace civhub::server {
namespace {

// "PEER_STATE_ACTIVE" -> "active".
std::string StateLabel(v1::PeerState state) {
  return absl::AsciiStrToLower(
      absl::StripPrefix(v1::PeerState_Name(state), "PEER_STATE_"));
}

void AddPeers(federation::Federation* fed, metrics::FamilyBuilder& b) {
  absl::StatusOr<std::vector<v1::Peer>> peers = fed->ListPeers();
  if (!peers.ok()) return;
  std::map<std::string, int> by_state;
  for (int s = v1::PeerState_MIN; s <= v1::PeerState_MAX; ++s) {
    if (v1::PeerState_IsValid(s) && s != v1::PEER_STATE_UNSPECIFIED)
      by_state[StateLabel(static_cast<v1::PeerState>(s))] = 0;
  }
  for (const v1::Peer& p : *peers) ++by_state[StateLabel(p.state())];
  by_state[StateLabel(v1::PEER_STATE_PENDING)] +=
      static_cast<int>(fed->ListPending().size());
  b.Gauge("civhub_peers",
          "Linked hubs by link state (pending: requests waiting for this "
          "hub's approval)");
  for (const auto& [state, n] : by_state) b.Add(n, {{"state", state}});

  b.Gauge("civhub_peer_last_sync_timestamp_seconds",
          "When the last anti-entropy round with an active peer completed "
          "(Unix time; 0: never)");
  for (const v1::Peer& p : *peers) {
    if (p.state() != v1::PEER_STATE_ACTIVE) continue;
    b.Add(static_cast<double>(p.last_sync().seconds()), {{"peer", p.hub_id()}});
  }
  b.Gauge("civhub_peer_behind_records",
          "Records this hub holds that an active peer is not known to hold");
  for (const v1::Peer& p : *peers) {
    if (p.state() != v1::PEER_STATE_ACTIVE) continue;
    b.Add(static_cast<double>(p.behind()), {{"peer", p.hub_id()}});
  }
  b.Gauge("civhub_peer_consecutive_errors",
          "Calls to an active peer that failed in a row since the last one "
          "that succeeded (0: the last call succeeded)");
  for (const v1::Peer& p : *peers) {
    if (p.state() != v1::PEER_STATE_ACTIVE) continue;
    b.Add(p.last_error().empty() ? 0
                                 : static_cast<double>(std::max<uint64_t>(
                                       1, p.last_error_count())),
          {{"peer", p.hub_id()}});
  }
  b.Gauge("civhub_peer_forked_origins",
          "Origins a peer relayed fork evidence for (a hub that signed two "
          "different records with one sequence)");
  // Every active peer has its sample, 0 included (an alert on it needs
  // the series); a peer with evidence keeps it after its link ends.
  for (const v1::Peer& p : *peers) {
    if (p.state() != v1::PEER_STATE_ACTIVE && p.forked_origins_size() == 0) {
      continue;
    }
    b.Add(p.forked_origins_size(), {{"peer", p.hub_id()}});
  }
  b.Counter("civhub_peer_announces_dropped_total",
            "Announces to a peer dropped because its queue was full "
            "(anti-entropy rounds carry those records)");
  for (const auto& [hub_id, c] : fed->GetAnnounceCounters()) {
    b.Add(static_cast<double>(c.dropped), {{"peer", hub_id}});
  }
}

void AddConnections(const char* port, const ConnectionGuard* guard,
                    metrics::FamilyBuilder& open,
                    metrics::FamilyBuilder& refused) {
  if (guard == nullptr) return;
  ConnectionStats s = guard->stats();
  open.Add(s.open, {{"port", port}});
  refused.Add(static_cast<double>(s.refused), {{"port", port}});
}

}  // namespace

std::vector<prometheus::MetricFamily> ServerMetrics::Collect() const {
  metrics::FamilyBuilder b;
  const absl::Time now = absl::Now();
  b.Gauge("civhub_build_info", "The civhubd version running (always 1)")
      .Add(1, {{"version", CIVHUB_VERSION}});
  b.Gauge("civhub_start_time_seconds", "When civhubd started (Unix time)")
      .Add(absl::ToDoubleSeconds(sources_.started_at - absl::UnixEpoch()));
  b.Gauge("civhub_uptime_seconds", "Seconds since civhubd started")
      .Add(absl::ToDoubleSeconds(now - sources_.started_at));

  v1::MemoryUsage memory = ReadProcessMemory();
  b.Gauge("civhub_memory_resident_bytes", "Resident set size (VmRSS)")
      .Add(static_cast<double>(memory.resident_bytes()));
  b.Gauge("civhub_memory_heap_in_use_bytes",
          "Heap allocated and not yet freed (glibc mallinfo2)")
      .Add(static_cast<double>(memory.heap_in_use_bytes()));
  b.Gauge("civhub_memory_heap_held_bytes",
          "Heap the allocator holds from the system, in use or free")
      .Add(static_cast<double>(memory.heap_held_bytes()));

  node::Store* store =
      sources_.node == nullptr ? nullptr : sources_.node->store();
  if (store != nullptr) {
    storage::Counters c = store->counters();
    // Every kind of the registry, so a kind added there is counted here.
    b.Gauge("civhub_records",
            "Records held (latest versions), by kind (the record kinds' "
            "names: organization, service, need, event, tombstone for a "
            "deleted record, ...)");
    for (const node::RecordKindInfo& kind : node::RecordKinds()) {
      b.Add(static_cast<double>((c.*kind.count)()),
            {{"kind", std::string(kind.name)}});
    }
    b.Gauge("civhub_origins",
            "Hubs whose records this hub holds, itself included")
        .Add(static_cast<double>(c.origins()));
    b.Gauge("civhub_store_size_bytes", "Bytes of the store's files on disk")
        .Add(static_cast<double>(DirectoryBytes(sources_.store_dir)));
    b.Gauge("civhub_store_cache_bytes",
            "Memory LevelDB holds in its memtables and block cache")
        .Add(static_cast<double>(store->CacheBytes()));
    std::optional<node::StoreFailure> failure = store->failure();
    b.Gauge("civhub_store_read_only",
            "1 once a write to the store failed (a full disk, an I/O error): "
            "the hub serves reads and refuses writes until restarted")
        .Add(failure.has_value() ? 1 : 0);
  }
  if (sources_.node != nullptr && sources_.node->federation() != nullptr) {
    AddPeers(sources_.node->federation(), b);
  }

  metrics::FamilyBuilder open, refused;
  open.Gauge("civhub_connections_open",
             "Open client connections of a gRPC port (public, federation)");
  refused.Counter("civhub_connections_refused_total",
                  "Connections a gRPC port closed at once (a per-client or "
                  "total limit, a penalty)");
  AddConnections("public", sources_.public_guard, open, refused);
  AddConnections("federation", sources_.federation_guard, open, refused);

  std::vector<prometheus::MetricFamily> all = b.Take();
  if (sources_.peer_calls != nullptr) {
    for (prometheus::MetricFamily& f : sources_.peer_calls->Collect())
      all.push_back(std::move(f));
  }
  for (auto* more : {&open, &refused})
    for (prometheus::MetricFamily& f : more->Take())
      all.push_back(std::move(f));
  return all;
}

}  // namespace civhub::server
