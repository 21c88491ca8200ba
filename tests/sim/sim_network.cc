#include "tests/sim/sim_network.h"

#include "absl/strings/str_cat.h"

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

SimNetwork::SimNetwork(std::string dir, absl::Time start,
                       absl::Duration latency)
    : dir_(std::move(dir)),
      clock_(start),
      scheduler_(&clock_),
      latency_(latency) {}

SimNetwork::~SimNetwork() {
  for (auto& [name, h] : hubs_) h->federation->Stop();
}

SimHub* SimNetwork::AddHub(const std::string& name,
                           federation::FederationOptions options) {
  return Create(name, *crypto::PrivateKey::Generate(),
                absl::StrCat(dir_, "/", name), std::move(options));
}

SimHub* SimNetwork::Restart(const std::string& name, bool wipe_store) {
  std::unique_ptr<SimHub> old = std::move(hubs_.at(name));
  hubs_.erase(name);
  old->federation->Stop();
  by_address_.erase(old->address);
  std::string path = store_paths_[name];
  if (wipe_store) path = absl::StrCat(dir_, "/", name, "-wiped-", ++wipes_);
  // The old store must close (LevelDB's lock) before the new one opens.
  old->store.reset();
  crypto::PrivateKey key = old->key;
  stopped_.push_back(std::move(old));
  return Create(name, key, path, options_[name]);
}

SimHub* SimNetwork::Create(const std::string& name, crypto::PrivateKey key,
                           const std::string& store_path,
                           federation::FederationOptions options) {
  options_[name] = options;
  store_paths_[name] = store_path;
  auto h = std::make_unique<SimHub>(SimHub{name, absl::StrCat(name, ":7341"),
                                           std::move(key), nullptr, nullptr,
                                           nullptr, nullptr, nullptr});
  node::StoreOptions store_options;
  store_options.path = store_path;
  store_options.clock = &clock_;
  h->store = *node::Store::Open(store_options);
  h->trust = std::make_unique<federation::TrustGraph>(h->key.public_key());
  h->hub = std::make_unique<node::Hub>(h->key, h->store.get(), &clock_,
                                       h->trust.get());
  h->endpoint = std::make_unique<SimEndpoint>(this, h->key.public_key());
  options.profile.set_name(name);
  options.profile.set_federation_address(h->address);
  if (options.seed == 0) options.seed = hubs_.size() + 1;
  h->federation = std::make_unique<federation::Federation>(
      h->hub.get(), h->trust.get(), &scheduler_, h->endpoint.get(), options);
  federation::Federation* fed = h->federation.get();
  h->hub->SetPublishObserver(
      [fed](const v1::SignedRecord& r) { fed->OnPublished(r); });
  if (!h->federation->Start().ok()) return nullptr;
  by_address_[h->address] = h.get();
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
  SimHub* caller = nullptr;
  for (auto& [name, h] : hubs_) {
    if (h->key.public_key() == from) caller = h.get();
  }
  const bool caller_down = caller != nullptr && down_.count(caller->name) > 0;
  scheduler_.RunAfter(latency_, [this, from, to, caller_down,
                                 request = std::move(request),
                                 reply = std::move(reply), handler]() mutable {
    // Looked up on delivery: the hub may have restarted meanwhile.
    auto it = by_address_.find(to.address);
    absl::StatusOr<Response> result;
    if (caller_down || it == by_address_.end() ||
        down_.count(it->second->name)) {
      result =
          absl::UnavailableError(absl::StrCat(to.address, " is unreachable"));
    } else if (it->second->key.public_key() != to.key) {
      result = absl::UnauthenticatedError(
          absl::StrCat("the hub at ", to.address, " presented another key"));
    } else {
      result = handler(it->second->federation.get(), from, request);
    }
    if (result.ok()) traffic_.response_bytes += result->ByteSizeLong();
    scheduler_.RunAfter(latency_, [reply = std::move(reply),
                                   result = std::move(result)]() mutable {
      reply(std::move(result));
    });
  });
}

void SimEndpoint::RequestLink(const federation::PeerAddress& to,
                              v1::LinkRequest request,
                              federation::Reply<v1::LinkResponse> reply) {
  network_->Send(
      self_, to, std::move(request), std::move(reply),
      [](federation::Federation* f, const crypto::PublicKey& from,
         const v1::LinkRequest& r) { return f->HandleRequestLink(from, r); });
}

void SimEndpoint::ConfirmLink(const federation::PeerAddress& to,
                              v1::LinkConfirmation request,
                              federation::Reply<v1::LinkAck> reply) {
  network_->Send(self_, to, std::move(request), std::move(reply),
                 [](federation::Federation* f, const crypto::PublicKey& from,
                    const v1::LinkConfirmation& r) {
                   return f->HandleConfirmLink(from, r);
                 });
}

void SimEndpoint::RemoveLink(const federation::PeerAddress& to,
                             v1::LinkRemoval request,
                             federation::Reply<v1::LinkAck> reply) {
  network_->Send(
      self_, to, std::move(request), std::move(reply),
      [](federation::Federation* f, const crypto::PublicKey& from,
         const v1::LinkRemoval& r) { return f->HandleRemoveLink(from, r); });
}

void SimEndpoint::Sync(const federation::PeerAddress& to,
                       v1::SyncRequest request,
                       federation::Reply<v1::SyncResponse> reply) {
  network_->Send(
      self_, to, std::move(request), std::move(reply),
      [](federation::Federation* f, const crypto::PublicKey& from,
         const v1::SyncRequest& r) { return f->HandleSync(from, r); });
}

void SimEndpoint::Push(const federation::PeerAddress& to,
                       v1::PushRequest request,
                       federation::Reply<v1::PushResponse> reply) {
  network_->traffic().pushed_records += request.records_size();
  network_->Send(
      self_, to, std::move(request), std::move(reply),
      [](federation::Federation* f, const crypto::PublicKey& from,
         const v1::PushRequest& r) { return f->HandlePush(from, r); });
}

}  // namespace civhub::sim
