// GET /v1/events.ics: the events this hub holds (its own and every linked
// hub's) as an iCalendar feed calendar apps subscribe to (webcal://),
// written by calendar/ics_writer.h (docs/calendars.md, docs/api.md):
//
//   GET /v1/events.ics?country=&topic=&community=ORIGIN/ID
//       &organization=ORIGIN/ID&from=&to=&lang=
//
// The events are those of the Directory's search with kind=event, the
// filters given and `during` [from, to) (from: an RFC 3339 time or a date
// "2027-05-01", default 30 days ago; to: default a year after from, at most
// the recurrence horizon of 5 years after it). `community` is applied to
// what the search returns (events are not indexed by community). Bounded:
// at most kMaxFeedScan events are read and the kMaxFeedEvents whose first
// occurrence in the window is earliest are written. text/calendar, an ETag
// of the body (304 for If-None-Match), public caching for a minute.
// Parameter errors are the API's JSON errors (400 naming the parameter).
// With GatewayOptions::web_url, each VEVENT's URL is the event's page on the
// web directory (calendar/ics_writer.h).
//
//   GET /v1/events?…the same parameters…
//
// answers the same events as a v1.SearchResponse (proto3 JSON, every hit an
// event, in the feed's order, total_count their number, no pages), with an
// ETag: the JSON API's view of the feed.
#ifndef CIVHUB_GATEWAY_EVENTS_FEED_H_
#define CIVHUB_GATEWAY_EVENTS_FEED_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "civhub/v1/directory.pb.h"
#include "gateway/api_params.h"
#include "gateway/gateway.h"
#include "http/router.h"
#include "node/base/call_gate.h"

namespace civhub::gateway {

inline constexpr size_t kMaxFeedEvents = 500;
inline constexpr size_t kMaxFeedScan = 2000;
inline constexpr absl::Duration kFeedDefaultPast = absl::Hours(24 * 30);

// What a feed asks for, from its query parameters.
struct FeedQuery {
  // kind, country, topic, organization and `during` set; page_size 100.
  v1::SearchRequest search;
  // Empty origin and id: any community.
  v1::RecordRef community;
  absl::Time from, to;
  std::string lang;
};

// Parses the query of GET /v1/events.ics at `now`; INVALID_ARGUMENT naming
// the parameter (ParamError) for an unknown, repeated or malformed one.
absl::StatusOr<FeedQuery> ParseFeedQuery(const QueryParams& query,
                                         absl::Time now);

// Adds both routes. `context` and `gate` must outlive the router.
void AddEventsFeedRoutes(const GatewayOptions& options,
                         const GatewayContext& context, node::CallGate* gate,
                         http::Router* router);

}  // namespace civhub::gateway

#endif  // CIVHUB_GATEWAY_EVENTS_FEED_H_
