// Runs one HTTP API query on the gateway's CallGate: the request's client is
// queued fairly with the others, the query gets the API's deadline, and the
// reply is the query's response or the JSON error of its status (or of the
// gate's refusal: 429 when the client has too many queries waiting, 503
// when the hub is stopping). Shared by /v1 (api.h) and /hsds (hsds_api.h).
#ifndef CIVHUB_GATEWAY_QUERY_RUNNER_H_
#define CIVHUB_GATEWAY_QUERY_RUNNER_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "http/message.h"
#include "node/base/call_gate.h"
#include "node/search/directory.h"

namespace civhub::gateway {

using QueryWork =
    std::function<absl::StatusOr<http::Response>(const node::QueryStop& stop)>;

// Replies with `response` and the CORS header every API response carries
// (the data is public and needs no credentials).
void SendApiResponse(const http::Reply& reply, http::Response response);

// A strong ETag for `body` (a prefix of its SHA-256, quoted), for a
// response built whole: the server answers a matching If-None-Match with
// 304.
std::string BodyEtag(const std::string& body);

// Runs `work` on `gate` for `request`'s client with `deadline_after` from
// now; replies as the file comment says. `gate` must outlive the call.
void RunQuery(node::CallGate* gate, absl::Duration deadline_after,
              const http::Request& request, http::Reply reply, QueryWork work);

}  // namespace civhub::gateway

#endif  // CIVHUB_GATEWAY_QUERY_RUNNER_H_
