// Xapian (Debian's libxapian-dev), the second baseline of the search
// workload for text and text + filter queries, on the same organizations
// as civhub and SQLite: built only where CMake finds Xapian
// (CIVHUB_HAVE_XAPIAN).
#ifndef CIVHUB_BENCH_XAPIAN_BASELINE_H_
#define CIVHUB_BENCH_XAPIAN_BASELINE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "civhub/v1/directory.pb.h"

namespace civhub::bench {

// A Xapian index of a search dataset's organizations (EnsureDataset) in
// `<dataset>/xapian`, built from its fts.sqlite once, then reused. Terms are
// civhub's folded words and their stems (node/records/text.h: case and
// diacritics folded, as FTS5's remove_diacritics; "women" of "women's"):
// each word of the first name with wdf 3 (a
// name counts three times a description, as in civhub), each word of the
// descriptions with wdf 1, ranked by BM25 (Xapian's default); country and
// topics as boolean terms ("XC" + code, "XT" + code). Each document's data
// is its signed record, read for every hit as civhub and SQLite do.
// Not thread-safe.
class XapianBaseline {
 public:
  static absl::StatusOr<std::unique_ptr<XapianBaseline>> Open(
      const std::string& dataset);
  virtual ~XapianBaseline() = default;

  // Runs `request`'s text (every word, the last also as a prefix, as the
  // FTS5 query) filtered by its country and topic: the top 20 by BM25,
  // their records read. Returns get_matches_estimated() after
  // get_mset(0, 20) — Xapian's estimate; with `exact`, it asks for every
  // match to be checked (check_at_least = the document count), so the
  // count is exact.
  virtual int64_t Run(const v1::SearchRequest& request, bool exact) = 0;
};

}  // namespace civhub::bench

#endif  // CIVHUB_BENCH_XAPIAN_BASELINE_H_
