#include "sim/sim_network.h"

#include "absl/strings/str_cat.h"
#include "crypto/hash.h"

namespace civhub::sim {

void SimScheduler::RunAfter(absl::Duration delay, std::function<void()> fn) {
  queue_.emplace(std::make_pair(clock_->Now() + delay, next_id_++),
                 std::move(fn));
}

void SimScheduler::RunUntil(absl::Time deadline) {
  RunUntil([] { return false; }, deadline);
}

bool SimScheduler::RunUntil(const std::function<bool()>& done,
                            absl::Time deadline) {
  while (!done()) {
    if (queue_.empty() || queue_.begin()->first.first > deadline) {
      if (clock_->Now() < deadline) clock_->Advance(deadline - clock_->Now());
      return done();
    }
    auto it = queue_.begin();
    if (it->first.first > clock_->Now())
      clock_->Advance(it->first.first - clock_->Now());
    std::function<void()> fn = std::move(it->second);
    queue_.erase(it);
    fn();
  }
  return true;
}

namespace {

// Record bodies a message carries (payload sends).
template <typename Message>
int RecordsIn(const Message&) {
  return 0;
}
int RecordsIn(const v1::PushRequest& m) { return m.records_size(); }
int RecordsIn(const v1::FetchResponse& m) { return m.records_size(); }
int RecordsIn(const v1::SyncResponse& m) { return m.records_size(); }

SimOptions FixedLatency(std::string dir, absl::Time start,
                        absl::Duration latency) {
  SimOptions options;
  options.dir = std::move(dir);
  options.start = start;
  options.min_latency = options.max_latency = latency;
  return options;
}

}  // namespace

SimNetwork::SimNetwork(std::string dir, absl::Time start,
                       absl::Duration latency)
    : SimNetwork(FixedLatency(std::move(dir), start, latency)) {}

SimNetwork::SimNetwork(SimOptions options)
    : options_(std::move(options)),
      dir_(options_.dir),
      clock_(options_.start),
      scheduler_(&clock_),
      rng_(options_.seed) {
  if (options_.in_memory) mem_env_ = node::StoreEnv::InMemory();
}

absl::Duration SimNetwork::LatencyBetween(const std::string& a,
                                          const std::string& b) const {
  if (options_.max_latency <= options_.min_latency) return options_.min_latency;
  // Fixed per link and seed: a hash of the seed and the two names.
  const std::string h = crypto::Sha256(
      absl::StrCat(options_.seed, "/", std::min(a, b), "/", std::max(a, b)));
  uint64_t x = 0;
  for (int i = 0; i < 8; ++i) x = (x << 8) | static_cast<unsigned char>(h[i]);
  const double f = static_cast<double>(x % 1000000) / 1000000.0;
  return options_.min_latency +
         (options_.max_latency - options_.min_latency) * f;
}

bool SimNetwork::Lost(const std::string& from, const std::string& to) {
  auto group = [this](const std::string& name) {
    auto it = group_of_.find(name);
    return it == group_of_.end() ? -1 : it->second;
  };
  if (!group_of_.empty() && group(from) != group(to)) return true;
  if (options_.loss <= 0) return false;
  return std::uniform_real_distribution<double>(0, 1)(rng_) < options_.loss;
}

void SimNetwork::Partition(const std::vector<std::set<std::string>>& groups) {
  group_of_.clear();
  for (size_t i = 0; i < groups.size(); ++i) {
    for (const std::string& name : groups[i])
      group_of_[name] = static_cast<int>(i);
  }
}

SimNetwork::~SimNetwork() {
  for (auto& [name, h] : hubs_) h->federation->Stop();
}

crypto::PrivateKey SimNetwork::KeyFor(const std::string& name) const {
  // With a seed, keys (and so every ordering by key) are reproducible.
  return options_.seed == 0
             ? *crypto::PrivateKey::Generate()
             : *crypto::PrivateKey::FromSeed(crypto::Sha256(
                   absl::StrCat("civhub-sim/", options_.seed, "/", name)));
}

SimHub* SimNetwork::AddHub(const std::string& name,
                           federation::FederationOptions options) {
  return Create(name, KeyFor(name), absl::StrCat(dir_, "/", name),
                std::move(options));
}

void SimNetwork::AddEstablished(const std::vector<std::string>& names,
                                const std::vector<std::pair<int, int>>& links,
                                federation::FederationOptions options,
                                const std::vector<std::string>& also_trusted) {
  std::vector<crypto::PrivateKey> keys;
  auto everyone = std::make_shared<std::set<std::string>>(also_trusted.begin(),
                                                          also_trusted.end());
  for (const std::string& name : names) {
    keys.push_back(KeyFor(name));
    everyone->insert(keys.back().public_key().bytes());
  }
  std::vector<std::vector<int>> peers(names.size());
  for (auto [a, b] : links) {
    peers[a].push_back(b);
    peers[b].push_back(a);
  }
  // The links as every hub would know them from the link records: one
  // graph shared by all (its trees are computed once, not once per hub),
  // each link weighted by its latency, what both ends' measured rtt / 2
  // converges to and publishes.
  std::vector<federation::LinkGraph::Link> graph_links;
  for (auto [a, b] : links) {
    graph_links.push_back({keys[a].public_key().bytes(),
                           keys[b].public_key().bytes(),
                           LatencyBetween(names[a], names[b])});
  }
  auto graph = std::make_shared<const federation::LinkGraph>(graph_links);
  options.publish_system_records = false;
  for (size_t i = 0; i < names.size(); ++i) {
    auto install = [&](SimHub* h) {
      h->trust->AssumeTrusted(everyone);
      h->trust->AssumeGraph(graph);
      for (int p : peers[i]) {
        storage::PeerRecord record;
        record.set_key(keys[p].public_key().bytes());
        record.set_state(v1::PEER_STATE_ACTIVE);
        record.set_address(absl::StrCat(names[p], ":7341"));
        record.set_link_id(
            absl::StrCat(std::min<size_t>(i, p), "-", std::max<size_t>(i, p)));
        (void)h->store->PutAux(
            absl::StrCat(federation::kPeerTablePrefix, record.key()),
            record.SerializeAsString(), /*sync=*/false);
      }
    };
    Create(names[i], keys[i], absl::StrCat(dir_, "/", names[i]), options,
           install);
  }
}

SimHub* SimNetwork::Restart(const std::string& name, bool wipe_store) {
  std::unique_ptr<SimHub> old = std::move(hubs_.at(name));
  hubs_.erase(name);
  by_address_.erase(old->address);
  std::string path = store_paths_[name];
  if (wipe_store) path = absl::StrCat(dir_, "/", name, "-wiped-", ++wipes_);
  // The old store must close (LevelDB's lock) before the new one opens.
  old->node->Stop();
  old->store = nullptr;
  crypto::PrivateKey key = old->key;
  stopped_.push_back(std::move(old));
  return Create(name, key, path, hub_options_[name]);
}

SimHub* SimNetwork::Create(const std::string& name, crypto::PrivateKey key,
                           const std::string& store_path,
                           federation::FederationOptions options,
                           const std::function<void(SimHub*)>& before_start) {
  hub_options_[name] = options;
  store_paths_[name] = store_path;
  auto h = std::make_unique<SimHub>(SimHub{name, absl::StrCat(name, ":7341"),
                                           std::move(key), nullptr, nullptr});
  hubnode::HubNodeOptions node_options;
  node_options.store.path = store_path;
  node_options.store.env =
      options_.env != nullptr ? options_.env : mem_env_.get();
  node_options.store.block_cache_bytes = 1 << 20;
  node_options.key = h->key;
  node_options.clock = &clock_;
  node_options.executor = &executor_;
  h->node = *hubnode::HubNode::Open(std::move(node_options));
  h->endpoint = std::make_unique<SimEndpoint>(this, h->key.public_key());
  options.profile.set_name(name);
  options.profile.set_federation_address(h->address);
  if (options.seed == 0) options.seed = hubs_.size() + 1;
  h->node->Federate(&scheduler_, h->endpoint.get(), options);
  h->store = h->node->store();
  h->trust = h->node->trust();
  h->hub = h->node->hub();
  h->federation = h->node->federation();
  if (before_start) before_start(h.get());
  if (!h->federation->Start().ok()) return nullptr;
  by_address_[h->address] = h.get();
  name_of_key_[h->key.public_key().bytes()] = name;
  SimHub* out = h.get();
  hubs_[name] = std::move(h);
  return out;
}

bool SimNetwork::Link(const std::string& a, const std::string& b) {
  SimHub* ha = hub(a);
  SimHub* hb = hub(b);
  ha->federation->AddPeer(hb->address, hb->key.public_key().HubId(),
                          [](absl::StatusOr<v1::Peer>) {});
  const absl::Time deadline = clock_.Now() + absl::Minutes(1);
  auto pending = [&] { return !hb->federation->ListPending().empty(); };
  if (!scheduler_.RunUntil(pending, deadline)) return false;
  if (!hb->federation->ApprovePeer(ha->key.public_key().HubId()).ok())
    return false;
  // Active on both sides, this link in particular.
  auto linked = [](SimHub* from, SimHub* to) {
    absl::StatusOr<std::vector<v1::Peer>> peers = from->federation->ListPeers();
    if (!peers.ok()) return false;
    for (const v1::Peer& p : *peers) {
      if (p.hub_id() == to->key.public_key().HubId()) {
        return p.state() == v1::PEER_STATE_ACTIVE;
      }
    }
    return false;
  };
  auto active = [&] { return linked(ha, hb) && linked(hb, ha); };
  return scheduler_.RunUntil(active, deadline);
}

void SimNetwork::SetDown(const std::string& name, bool down) {
  if (down) {
    down_.insert(name);
  } else {
    down_.erase(name);
  }
}

template <typename Request, typename Response, typename Handler>
void SimNetwork::Send(const crypto::PublicKey& from,
                      const federation::PeerAddress& to, Request request,
                      federation::Reply<Response> reply, Handler handler) {
  traffic_.calls++;
  traffic_.request_bytes += request.ByteSizeLong();
  traffic_.records_sent += RecordsIn(request);
  const std::string caller = name_of_key_[from.bytes()];
  const bool caller_down = down_.count(caller) > 0;
  auto target = by_address_.find(to.address);
  const std::string callee =
      target == by_address_.end() ? "" : target->second->name;
  const absl::Duration latency = LatencyBetween(caller, callee);
  auto unreachable = [this, to, reply](absl::Duration after) {
    scheduler_.RunAfter(after, [reply, address = to.address] {
      reply(absl::UnavailableError(absl::StrCat(address, " is unreachable")));
    });
  };
  if (caller_down ||
      (drop_ && drop_({caller, callee, Request::descriptor()->name(),
                       request.ByteSizeLong(), 0})) ||
      Lost(caller, callee)) {
    return unreachable(options_.timeout);
  }
  const absl::Duration out = latency + Transmission(request.ByteSizeLong());
  scheduler_.RunAfter(out, [this, from, to, caller, callee, latency,
                            unreachable, request = std::move(request),
                            reply = std::move(reply), handler]() mutable {
    // Looked up on delivery: the hub may have restarted meanwhile.
    auto it = by_address_.find(to.address);
    if (it == by_address_.end() || down_.count(it->second->name)) {
      return unreachable(options_.timeout - latency);
    }
    absl::StatusOr<Response> result;
    if (it->second->key.public_key() != to.key) {
      result = absl::UnauthenticatedError(
          absl::StrCat("the hub at ", to.address, " presented another key"));
    } else {
      result = handler(it->second->federation, from, request);
      if (delivered_) delivered_(it->second);
      if (called_) {
        called_({caller, callee, Request::descriptor()->name(),
                 request.ByteSizeLong(),
                 result.ok() ? result->ByteSizeLong() : 0});
      }
    }
    // The reply can be lost too (after the handler ran).
    if (Lost(callee, caller)) return unreachable(options_.timeout - latency);
    absl::Duration back = latency;
    if (result.ok()) {
      traffic_.response_bytes += result->ByteSizeLong();
      traffic_.records_sent += RecordsIn(*result);
      back += Transmission(result->ByteSizeLong());
    }
    scheduler_.RunAfter(back, [this, caller, reply = std::move(reply),
                               result = std::move(result)]() mutable {
      reply(std::move(result));
      auto at = hubs_.find(caller);
      if (delivered_ && at != hubs_.end()) delivered_(at->second.get());
    });
  });
}

void SimEndpoint::RequestLink(const federation::PeerAddress& to,
                              absl::Duration /*deadline*/,
                              v1::LinkRequest request,
                              federation::Reply<v1::LinkResponse> reply) {
  network_->Send(
      self_, to, std::move(request), std::move(reply),
      [](federation::Federation* f, const crypto::PublicKey& from,
         const v1::LinkRequest& r) { return f->HandleRequestLink(from, r); });
}

void SimEndpoint::ConfirmLink(const federation::PeerAddress& to,
                              absl::Duration /*deadline*/,
                              v1::LinkConfirmation request,
                              federation::Reply<v1::LinkAck> reply) {
  network_->Send(self_, to, std::move(request), std::move(reply),
                 [](federation::Federation* f, const crypto::PublicKey& from,
                    const v1::LinkConfirmation& r) {
                   return f->HandleConfirmLink(from, r);
                 });
}

void SimEndpoint::RemoveLink(const federation::PeerAddress& to,
                             absl::Duration /*deadline*/,
                             v1::LinkRemoval request,
                             federation::Reply<v1::LinkAck> reply) {
  network_->Send(
      self_, to, std::move(request), std::move(reply),
      [](federation::Federation* f, const crypto::PublicKey& from,
         const v1::LinkRemoval& r) { return f->HandleRemoveLink(from, r); });
}

void SimEndpoint::Sync(const federation::PeerAddress& to,
                       absl::Duration /*deadline*/, v1::SyncRequest request,
                       federation::Reply<v1::SyncResponse> reply) {
  network_->Send(
      self_, to, std::move(request), std::move(reply),
      [](federation::Federation* f, const crypto::PublicKey& from,
         const v1::SyncRequest& r) { return f->HandleSync(from, r); });
}

void SimEndpoint::Push(const federation::PeerAddress& to,
                       absl::Duration /*deadline*/, v1::PushRequest request,
                       federation::Reply<v1::PushResponse> reply) {
  network_->traffic().pushed_records += request.records_size();
  network_->Send(
      self_, to, std::move(request), std::move(reply),
      [](federation::Federation* f, const crypto::PublicKey& from,
         const v1::PushRequest& r) { return f->HandlePush(from, r); });
}

void SimEndpoint::Announce(const federation::PeerAddress& to,
                           absl::Duration /*deadline*/,
                           v1::AnnounceRequest request,
                           federation::Reply<v1::AnnounceResponse> reply) {
  network_->traffic().announced_records += request.records_size();
  network_->Send(
      self_, to, std::move(request), std::move(reply),
      [](federation::Federation* f, const crypto::PublicKey& from,
         const v1::AnnounceRequest& r) { return f->HandleAnnounce(from, r); });
}

void SimEndpoint::Fetch(const federation::PeerAddress& to,
                        absl::Duration /*deadline*/, v1::FetchRequest request,
                        federation::Reply<v1::FetchResponse> reply) {
  network_->Send(
      self_, to, std::move(request), std::move(reply),
      [](federation::Federation* f, const crypto::PublicKey& from,
         const v1::FetchRequest& r) { return f->HandleFetch(from, r); });
}

void SimNetwork::Probe(const crypto::PublicKey& from,
                       const federation::PeerAddress& to,
                       std::function<void(absl::Status)> done) {
  const std::string caller = name_of_key_[from.bytes()];
  auto target = by_address_.find(to.address);
  const std::string callee =
      target == by_address_.end() ? "" : target->second->name;
  scheduler_.RunAfter(2 * LatencyBetween(caller, callee), [this, to, done] {
    auto it = by_address_.find(to.address);
    if (it == by_address_.end() || down_.count(it->second->name)) {
      return done(absl::UnavailableError(
          absl::StrCat("nothing listens on ", to.address)));
    }
    if (it->second->key.public_key() != to.key) {
      return done(absl::UnauthenticatedError(absl::StrCat(
          to.address, " is a civhub hub but its key is ",
          it->second->key.public_key().HubId(), ", not the one given")));
    }
    done(absl::OkStatus());
  });
}

void SimEndpoint::Probe(const federation::PeerAddress& to, absl::Duration,
                        std::function<void(absl::Status)> done) {
  network_->Probe(self_, to, std::move(done));
}

void SimEndpoint::Close(const federation::PeerAddress& to) {
  closed_.push_back(to.address);
}

}  // namespace civhub::sim
