#include "bench/sync.h"

#include <atomic>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/generator.h"
#include "bench/results.h"
#include "bench/search.h"
#include "crypto/hash.h"
#include "crypto/key_file.h"
#include "crypto/record_signing.h"
#include "sim/sim_network.h"

namespace civhub::bench {
namespace {

constexpr char kDir[] = "/sync";

// One origin's records as the bench creates them.
struct Origin {
  crypto::PrivateKey key;
  uint64_t next_sequence = 1;
  uint64_t count = 0;  // Record ids org-0 .. org-(count-1).
};

// Applies records to `store` as if received in order, watermarks included.
// (Already verified by construction: the bench signed them.)
void Load(node::Store* store,
          const std::vector<crypto::VerifiedRecord>& records) {
  std::map<std::string, uint64_t> last;
  for (const crypto::VerifiedRecord& r : records) {
    (void)store->Apply(r, /*sync=*/false);
    uint64_t& l = last[r.origin.bytes()];
    l = std::max(l, r.body.sequence());
  }
  for (const auto& [origin, seq] : last) {
    absl::StatusOr<storage::OriginState> state = store->GetOriginState(origin);
    (void)store->AdvanceWatermark(origin, state->complete_through(), seq);
  }
}

}  // namespace

SyncRun RunSync(uint64_t records, int origins, uint64_t seed,
                const std::string& dataset) {
  const absl::Time load_start = absl::Now();
  SyncRun run;
  run.records = records;
  run.origins = origins;
  Generator gen(seed);
  std::vector<Origin> keys;
  std::vector<std::string> origin_keys;
  if (!dataset.empty()) {
    // The dataset hub's own records, served by two other hubs.
    absl::StatusOr<crypto::LoadedKey> key =
        crypto::LoadOrCreateKeyFile(dataset + "/hub.key");
    if (!key.ok()) {
      ReportFailure("sync", key.status());
      return run;
    }
    keys.push_back({key->key, records + 1, records});
    origin_keys.push_back(key->key.public_key().bytes());
    origins = 1;
  }
  for (int o = dataset.empty() ? 0 : 1; o < origins; ++o) {
    keys.push_back({*crypto::PrivateKey::FromSeed(crypto::Sha256(
                        absl::StrCat("civhub-bench/sync/", seed, "/", o))),
                    1, 0});
    origin_keys.push_back(keys.back().key.public_key().bytes());
  }
  // Record `index` of origin `o`, at its next sequence: new, or (when the
  // id exists) the next version of it.
  uint64_t made = 0;
  auto body = [&](Origin& o, uint64_t index, uint64_t version) {
    v1::RecordBody b;
    b.set_origin(o.key.public_key().bytes());
    b.set_record_id(absl::StrCat("org-", index));
    b.set_version(version);
    b.set_sequence(o.next_sequence++);
    b.mutable_issued_at()->set_seconds(1780000000 +
                                       static_cast<int64_t>(made++));
    *b.mutable_organization() = gen.Organization(made);
    return std::make_pair<const crypto::PrivateKey*, std::string>(
        &o.key, b.SerializeAsString());
  };
  std::vector<std::pair<const crypto::PrivateKey*, std::string>> bodies;
  for (uint64_t i = 0; dataset.empty() && i < records; ++i) {
    Origin& o = keys[i % origins];
    bodies.push_back(body(o, o.count++, 1));
  }
  sim::SimOptions options;
  options.dir = dataset.empty() ? kDir : dataset + "/sync";
  options.seed = seed;
  options.min_latency = options.max_latency = absl::Milliseconds(25);
  options.in_memory = dataset.empty();
  sim::SimNetwork net(options);
  if (!dataset.empty()) {
    std::cerr << "  copying the dataset's store twice...\n";
    for (const char* hub : {"a", "b"}) {
      const std::string to = absl::StrCat(options.dir, "/", hub);
      if (std::system(absl::StrCat("rm -rf '", to, "' && mkdir -p '",
                                   options.dir, "' && cp -r '", dataset,
                                   "/store' '", to, "'")
                          .c_str()) != 0) {
        std::cerr << "sync: cannot copy the dataset\n";
        return run;
      }
      node::StoreOptions store_options;
      store_options.path = to;
      std::unique_ptr<node::Store> store = *node::Store::Open(store_options);
      // The dataset's hub may have published its profile after the
      // records (when civhubd ran on it).
      const uint64_t held =
          store->GetOriginState(origin_keys[0])->max_sequence();
      (void)store->AdvanceWatermark(origin_keys[0], 0, held);
      keys[0].next_sequence = held + 1;
    }
  } else {
    std::cerr << "  signing " << records << " records...\n";
    std::vector<crypto::VerifiedRecord> signed_records = SignAll(bodies);
    bodies.clear();
    std::cerr << "  loading a store...\n";
    node::StoreOptions store_options;
    store_options.path = absl::StrCat(kDir, "/seed");
    store_options.env = net.env();
    store_options.clock = &net.clock();
    std::unique_ptr<node::Store> store = *node::Store::Open(store_options);
    Load(store.get(), signed_records);
    store.reset();
    for (const char* hub : {"a", "b"}) {
      if (absl::Status s = net.env()->CopyDir(absl::StrCat(kDir, "/seed"),
                                              absl::StrCat(kDir, "/", hub));
          !s.ok()) {
        std::cerr << "sync: cannot copy the store: " << s << "\n";
        return run;
      }
    }
  }
  run.load_seconds = absl::ToDoubleSeconds(absl::Now() - load_start);

  // Rounds an hour apart (±20 %): the bench decides when they happen by
  // letting virtual time pass.
  federation::FederationOptions fed;
  fed.sync_interval = absl::Hours(1);
  std::vector<sim::SimNetwork::CallInfo> calls;
  net.SetCallObserver([&](const sim::SimNetwork::CallInfo& c) {
    if (c.caller == "b" && c.method == "SyncRequest") calls.push_back(c);
  });
  net.AddEstablished({"a", "b"}, {{0, 1}}, fed, origin_keys);
  sim::SimHub* a = net.hub("a");
  sim::SimHub* b = net.hub("b");
  auto pulls = [&](SyncCase* c) {
    for (const auto& call : calls) {
      c->request_bytes += call.request_bytes;
      c->response_bytes += call.response_bytes;
      ++c->round_trips;
    }
    calls.clear();
  };
  uint64_t sent_before = net.traffic().records_sent;
  net.scheduler().RunUntil(net.clock().Now() + absl::Seconds(10));
  run.first_contact.name = "first contact (whole vectors)";
  pulls(&run.first_contact);

  std::mt19937_64 rng(seed);
  auto run_case = [&](const std::string& name, int count, bool updates) {
    SyncCase c;
    c.name = name;
    std::vector<std::pair<const crypto::PrivateKey*, std::string>> fresh;
    std::set<std::pair<const Origin*, uint64_t>> updated;
    for (int i = 0; i < count; ++i) {
      // Updates: random existing records of random origins; new records:
      // the first origin's (or one per origin with several).
      Origin& o =
          keys[keys.size() == 1 ? 0
                                : (updates ? rng() % origins : i % origins)];
      if (updates) {
        // Distinct records: each needs exactly its new version.
        uint64_t index;
        do {
          index = rng() % o.count;
        } while (!updated.insert({&o, index}).second);
        fresh.push_back(body(o, index, 2 + i));
      } else {
        fresh.push_back(body(o, o.count++, 1));
      }
    }
    std::vector<crypto::VerifiedRecord> batch = SignAll(fresh);
    for (const auto& r : batch) {
      ++c.records;
      c.record_bytes += r.signed_record.ByteSizeLong();
    }
    // Stored at A without a push: only anti-entropy carries them.
    Load(a->store, batch);
    sent_before = net.traffic().records_sent;
    calls.clear();
    const uint64_t want = b->store->last_change() + batch.size();
    net.scheduler().RunUntil(
        [&] { return b->store->last_change() >= want && !calls.empty(); },
        net.clock().Now() + absl::Hours(3));
    pulls(&c);
    c.records_sent = net.traffic().records_sent - sent_before;
    run.cases.push_back(c);
  };
  run_case("idle", 0, false);
  run_case("1 difference", 1, false);
  run_case("1,000 recent differences", 1000, false);
  run_case(origins <= 1 ? "1,000 scattered (updates of random records)"
                        : "1,000 scattered over the origins",
           1000, true);
  return run;
}

namespace {

// Negentropy's figures for two 1M-element sets (its README and the
// "Range-Based Set Reconciliation" article): bytes (ids only, no payload)
// and round trips.
struct NegentropyFigure {
  double bytes;
  int round_trips;
};
NegentropyFigure Negentropy(const std::string& name) {
  if (name == "idle") return {337, 1};
  if (name == "1 difference") return {2 * 1150, 3};
  if (name.rfind("1,000 recent", 0) == 0) return {34000, 3};
  return {1360000, 3};
}

// Sizes above this come from a generated hub directory on disk (built once,
// shared with the search workload); smaller ones are generated in memory.
constexpr uint64_t kInMemoryRecords = 100000;

void SyncRows(const std::string& data, const std::vector<uint64_t>& sizes,
              int origins, std::vector<Result>* results) {
  for (uint64_t n : sizes) {
    std::cerr << "sync: two hubs of " << n << " records, " << origins
              << " origin(s)...\n";
    std::string dataset;
    if (n > kInMemoryRecords && origins == 1) {
      absl::StatusOr<std::string> d = EnsureDataset(data, n);
      if (!d.ok()) {
        ReportFailure("sync", d.status());
        continue;
      }
      dataset = *d;
    }
    SyncRun run = RunSync(n, origins, /*seed=*/1, dataset);
    std::cerr << absl::StrFormat("  loaded in %.0f s\n", run.load_seconds);
    const std::string at = absl::StrCat(
        n, " records",
        origins > 1 ? absl::StrCat(", ", origins, " origins") : "");
    auto row = [&](std::string metric, double value, std::string baseline,
                   double baseline_value) {
      results->push_back({"sync", absl::StrCat(metric, " @", at), value,
                          std::move(baseline), baseline_value, "records",
                          static_cast<double>(n)});
    };
    row("first contact: bytes up+down",
        static_cast<double>(run.first_contact.request_bytes +
                            run.first_contact.response_bytes),
        "", 0);
    for (const SyncCase& c : run.cases) {
      const double total =
          static_cast<double>(c.request_bytes + c.response_bytes);
      const NegentropyFigure neg = Negentropy(c.name);
      row(absl::StrCat(c.name, ": bytes up"), c.request_bytes, "", 0);
      row(absl::StrCat(c.name, ": bytes down"), c.response_bytes, "", 0);
      row(absl::StrCat(c.name, ": overhead bytes"),
          total - static_cast<double>(c.record_bytes),
          "Negentropy at 1M, ids only", neg.bytes);
      row(absl::StrCat(c.name, ": round trips"), c.round_trips,
          "Negentropy at 1M", neg.round_trips);
      if (c.records > 0) {
        row(absl::StrCat(c.name, ": bytes/(records+64)"),
            total / static_cast<double>(c.record_bytes + 64), "target", 1.05);
        row(absl::StrCat(c.name, ": bodies sent/needed"),
            static_cast<double>(c.records_sent) /
                static_cast<double>(c.records),
            "target: none the peer had", 1);
      }
    }
  }
}

}  // namespace

void SyncWorkload(const std::string& data, const std::vector<uint64_t>& sizes,
                  int origins, std::vector<Result>* results) {
  SyncRows(data, sizes, 1, results);
  // Many origins in memory, at most kInMemoryRecords.
  if (origins > 1 && !sizes.empty()) {
    SyncRows(data, {std::min(sizes.back(), kInMemoryRecords)}, origins,
             results);
  }
}

}  // namespace civhub::bench
