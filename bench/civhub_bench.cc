// civhub-bench: named workloads, a table of results, and JSON (like
// LevelDB's db_bench). Each workload is compared in the same run with the
// best-known figure for it on this machine.
//
//   civhub-bench                                  every workload
//   civhub-bench --workloads sign,verify --records 50000 --json out.json
//
// Workloads so far:
//   sign    records/s signed   vs openssl speed ed25519 (sign/s)
//   verify  records/s verified vs openssl speed ed25519 (verify/s)
//   ingest  replicated records/s into a hub (verify + validate + store),
//           1 thread and all cores, vs the verify bound (cores x verify/s)
//   abuse   (only when named) issue 14's attacks on a real civhubd with a
//           partner searching alongside: a table per attack (bench/abuse.h)
//   http-slowloris (only when named) normal HTTP clients' latency with and
//           without slow-loris clients (bench/http_slowloris.h)
//   match   (only when named) Directory::Match by need and by offer over
//           --match-needs needs and --match-offers offers, p50/p99 per
//           query vs the targets of issue 18 (20 ms, 100 ms)
//   hsds-import (only when named) a generated HSDS package of
//           --hsds-records organizations imported into a new civhubd with
//           civhubctl, vs the signing rate of one core (target 0.5)
#include <spdlog/spdlog.h>
#include <stdio.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/abuse.h"
#include "bench/generator.h"
#include "bench/http_api.h"
#include "bench/http_slowloris.h"
#include "bench/match.h"
#include "bench/processes.h"
#include "bench/propagation.h"
#include "bench/scale.h"
#include "bench/search.h"
#include "bench/sync.h"
#include "crypto/record_signing.h"
#include "hubnode/hub_node.h"
#include "node/base/executor.h"
#include "node/hub.h"

namespace civhub::bench {
namespace {

struct Result {
  std::string workload;
  std::string metric;
  double value = 0;
  std::string baseline;  // What it is compared with.
  double baseline_value = 0;
  // The scale the row was measured at (for plots): "hubs" or "records".
  std::string scale;
  double scale_value = 0;
  double ratio() const {
    return baseline_value > 0 ? value / baseline_value : 0;
  }
};

// `openssl speed ed25519` on this machine: {sign/s, verify/s} for one core.
std::pair<double, double> OpensslSpeed() {
  FILE* p = popen("openssl speed -seconds 3 ed25519 2>/dev/null", "r");
  if (p == nullptr) return {0, 0};
  char line[512];
  std::pair<double, double> out{0, 0};
  while (fgets(line, sizeof(line), p) != nullptr) {
    // " 253 bits EdDSA (Ed25519)   0.0000s   0.0001s  19000.0   7000.0"
    std::string s(line);
    if (s.find("Ed25519") == std::string::npos ||
        s.find("bits") == std::string::npos)
      continue;
    std::vector<std::string> fields =
        absl::StrSplit(s, ' ', absl::SkipWhitespace());
    if (fields.size() >= 2) {
      out.first = std::atof(fields[fields.size() - 2].c_str());
      out.second = std::atof(fields[fields.size() - 1].c_str());
    }
  }
  pclose(p);
  return out;
}

double PerSecond(size_t n, absl::Duration d) {
  return static_cast<double>(n) / absl::ToDoubleSeconds(d);
}

// Ingests `records` into a fresh in-memory hub: with one thread, one
// record at a time (Hub::Ingest); with more, in replies of 1,000 records
// as replication does (Hub::IngestMany, on the caller and a pool of
// `threads` - 1).
double Ingest(const crypto::PrivateKey& origin,
              const std::vector<v1::SignedRecord>& records, int threads) {
  std::unique_ptr<node::StoreEnv> env = node::StoreEnv::InMemory();
  node::ThreadPool pool(threads - 1);
  hubnode::HubNodeOptions options;
  options.store.path = "/bench/ingest";
  options.store.env = env.get();
  // The hub is the records' origin: admitted without federation links.
  options.key = origin;
  options.executor = &pool;
  std::unique_ptr<hubnode::HubNode> node = *hubnode::HubNode::Open(options);
  node::Hub& hub = *node->hub();
  size_t failed = 0;
  std::vector<google::protobuf::RepeatedPtrField<v1::SignedRecord>> replies;
  if (threads > 1) {
    constexpr size_t kReply = 1000;  // Sync's records per reply.
    for (size_t i = 0; i < records.size(); i += kReply) {
      replies.emplace_back(
          records.begin() + i,
          records.begin() + std::min(records.size(), i + kReply));
    }
  }
  const absl::Time start = absl::Now();
  if (threads == 1) {
    for (const v1::SignedRecord& record : records) {
      failed += !hub.Ingest(record, /*sync=*/false).ok();
    }
  } else {
    for (const auto& reply : replies) {
      for (const node::IngestResult& result :
           hub.IngestMany(reply, /*sync=*/false)) {
        failed += !result.outcome.ok();
      }
    }
  }
  const absl::Duration took = absl::Now() - start;
  if (failed > 0) std::cerr << "ingest: " << failed << " records refused\n";
  return PerSecond(records.size(), took);
}

// Serf's convergence simulator (serf.io/docs/internals/simulator), 1%
// packet loss: time until 99.99 % of nodes have a message.
double SerfMs(int hubs) {
  if (hubs <= 100) return 1400;  // Its chart at 100 nodes: about 1.4 s.
  return hubs <= 1000 ? 2200 : 2600;
}

void Propagation(const std::vector<int>& sizes, int updates, double loss,
                 std::vector<Result>* results) {
  for (int n : sizes) {
    PropagationOptions options;
    options.hubs = n;
    options.updates = updates;
    options.loss = loss;
    std::cerr << "propagation: " << n << " simulated hubs...\n";
    PropagationResult r = RunPropagation(options);
    std::cerr << absl::StrFormat(
        "  %d links, %d updates, %d incomplete, worst %.0f ms, %.1f s wall\n",
        r.links, updates, r.incomplete, r.worst_p100_ms, r.wall_seconds);
    const std::string at = absl::StrCat(n, " hubs");
    auto row = [&](std::string metric, double value, std::string baseline,
                   double baseline_value) {
      results->push_back({"propagation", absl::StrCat(metric, ", ", at), value,
                          std::move(baseline), baseline_value, "hubs",
                          static_cast<double>(n)});
    };
    row("ms to 50% of hubs", r.p50_ms, "", 0);
    row("ms to 99% of hubs", r.p99_ms, "Serf, 99.99% of nodes, ms", SerfMs(n));
    row("ms to 100% of hubs", r.p100_ms, "target: all hubs in 1 s", 1000);
    row("% of hubs within 1.3x the shortest-path bound", 100 * r.within_1_3,
        "target: 100%", 100);
    row("arrival / shortest-path bound, p50", r.bound_ratio_p50, "", 0);
    row("arrival / shortest-path bound, p90", r.bound_ratio_p90, "target: 1.3",
        1.3);
    row("arrival / shortest-path bound, p99", r.bound_ratio_p99, "target: 1.3",
        1.3);
    row("arrival / shortest-path bound, max", r.bound_ratio_max, "target: 1.3",
        1.3);
    row("body sends per update", r.sends_per_update, "target: 1.05 (N-1)",
        1.05 * (n - 1));
    row("body sends per update", r.sends_per_update, "eager gossip, 3(N-1)",
        3.0 * (n - 1));
    row("announces per update", r.announces_per_update, "", 0);
    row("idle bytes/hub/s", r.idle_bytes_per_hub_s, "", 0);
    row("idle bytes per round", r.idle_bytes_per_round, "target: 64 B each way",
        128);
  }
}

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

void Sync(const std::string& data, const std::vector<uint64_t>& sizes,
          int origins, std::vector<Result>* results) {
  for (uint64_t n : sizes) {
    std::cerr << "sync: two hubs of " << n << " records, " << origins
              << " origin(s)...\n";
    std::string dataset;
    if (n > kInMemoryRecords && origins == 1) {
      absl::StatusOr<std::string> d = EnsureDataset(data, n);
      if (!d.ok()) {
        std::cerr << "sync: " << d.status() << "\n";
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

void Search(const std::string& root, uint64_t records, int rounds,
            std::vector<Result>* results) {
  absl::StatusOr<std::string> dataset = EnsureDataset(root, records);
  if (!dataset.ok()) {
    std::cerr << "search: " << dataset.status() << "\n";
    return;
  }
  absl::StatusOr<SearchRun> run = RunSearch(*dataset, rounds);
  if (!run.ok()) {
    std::cerr << "search: " << run.status() << "\n";
    return;
  }
  const double n = static_cast<double>(records);
  std::map<std::string, Latency> sqlite, xapian;
  for (const Latency& l : run->latencies) {
    if (l.engine == "SQLite") sqlite[l.kind] = l;
    if (l.engine == "Xapian") xapian[l.kind] = l;
  }
  for (const Latency& l : run->latencies) {
    auto row = [&](std::string metric, double value, std::string baseline,
                   double baseline_value) {
      results->push_back(
          {"search", absl::StrCat(l.kind, ", ", l.engine, ": ", metric), value,
           std::move(baseline), baseline_value, "records", n});
    };
    const Latency& base = sqlite[l.kind];
    const bool self = l.engine == "SQLite";
    row("p50 us", l.p50_us, self ? "" : "SQLite p50 us",
        self ? 0 : base.p50_us);
    row("p99 us", l.p99_us, self ? "" : "SQLite p99 us",
        self ? 0 : base.p99_us);
    row("queries/s", l.qps, self ? "" : "SQLite queries/s",
        self ? 0 : base.qps);
    row("mean matches", l.mean_hits, "", 0);
    // civhub against Xapian's estimate (its default: the faster of the two).
    if (l.engine == "civhub" && xapian.count(l.kind) > 0) {
      row("p50 us", l.p50_us, "Xapian p50 us", xapian[l.kind].p50_us);
      row("p99 us", l.p99_us, "Xapian p99 us", xapian[l.kind].p99_us);
    }
  }
  for (const Agreement& a : run->agreements) {
    auto row = [&](std::string metric, double value) {
      results->push_back({"search", absl::StrCat(a.kind, ": ", metric), value,
                          "queries", static_cast<double>(a.queries), "records",
                          n});
    };
    row("queries counted alike, civhub and SQLite", a.with_sqlite);
    if (a.with_xapian > 0) {
      row("queries counted alike, civhub and Xapian", a.with_xapian);
    }
    row("civhub counts stopped at the cap", a.lower_bounds);
  }
}

// `match`: p50 and p99 per query against issue 18's targets.
void Match(const std::string& root, uint64_t needs, uint64_t offers,
           int queries, std::vector<Result>* results) {
  absl::StatusOr<std::string> dataset = EnsureMatchDataset(root, needs, offers);
  if (!dataset.ok()) {
    std::cerr << "match: " << dataset.status() << "\n";
    return;
  }
  absl::StatusOr<std::vector<MatchLatency>> latencies =
      RunMatch(*dataset, queries);
  if (!latencies.ok()) {
    std::cerr << "match: " << latencies.status() << "\n";
    return;
  }
  for (const MatchLatency& l : *latencies) {
    auto row = [&](std::string metric, double value, std::string baseline,
                   double baseline_value) {
      results->push_back({"match", absl::StrCat("by ", l.subject, ": ", metric),
                          value, std::move(baseline), baseline_value, "records",
                          static_cast<double>(needs + offers)});
    };
    row("p50 ms", l.p50_ms, "target ms", 20);
    row("p99 ms", l.p99_ms, "target ms", 100);
    row("max ms", l.max_ms, "", 0);
    row("queries/s, 1 thread", l.qps, "", 0);
    row("mean records passing the filters", l.mean_total, "", 0);
    row("queries", l.queries, "", 0);
    if (l.first_ms > 0) {
      row("first query ms (builds the match index)", l.first_ms, "", 0);
      row("resident MB the match index added", l.first_rss_mb, "", 0);
    }
  }
}

// Where civhubd and civhubctl are: next to the build's bench/ directory.
std::string BinDir(const std::string& kind) {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  std::string dir(self, n > 0 ? static_cast<size_t>(n) : 0);
  dir = dir.substr(0, dir.rfind('/'));  // build/bench
  dir = dir.substr(0, dir.rfind('/'));  // build
  return kind == "civhubd" ? dir + "/server" : dir + "/admin-cli";
}

// civhubd and civhubctl side by side in `bin`, as scripts/run installs
// them; false (and a message naming `workload`) if they cannot be linked.
bool LinkBinaries(const std::string& bin, absl::string_view workload) {
  if (std::system(absl::StrCat("mkdir -p '", bin, "' && ln -sf '",
                               BinDir("civhubd"), "/civhubd' '",
                               BinDir("civhubctl"), "/civhubctl' '", bin, "/'")
                      .c_str()) != 0) {
    std::cerr << workload << ": cannot find civhubd and civhubctl\n";
    return false;
  }
  return true;
}

// Issue 19's 10-million-record hub: build it (timed), then its store's
// bytes per record, civhubd's memory serving it and a full check's time.
void Scale(const std::string& data, uint64_t records, int rounds,
           double sign_per_s, double verify_per_s, unsigned cores,
           std::vector<Result>* results) {
  std::cerr << "scale: a hub of " << records << " organizations...\n";
  absl::StatusOr<ScaleDataset> dataset = EnsureScaleDataset(data, records);
  if (!dataset.ok()) {
    std::cerr << "scale: " << dataset.status() << "\n";
    return;
  }
  auto row = [&](std::string metric, double value, std::string baseline,
                 double baseline_value) {
    results->push_back({"scale", std::move(metric), value, std::move(baseline),
                        baseline_value, "records",
                        static_cast<double>(records)});
  };
  row("build: records/s (generate, sign, Store::ApplyMany)",
      dataset->records_per_s, absl::StrCat("openssl sign/s, ", cores, " cores"),
      sign_per_s * cores);
  row("build: minutes", dataset->build_seconds / 60, "", 0);
  const double store_bytes =
      static_cast<double>(DirectoryBytes(dataset->dir + "/store"));
  row("store bytes per record", store_bytes / static_cast<double>(records), "",
      0);
  row("store GB", store_bytes / 1e9, "", 0);
  const std::string bin = dataset->dir + "-bin";
  if (!LinkBinaries(bin, "scale")) return;
  std::cerr << "scale: civhubd --check...\n";
  const absl::Time check_start = absl::Now();
  const int check = std::system(
      absl::StrCat("'", bin, "/civhubd' --check --data-dir '", dataset->dir,
                   "' > '", dataset->dir, "-check.txt' 2>&1")
          .c_str());
  const double check_seconds = absl::ToDoubleSeconds(absl::Now() - check_start);
  if (check != 0) {
    std::cerr << "scale: civhubd --check found problems or failed; see "
              << dataset->dir << "-check.txt\n";
  }
  row("civhubd --check: seconds", check_seconds,
      absl::StrCat("verify bound, ", cores, " cores, s"),
      static_cast<double>(records) / (verify_per_s * cores));
  std::cerr << "scale: each query class, in-process and over gRPC...\n";
  absl::StatusOr<SearchRun> search =
      RunSearch(dataset->dir, rounds, /*baselines=*/false);
  if (!search.ok()) {
    std::cerr << "scale: " << search.status() << "\n";
  } else {
    for (const Latency& l : search->latencies) {
      row(absl::StrCat(l.kind, ", ", l.engine, ": p50 ms"), l.p50_us / 1000, "",
          0);
      row(absl::StrCat(l.kind, ", ", l.engine, ": p99 ms"), l.p99_us / 1000, "",
          0);
      row(absl::StrCat(l.kind, ": mean matches"), l.mean_hits, "", 0);
    }
  }
  std::cerr << "scale: civhubd serving it...\n";
  absl::StatusOr<MemoryResult> m = RunMemory(bin, dataset->dir);
  if (!m.ok()) {
    std::cerr << "scale: " << m.status() << "\n";
    return;
  }
  row("civhubd RSS MB after 300 searches", m->rss_mb, "target: 512 MB", 512);
  row("civhubd peak RSS MB", m->peak_mb, "target: 512 MB", 512);
  row("civhubd seconds to start", m->start_seconds, "", 0);
}

void Processes(const std::string& data, uint64_t records, bool memory,
               bool bootstrap, double verify_per_s, unsigned cores,
               std::vector<Result>* results) {
  absl::StatusOr<std::string> dataset = EnsureDataset(data, records);
  if (!dataset.ok()) {
    std::cerr << "processes: " << dataset.status() << "\n";
    return;
  }
  const std::string bin = *dataset + "-bin";
  if (!LinkBinaries(bin, "processes")) return;
  auto row = [&](std::string workload, std::string metric, double value,
                 std::string baseline, double baseline_value) {
    results->push_back({std::move(workload), std::move(metric), value,
                        std::move(baseline), baseline_value, "records",
                        static_cast<double>(records)});
  };
  if (memory) {
    std::cerr << "memory: civhubd serving " << records << " records...\n";
    absl::StatusOr<MemoryResult> m = RunMemory(bin, *dataset);
    if (!m.ok()) {
      std::cerr << "memory: " << m.status() << "\n";
    } else {
      row("memory", absl::StrCat("RSS MB, ", records, " records"), m->rss_mb,
          "target: 1 GiB", 1024);
      row("memory", "peak RSS MB", m->peak_mb, "target: 1 GiB", 1024);
      row("memory", "seconds to start", m->start_seconds, "", 0);
    }
  }
  if (bootstrap) {
    std::cerr << "bootstrap: a new hub linked to one of " << records
              << " records...\n";
    absl::StatusOr<BootstrapResult> b = RunBootstrap(bin, *dataset, records);
    if (!b.ok()) {
      std::cerr << "bootstrap: " << b.status() << "\n";
    } else {
      row("bootstrap", "seconds to hold every record", b->seconds,
          absl::StrCat("verify bound, ", cores, " cores, s"),
          static_cast<double>(records) / (verify_per_s * cores));
      row("bootstrap", "records/s", b->records_per_s,
          absl::StrCat("verify bound, ", cores, " cores"),
          verify_per_s * cores);
      row("bootstrap", "peak RSS MB of the new hub", b->peak_mb,
          "target: 1 GiB", 1024);
      absl::StatusOr<uint64_t> record_bytes = DatasetRecordBytes(*dataset);
      row("bootstrap", "MB to the new hub (TLS)",
          static_cast<double>(b->bytes_down) / 1e6, "signed records, MB",
          record_bytes.ok() ? static_cast<double>(*record_bytes) / 1e6 : 0);
      row("bootstrap", "kB from the new hub (TLS)",
          static_cast<double>(b->bytes_up) / 1e3, "", 0);
    }
  }
}

// `soak`: hubs under search and publish load (docs/reliability.md).
void Soak(const std::string& data, const SoakOptions& options,
          std::vector<Result>* results) {
  const std::string bin = data + "/soak-bin";
  if (!LinkBinaries(bin, "soak")) return;
  std::cerr << "soak: " << options.hubs << " hubs, " << options.search_clients
            << " search clients, " << options.publishes_per_second
            << " publishes/s"
            << (options.records > 0
                    ? absl::StrCat(" over ", options.records, " organizations")
                    : std::string(" of new organizations"))
            << " for " << options.seconds << " s...\n";
  absl::StatusOr<SoakResult> r = RunSoak(bin, data + "/soak", options);
  if (!r.ok()) {
    std::cerr << "soak: " << r.status() << "\n";
    return;
  }
  auto row = [&](std::string metric, double value, std::string baseline = "",
                 double baseline_value = 0) {
    results->push_back({"soak", std::move(metric), value, std::move(baseline),
                        baseline_value, "hubs",
                        static_cast<double>(options.hubs)});
  };
  row("searches", static_cast<double>(r->searches));
  row("search errors", static_cast<double>(r->search_errors), "target", 0);
  row("searches/s (all hubs)", r->qps);
  row("search p50 ms", r->p50_ms);
  row("search p99 ms", r->p99_ms);
  row("search p99.9 ms", r->p999_ms);
  row("search max ms", r->max_ms);
  row("publishes", static_cast<double>(r->publishes));
  row("publish errors", static_cast<double>(r->publish_errors), "target", 0);
  for (size_t h = 0; h < r->memory.size(); ++h) {
    const auto& m = r->memory[h];
    for (int q = 1; q < 4; ++q) {
      row(absl::StrCat("hub ", h, " RSS MB, quarter ", q + 1, " (max)"),
          m[q].rss_mb, "quarter 1 (warm-up)", m[0].rss_mb);
    }
    for (int q = 1; q < 4; ++q) {
      row(absl::StrCat("hub ", h, " RssAnon MB, quarter ", q + 1), m[q].anon_mb,
          "quarter 1 (warm-up)", m[0].anon_mb);
    }
    row(absl::StrCat("hub ", h, " RssFile MB, quarter 4"), m[3].file_mb,
        "quarter 1 (warm-up)", m[0].file_mb);
    for (int q = 1; q < 4; ++q) {
      row(absl::StrCat("hub ", h, " heap in use MB, quarter ", q + 1),
          m[q].heap_in_use_mb, "quarter 1 (warm-up)", m[0].heap_in_use_mb);
    }
    row(absl::StrCat("hub ", h, " heap held MB, quarter 4"), m[3].heap_held_mb,
        "quarter 1 (warm-up)", m[0].heap_held_mb);
    row(absl::StrCat("hub ", h, " LevelDB caches MB, quarter 4"),
        m[3].store_cache_mb, "quarter 1 (warm-up)", m[0].store_cache_mb);
  }
  row("seconds to converge after the load", r->converge_seconds);
}

void PrintTable(const std::vector<Result>& results) {
  std::cout << absl::StrFormat("%-11s %-36s %12s   %-40s %12s %7s\n",
                               "workload", "metric", "value", "compared with",
                               "baseline", "ratio");
  for (const Result& r : results) {
    std::cout << absl::StrFormat("%-11s %-36s %12.1f   %-40s %12.1f %7.2f\n",
                                 r.workload, r.metric, r.value, r.baseline,
                                 r.baseline_value, r.ratio());
  }
}

void WriteJson(const std::vector<Result>& results, const std::string& path,
               size_t records, unsigned cores) {
  std::ofstream out(path);
  out << "{\n  \"records\": " << records << ",\n  \"cores\": " << cores
      << ",\n  \"results\": [\n";
  for (size_t i = 0; i < results.size(); ++i) {
    const Result& r = results[i];
    out << absl::StrFormat(
        "    {\"workload\": \"%s\", \"metric\": \"%s\", \"value\": %.6g, "
        "\"baseline\": \"%s\", "
        "\"baseline_value\": %.6g, \"ratio\": %.3f, \"scale\": \"%s\", "
        "\"scale_value\": %.0f}%s\n",
        r.workload, r.metric, r.value, r.baseline, r.baseline_value, r.ratio(),
        r.scale, r.scale_value, i + 1 < results.size() ? "," : "");
  }
  out << "  ]\n}\n";
}

}  // namespace
}  // namespace civhub::bench

int main(int argc, char** argv) {
  using namespace civhub::bench;
  CLI::App app{
      "civhub-bench: civhub's workloads, compared with the best-known figures"};
  std::string workloads =
      "sign,verify,ingest,propagation,sync,search,memory,bootstrap";
  std::string data = "var/bench";
  uint64_t search_records = 1000000;
  int rounds = 20;
  std::string sync_records = "10000,100000,1000000";
  int origins = 1000;
  size_t records = 20000;
  uint64_t abuse_records = 20000;
  std::string hubs = "100,1000,10000";
  int updates = 5;
  double propagation_loss = 0.01;  // As issue 19 states the target.
  std::string json;
  SoakOptions soak;
  AbuseOptions abuse;
  std::string abuse_attacks;
  HttpBenchOptions http_bench;
  uint64_t http_records = 20000;
  uint64_t hsds_records = 100000;
  uint64_t scale_records = 10000000;
  uint64_t match_needs = 100000;
  uint64_t match_offers = 100000;
  int match_queries = 200;
  app.add_option("--workloads", workloads,
                 "Comma-separated: sign, verify, ingest, propagation, sync, "
                 "search, memory, bootstrap; and soak (minutes), abuse "
                 "(issue 14's attacks on a real civhubd), http (the JSON "
                 "API against gRPC, change-feed clients), http-slowloris, "
                 "hsds-import (a generated HSDS package imported with "
                 "civhubctl), match (needs and offers ranked) and scale (a "
                 "hub of --scale-records organizations), only when named")
      ->capture_default_str();
  app.add_option("--soak-seconds", soak.seconds, "soak: how long the load runs")
      ->capture_default_str();
  app.add_option("--soak-clients", soak.search_clients,
                 "soak: concurrent search clients")
      ->capture_default_str();
  app.add_option("--soak-publishes", soak.publishes_per_second,
                 "soak: records published per second")
      ->capture_default_str();
  app.add_option("--soak-records", soak.records,
                 "soak: 0, every publish a new organization; N, publishes "
                 "cycle over N organizations (a directory of fixed size)")
      ->capture_default_str();
  app.add_option("--abuse-seconds", abuse.seconds,
                 "abuse: how long each attack runs")
      ->capture_default_str();
  app.add_option("--abuse-attacks", abuse_attacks,
                 "abuse: comma-separated attacks (connections, "
                 "federation-connections, rapid-reset, in-flight-300, "
                 "in-flight-1000, reflection, watch, watch-idle, link-flood, "
                 "sync, big-bodies, costly); empty: all")
      ->capture_default_str();
  app.add_option("--abuse-records", abuse_records,
                 "abuse: organizations in the attacked hub's directory")
      ->capture_default_str();
  app.add_option("--http-seconds", http_bench.seconds,
                 "http: seconds of searches per protocol")
      ->capture_default_str();
  app.add_option("--http-clients", http_bench.clients,
                 "http: search client threads per protocol")
      ->capture_default_str();
  app.add_option("--http-sse-clients", http_bench.sse_clients,
                 "http: idle /v1/changes clients (0: none)")
      ->capture_default_str();
  app.add_option("--http-records", http_records,
                 "http: organizations in the searched hub's directory")
      ->capture_default_str();
  SlowlorisOptions slowloris;
  app.add_option("--slowloris-clients", slowloris.slow_clients,
                 "http-slowloris: slow clients (a header byte a second each)")
      ->capture_default_str();
  app.add_option("--slowloris-seconds", slowloris.seconds,
                 "http-slowloris: seconds each phase measures")
      ->capture_default_str();
  app.add_option("--slowloris-request-timeout", slowloris.request_timeout,
                 "http-slowloris: the hub's --http-request-timeout")
      ->capture_default_str();
  app.add_option("--match-needs", match_needs, "match: needs in the directory")
      ->capture_default_str();
  app.add_option("--match-offers", match_offers,
                 "match: offers in the directory")
      ->capture_default_str();
  app.add_option("--match-queries", match_queries,
                 "match: queries by need and by offer")
      ->capture_default_str();
  app.add_option("--hsds-records", hsds_records,
                 "hsds-import: organizations in the generated HSDS package")
      ->capture_default_str();
  app.add_option("--hubs", hubs, "propagation: simulated network sizes")
      ->capture_default_str();
  app.add_option("--updates", updates, "propagation: records published")
      ->capture_default_str();
  app.add_option("--propagation-loss", propagation_loss,
                 "propagation: chance that a message is lost")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.5));
  app.add_option("--data", data,
                 "search: where generated hub data directories are kept")
      ->capture_default_str();
  app.add_option("--search-records", search_records,
                 "search, memory, bootstrap: organizations in the directory")
      ->capture_default_str();
  app.add_option("--scale-records", scale_records,
                 "scale: organizations in the hub built for it")
      ->capture_default_str();
  app.add_option("--rounds", rounds, "search: passes over each query set")
      ->capture_default_str();
  app.add_option("--sync-records", sync_records,
                 "sync: directory sizes (one origin)")
      ->capture_default_str();
  app.add_option("--origins", origins,
                 "sync: origins in the last run (the largest size)")
      ->capture_default_str();
  app.add_option("--records", records, "Records per workload")
      ->capture_default_str();
  app.add_option("--json", json, "Also write the results as JSON to this file");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::off);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());

  std::cerr << "generating " << records << " organizations...\n";
  civhub::crypto::PrivateKey origin = *civhub::crypto::PrivateKey::Generate();
  Generator gen(/*seed=*/1);
  std::vector<std::string> bodies = gen.Bodies(origin.public_key(), records);
  std::cerr << "running openssl speed ed25519...\n";
  auto [ossl_sign, ossl_verify] = OpensslSpeed();

  std::vector<Result> results;
  std::vector<civhub::v1::SignedRecord> signed_records;
  signed_records.reserve(records);
  std::set<std::string> wanted;
  for (absl::string_view w : absl::StrSplit(workloads, ',')) wanted.emplace(w);

  absl::Time start = absl::Now();
  for (std::string& body : bodies) {
    signed_records.push_back(*civhub::crypto::SignRecord(origin, body));
  }
  if (wanted.count("sign")) {
    results.push_back({"sign", "records/s, 1 core",
                       PerSecond(records, absl::Now() - start),
                       "openssl speed ed25519 sign/s", ossl_sign, "records",
                       static_cast<double>(records)});
  }
  if (wanted.count("verify")) {
    start = absl::Now();
    size_t ok = 0;
    for (const auto& r : signed_records)
      ok += civhub::crypto::VerifyRecord(r).ok();
    results.push_back({"verify", "records/s, 1 core",
                       PerSecond(ok, absl::Now() - start),
                       "openssl speed ed25519 verify/s", ossl_verify, "records",
                       static_cast<double>(records)});
  }
  if (wanted.count("ingest")) {
    results.push_back({"ingest", "records/s, 1 thread",
                       Ingest(origin, signed_records, 1),
                       "verify bound, 1 core", ossl_verify, "records",
                       static_cast<double>(records)});
    results.push_back({"ingest", absl::StrCat("records/s, ", cores, " threads"),
                       Ingest(origin, signed_records, static_cast<int>(cores)),
                       absl::StrCat("verify bound, ", cores, " cores"),
                       ossl_verify * cores, "records",
                       static_cast<double>(records)});
  }
  if (wanted.count("propagation")) {
    std::vector<int> sizes;
    for (absl::string_view h : absl::StrSplit(hubs, ',')) {
      int n = 0;
      if (absl::SimpleAtoi(h, &n) && n > 1) sizes.push_back(n);
    }
    Propagation(sizes, updates, propagation_loss, &results);
  }
  if (wanted.count("sync")) {
    std::vector<uint64_t> sizes;
    for (absl::string_view n : absl::StrSplit(sync_records, ',')) {
      uint64_t v = 0;
      if (absl::SimpleAtoi(n, &v) && v > 0) sizes.push_back(v);
    }
    Sync(data, sizes, 1, &results);
    // Many origins in memory, at most kInMemoryRecords.
    if (origins > 1 && !sizes.empty()) {
      Sync(data, {std::min(sizes.back(), kInMemoryRecords)}, origins, &results);
    }
  }
  if (wanted.count("search")) Search(data, search_records, rounds, &results);
  if (wanted.count("memory") || wanted.count("bootstrap")) {
    Processes(data, search_records, wanted.count("memory") > 0,
              wanted.count("bootstrap") > 0, ossl_verify, cores, &results);
  }
  if (wanted.count("scale")) {
    Scale(data, scale_records, rounds, ossl_sign, ossl_verify, cores, &results);
  }
  if (wanted.count("hsds-import")) {
    std::cerr << "hsds-import: a package of " << hsds_records
              << " organizations into a new hub...\n";
    const std::string bin = data + "/hsds-bin";
    absl::StatusOr<HsdsImportResult> h =
        LinkBinaries(bin, "hsds-import")
            ? RunHsdsImport(bin, data, hsds_records)
            : absl::StatusOr<HsdsImportResult>(
                  absl::NotFoundError("no civhubd"));
    if (!h.ok()) {
      std::cerr << "hsds-import: " << h.status() << "\n";
    } else {
      auto row = [&](std::string metric, double value, std::string baseline,
                     double baseline_value) {
        results.push_back({"hsds-import", std::move(metric), value,
                           std::move(baseline), baseline_value, "records",
                           static_cast<double>(hsds_records)});
      };
      row("records/s (civhubctl hsds import)", h->records_per_s,
          "openssl sign/s, 1 core (target 0.5)", ossl_sign);
      row("seconds to import", h->seconds, "", 0);
      row("seconds to re-import (unchanged)", h->reimport_seconds, "", 0);
      row("organizations held after", static_cast<double>(h->published),
          "organizations in the package", static_cast<double>(hsds_records));
      row("seconds to write the package", h->generate_seconds, "", 0);
    }
  }
  if (wanted.count("match")) {
    Match(data, match_needs, match_offers, match_queries, &results);
  }
  if (wanted.count("soak")) Soak(data, soak, &results);
  if (wanted.count("abuse")) {
    for (absl::string_view a :
         absl::StrSplit(abuse_attacks, ',', absl::SkipEmpty()))
      abuse.only.emplace(a);
    absl::StatusOr<std::string> dataset = EnsureDataset(data, abuse_records);
    if (!dataset.ok()) {
      std::cerr << "abuse: " << dataset.status() << "\n";
    } else {
      const int not_held = RunAbuse(*dataset, abuse);
      results.push_back({"abuse", "attacks the hub did not hold",
                         static_cast<double>(not_held), "target", 0, "records",
                         static_cast<double>(abuse_records)});
    }
  }
  if (wanted.count("http")) {
    absl::StatusOr<std::string> dataset = EnsureDataset(data, http_records);
    absl::StatusOr<HttpBenchResult> h =
        dataset.ok() ? RunHttpBench(*dataset, data, http_bench)
                     : absl::StatusOr<HttpBenchResult>(dataset.status());
    if (!h.ok()) {
      std::cerr << "http: " << h.status() << "\n";
    } else {
      auto row = [&](std::string metric, double value, std::string baseline,
                     double baseline_value) {
        results.push_back({"http", std::move(metric), value,
                           std::move(baseline), baseline_value, "records",
                           static_cast<double>(http_records)});
      };
      const std::string threads = absl::StrCat(http_bench.clients, " clients");
      row(absl::StrCat("HTTP/JSON searches/s, ", threads), h->http_qps,
          "gRPC searches/s, same run", h->grpc_qps);
      row("HTTP/JSON search p50 ms", h->http_p50_ms, "gRPC p50 ms",
          h->grpc_p50_ms);
      row("HTTP/JSON search p99 ms", h->http_p99_ms, "gRPC p99 ms",
          h->grpc_p99_ms);
      row("search errors, HTTP + gRPC",
          static_cast<double>(h->http_errors + h->grpc_errors), "target", 0);
      if (http_bench.sse_clients > 0) {
        row("change-feed clients caught up", h->sse_connected, "clients opened",
            http_bench.sse_clients);
        row("hub RSS KB per change-feed client", h->sse_kb_per_client,
            "target KB", 10);
        row("s until a change reached every client", h->sse_fanout_s,
            "target s", 1);
        row("clients the change reached", h->sse_reached, "caught up",
            h->sse_connected);
      }
    }
  }
  if (wanted.count("http-slowloris")) {
    absl::StatusOr<SlowlorisResult> r = RunHttpSlowloris(data, slowloris);
    if (!r.ok()) {
      std::cerr << "http-slowloris: " << r.status() << "\n";
    } else {
      const std::string with =
          absl::StrCat(slowloris.slow_clients, " slow clients");
      const double n = slowloris.slow_clients;
      results.push_back({"http-slowloris", "GET /healthz p50 ms, " + with,
                         r->p50_under_ms, "p50 alone", r->p50_alone_ms,
                         "clients", n});
      results.push_back({"http-slowloris", "GET /healthz p99 ms, " + with,
                         r->p99_under_ms, "p99 alone", r->p99_alone_ms,
                         "clients", n});
      results.push_back({"http-slowloris", "GET /healthz requests, " + with,
                         static_cast<double>(r->requests_under),
                         "requests alone",
                         static_cast<double>(r->requests_alone), "clients", n});
      results.push_back({"http-slowloris", "normal requests failed",
                         static_cast<double>(r->errors), "target", 0, "clients",
                         n});
      results.push_back({"http-slowloris",
                         "slow connections open at the end; closed by the hub",
                         static_cast<double>(r->slow_open), "closed",
                         static_cast<double>(r->slow_closed), "clients", n});
      results.push_back({"http-slowloris", "hub RSS MB, " + with,
                         r->rss_mb_under, "RSS alone", r->rss_mb_alone,
                         "clients", n});
    }
  }
  PrintTable(results);
  if (!json.empty()) WriteJson(results, json, records, cores);
  return 0;
}
