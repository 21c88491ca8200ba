#include "bench/ingest.h"

#include <stdio.h>

#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/generator.h"
#include "crypto/record_signing.h"
#include "hubnode/hub_node.h"
#include "node/base/executor.h"
#include "node/hub.h"

namespace civhub::bench {
namespace {

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

}  // namespace

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

void RecordWorkloads(size_t records, bool sign, bool verify, bool ingest,
                     double sign_per_s, double verify_per_s, unsigned cores,
                     std::vector<Result>* results) {
  std::cerr << "generating " << records << " organizations...\n";
  crypto::PrivateKey origin = *crypto::PrivateKey::Generate();
  Generator gen(/*seed=*/1);
  std::vector<std::string> bodies = gen.Bodies(origin.public_key(), records);
  std::vector<v1::SignedRecord> signed_records;
  signed_records.reserve(records);
  absl::Time start = absl::Now();
  for (std::string& body : bodies) {
    signed_records.push_back(*crypto::SignRecord(origin, body));
  }
  if (sign) {
    results->push_back({"sign", "records/s, 1 core",
                        PerSecond(records, absl::Now() - start),
                        "openssl speed ed25519 sign/s", sign_per_s, "records",
                        static_cast<double>(records)});
  }
  if (verify) {
    start = absl::Now();
    size_t ok = 0;
    for (const auto& r : signed_records) ok += crypto::VerifyRecord(r).ok();
    results->push_back({"verify", "records/s, 1 core",
                        PerSecond(ok, absl::Now() - start),
                        "openssl speed ed25519 verify/s", verify_per_s,
                        "records", static_cast<double>(records)});
  }
  if (ingest) {
    results->push_back({"ingest", "records/s, 1 thread",
                        Ingest(origin, signed_records, 1),
                        "verify bound, 1 core", verify_per_s, "records",
                        static_cast<double>(records)});
    results->push_back(
        {"ingest", absl::StrCat("records/s, ", cores, " threads"),
         Ingest(origin, signed_records, static_cast<int>(cores)),
         absl::StrCat("verify bound, ", cores, " cores"), verify_per_s * cores,
         "records", static_cast<double>(records)});
  }
}

}  // namespace civhub::bench
