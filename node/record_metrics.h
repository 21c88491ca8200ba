// Counts what became of each record that entered the hub, by where it came
// from (the admin publishing, or ingest: peers and imports), into the
// process-wide metrics registry (node/base/metrics.h):
//   civhub_records_ingested_total{source,outcome}  applied, duplicate,
//     stale, fork (kept as evidence), unchanged (a publish equal to the
//     current version);
//   civhub_records_refused_total{source,reason}  the status code in lower
//     case ("invalid_argument", "permission_denied", …), or
//     "store_read_only".
// Thread-safe.
#ifndef CIVHUB_NODE_RECORD_METRICS_H_
#define CIVHUB_NODE_RECORD_METRICS_H_

#include "absl/status/status.h"
#include "node/storage/store.h"

namespace civhub::node {

enum class RecordSource { kPublish, kIngest };

// A publish counts only as applied (whatever `outcome`).
void CountStored(RecordSource source, ApplyOutcome outcome);
void CountUnchanged();
// `status` is the error the record was refused with (not OK).
void CountRefused(RecordSource source, const absl::Status& status);
// Makes the counters' usual series exist at 0 (a Hub does, when made), so
// dashboards and alerts see them before the first record.
void ExportRecordMetrics();

// The reason label for a refusal: "store_read_only" for the read-only
// store's error, else the code's name in lower case.
std::string RefusalReason(const absl::Status& status);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORD_METRICS_H_
