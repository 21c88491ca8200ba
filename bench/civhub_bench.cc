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
#include <spdlog/spdlog.h>
#include <stdio.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/generator.h"
#include "crypto/record_signing.h"
#include "leveldb/env.h"
#include "leveldb/helpers/memenv.h"
#include "node/hub.h"

namespace civhub::bench {
namespace {

struct Result {
  std::string workload;
  std::string metric;
  double value = 0;
  std::string baseline;  // What it is compared with.
  double baseline_value = 0;
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

// Ingests `records` into a fresh in-memory hub with `threads` threads.
double Ingest(const crypto::PrivateKey& origin,
              const std::vector<v1::SignedRecord>& records, int threads) {
  std::unique_ptr<leveldb::Env> env(
      leveldb::NewMemEnv(leveldb::Env::Default()));
  node::StoreOptions options;
  options.path = "/bench/ingest";
  options.env = env.get();
  std::unique_ptr<node::Store> store = *node::Store::Open(options);
  // The hub is the records' origin: admitted without a federation graph.
  node::Hub hub(origin, store.get(), node::SystemClock());
  std::atomic<size_t> next{0};
  std::atomic<size_t> failed{0};
  const absl::Time start = absl::Now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < records.size(); i = next++) {
        if (!hub.Ingest(records[i], /*sync=*/false).ok()) ++failed;
      }
    });
  }
  for (std::thread& w : workers) w.join();
  const absl::Duration took = absl::Now() - start;
  if (failed > 0) std::cerr << "ingest: " << failed << " records refused\n";
  return PerSecond(records.size(), took);
}

void PrintTable(const std::vector<Result>& results) {
  std::cout << absl::StrFormat("%-8s %-28s %14s   %-36s %14s %7s\n", "workload",
                               "metric", "value", "compared with", "baseline",
                               "ratio");
  for (const Result& r : results) {
    std::cout << absl::StrFormat("%-8s %-28s %14.0f   %-36s %14.0f %7.2f\n",
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
        "    {\"workload\": \"%s\", \"metric\": \"%s\", \"value\": %.1f, "
        "\"baseline\": \"%s\", "
        "\"baseline_value\": %.1f, \"ratio\": %.3f}%s\n",
        r.workload, r.metric, r.value, r.baseline, r.baseline_value, r.ratio(),
        i + 1 < results.size() ? "," : "");
  }
  out << "  ]\n}\n";
}

}  // namespace
}  // namespace civhub::bench

int main(int argc, char** argv) {
  using namespace civhub::bench;
  CLI::App app{
      "civhub-bench: civhub's workloads, compared with the best-known figures"};
  std::string workloads = "sign,verify,ingest";
  size_t records = 20000;
  std::string json;
  app.add_option("--workloads", workloads,
                 "Comma-separated: sign, verify, ingest")
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
                       "openssl speed ed25519 sign/s", ossl_sign});
  }
  if (wanted.count("verify")) {
    start = absl::Now();
    size_t ok = 0;
    for (const auto& r : signed_records)
      ok += civhub::crypto::VerifyRecord(r).ok();
    results.push_back({"verify", "records/s, 1 core",
                       PerSecond(ok, absl::Now() - start),
                       "openssl speed ed25519 verify/s", ossl_verify});
  }
  if (wanted.count("ingest")) {
    results.push_back({"ingest", "records/s, 1 thread",
                       Ingest(origin, signed_records, 1),
                       "verify bound, 1 core", ossl_verify});
    results.push_back({"ingest", absl::StrCat("records/s, ", cores, " threads"),
                       Ingest(origin, signed_records, static_cast<int>(cores)),
                       absl::StrCat("verify bound, ", cores, " cores"),
                       ossl_verify * cores});
  }
  PrintTable(results);
  if (!json.empty()) WriteJson(results, json, records, cores);
  return 0;
}
