// The documented list of capabilities: what an organization can need and
// what an organization or a volunteer can offer (docs/matchmaking.md,
// "Capabilities"). Codes are well-formed like topics (taxonomy.h).
//
// Capabilities form groups: each listed code is either a group ("web") or
// belongs to exactly one group ("website", "web-development"). Matching
// counts a capability and one in the same group as a partial match, so an
// offer of "web-development" partly meets a need for a "website". The list
// is extensible like the topics: a hub publishes listed codes and "x-"
// local extensions (which belong to no group), and accepts any well-formed
// code from other hubs. Thread-safe: constant tables, pure functions.
#ifndef CIVHUB_NODE_RECORDS_CAPABILITIES_H_
#define CIVHUB_NODE_RECORDS_CAPABILITIES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace civhub::node {

struct Capability {
  const char* code;
  const char* name;
  // The group's code; nullptr for a group.
  const char* group;
};

// Every listed capability, groups and members, sorted by code.
absl::Span<const Capability> Capabilities();

// The entry of `code`; nullptr if the code is not listed.
const Capability* FindCapability(absl::string_view code);

// Well-formed and either listed or an "x-" extension.
bool IsPublishableCapability(absl::string_view code);

// The group `code` belongs to: its group's code for a member, the code
// itself for a group, "" for an unlisted code.
absl::string_view CapabilityGroup(absl::string_view code);

// The codes a search for capability `code` finds records under: the code
// and, for a group, every member of it. Ordered by code.
std::vector<std::string> CapabilityAndMembers(absl::string_view code);

// The listed codes someone who typed `given` probably meant, in list order
// (SimilarCodes in taxonomy.h over the capabilities). Empty if none.
std::vector<std::string> SimilarCapabilities(absl::string_view given);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORDS_CAPABILITIES_H_
