// Search and match latency, into the process-wide metrics registry
// (node/base/metrics.h): the histograms
//   civhub_search_duration_seconds{api="grpc"|"http", class}
//   civhub_match_duration_seconds{api="grpc"|"http", subject}
// The gRPC Directory (server/directory_service.cc) and the HTTP API
// (gateway/) each call ObserveSearch or ObserveMatch once per query they
// answer.
// Thread-safe.
#ifndef CIVHUB_NODE_SEARCH_SEARCH_METRICS_H_
#define CIVHUB_NODE_SEARCH_SEARCH_METRICS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "civhub/v1/directory.pb.h"

namespace civhub::node {

// What a search asks for, as the parts it has, joined by "+" in this
// order: "text" (free text), "filter" (kind, country, region, topic,
// organization type, language, identifier, provider, capability,
// organization, event, dates), "membership" (member_of,
// has_member), "radius" (near); "all" when it has none (a listing). So at
// most 16 classes: "text", "text+filter", "filter+radius", …
std::string SearchClass(const v1::SearchRequest& request);

// Records one search's time. `api`: "grpc" or "http".
void ObserveSearch(const v1::SearchRequest& request, absl::string_view api,
                   absl::Duration elapsed);

// Records one match's time, by what it matches: "need" (offers for a
// need), "offer" (needs for an offer) or "criteria" (ad-hoc criteria).
void ObserveMatch(const v1::MatchRequest& request, absl::string_view api,
                  absl::Duration elapsed);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_SEARCH_SEARCH_METRICS_H_
