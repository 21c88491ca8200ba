// Maps HSDS 3.0 rows (package_reader.h) to civhub records: an organization
// per HSDS organization, a service per HSDS service. The rules are a
// contract with the export side, which inverts them (docs/hsds.md,
// "Import"):
//  - record ids: "hsds-" + the HSDS id in lower case; a row whose id is not
//    a UUID is skipped;
//  - references (Service.organization, Organization.parent) name the
//    record "hsds-<id>" with an EMPTY origin: the caller fills in the hub's
//    id (civhubctl does, as for `service put`);
//  - every value that could not be mapped is a Problem, and every value
//    civhub has no place for is counted in not_kept, never silently lost;
//  - the output order is the input order, and repeated fields keep a
//    stable order, so mapping the same input twice gives equal records.
// Thread-safe: pure functions.
#ifndef CIVHUB_HSDS_FROM_HSDS_H_
#define CIVHUB_HSDS_FROM_HSDS_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "civhub/v1/admin.pb.h"
#include "hsds/package_reader.h"

namespace civhub::hsds {

struct MapOptions {
  // The ISO 639-1 language of HSDS's texts (names, descriptions...).
  std::string lang = "en";
};

struct Mapped {
  // Organizations first, then services, each in input order.
  std::vector<v1::PublishRequest> records;
  // Where each record came from ("organizations.csv:2"), parallel to
  // records.
  std::vector<std::string> sources;
  // The package's problems followed by the mapping's, in input order.
  std::vector<Problem> problems;
  // Rows not imported (problems with row_skipped).
  int64_t rows_skipped = 0;
  // Values not kept, per HSDS table.field, and their sum.
  std::map<std::string, NotKept> not_kept;
  int64_t values_not_kept = 0;
};

// Maps `package`. A record is only emitted if it passes civhub's strict
// validation (ValidateRecordBody with a placeholder origin): a value the
// validation refuses is dropped with a problem naming the civhub field, and
// a record still invalid without it is skipped.
Mapped MapPackage(Package package, const MapOptions& options = MapOptions());

// Takes each record MapPackage would put in Mapped::records, with its
// source, in the same order. Returns false to stop: no record is mapped
// after that one.
using RecordSink =
    std::function<bool(v1::PublishRequest record, std::string source)>;

// MapPackage, handing each record to `sink` as soon as it is mapped rather
// than holding them all, so that a caller can send the first ones while the
// rest are mapped: records and sources of the result stay empty, the rest
// of it is what MapPackage returns (up to where `sink` stopped it). Tables
// are indexed by organization and service id first (that takes the whole
// package), then records come one organization (or service) at a time.
Mapped MapPackage(Package package, const MapOptions& options,
                  const RecordSink& sink);

// Checks `request` as the hub will, with a placeholder hub's id in every
// empty reference origin: ValidateRecordBody, strict taxonomy. For
// `--dry-run` and tests.
absl::Status ValidateMapped(const v1::PublishRequest& request);

// Sets the origin of every empty record reference in `request` (an
// organization's parent, a service's organization: references within the
// import) to `hub_id`, the hub that publishes it.
void FillOrigins(const std::string& hub_id, v1::PublishRequest* request);

}  // namespace civhub::hsds

#endif  // CIVHUB_HSDS_FROM_HSDS_H_
