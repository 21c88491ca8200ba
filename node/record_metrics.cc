#include "node/record_metrics.h"

#include "absl/strings/ascii.h"
#include "node/base/metrics.h"

namespace civhub::node {
namespace {

const char* SourceName(RecordSource source) {
  return source == RecordSource::kPublish ? "publish" : "ingest";
}

prometheus::Family<prometheus::Counter>& Stored() {
  static auto& family =
      prometheus::BuildCounter()
          .Name("civhub_records_ingested_total")
          .Help(
              "Records that entered the store or were found already held, "
              "by source (publish, ingest) and outcome (applied, "
              "duplicate, stale, fork, unchanged)")
          .Register(metrics::ProcessRegistry());
  return family;
}

prometheus::Family<prometheus::Counter>& Refused() {
  static auto& family =
      prometheus::BuildCounter()
          .Name("civhub_records_refused_total")
          .Help(
              "Records refused, by source (publish, ingest) and reason (the "
              "status code, or store_read_only)")
          .Register(metrics::ProcessRegistry());
  return family;
}

// Counters looked up once: ingest counts every record, and Family::Add
// takes a lock and a map lookup. A publish is applied or unchanged, never
// a duplicate, stale or fork.
struct StoredCounters {
  prometheus::Counter* ingest[4];
  prometheus::Counter* published;
  prometheus::Counter* unchanged;
  StoredCounters() {
    const char* outcomes[4] = {"applied", "duplicate", "stale", "fork"};
    for (int o = 0; o < 4; ++o) {
      ingest[o] =
          &Stored().Add({{"source", "ingest"}, {"outcome", outcomes[o]}});
    }
    published = &Stored().Add({{"source", "publish"}, {"outcome", "applied"}});
    unchanged =
        &Stored().Add({{"source", "publish"}, {"outcome", "unchanged"}});
  }
};

StoredCounters& Counters() {
  static auto* counters = new StoredCounters();
  return *counters;
}

}  // namespace

std::string RefusalReason(const absl::Status& status) {
  if (IsStoreReadOnly(status)) return "store_read_only";
  return absl::AsciiStrToLower(absl::StatusCodeToString(status.code()));
}

void CountStored(RecordSource source, ApplyOutcome outcome) {
  int o = 0;
  switch (outcome) {
    case ApplyOutcome::kApplied:
      o = 0;
      break;
    case ApplyOutcome::kDuplicate:
      o = 1;
      break;
    case ApplyOutcome::kStale:
      o = 2;
      break;
    case ApplyOutcome::kFork:
      o = 3;
      break;
  }
  if (source == RecordSource::kPublish) {
    Counters().published->Increment();
  } else {
    Counters().ingest[o]->Increment();
  }
}

void CountUnchanged() { Counters().unchanged->Increment(); }

void ExportRecordMetrics() {
  Counters();
  // The refusals a hub sees (a bad record, an origin not allowed, a full
  // disk), at 0 until they happen: a rate() over a missing series shows
  // nothing, not zero.
  for (RecordSource source : {RecordSource::kPublish, RecordSource::kIngest}) {
    for (const char* reason :
         {"invalid_argument", "permission_denied", "store_read_only"}) {
      Refused().Add({{"source", SourceName(source)}, {"reason", reason}});
    }
  }
}

void CountRefused(RecordSource source, const absl::Status& status) {
  Refused()
      .Add({{"source", SourceName(source)}, {"reason", RefusalReason(status)}})
      .Increment();
}

}  // namespace civhub::node
