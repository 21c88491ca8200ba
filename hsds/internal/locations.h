// The locations of an HSDS package for the mapper (from_hsds.cc): the
// location rows indexed by id and the address rows by location, each
// location mapped to civhub's (its place from its address) the first time
// an organization or service takes it, rather than all of them before the
// first record. Private to hsds/.
#ifndef CIVHUB_HSDS_INTERNAL_LOCATIONS_H_
#define CIVHUB_HSDS_INTERNAL_LOCATIONS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "civhub/v1/record.pb.h"
#include "hsds/package_reader.h"

namespace civhub::hsds::internal {

class LocationMap {
 public:
  // `package` must outlive the map.
  explicit LocationMap(const Package* package) : p_(package) {}

  // Indexes the locations by (normalized) id, the first row of each, and
  // the addresses by location. Before any other call; touches nothing but
  // the map.
  void Index();

  // The location of id `id` as civhub holds it, mapped with its address on
  // first use; nullptr if there is no such location or it was dropped (its
  // problems say why).
  const v1::Location* Get(const std::string& id);
  // The row kept for location `id`; nullptr if there is none.
  const Row<v3::Location>* RowOf(const std::string& id) const;
  // The ids of organization `org_id`'s locations, in input order.
  const std::vector<std::string>& OfOrganization(
      const std::string& org_id) const;

  // Maps every location not mapped yet; then every location row's
  // problems, in row order. Once.
  std::vector<Problem> TakeProblems();

 private:
  struct Entry {
    const Row<v3::Location>* row;
    size_t index;  // Of the row, in the package's locations.
    bool mapped;
    // Unset if the location was dropped (no address, no country...).
    std::optional<v1::Location> location;
  };
  const v1::Location* Get(Entry* entry);
  std::optional<v1::Location> Map(const Row<v3::Location>& row,
                                  std::vector<Problem>* problems);

  const Package* const p_;
  absl::flat_hash_map<std::string, Entry> locations_;
  absl::flat_hash_map<std::string, std::vector<const Row<v3::Address>*>>
      addresses_;
  // The problems of each location row, in the package's order.
  std::vector<std::vector<Problem>> problems_;
  absl::flat_hash_map<std::string, std::vector<std::string>> org_locations_;
};

}  // namespace civhub::hsds::internal

#endif  // CIVHUB_HSDS_INTERNAL_LOCATIONS_H_
