// The JSON API's query parameters and errors, free of sockets and threads:
// query strings into the Directory's request protos, and absl::Status into
// the HTTP status and JSON error body (docs/api.md, "Errors").
#ifndef CIVHUB_GATEWAY_API_PARAMS_H_
#define CIVHUB_GATEWAY_API_PARAMS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "civhub/v1/directory.pb.h"
#include "gateway/change_feed.h"
#include "http/message.h"

namespace civhub::gateway {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// A bad parameter: INVALID_ARGUMENT whose message starts with the query
// parameter's name and ": " ("near: expected LAT,LON …"), the form
// ErrorResponse turns into {"field": "near"}.
absl::Status ParamError(absl::string_view param, absl::string_view what);

// A country or region code as given in a hand-typed URL ("ke", "ke-30"):
// upper case if that makes it a code (records hold codes upper case), else
// as given, so that the Directory's refusal quotes what was sent ("Perú").
std::string CodeInEitherCase(absl::string_view value,
                             bool (*is_code)(absl::string_view));

// A country as a hand-typed URL gives it: its code in either case, or a
// name that names one country ("kenya", "Perú": node::CountryCodeFor), as
// the code; else as given, for the Directory to refuse with the codes it
// may have meant.
std::string CountryInAnyForm(absl::string_view value);

// GET /v1/search's parameters (text, kind, country, region, topic, type,
// lang, identifier=SCHEME:ID, member_of=ORIGIN/ID, has_member=ORIGIN/ID,
// near=LAT,LON, km, page_size, page_token) as a SearchRequest. `km` needs
// `near` (and defaults to 10 with it). INVALID_ARGUMENT naming the parameter
// for a malformed value, a repeated parameter or one the API does not know
// (a typo must not widen a search). Values the Directory itself checks
// (country codes, hub ids, text length) are passed on for it to judge; a
// country code is upper-cased first ("ke" is KE).
absl::StatusOr<v1::SearchRequest> ParseSearch(const QueryParams& query);

// GET /v1/match's parameters as a MatchRequest: exactly one of
// need=ORIGIN/ID, offer=ORIGIN/ID or want=offer|need; with want, the ad-hoc
// criteria capability=A,B (required), mode=remote|on-site|either,
// near=LAT,LON, km (needs near; without km the matching default radius),
// lang=A,B, from=TIME, to=TIME (RFC 3339) and hours; and page_size,
// page_token. INVALID_ARGUMENT naming the parameter for a malformed,
// repeated or unknown one, and for criteria given with need= or offer=.
// Codes and ranges the Directory checks are passed on for it to judge.
absl::StatusOr<v1::MatchRequest> ParseMatch(const QueryParams& query);

// A Directory::Match error in the API's names: "criteria.mode: …" →
// "mode: …", "criteria.capabilities[1]: …" → "capability: …",
// "criteria.languages[0]: …" → "lang: …", "criteria.window.end: …" →
// "to: …", "criteria.near.radius_km: …" → "km: …"; others unchanged. For
// ErrorResponse, which then names the field.
absl::Status MatchErrorInApiNames(const absl::Status& status);

// page_size and page_token, the only parameters of the list endpoints;
// INVALID_ARGUMENT naming the parameter otherwise.
absl::Status ParsePaging(const QueryParams& query, int32_t* page_size,
                         std::string* page_token);

// Refuses parameters not in `known` (and repeated ones): INVALID_ARGUMENT
// naming the first.
absl::Status CheckParams(const QueryParams& query,
                         const std::vector<absl::string_view>& known);

// What GET /v1/changes asks for: the cursor to resume after (the
// Last-Event-ID header wins over ?after=; both default to 0, the whole
// directory) and the format (?format=sse|ndjson; without it SSE when the
// Accept header names text/event-stream, else NDJSON). INVALID_ARGUMENT
// naming "after", "Last-Event-ID" or "format" for a malformed value.
struct FeedRequest {
  uint64_t after = 0;
  FeedFormat format = FeedFormat::kNdjson;
};
absl::StatusOr<FeedRequest> ParseFeed(const http::Request& request);

// The HTTP status for a gRPC/absl code: INVALID_ARGUMENT, OUT_OF_RANGE,
// FAILED_PRECONDITION 400; NOT_FOUND 404; ALREADY_EXISTS, ABORTED 409;
// PERMISSION_DENIED 403; UNAUTHENTICATED 401; RESOURCE_EXHAUSTED 429
// (413 when `too_large`); DEADLINE_EXCEEDED 504; UNAVAILABLE 503;
// CANCELLED 499; UNIMPLEMENTED 501; anything else 500.
int HttpStatusOf(absl::StatusCode code, bool too_large = false);

// The query parameter a core error names, from the "field: message" form of
// its message ("organization_type: …" → "type", "near.radius_km: …" →
// "km", "member_of.origin: …" → "member_of"); "" if it names none.
std::string ParamOfField(absl::string_view message);

// A core error's message in the API's names: its "field: " prefix
// replaced by the parameter ParamOfField names, with the part of a
// parameter's documented form the field was ("language: …" → "lang: …",
// "near.latitude: …" → "near: LAT …", "member_of.origin: …" →
// "member_of: ORIGIN …", "community.record_id: …" → "id: …"); other
// messages unchanged.
std::string HttpMessageOf(absl::string_view message);

// An error as the API answers it: HttpStatusOf, and the JSON body
// {"code","message","field"} (http::JsonError) with `field` from
// ParamOfField and, for the 400s, the message of HttpMessageOf.
// RESOURCE_EXHAUSTED also gets Retry-After.
http::Response ErrorResponse(const absl::Status& status);

}  // namespace civhub::gateway

#endif  // CIVHUB_GATEWAY_API_PARAMS_H_
