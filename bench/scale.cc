#include "bench/scale.h"

#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/generator.h"
#include "bench/processes.h"
#include "bench/results.h"
#include "bench/search.h"

namespace civhub::bench {
namespace {

constexpr uint64_t kChunk = 1000;
// Chunks signed ahead of the one being applied, at most: bounds memory
// (about 1 MB of records and plans each) whatever the size.
constexpr uint64_t kAhead = 16;

struct Chunk {
  std::vector<crypto::VerifiedRecord> records;
  std::vector<node::Store::ApplyPlan> plans;
};

// Chunk `c`: its own generator (seeded by the chunk), so chunks can be made
// on any thread in any order and the dataset is the same every time.
Chunk MakeChunk(const crypto::PrivateKey& key, uint64_t c, uint64_t records) {
  Chunk chunk;
  Generator gen(/*seed=*/0x5ca1e000 + c);
  const uint64_t first = c * kChunk;
  const uint64_t end = std::min(records, first + kChunk);
  for (uint64_t i = first; i < end; ++i) {
    v1::RecordBody body = gen.OrganizationBody(key.public_key(), i);
    const std::string bytes = body.SerializeAsString();
    chunk.records.push_back(crypto::VerifiedRecord{
        key.public_key(), std::move(body), *crypto::SignRecord(key, bytes)});
    chunk.plans.push_back(node::Store::Plan(chunk.records.back()));
  }
  return chunk;
}

absl::Status Build(const std::string& dir, uint64_t records,
                   ScaleDataset* out) {
  absl::StatusOr<FreshDataset> fresh = StartDataset(dir, "scale dataset");
  if (!fresh.ok()) return fresh.status();
  const crypto::PrivateKey& key = fresh->key.key;
  node::Store* store = fresh->store.get();
  const uint64_t chunks = (records + kChunk - 1) / kChunk;

  std::mutex mu;
  std::condition_variable changed;
  std::vector<std::optional<Chunk>> made(chunks);
  uint64_t applied = 0;  // Chunks applied; guarded by mu.
  std::atomic<uint64_t> next{0};
  std::atomic<bool> stop{false};
  auto worker = [&] {
    for (uint64_t c = next++; c < chunks && !stop; c = next++) {
      {
        std::unique_lock<std::mutex> lock(mu);
        changed.wait(lock, [&] { return c < applied + kAhead || stop; });
      }
      Chunk chunk = MakeChunk(key, c, records);
      std::lock_guard<std::mutex> lock(mu);
      made[c] = std::move(chunk);
      changed.notify_all();
    }
  };
  std::vector<std::thread> workers;
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned t = 0; t < threads; ++t) workers.emplace_back(worker);

  const absl::Time start = absl::Now();
  absl::Time last_progress = start;
  absl::Status status;
  for (uint64_t c = 0; c < chunks && status.ok(); ++c) {
    Chunk chunk;
    {
      std::unique_lock<std::mutex> lock(mu);
      changed.wait(lock, [&] { return made[c].has_value(); });
      chunk = *std::move(made[c]);
      made[c].reset();
    }
    std::vector<const crypto::VerifiedRecord*> rp;
    std::vector<const node::Store::ApplyPlan*> pp;
    for (size_t i = 0; i < chunk.records.size(); ++i) {
      rp.push_back(&chunk.records[i]);
      pp.push_back(&chunk.plans[i]);
    }
    for (const auto& r : store->ApplyMany(rp, pp, /*sync=*/false)) {
      if (!r.ok()) {
        status = r.status();
        break;
      }
      if (*r != node::ApplyOutcome::kApplied) {
        status = absl::InternalError(
            absl::StrCat("scale dataset: a generated record was not applied: ",
                         node::ApplyOutcomeName(*r)));
        break;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      applied = c + 1;
      changed.notify_all();
    }
    if (absl::Now() - last_progress > absl::Seconds(10)) {
      last_progress = absl::Now();
      const double s = absl::ToDoubleSeconds(last_progress - start);
      const double done = static_cast<double>((c + 1) * kChunk);
      std::cerr << absl::StrFormat(
          "  %.0f of %d records, %.0f/s, %.0f s to go\n", done, records,
          done / s, (static_cast<double>(records) - done) / (done / s));
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
    changed.notify_all();
  }
  for (std::thread& w : workers) w.join();
  if (!status.ok()) return status;
  if (absl::Status s = store->Sync(); !s.ok()) return s;
  out->build_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  out->records_per_s = static_cast<double>(records) / out->build_seconds;
  std::ofstream(dir + "/build.txt")
      << out->build_seconds << " " << out->records_per_s << "\n";
  std::ofstream(dir + "/ready") << "ready\n";
  return absl::OkStatus();
}

}  // namespace

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t bytes = 0;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) bytes += entry.file_size(ec);
  }
  return bytes;
}

absl::StatusOr<ScaleDataset> EnsureScaleDataset(const std::string& root,
                                                uint64_t records) {
  ScaleDataset out;
  out.dir = absl::StrCat(root, "/scale-", records);
  out.records = records;
  struct stat st;
  if (stat((out.dir + "/ready").c_str(), &st) == 0) {
    std::ifstream(out.dir + "/build.txt") >> out.build_seconds >>
        out.records_per_s;
    return out;
  }
  if (absl::Status s = Build(out.dir, records, &out); !s.ok()) return s;
  return out;
}

// Times a full `civhubd --check` of the dataset (minutes at 10M).
void CheckRow(const std::string& bin, const ScaleDataset& dataset,
              uint64_t records, double verify_per_s, unsigned cores,
              const WorkloadRows& row) {
  std::cerr << "scale: civhubd --check...\n";
  const absl::Time check_start = absl::Now();
  const int check = std::system(
      absl::StrCat("'", bin, "/civhubd' --check --data-dir '", dataset.dir,
                   "' > '", dataset.dir, "-check.txt' 2>&1")
          .c_str());
  const double check_seconds = absl::ToDoubleSeconds(absl::Now() - check_start);
  if (check != 0) {
    std::cerr << "scale: civhubd --check found problems or failed; see "
              << dataset.dir << "-check.txt\n";
  }
  row("civhubd --check: seconds", check_seconds,
      absl::StrCat("verify bound, ", cores, " cores, s"),
      static_cast<double>(records) / (verify_per_s * cores));
}

// Issue 19's 10-million-record hub: build it (timed), then its store's
// bytes per record, civhubd's memory serving it and a full check's time.
void ScaleWorkload(const std::string& data, uint64_t records, int rounds,
                   double sign_per_s, double verify_per_s, unsigned cores,
                   int base_port, bool check_store,
                   std::vector<Result>* results) {
  std::cerr << "scale: a hub of " << records << " organizations...\n";
  absl::StatusOr<ScaleDataset> dataset = EnsureScaleDataset(data, records);
  if (!dataset.ok()) {
    ReportFailure("scale", dataset.status());
    return;
  }
  const WorkloadRows row(results, "scale", "records",
                         static_cast<double>(records));
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
  if (check_store) CheckRow(bin, *dataset, records, verify_per_s, cores, row);

  std::cerr << "scale: each query class, in-process and over gRPC...\n";
  absl::StatusOr<SearchRun> search =
      RunSearch(dataset->dir, rounds, /*baselines=*/false);
  if (!search.ok()) {
    ReportFailure("scale", search.status());
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
  absl::StatusOr<MemoryResult> m = RunMemory(bin, dataset->dir, base_port);
  if (!m.ok()) {
    ReportFailure("scale", m.status());
    return;
  }
  row("civhubd RSS MB after 300 searches", m->rss_mb, "target: 512 MB", 512);
  row("civhubd peak RSS MB", m->peak_mb, "target: 512 MB", 512);
  row("civhubd seconds to start", m->start_seconds, "", 0);
}

}  // namespace civhub::bench
