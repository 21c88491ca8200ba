#include "sim/scenario.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/hash.h"
#include "crypto/record_signing.h"
#include "sim/records.h"

namespace civhub::sim {
namespace {

// (origin, record id) -> hash of the latest body a hub holds.
using Holdings = std::map<std::pair<std::string, std::string>, std::string>;

class Scenario {
 public:
  Scenario(const ScenarioOptions& options, const std::string& dir)
      : options_(options), net_(NetOptions(options, dir)) {}

  ScenarioResult Run();

 private:
  static SimOptions NetOptions(const ScenarioOptions& o,
                               const std::string& dir) {
    SimOptions s;
    s.dir = dir;
    s.seed = o.seed;
    s.min_latency = absl::Milliseconds(10);
    s.max_latency = absl::Milliseconds(50);
    s.loss = o.loss;
    s.in_memory = true;
    return s;
  }

  int Uniform(int lo, int hi) {  // Inclusive.
    return std::uniform_int_distribution<int>(lo, hi)(net_.rng());
  }
  void Violation(std::string what) {
    result_.violations.push_back(std::move(what));
  }
  void RunFor(absl::Duration d) {
    net_.scheduler().RunUntil(net_.clock().Now() + d);
  }

  SimHub* AddHub(const std::string& name);
  void Link(const std::string& a, const std::string& b);
  void BuildNetwork();
  void PublishSomething();
  void MaliciousPushes();
  void Leave();
  bool ConnectedWithout(const std::string& gone);
  Holdings Snapshot(SimHub* hub);
  void Check();

  const ScenarioOptions options_;
  SimNetwork net_;
  ScenarioResult result_;
  std::vector<std::string> honest_;    // Names.
  std::map<std::string, int> region_;  // Honest hub -> region.
  std::map<std::string, std::set<std::string>> links_;
  std::map<std::string, std::vector<std::string>> live_ids_;  // Per hub.
  std::set<std::string> down_;
  std::string spammer_, spam_host_, malicious_, fork_host_;
  // A hub whose admin removed all its links: its origin is out of the
  // network from then on.
  std::string departed_;
  int next_id_ = 0;
};

SimHub* Scenario::AddHub(const std::string& name) {
  federation::FederationOptions options;
  options.sync_interval = absl::Seconds(5);
  options.link_retry_interval = absl::Seconds(5);
  options.max_backoff = absl::Seconds(30);
  return net_.AddHub(name, options);
}

void Scenario::Link(const std::string& a, const std::string& b) {
  if (a == b || links_[a].count(b)) return;
  if (!net_.Link(a, b)) {
    Violation(absl::StrCat("could not link ", a, " and ", b));
    return;
  }
  links_[a].insert(b);
  links_[b].insert(a);
}

// Regional clusters joined by a few bridges; every hub has 1-5 links, most
// 2-4, as admins approve them one by one.
void Scenario::BuildNetwork() {
  const int n = options_.hubs > 0 ? options_.hubs : Uniform(6, 12);
  const int regions = Uniform(2, 3);
  for (int i = 0; i < n; ++i) {
    std::string name = absl::StrCat("hub", i);
    AddHub(name);
    honest_.push_back(name);
    region_[name] = i % regions;
  }
  for (int i = 1; i < n; ++i) {
    std::vector<std::string> same;
    for (int j = 0; j < i; ++j) {
      if (region_[honest_[j]] == region_[honest_[i]])
        same.push_back(honest_[j]);
    }
    const std::string& to =
        same.empty() ? honest_[Uniform(0, i - 1)]
                     : same[Uniform(0, static_cast<int>(same.size()) - 1)];
    Link(honest_[i], to);
  }
  for (int k = 0; k < n / 2; ++k) {
    const std::string& a = honest_[Uniform(0, n - 1)];
    const std::string& b = honest_[Uniform(0, n - 1)];
    if (links_[a].size() < 5 && links_[b].size() < 5) Link(a, b);
  }
}

void Scenario::PublishSomething() {
  std::vector<std::string> up;
  for (const std::string& h : honest_) {
    if (!down_.count(h)) up.push_back(h);
  }
  const std::string& name = up[Uniform(0, static_cast<int>(up.size()) - 1)];
  node::Hub* hub = net_.hub(name)->hub;
  std::vector<std::string>& ids = live_ids_[name];
  const int action = Uniform(0, 9);
  if (!ids.empty() && action < 3) {
    testing::OrgSpec spec;
    spec.name = absl::StrCat("Updated ", ids.front(), " ", next_id_++);
    if (!hub->Publish(testing::OrgPublish(ids.front(), spec)).ok()) {
      Violation(absl::StrCat(name, ": update failed"));
    }
  } else if (!ids.empty() && action < 4) {
    if (!hub->Delete(ids.back(), "closed").ok())
      Violation(absl::StrCat(name, ": delete failed"));
    ids.pop_back();
  } else {
    std::string id = absl::StrCat("org-", next_id_++);
    testing::OrgSpec spec;
    spec.name = absl::StrCat("Organization ", id);
    if (!hub->Publish(testing::OrgPublish(id, spec)).ok()) {
      Violation(absl::StrCat(name, ": publish failed"));
    }
    ids.push_back(id);
  }
}

// The malicious hub relays a record it forged in another hub's name, and
// signs two different bodies for one of its own sequences.
void Scenario::MaliciousPushes() {
  SimHub* m = net_.hub(malicious_);
  SimHub* host = net_.hub(fork_host_);
  SimHub* victim = net_.hub(honest_[0]);
  v1::RecordBody forged;
  forged.set_origin(victim->key.public_key().bytes());
  forged.set_record_id("forged-by-m");
  forged.set_version(1);
  forged.set_sequence(1000);
  forged.mutable_issued_at()->set_seconds(
      absl::ToUnixSeconds(net_.clock().Now()));
  *forged.mutable_organization() = testing::MakeOrganization({});
  v1::PushRequest push;
  *push.add_records() = testing::SignBody(m->key, forged);  // Wrong signer.

  auto own = m->store->GetOriginState(m->key.public_key().bytes());
  v1::RecordBody fork;
  fork.set_origin(m->key.public_key().bytes());
  fork.set_record_id("m-fork");
  fork.set_version(1);
  fork.set_sequence((own.ok() ? own->max_sequence() : 0) + 1);
  fork.mutable_issued_at()->set_seconds(
      absl::ToUnixSeconds(net_.clock().Now()));
  for (const char* name : {"First Body", "Second Body"}) {
    testing::OrgSpec spec;
    spec.name = name;
    *fork.mutable_organization() = testing::MakeOrganization(spec);
    *push.add_records() = testing::SignBody(m->key, fork);
  }
  if (!host->federation->HandlePush(m->key.public_key(), push).ok()) {
    Violation("the fork host refused the malicious hub's push outright");
  }
}

// Whether the honest hubs other than `gone` still form one component.
bool Scenario::ConnectedWithout(const std::string& gone) {
  std::set<std::string> seen;
  std::vector<std::string> todo;
  for (const std::string& h : honest_) {
    if (h != gone) {
      todo.push_back(h);
      break;
    }
  }
  while (!todo.empty()) {
    std::string h = todo.back();
    todo.pop_back();
    if (!seen.insert(h).second) continue;
    for (const std::string& next : links_[h]) {
      if (next != gone && region_.count(next)) todo.push_back(next);
    }
  }
  return seen.size() + 1 == honest_.size();
}

// A hub leaves the network: its admin removes every link (`civhubctl peer
// remove`). Chosen so the others stay connected and the hubs the checks
// look at (the spam and fork hosts) stay; its origin becomes untrusted
// everywhere once the link tombstones spread. It then publishes once more:
// no other hub may accept that record.
void Scenario::Leave() {
  std::vector<std::string> candidates;
  for (const std::string& h : honest_) {
    if (h != spam_host_ && h != fork_host_ && !down_.count(h) &&
        ConnectedWithout(h)) {
      candidates.push_back(h);
    }
  }
  if (candidates.empty()) return;
  departed_ = candidates[Uniform(0, static_cast<int>(candidates.size()) - 1)];
  SimHub* leaver = net_.hub(departed_);
  for (const std::string& peer : std::set<std::string>(links_[departed_])) {
    const std::string id = net_.hub(peer)->key.public_key().HubId();
    if (!leaver->federation->RemovePeer(id).ok()) {
      Violation(absl::StrCat(departed_, ": peer remove ", peer, " failed"));
    }
    links_[peer].erase(departed_);
  }
  links_[departed_].clear();
  honest_.erase(std::find(honest_.begin(), honest_.end(), departed_));
  region_.erase(departed_);
  live_ids_.erase(departed_);
  testing::OrgSpec spec;
  spec.name = "Published After Leaving";
  if (!leaver->hub->Publish(testing::OrgPublish("after-leaving", spec)).ok()) {
    Violation(absl::StrCat(departed_, ": publish after leaving failed"));
  }
}

Holdings Scenario::Snapshot(SimHub* hub) {
  Holdings out;
  std::set<std::string> network;
  for (const auto& [name, h] : net_.hubs())
    network.insert(h->key.public_key().bytes());
  absl::StatusOr<std::vector<v1::Change>> changes =
      hub->hub->directory().ChangesAfter(0, 1 << 30);
  if (!changes.ok()) {
    Violation(absl::StrCat(hub->name, ": cannot list its records"));
    return out;
  }
  for (const v1::Change& change : *changes) {
    const v1::SignedRecord& signed_record = change.record().signed_();
    absl::StatusOr<crypto::VerifiedRecord> verified =
        crypto::VerifyRecord(signed_record);
    if (!verified.ok()) {
      Violation(absl::StrCat(hub->name,
                             " holds a record that does not verify: ",
                             verified.status().message()));
      continue;
    }
    if (!network.count(verified->origin.bytes())) {
      Violation(absl::StrCat(
          hub->name, " holds a record of an origin outside the network"));
    }
    if (verified->body.record_id() == "forged-by-m") {
      Violation(absl::StrCat(hub->name, " holds the forged record"));
    }
    if (verified->body.record_id() == "after-leaving" &&
        hub->name != departed_) {
      Violation(absl::StrCat(hub->name, " holds a record ", departed_,
                             " published after it left the network"));
    }
    out[{verified->body.origin(), verified->body.record_id()}] =
        crypto::Sha256(signed_record.body());
  }
  return out;
}

void Scenario::Check() {
  std::map<std::string, Holdings> held;
  for (const auto& [name, hub] : net_.hubs()) held[name] = Snapshot(hub.get());
  // Each honest origin's own records are the truth for that origin.
  std::map<std::string, Holdings> truth;  // origin key -> its records
  for (const std::string& name : honest_) {
    const std::string key = net_.hub(name)->key.public_key().bytes();
    for (const auto& [rec, hash] : held[name]) {
      if (rec.first == key) truth[key][rec] = hash;
    }
  }
  for (const std::string& name : honest_) {
    Holdings relevant;
    for (const auto& [rec, hash] : held[name]) {
      if (truth.count(rec.first)) relevant[rec] = hash;
    }
    Holdings expected;
    for (const auto& [origin, records] : truth)
      expected.insert(records.begin(), records.end());
    if (relevant != expected) {
      int missing = 0, differ = 0, extra = 0;
      for (const auto& [rec, hash] : expected) {
        auto it = relevant.find(rec);
        if (it == relevant.end()) {
          ++missing;
        } else if (it->second != hash) {
          ++differ;
        }
      }
      for (const auto& [rec, hash] : relevant)
        extra += expected.count(rec) == 0;
      Violation(absl::StrCat(
          name, " has not converged: ", missing, " records missing, ", differ,
          " at another version, ", extra, " unknown to their origin"));
    }
  }
  const std::string spam_key = net_.hub(spammer_)->key.public_key().bytes();
  for (const auto& [rec, hash] : held[spam_host_]) {
    if (rec.first == spam_key) {
      Violation(absl::StrCat(
          spam_host_, " still holds a record of the spammer it blocked"));
      break;
    }
  }
  auto state = net_.hub(fork_host_)
                   ->store->GetOriginState(
                       net_.hub(malicious_)->key.public_key().bytes());
  if (!state.ok() || state->forks() == 0) {
    Violation(
        absl::StrCat(fork_host_, " did not flag the malicious hub's fork"));
  }
}

ScenarioResult Scenario::Run() {
  result_.seed = options_.seed;
  const absl::Time start = net_.clock().Now();
  BuildNetwork();
  const int n = static_cast<int>(honest_.size());
  spam_host_ = honest_[Uniform(0, n - 1)];
  fork_host_ = honest_[Uniform(0, n - 1)];
  spammer_ = "spammer";
  malicious_ = "malicious";
  AddHub(spammer_);
  AddHub(malicious_);
  Link(spammer_, spam_host_);
  Link(malicious_, fork_host_);
  for (int i = 0; i < 3; ++i) {
    testing::OrgSpec spec;
    spec.name = absl::StrCat("Spam ", i);
    (void)net_.hub(spammer_)->hub->Publish(
        testing::OrgPublish(absl::StrCat("spam-", i), spec));
  }

  const int p = options_.publishes;
  std::string crashed;
  for (int i = 0; i < p; ++i) {
    RunFor(absl::Milliseconds(Uniform(500, 4000)));
    if (i == p / 5) {  // A hub crashes...
      crashed = honest_[Uniform(0, n - 1)];
      net_.SetDown(crashed, true);
      down_.insert(crashed);
    }
    if (i == p / 3) {  // ...and restarts on its store.
      net_.Restart(crashed, /*wipe_store=*/false);
      net_.SetDown(crashed, false);
      down_.erase(crashed);
    }
    if (i == p / 2) {  // Region 0 is cut off...
      std::set<std::string> region0;
      for (const std::string& h : honest_) {
        if (region_[h] == 0) region0.insert(h);
      }
      net_.Partition({region0});
    }
    if (i == p / 2 + 2) {  // ...while a new hub joins elsewhere...
      std::string joiner = absl::StrCat("hub", n);
      AddHub(joiner);
      honest_.push_back(joiner);
      region_[joiner] = 1;
      std::string to = honest_[Uniform(0, n - 1)];
      while (region_[to] == 0) to = honest_[Uniform(0, n - 1)];
      Link(joiner, to);
    }
    if (i == (2 * p) / 3) net_.Heal();  // ...and the partition heals.
    if (i == (3 * p) / 5) {
      if (!net_.hub(spam_host_)
               ->federation->Block(net_.hub(spammer_)->key.public_key().HubId())
               .ok()) {
        Violation("block failed");
      }
      for (int k = 3; k < 6; ++k) {
        testing::OrgSpec spec;
        spec.name = absl::StrCat("Spam ", k);
        (void)net_.hub(spammer_)->hub->Publish(
            testing::OrgPublish(absl::StrCat("spam-", k), spec));
      }
    }
    if (i == (7 * p) / 10) MaliciousPushes();
    if (i == (4 * p) / 5) Leave();
    PublishSomething();
  }
  RunFor(options_.quiet);
  Check();
  // Converged means quiet: more anti-entropy rounds carry no record bodies
  // (nothing re-sent that a peer refuses or already holds).
  const uint64_t sent = net_.traffic().records_sent;
  RunFor(absl::Seconds(30));
  if (net_.traffic().records_sent != sent) {
    Violation(absl::StrCat(net_.traffic().records_sent - sent,
                           " record bodies sent after the network converged"));
  }
  result_.hubs = static_cast<int>(net_.hubs().size());
  result_.traffic = net_.traffic();
  result_.simulated = net_.clock().Now() - start;
  return result_;
}

}  // namespace

std::string ScenarioResult::Summary() const {
  std::string s = absl::StrCat(
      "seed ", seed, ": ", hubs, " hubs, ", absl::FormatDuration(simulated),
      " simulated, ", traffic.calls, " calls, ",
      traffic.request_bytes + traffic.response_bytes, " payload bytes: ");
  if (violations.empty()) return s + "all properties hold";
  return absl::StrCat(
      s, violations.size(), " violation(s): ",
      absl::StrJoin(violations.begin(),
                    violations.begin() + std::min<size_t>(violations.size(), 5),
                    "; "),
      "\n  replay: build/sim/civhub-sim --seed ", seed);
}

ScenarioResult RunScenario(const ScenarioOptions& options,
                           const std::string& dir) {
  Scenario scenario(options, dir);
  return scenario.Run();
}

}  // namespace civhub::sim
