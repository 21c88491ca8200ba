// A hub data directory holding N generated organizations (reused between
// runs), and the `search` workload over it: text, filter, radius, text +
// filter and filter + radius queries, in-process and over gRPC, against
// SQLite (FTS5, B-tree indexes, R*Tree) and, for text, Xapian on the same
// data.
#ifndef CIVHUB_BENCH_SEARCH_H_
#define CIVHUB_BENCH_SEARCH_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bench/results.h"
#include "crypto/key_file.h"
#include "node/storage/store.h"

namespace civhub::bench {

// `<root>/hub-<records>`: hub.key, store/ with `records` organizations of
// the hub itself (so civhubd serves them and peers accept them), and
// fts.sqlite with the same organizations for the SQLite comparison. Built
// once (minutes at 1M), then reused.
absl::StatusOr<std::string> EnsureDataset(const std::string& root,
                                          uint64_t records);

// The start of a dataset built once under `dir`: the directory emptied and
// created (0700), a new hub key in dir/hub.key and an empty store in
// dir/store. `what` names the dataset in the progress line on stderr.
struct FreshDataset {
  crypto::LoadedKey key;
  std::unique_ptr<node::Store> store;
};
absl::StatusOr<FreshDataset> StartDataset(const std::string& dir,
                                          absl::string_view what);

// Total size of the dataset's signed records, serialized as sent.
absl::StatusOr<uint64_t> DatasetRecordBytes(const std::string& dataset);

struct Latency {
  // "civhub", "civhub over gRPC", "SQLite", "Xapian", "Xapian, exact count"
  std::string engine;
  // "text", "filter", "radius", "text + filter", "filter + radius"
  std::string kind;
  double p50_us = 0, p99_us = 0, qps = 0;
  double mean_hits = 0;  // total_count / matches reported, for sanity
};

// Whether the engines found as many matches for each query of a kind:
// civhub's total_count against SQLite's count (filter queries' capped as
// civhub's) and Xapian's exact count (text kinds).
struct Agreement {
  std::string kind;
  int queries = 0;
  int with_sqlite = 0;
  int with_xapian = 0;   // 0 without Xapian or text
  int lower_bounds = 0;  // civhub counts that stopped at the cap
};

struct SearchRun {
  std::vector<Latency> latencies;
  std::vector<Agreement> agreements;
  // Before the queries, the store's small posting blocks were merged as a
  // running civhubd merges them (Store::MergePostingBlocks): how many
  // blocks that removed, in how long. Zero once a run has settled it.
  uint64_t merged_blocks = 0;
  double merge_seconds = 0;
  // Then the posting lists were compacted (Store::CompactPostings) in
  // this long; zero if they were not.
  double compact_seconds = 0;
};

// Runs each query kind `rounds` times over its query set on every engine
// (Xapian where built with it: text kinds only), after checking the engines
// agree on each query's count (disagreements are printed on stderr). With
// `baselines` false, civhub alone (in-process and over gRPC): for datasets
// built without the baselines' databases (EnsureScaleDataset).
// `classes`, when not empty, names the query classes to run ("text",
// "filter", "radius", "text + filter", "filter + radius"); empty: all.
// `compact`: compact the posting lists before the queries even when the
// merge found few blocks to merge (Store::CompactPostings).
absl::StatusOr<SearchRun> RunSearch(const std::string& dataset, int rounds,
                                    bool baselines = true,
                                    const std::set<std::string>& classes = {},
                                    bool compact = false);

// `search`: RunSearch over the dataset of `records` under `root`; rows of
// each engine's latency against SQLite's (and civhub's against Xapian's),
// and how often the engines' counts agreed. Errors go to stderr.
void SearchWorkload(const std::string& root, uint64_t records, int rounds,
                    const std::set<std::string>& classes, bool compact,
                    std::vector<Result>* results);

}  // namespace civhub::bench

#endif  // CIVHUB_BENCH_SEARCH_H_
