// The JSON API under /v1/: the public Directory service as gRPC-JSON
// transcoding would serve it. Each handler calls the same transport-free
// core the gRPC service calls (node::Directory), on the gateway's CallGate
// workers with GatewayOptions::query_deadline, and answers the canonical
// proto3 JSON of the gRPC response (MessageToJsonString, default options).
// docs/api.md describes every path; gateway/openapi.json is its OpenAPI
// document, served at /v1/openapi.json.
//
//   GET /v1/records/{origin}/{record_id}        v1.Record (ETag, 304)
//   GET /v1/search?text=&kind=&…                v1.SearchResponse
//   GET /v1/match?need=|offer=|want=&…          v1.MatchResponse
//   GET /v1/communities/{origin}/{id}/members   v1.ListMembersResponse
//   GET /v1/organizations/{origin}/{id}/communities
//                                               v1.ListCommunitiesResponse
//   GET /v1/changes?after=CURSOR                the Watch feed, streamed
//   GET /v1/hub                                 public part of HubStatus
//   GET /v1/network[?format=dot]                v1.Network (or Graphviz)
//   GET /v1/openapi.json                        the OpenAPI document
//   (GET /v1/events.ics and /v1/events: events_feed.h)
//
// Errors: {"code","message","field"} with the status of HttpStatusOf
// (api_params.h). Every /v1 response carries Access-Control-Allow-Origin: *
// (public data, no credentials).
#ifndef CIVHUB_GATEWAY_API_H_
#define CIVHUB_GATEWAY_API_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "gateway/gateway.h"
#include "gateway/query_runner.h"
#include "node/search/directory.h"

namespace civhub::gateway {

class ChangeFeeds;

// Thread-safe once routes are added. Everything in `context` and `gate`
// must outlive it.
class Api {
 public:
  Api(const GatewayOptions& options, const GatewayContext& context,
      node::CallGate* gate);
  // Stop()s.
  ~Api();

  void AddRoutes(http::Router* router);

  // Ends every change stream and refuses new ones (503). Call after the
  // HTTP server stopped taking requests, before the gate stops.
  // Idempotent.
  void Stop();

 private:
  using Work = QueryWork;
  // RunQuery on the gateway's gate with the query deadline.
  void Run(const http::Request& request, http::Reply reply, Work work);

  void GetRecord(std::shared_ptr<const http::Request> request,
                 http::Reply reply);
  void Search(std::shared_ptr<const http::Request> request, http::Reply reply);
  void Match(std::shared_ptr<const http::Request> request, http::Reply reply);
  // The list endpoints, /v1/{kind}/{origin}/{id}/{list}: page_size and
  // page_token, the path's record in the field `path_record` of the
  // request, answered by the Directory's `list`.
  template <typename ListRequest, typename ListResponse>
  void ListPaged(const http::Request& request, http::Reply reply,
                 v1::RecordRef* (ListRequest::*path_record)(),
                 absl::StatusOr<ListResponse> (node::Directory::*list)(
                     const ListRequest&) const);
  void GetHub(std::shared_ptr<const http::Request> request, http::Reply reply);
  void GetNetwork(std::shared_ptr<const http::Request> request,
                  http::Reply reply);
  void Changes(std::shared_ptr<const http::Request> request, http::Reply reply);

  const GatewayOptions options_;
  const GatewayContext context_;
  node::CallGate* const gate_;
  std::unique_ptr<ChangeFeeds> feeds_;
};

}  // namespace civhub::gateway

#endif  // CIVHUB_GATEWAY_API_H_
