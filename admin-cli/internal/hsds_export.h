// `civhubctl hsds export DIR`: the directory this hub holds (the whole
// network's, or filtered) as Open Referral HSDS 3.0 data, written by
// hsds/package_writer.h from the records of the Directory's Watch feed.
// Private to admin-cli/.
#ifndef CIVHUB_ADMIN_CLI_INTERNAL_HSDS_EXPORT_H_
#define CIVHUB_ADMIN_CLI_INTERNAL_HSDS_EXPORT_H_

#include <string>

#include "admin-cli/internal/session.h"

namespace civhub::ctl::internal {

struct HsdsExportFlags {
  std::string dir;
  std::string format = "csv";  // csv (a tabular data package), json, ndjson
  // Only records published by this hub id, in this country (ISO 3166-1:
  // a location or area there) or with this topic code; empty: all.
  std::string origin, country, topic;
  // The language of the text (ISO 639-1); empty: each record's first.
  std::string lang;
};

// Creates DIR if needed and writes the files there; prints a summary on
// stderr. Returns the exit code.
int HsdsExport(Session& s, const HsdsExportFlags& flags);

}  // namespace civhub::ctl::internal

#endif  // CIVHUB_ADMIN_CLI_INTERNAL_HSDS_EXPORT_H_
