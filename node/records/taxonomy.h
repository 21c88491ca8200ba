// The documented lists of topic and organization-type codes
// (docs/api.md, "Taxonomy").
//
// A code is lower-case words joined by '-' ("disaster-response"), at most 64
// bytes. The lists are extensible: a hub publishes only known codes or
// codes starting with "x-" (local extensions), but accepts any well-formed
// code from other hubs, so hubs running newer lists keep replicating to
// older ones. Thread-safe.
#ifndef CIVHUB_NODE_RECORDS_TAXONOMY_H_
#define CIVHUB_NODE_RECORDS_TAXONOMY_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace civhub::node {

struct TaxonomyTerm {
  const char* code;
  const char* name;
};

absl::Span<const TaxonomyTerm> Topics();
absl::Span<const TaxonomyTerm> OrganizationTypes();
// The codes of Event.event_type: "techcamp" ... "other" (no extensions).
absl::Span<const TaxonomyTerm> EventTypes();

// Lower-case ASCII words joined by single '-', 1-64 bytes.
bool IsWellFormedCode(absl::string_view code);

// Well-formed and either listed or an "x-" extension.
bool IsPublishableTopic(absl::string_view code);
bool IsPublishableOrganizationType(absl::string_view code);

// The Levenshtein distance of `a` and `b`, byte by byte (for short codes
// and names: it takes |a|·|b| steps).
size_t EditDistance(absl::string_view a, absl::string_view b);

// The codes of `terms` someone who typed `given` probably meant, in list
// order: the code itself once lower-cased with '-' for spaces and '_'
// (alone), else the codes or names containing it and the codes within two
// typos of it ("helth" → health). Empty if none.
std::vector<std::string> SimilarCodes(absl::Span<const TaxonomyTerm> terms,
                                      absl::string_view given);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORDS_TAXONOMY_H_
