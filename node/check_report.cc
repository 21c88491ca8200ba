#include "node/check_report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace civhub::node {

std::string FormatCheckReport(const v1::CheckReport& report) {
  std::string out = absl::StrFormat(
      "checked %d records (every signature verified again), %d index "
      "entries in %d blocks, %d origin(s), %d fork evidence record(s) in "
      "%.1f s: ",
      report.records(), report.index_entries(), report.index_blocks(),
      report.origins(), report.fork_evidence(), report.seconds());
  if (report.problem_count() == 0) return out + "no problems\n";
  absl::StrAppend(&out, report.problem_count(), " problem(s)\n");
  for (const std::string& problem : report.problems()) {
    absl::StrAppend(&out, "  ", problem, "\n");
  }
  if (report.problem_count() > static_cast<uint64_t>(report.problems_size())) {
    absl::StrAppend(&out, "  ... and ",
                    report.problem_count() - report.problems_size(), " more\n");
  }
  return out;
}

}  // namespace civhub::node
