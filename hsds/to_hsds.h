// civhub records as Open Referral HSDS 3.0 objects (civhub::hsds::v3, whose
// JSON is HSDS JSON): what the /hsds/ API serves and `civhubctl hsds export`
// writes. docs/hsds.md has the field-by-field table.
//
// Ids are those of node/records/hsds_ids.h: a record's HsdsId, and for its
// rows HsdsSubId(parent id, table, key) where the key is the row's own id
// (Location.id, ServiceLocation.id: passed through when it is a UUID, as
// after an HSDS import) or its position. A service's location ids are
// derived from its provider's HSDS id and Location.id, so they equal the
// ids of the provider's own locations.
//
// Text: HSDS holds one language. Each object takes its text in `lang` when
// the record has it, else in the record's first language.
//
// Thread-safe: pure functions.
#ifndef CIVHUB_HSDS_TO_HSDS_H_
#define CIVHUB_HSDS_TO_HSDS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "civhub/hsds/v3/hsds.pb.h"
#include "civhub/v1/directory.pb.h"

namespace civhub::hsds {

// The two taxonomies a hub publishes: its topic codes and its organization
// type codes (node/records/taxonomy.h), with the local "x-" codes it holds.
inline constexpr absl::string_view kTopicsTaxonomy = "civhub-topics";
inline constexpr absl::string_view kTypesTaxonomy = "civhub-organization-types";

struct HsdsOptions {
  // The preferred language of text (ISO 639-1); empty: each record's first.
  std::string lang;
};

// An organization record (v1::Record of kind organization) as HSDS
// organization: names, description, identifiers, phone, locations with
// their addresses, topics and types as attributes, and `civhub` (where it
// comes from). `services` is left for the caller.
v3::Organization OrganizationToHsds(const v1::Record& record,
                                    const HsdsOptions& options = {});

// A service record as HSDS service: its phones, languages, service areas,
// service_at_locations (each with its location), topics as attributes.
// `organization` is left for the caller.
v3::Service ServiceToHsds(const v1::Record& record,
                          const HsdsOptions& options = {});

// The service_at_location rows of a service record, each with its location;
// `service` left for the caller.
std::vector<v3::ServiceAtLocation> ServiceAtLocationsOf(
    const v1::Record& record, const HsdsOptions& options = {});

// The HSDS id of a service's service_at_location entry `entry_id`
// (ServiceLocation.id).
std::string ServiceAtLocationId(absl::string_view service_hsds_id,
                                absl::string_view entry_id);

// The taxonomies (kTopicsTaxonomy, kTypesTaxonomy) and their terms: the
// listed codes, then `local_topics` / `local_types` (the "x-" codes records
// here carry, named by their code).
std::vector<v3::Taxonomy> Taxonomies();
std::vector<v3::TaxonomyTerm> TaxonomyTerms(
    const std::vector<std::string>& local_topics,
    const std::vector<std::string>& local_types);

// The term of `code` in `taxonomy` (kTopicsTaxonomy or kTypesTaxonomy),
// named by the taxonomy's list or by the code itself.
v3::TaxonomyTerm TermOf(absl::string_view taxonomy, absl::string_view code);

}  // namespace civhub::hsds

#endif  // CIVHUB_HSDS_TO_HSDS_H_
