// The `text` workload: how fast the words of organizations' names and
// descriptions are found (node/records/text.h), with the path for Latin
// text against every text through ICU, in the same run.
#ifndef CIVHUB_BENCH_TEXT_H_
#define CIVHUB_BENCH_TEXT_H_

#include <cstddef>
#include <vector>

#include "bench/results.h"

namespace civhub::bench {

// Splits the names and descriptions of `records` generated organizations
// into words with SplitWords and with internal::SplitWordsThroughIcu,
// alternately, best of three rounds each; appends words/s of both, and the
// share of texts the Latin path took.
void TextWorkload(size_t records, std::vector<Result>* results);

}  // namespace civhub::bench

#endif  // CIVHUB_BENCH_TEXT_H_
