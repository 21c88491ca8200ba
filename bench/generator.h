// A deterministic generator of realistic organization records for benchmarks:
// names and descriptions in the languages of their place, countries,
// ISO 3166-2 regions, coordinates around real cities, topics, types and
// identifiers. The same seed gives the same records.
#ifndef CIVHUB_BENCH_GENERATOR_H_
#define CIVHUB_BENCH_GENERATOR_H_

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "civhub/v1/record.pb.h"
#include "crypto/keys.h"
#include "crypto/record_signing.h"

namespace civhub::bench {

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  // Organization `index` (record id "org-<index>").
  v1::Organization Organization(uint64_t index);

  // The body of organization `index` of `origin`, ready to serialize and
  // sign: record id "org-<index>", version 1, sequence index + 1, issued at
  // 1780000000 + index seconds (modulo 10 million: in the past however
  // many records a dataset holds).
  v1::RecordBody OrganizationBody(const crypto::PublicKey& origin,
                                  uint64_t index);

  // Serialized bodies of `count` new organizations of `origin`, sequences
  // 1..count, ready to sign.
  std::vector<std::string> Bodies(const crypto::PublicKey& origin,
                                  size_t count);

 private:
  std::mt19937_64 rng_;
};

// Signs serialized bodies (each with its origin's key) on every core.
std::vector<crypto::VerifiedRecord> SignAll(
    const std::vector<std::pair<const crypto::PrivateKey*, std::string>>&
        bodies);

}  // namespace civhub::bench

#endif  // CIVHUB_BENCH_GENERATOR_H_
