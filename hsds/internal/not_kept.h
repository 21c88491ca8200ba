// What of an HSDS package the mapping to civhub records does not read
// (from_hsds.cc's Mapper): every value present in a field it leaves unread,
// counted per table.field with where it was first met, and rows of tables
// it reads only in part (a phone of a location) counted whole. Private to
// hsds/.
#ifndef CIVHUB_HSDS_INTERNAL_NOT_KEPT_H_
#define CIVHUB_HSDS_INTERNAL_NOT_KEPT_H_

#include <map>
#include <string>

#include "hsds/package_reader.h"

namespace civhub::hsds::internal {

// Adds to `*not_kept` every value of `p`'s rows that the mapping does not
// read.
void CountNotKept(const Package& p, std::map<std::string, NotKept>* not_kept);

// Counts one value under `key` ("attribute.* (linked to ...)"), first met at
// `where`.
void CountWhole(const std::string& key, const std::string& where,
                std::map<std::string, NotKept>* not_kept);

// Adds the counts of `later` (values met after all those in `*not_kept`)
// to `*not_kept`, which keeps its own first places.
void MergeNotKept(const std::map<std::string, NotKept>& later,
                  std::map<std::string, NotKept>* not_kept);

}  // namespace civhub::hsds::internal

#endif  // CIVHUB_HSDS_INTERNAL_NOT_KEPT_H_
