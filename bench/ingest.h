// The `sign`, `verify` and `ingest` workloads over generated organizations,
// and `openssl speed ed25519`, the figure they (and later workloads) are
// compared with.
#ifndef CIVHUB_BENCH_INGEST_H_
#define CIVHUB_BENCH_INGEST_H_

#include <cstddef>
#include <utility>
#include <vector>

#include "bench/results.h"

namespace civhub::bench {

// `openssl speed ed25519` on this machine: {sign/s, verify/s} for one core;
// {0, 0} if openssl cannot be run.
std::pair<double, double> OpensslSpeed();

// Generates `records` organizations of a new key and signs them (always:
// verify and ingest take the signed records); appends the rows of those of
// `sign`, `verify` and `ingest` asked for (ingest with 1 thread and with
// `cores`), against openssl's `sign_per_s` and `verify_per_s`.
void RecordWorkloads(size_t records, bool sign, bool verify, bool ingest,
                     double sign_per_s, double verify_per_s, unsigned cores,
                     std::vector<Result>* results);

}  // namespace civhub::bench

#endif  // CIVHUB_BENCH_INGEST_H_
