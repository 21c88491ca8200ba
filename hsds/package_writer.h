// Writes HSDS 3.0 data: a tabular data package (datapackage.json and one
// CSV per table, as the specification lists them) or HSDS JSON, from the
// HSDS objects of hsds/to_hsds.h. What `civhubctl hsds export` writes.
//
// Rows are written sorted by id within each table, so exporting the same
// directory twice gives the same files byte for byte, whatever order the
// records came in. A row met twice (a location that is both an
// organization's and, copied, its service's) is written once; an
// organization or service whose id was added before is ignored, rows and
// all (the first added wins).
//
// Not thread-safe.
#ifndef CIVHUB_HSDS_PACKAGE_WRITER_H_
#define CIVHUB_HSDS_PACKAGE_WRITER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "civhub/hsds/v3/hsds.pb.h"

namespace civhub::hsds {

// A column of an HSDS table, as the specification's datapackage.json
// describes it.
struct TableColumn {
  const char* name;
  const char* type;    // "string", "number", "boolean", ...
  const char* format;  // "uuid", "email", "uri", "" ...
};

// A table of the tabular data package.
struct TableSpec {
  const char* name;  // "organization"
  const char* path;  // "organizations.csv"
  std::vector<TableColumn> columns;
};

// Every table of an HSDS 3.0 data package, in the specification's order
// (generated from it by scripts/gen-hsds-tables).
absl::Span<const TableSpec> PackageTables();
// The table named `name`, or nullptr.
const TableSpec* FindTable(absl::string_view name);

// One CSV record of `cells`: quoted where RFC 4180 needs it, CRLF-ended.
std::string CsvLine(const std::vector<std::string>& cells);

class PackageWriter {
 public:
  // What the writer keeps of what is added: the tables' rows (as CSV
  // lines), the objects HSDS JSON nests, or both. An export keeps only
  // what it writes (at 100,000 organizations, the tables alone hold a
  // few hundred MB).
  enum class Output { kBoth, kTabular, kJson };
  explicit PackageWriter(Output output = Output::kBoth) : output_(output) {}

  // Adds an organization and its rows (locations, addresses, phones,
  // identifiers, attributes with their terms; nested services too).
  void AddOrganization(const v3::Organization& organization);
  // Adds a service and its rows (phones, languages, service areas,
  // service_at_location entries with their locations, attributes).
  void AddService(const v3::Service& service);
  void AddTaxonomy(const v3::Taxonomy& taxonomy);
  void AddTerm(const v3::TaxonomyTerm& term);

  // Writes datapackage.json and every table's CSV (a table with no rows
  // has its header only) into `dir`, which must exist. Files are written
  // to a temporary name, a row at a time, and renamed. FAILED_PRECONDITION
  // for a writer of Output::kJson.
  absl::Status WriteTabular(const std::string& dir) const;

  // Writes the organizations (organization_full, each with its services)
  // as one HSDS paged list in organizations.json, and the services whose
  // organization was not added in services.json — or, with `ndjson`, one
  // object per line in organizations.ndjson and services.ndjson; an
  // object at a time. FAILED_PRECONDITION for a writer of
  // Output::kTabular.
  absl::Status WriteJson(const std::string& dir, bool ndjson) const;

  size_t organizations() const { return organization_ids_.size(); }
  size_t services() const { return service_ids_.size(); }

 private:
  // The rows of table `name`, keyed by id.
  std::map<std::string, std::string>& Table(absl::string_view name);
  void AddRow(absl::string_view table, const google::protobuf::Message& row);
  void AddLocation(const v3::Location& location);
  void AddAttributes(
      const google::protobuf::RepeatedPtrField<v3::Attribute>& attributes);

  const Output output_;
  // Per table, its rows by id, each a CSV line.
  std::map<std::string, std::map<std::string, std::string>> tables_;
  absl::flat_hash_set<std::string> organization_ids_, service_ids_;
  // For JSON.
  std::map<std::string, v3::Organization> organizations_;
  std::map<std::string, v3::Service> services_;
};

}  // namespace civhub::hsds

#endif  // CIVHUB_HSDS_PACKAGE_WRITER_H_
