// A row of civhub-bench's results table, and the table and JSON they are
// written as. Every workload appends its rows to one vector.
#ifndef CIVHUB_BENCH_RESULTS_H_
#define CIVHUB_BENCH_RESULTS_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace civhub::bench {

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

// Appends one workload's rows, all measured at one scale, to `results`,
// which must outlive it: rows(metric, value[, baseline, baseline_value]).
class WorkloadRows {
 public:
  WorkloadRows(std::vector<Result>* results, std::string workload,
               std::string scale, double scale_value)
      : results_(results),
        workload_(std::move(workload)),
        scale_(std::move(scale)),
        scale_value_(scale_value) {}

  void operator()(std::string metric, double value, std::string baseline = "",
                  double baseline_value = 0) const {
    results_->push_back({workload_, std::move(metric), value,
                         std::move(baseline), baseline_value, scale_,
                         scale_value_});
  }

 private:
  std::vector<Result>* const results_;
  const std::string workload_;
  const std::string scale_;
  const double scale_value_;
};

// Says on stderr that `workload` could not be measured, and why: the run
// goes on with the other workloads, then exits 1 (AnyWorkloadFailed), so
// that a script or CI does not take a missing row for a measurement.
void ReportFailure(const std::string& workload, const absl::Status& status);
bool AnyWorkloadFailed();

// The table on stdout: a line a row, with its baseline and ratio.
void PrintTable(const std::vector<Result>& results);

// The rows as JSON in `path`, with the run's `records` and `cores`.
void WriteJson(const std::vector<Result>& results, const std::string& path,
               size_t records, unsigned cores);

}  // namespace civhub::bench

#endif  // CIVHUB_BENCH_RESULTS_H_
