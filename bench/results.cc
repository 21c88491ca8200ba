#include "bench/results.h"

#include <atomic>
#include <fstream>
#include <iostream>

#include "absl/strings/str_format.h"

namespace civhub::bench {
namespace {
std::atomic<bool> any_failed{false};
}  // namespace

void ReportFailure(const std::string& workload, const absl::Status& status) {
  std::cerr << workload << ": " << status << "\n";
  any_failed = true;
}

bool AnyWorkloadFailed() { return any_failed; }

void PrintTable(const std::vector<Result>& results) {
  std::cout << absl::StrFormat("%-11s %-36s %12s   %-40s %12s %7s\n",
                               "workload", "metric", "value", "compared with",
                               "baseline", "ratio");
  for (const Result& r : results) {
    // A row compared with nothing shows dashes, not a baseline and a ratio
    // of 0, which read as measurements (found in a trial); a target of 0
    // (errors) shows its 0, without a ratio.
    const std::string baseline =
        r.baseline.empty() ? "-" : absl::StrFormat("%.1f", r.baseline_value);
    const std::string ratio =
        r.baseline_value > 0 ? absl::StrFormat("%.2f", r.ratio()) : "-";
    std::cout << absl::StrFormat("%-11s %-36s %12.1f   %-40s %12s %7s\n",
                                 r.workload, r.metric, r.value, r.baseline,
                                 baseline, ratio);
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

}  // namespace civhub::bench
